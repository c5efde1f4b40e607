"""What a crawl already has: resuming a killed run, and revisiting the previous crawl cheaply.

Both use the pages stored in SQLite, the durable output of the crawl stage:

* **Resume** (``--resume``): pages the interrupted run already stored are not fetched
  again. The spider walks the same graph, replaying stored pages from the database, so
  the resumed run ends with the same pages an uninterrupted one would have.
* **Revisit** (incremental crawls for cron): against the newest finished crawl of the
  same units, home, list and other pages are revalidated with a conditional GET
  (If-None-Match / If-Modified-Since); a 304 reuses the stored page. Articles and
  attachments fetched less than ``ZWGK_REVISIT_AFTER_DAYS`` ago are carried over
  without a request (by the spider, where it finds their link): published documents
  rarely change, and the columns that list new ones are always re-read.

A replayed page is followed through the links stored with it, so nothing is parsed again.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from scrapy.http import Response
from scrapy.responsetypes import responsetypes

from crawler import store
from crawler.store import StoredPage
from rules.vocab import DOCUMENT_KINDS

if TYPE_CHECKING:
    import sqlite_utils
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class RevisitIndex:
    """The pages of the resumed run and of the previous crawl, looked up by (unit, url)."""

    def __init__(self, db: sqlite_utils.Database, *, crawl_id: int, resumed: bool,
                 previous_crawl_id: int | None, revisit_after_days: float, now: dt.datetime | None = None,
                 units: set[str] | None = None):
        self.db = db
        self.units = units  # only these units' pages (a crawl part holds its own units' only)
        self.crawl_id = crawl_id
        self.previous_crawl_id = previous_crawl_id
        self.revisit_after = dt.timedelta(days=revisit_after_days)
        self.now = now or dt.datetime.now(dt.timezone.utc)
        self.current = self._load(crawl_id) if resumed else {}
        self.previous = self._load(previous_crawl_id) if previous_crawl_id else {}
        logger.info("revisit: %d pages of this run already stored, %d pages of crawl %s to revisit",
                    len(self.current), len(self.previous), previous_crawl_id)

    def _load(self, crawl_id: int) -> dict[tuple[str, str], StoredPage]:
        return {(page.unit_id, page.url): page for page in store.replayable_pages(self.db, crawl_id)
                if self.units is None or page.unit_id in self.units}

    def links(self, crawl_id: int, unit_id: str, url: str) -> list[tuple[str, int]]:
        return store.page_links(self.db, crawl_id, unit_id, url)

    def body(self, page: StoredPage) -> bytes:
        if page.body_sha256 is None:
            return b""
        return store.load_body(self.db, page.body_sha256) or b""

    def previous_page(self, unit_id: str, url: str) -> StoredPage | None:
        return self.previous.get((unit_id, url))

    def carry_over(self, page: StoredPage) -> bool:
        """A document fetched recently enough is carried over without a request."""
        if page.kind not in DOCUMENT_KINDS or page.fetch_status != "ok" or self.revisit_after <= dt.timedelta(0):
            return False
        try:
            fetched = dt.datetime.fromisoformat(page.fetched_at)
        except (TypeError, ValueError):
            return False
        return self.now - fetched < self.revisit_after

    def replay(self, request: Request, page: StoredPage, how: str) -> Response:
        """The stored page as a response to `request`, flagged with how it was reused."""
        body = self.body(page)
        headers = {"Content-Type": page.content_type} if page.content_type else {}
        url = page.final_url or page.url
        cls = responsetypes.from_args(headers=headers, url=url, body=body[:1024])
        request.meta["zwgk_stored"] = how
        request.meta["zwgk_stored_page"] = page
        if url != request.url:
            request.meta.setdefault("redirect_urls", [request.url])
        return cls(url=url, status=page.status or 200, headers=headers, body=body, request=request,
                   flags=["zwgk-stored"])


class RevisitMiddleware:
    """Downloader middleware: serves a resumed run's stored pages instead of fetching them
    again, and revalidates the previous crawl's pages with conditional requests.

    Placed after the scope guard and before robots.txt: a stored page was allowed when
    it was fetched, and needs no request now.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RevisitMiddleware:
        return cls(crawler)

    def _index(self) -> RevisitIndex | None:
        return getattr(self.crawler.spider, "revisit", None)

    def process_request(self, request: Request):
        index = self._index()
        unit_id = request.meta.get("zwgk_unit")
        if index is None or unit_id is None or request.meta.get("zwgk_rerender"):
            return None
        if request.meta.get("redirect_urls"):
            # A redirect's next hop is fetched as is: the stored page is the first URL's, and
            # the validators copied from the first request do not belong to this URL.
            request.meta.pop("zwgk_revalidating", None)
            request.headers.pop(b"If-None-Match", None)
            request.headers.pop(b"If-Modified-Since", None)
            return None
        key = (unit_id, request.url)
        stats = self.crawler.stats
        page = index.current.get(key)
        if page is not None:
            stats.inc_value("zwgk/revisit/resumed")
            return index.replay(request, page, "resumed")
        # (Documents to carry over never get here: the spider carries them where it finds
        # their link, without a request.)
        page = index.previous.get(key)
        if page is None:
            return None
        if page.fetch_status == "ok" and page.body_sha256 and (page.etag or page.last_modified):
            if page.etag:
                request.headers[b"If-None-Match"] = page.etag
            if page.last_modified:
                request.headers[b"If-Modified-Since"] = page.last_modified
            request.meta["zwgk_revalidating"] = page
        return None

    def process_response(self, request: Request, response: Response):
        page = request.meta.get("zwgk_revalidating")
        if page is None or response.status != 304:
            return response
        index = self._index()
        if index is None:
            return response
        self.crawler.stats.inc_value("zwgk/revisit/not_modified")
        return index.replay(request, page, "not_modified")
