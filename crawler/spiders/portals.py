"""Spiders that crawl each unit's portal within its scope and record every URL they meet."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import scrapy
from scrapy.exceptions import UsageError
from scrapy.utils.asyncio import is_asyncio_available
from scrapy import signals
from scrapy.http import Response

from crawler import cms
from crawler.extract import extract, parse_cn_date
from crawler.extraction_pool import ExtractionPool, worker_count
from crawler.items import FetchedPage, ReusedPageItem
from crawler.revisit import RevisitIndex
from crawler.failures import closed_before_answer, failed_page
from crawler.spiders.responses import _has_script_pager, _header, _is_html, _page_text
from crawler.units import Unit, UnitsError, default_units_path, load_units, select_units
from rules.model import LinkRecord, ListItem, PageRecord
from rules.vocab import BLOCKING_HTTP_CODES, DEPARTMENT_KINDS, GOVERNMENT_KINDS

logger = logging.getLogger(__name__)

# Error statuses reach the callback (recorded as pages) instead of being dropped;
# 3xx stay out of the list so RedirectMiddleware still follows redirects.
ERROR_STATUSES = list(range(400, 600))


BEIJING = ZoneInfo("Asia/Shanghai")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class PortalSpider(scrapy.Spider):
    """Crawls every unit of the registry (or those given with ``-a unit=ID[,ID…]``).

    Arguments: ``-a units=FILE`` (units registry, default: the shipped Meizhou file),
    ``-a unit=ID[,ID…]`` (limit to some units).
    """

    name = "portals"
    unit_kinds: tuple[str, ...] = ()  # empty: every kind

    def __init__(self, units: str | None = None, unit: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self._units_arg = units
        self._unit_arg = unit
        self.units: list[Unit] = []
        self.units_by_id: dict[str, Unit] = {}
        self.units_file: Path = default_units_path()
        self.scheduled: dict[str, set[str]] = {}
        self.followed: dict[str, set[str]] = {}  # per unit: in scope, claimed (see _parse_page)
        self.crawl_id: int | None = None
        self.revisit: RevisitIndex | None = None  # set by the pipeline once the run is open
        self.extraction: ExtractionPool | None = None

    @classmethod
    def update_settings(cls, settings) -> None:
        super().update_settings(settings)
        # Scrapy starts CONCURRENT_ITEMS (100) tasks per response to process its output in
        # parallel; our pipeline is synchronous, so that was ~100 idle asyncio tasks per page.
        settings.set("CONCURRENT_ITEMS", 1, priority="spider")
        if not settings.get("ZWGK_REDIS_URL"):
            # Many polite sites at once (crawler/scheduling.py); a distributed crawl keeps
            # scrapy-redis's shared queue (crawler/distributed.py).
            settings.set("SCHEDULER", "crawler.scheduling.SiteScheduler", priority="spider")
            settings.set("DOWNLOADER", "crawler.scheduling.SiteDownloader", priority="spider")

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> PortalSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._configure(crawler.settings)
        return spider

    @classmethod
    def check_arguments(cls, settings, units: str | None = None, unit: str | None = None, **_: Any) -> tuple[Path, list[Unit]]:
        """The units this spider would crawl; UnitsError for a bad file or unknown id."""
        path = Path(units or settings.get("ZWGK_UNITS_FILE") or default_units_path())
        ids = [i.strip() for i in (unit or "").split(",") if i.strip()]
        chosen = select_units(load_units(path), ids, cls.unit_kinds)
        if not chosen:
            raise UnitsError(f"{path}: no units of kind {', '.join(cls.unit_kinds)} to crawl")
        return path, chosen

    def _configure(self, settings) -> None:
        try:
            self.units_file, self.units = self.check_arguments(settings, self._units_arg, self._unit_arg)
        except UnitsError as exc:
            # `scrapy crawl` checks first (crawler/commands/crawl.py); this guards other callers.
            raise UsageError(str(exc), print_help=False) from None
        self.units_by_id = {u.id: u for u in self.units}
        self.max_pages = settings.getint("ZWGK_MAX_PAGES_PER_UNIT", 2000)
        self.render = str(settings.get("ZWGK_RENDER", "auto")).lower() not in ("off", "0", "false", "no")
        self.gkml_api = str(settings.get("ZWGK_GKML_API", True)).lower() not in ("off", "0", "false", "no")
        self.max_text = settings.getint("ZWGK_MAX_TEXT_CHARS", 100_000)
        self.max_list_pages = settings.getint("ZWGK_MAX_LIST_PAGES", 30)
        self.max_query_variants = settings.getint("ZWGK_MAX_QUERY_VARIANTS", 100)
        self.depth_limit = settings.getint("DEPTH_LIMIT", 0)
        self.query_variants: dict[tuple[str, str, str], int] = {}
        self.extract_workers = worker_count(settings.get("ZWGK_EXTRACT_WORKERS", "auto"))

    def _extraction_pool(self) -> ExtractionPool | None:
        """The pool, started at the first page (the reactor runs by then): awaiting its
        results needs the asyncio reactor, Scrapy's default."""
        if self.extraction is None and self.extract_workers and is_asyncio_available():
            self.extraction = ExtractionPool(self.extract_workers)
            self.crawler.signals.connect(self.extraction.close, signal=signals.spider_closed)
        return self.extraction

    async def start(self):
        for unit in self.units:
            for url in unit.start_urls:
                request = self._request(unit, url)
                if request is not None:
                    yield request

    def _claim(self, unit: Unit, url: str) -> bool:
        """Whether `url` is new for this unit and within its limits; it is then taken."""
        seen = self.scheduled.setdefault(unit.id, set())
        if url in seen:  # most links repeat (navigation); the dupefilter need not see them
            return False
        if len(seen) >= self.max_pages:
            self.crawler.stats.inc_value(f"zwgk/page_limit_reached/{unit.id}")
            return False
        if self._is_trap(unit, url):
            return False
        seen.add(url)
        return True

    def _follow(self, unit: Unit, url: str, depth: int) -> list:
        """What following a link at `depth` yields: a request, or, for a document the
        previous crawl fetched recently, that page carried over with no request at all
        (and, the same way, the documents it links to)."""
        page = self._carry_candidate(unit, url)
        if page is None:
            request = self._request(unit, url)
            return [request] if request is not None else []
        if not self._claim(unit, url):
            return []
        out: list = []
        stack = [(page, depth)]
        while stack:
            page, depth = stack.pop()
            if self.depth_limit and depth > self.depth_limit:
                continue  # as DepthMiddleware drops a request beyond DEPTH_LIMIT
            self.crawler.stats.inc_value("zwgk/revisit/carried")
            out.append(ReusedPageItem(unit_id=unit.id, url=page.url, source_page_id=page.id, change="carried",
                                      fetched_at=page.fetched_at))
            for to_url, in_scope in self.revisit.links(page.crawl_id, unit.id, page.url):
                if not in_scope or not unit.in_scope(to_url):
                    continue
                linked = self._carry_candidate(unit, to_url)
                if linked is None:
                    request = self._request(unit, to_url)
                    if request is not None:
                        out.append(request)
                elif self._claim(unit, to_url):
                    stack.append((linked, depth + 1))
        return out

    def _carry_candidate(self, unit: Unit, url: str):
        if self.revisit is None or (unit.id, url) in self.revisit.current:
            return None  # (a page of a resumed run is replayed by the middleware)
        if self.render and any(pattern in url for pattern in unit.render):
            return None
        page = self.revisit.previous_page(unit.id, url)
        return page if page is not None and self.revisit.carry_over(page) else None

    def _request(self, unit: Unit, url: str, *, form: dict[str, str] | None = None,
                 column: list[str] | None = None) -> scrapy.Request | None:
        """A GET of `url`, or with `form` a POST of a list's further records (Hanweb's pager),
        stored as a list page of `column`."""
        if not self._claim(unit, url):
            return None
        if self.render and form is None and any(pattern in url for pattern in unit.render):
            return self._render_request(unit, url)
        meta = {
            "zwgk_unit": unit.id,
            "handle_httpstatus_list": ERROR_STATUSES,
            # One politeness slot per site (host:port): departments inside the city
            # portal share the city portal's slot.
            "download_slot": urlsplit(url).netloc.lower(),
        }
        if form is not None:
            return scrapy.FormRequest(url, formdata=form, callback=self.parse_page, errback=self.on_error,
                                      meta=meta | {"zwgk_records_of": column or []})
        return scrapy.Request(url, callback=self.parse_page, errback=self.on_error, meta=meta)

    def _more_list_pages(self, unit: Unit, response: Response, column: list[str]):
        """A list's further pages that its script pager (TRS, Hanweb) would load."""
        if not _has_script_pager(response.body):
            return []
        text = _page_text(response)
        urls, capped = cms.trs_pager_urls(text, response.url, self.max_list_pages)
        posts, capped_posts = cms.hanweb_pages(text, response.url, self.max_list_pages)
        self._note_capped(unit, response.url, capped or capped_posts)
        requests = [self._request(unit, url) for url in urls]
        requests += [self._request(unit, url, form=form, column=column) for url, form in posts]
        return [r for r in requests if r is not None]

    def _note_capped(self, unit: Unit, url: str, capped: bool) -> None:
        """A list longer than ZWGK_MAX_LIST_PAGES pages: the crawl says so in its stats."""
        if capped:
            self.crawler.stats.inc_value(f"zwgk/list_pages_capped/{unit.id}")
            logger.info("list pages capped at %d: %s", self.max_list_pages, url)

    def _is_trap(self, unit: Unit, url: str) -> bool:
        """Crawler traps: endless calendars and paginations vary the query string of one
        path; broken relative links repeat path segments (/a/b/a/b/…). Both are capped."""
        parts = urlsplit(url)
        segments = [s for s in parts.path.split("/") if s]
        if segments and max(segments.count(s) for s in segments) > 3:
            self.crawler.stats.inc_value(f"zwgk/trap_repeated_segments/{unit.id}")
            return True
        if parts.query:
            key = (unit.id, parts.netloc, parts.path)
            count = self.query_variants.get(key, 0)
            if count >= self.max_query_variants:
                self.crawler.stats.inc_value(f"zwgk/trap_query_variants/{unit.id}")
                return True
            self.query_variants[key] = count + 1
        return False

    def _render_request(self, unit: Unit, url: str, rerender: bool = False) -> scrapy.Request:
        """The same URL again, through Chromium, for a list its scripts build."""
        return scrapy.Request(
            url,
            callback=self.parse_page,
            errback=self.on_error,
            dont_filter=True,
            meta={
                "zwgk_unit": unit.id,
                "handle_httpstatus_list": ERROR_STATUSES,
                "download_slot": urlsplit(url).netloc.lower(),
                "playwright": True,
                # By name, with the scope as plain data: requests must pickle (JOBDIR, Redis).
                "playwright_page_init_callback": "crawler.addons.stay_in_scope",
                "zwgk_scope": [list(unit.allowed_domains), list(unit.allowed_paths)],
                "zwgk_rerender": rerender,
            },
        )

    def _reuse_stored(self, response: Response):
        """A page served from the store (crawler/revisit.py): follow its stored links.

        Returns None when the page must be parsed again: a gkmlpt directory or a list with a
        script pager, whose further requests come from its script, or a script-built list still
        to be rendered."""
        page = response.meta["zwgk_stored_page"]
        how = response.meta["zwgk_stored"]
        unit = self.units_by_id[response.meta["zwgk_unit"]]
        if page.fetch_status == "ok" and (
            (self.gkml_api and b"_CONFIG" in response.body) or _has_script_pager(response.body)
            or (page.script_built and not page.rendered and self.render and how == "resumed")
        ):
            return None
        out = []
        if how == "not_modified":  # (a resumed page is already in this run)
            out.append(ReusedPageItem(unit_id=unit.id, url=page.url, source_page_id=page.id, change=how,
                                      fetched_at=_now()))
        if page.fetch_status == "ok":
            depth = response.meta.get("depth", 0) + 1
            for to_url, in_scope in self.revisit.links(page.crawl_id, unit.id, page.url):
                if in_scope and unit.in_scope(to_url):
                    out.extend(self._follow(unit, to_url, depth))
        return out

    async def parse_page(self, response: Response):
        """Extraction runs in the pool (crawler/extraction_pool.py) while the reactor goes on
        downloading; what follows from the content is decided here, as before."""
        content = None
        if not response.meta.get("zwgk_stored") and self._extraction_pool() is not None:
            content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").strip() or None
            if response.meta.get("zwgk_records_of") is not None or _is_html(response, content_type):
                content = await self.extraction.extract(response.body, response.url, content_type,
                                                        max_text_chars=self.max_text,
                                                        fetch_date=dt.datetime.now(BEIJING).date())
        for out in self._parse_page(response, content):
            yield out

    def _parse_page(self, response: Response, content=None):
        unit = self.units_by_id[response.meta["zwgk_unit"]]
        if response.meta.get("zwgk_render_blocked"):
            self.crawler.stats.inc_value("zwgk/render_blocked_offsite", response.meta["zwgk_render_blocked"])
        if response.meta.get("zwgk_stored"):
            reused = self._reuse_stored(response)
            if reused is not None:
                yield from reused
                return
        original = response.meta.get("redirect_urls", [response.url])[0]
        status = response.status
        if status in BLOCKING_HTTP_CODES:
            fetch_status = "blocked"
        elif status >= 400:
            fetch_status = "http_error"
        else:
            fetch_status = "ok"
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").strip() or None
        referer = response.request.headers.get(b"Referer")
        fetched = dict(
            unit_id=unit.id,
            url=original,
            final_url=response.url,
            redirected=original != response.url,
            status=status,
            fetch_status=fetch_status,
            fetched_at=_now(),
            content_type=content_type,
            depth=response.meta.get("depth", 0),
            referer=referer.decode("latin-1") if referer else None,
            size=len(response.body),
            rendered=bool(response.meta.get("playwright")),
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
        )
        # A page already in this run (resumed) is parsed again only for the requests it yields.
        keep = response.meta.get("zwgk_stored") != "resumed"
        records_of = response.meta.get("zwgk_records_of")  # a Hanweb pager's records (XML)
        if records_of is None and not _is_html(response, content_type):
            if keep:
                page = PageRecord(**fetched, kind="attachment" if fetch_status == "ok" else "other")
                yield self._mark_change(page, response)
            return

        # Year-less row dates ("07-13") are never later than the day the page was fetched, as the
        # portal's readers (Beijing time) saw it.
        if content is None:
            content = extract(response.body, response.url, content_type, max_text_chars=self.max_text,
                              fetch_date=dt.datetime.now(BEIJING).date())
        if records_of is not None:
            content = dataclasses.replace(content, kind="list", column_path=tuple(records_of),
                                          title=records_of[-1] if records_of else content.title)
        if fetch_status == "ok":
            for request in self._more_list_pages(unit, response, list(content.column_path)):
                yield request
        if self.gkml_api and fetch_status == "ok" and b"_CONFIG" in response.body:
            yield from self._gkml_api_requests(unit, response, list(content.column_path))
        if content.script_built and self.render and not fetched["rendered"] and fetch_status == "ok":
            # The static list is empty and a script fills it: fetch it once more in Chromium.
            # The static row is kept (as script-built, unrendered) unless the render succeeds.
            yield self._render_request(unit, response.url, rerender=True)
        follow = fetch_status == "ok"
        depth = response.meta.get("depth", 0) + 1
        links: dict[str, LinkRecord] = {}
        claimed = self.scheduled.setdefault(unit.id, set())
        # Links already followed from a page of this unit: in scope, and following them again
        # yields nothing (claimed). Most links are these (navigation repeats on every page).
        followed = self.followed.setdefault(unit.id, set())
        for link in content.links:
            url = link.to_url
            if url in links:
                continue
            if url in followed:
                links[url] = link if link.in_scope else link._replace(in_scope=True)
                continue
            in_scope = unit.in_scope(url)
            links[url] = link if link.in_scope == in_scope else link._replace(in_scope=in_scope)
            if follow and in_scope:
                yield from self._follow(unit, url, depth)
                if url in claimed:
                    followed.add(url)
        if keep:
            is_home = original in unit.start_urls or response.url in unit.start_urls
            page = PageRecord(**vars(content) | fetched | {
                "kind": "home" if is_home else content.kind, "links": tuple(links.values()),
                "content_sha256": hashlib.sha256(content.text.encode("utf-8")).hexdigest()})
            yield self._mark_change(page, response)

    def _mark_change(self, page: PageRecord, response: Response) -> FetchedPage:
        """Versus the crawl this one revisits: new, changed or unchanged (by content hash)."""
        change = response.meta.get("zwgk_stored")
        if not change and self.revisit is not None and self.revisit.previous_crawl_id is not None:
            previous = self.revisit.previous_page(page.unit_id, page.url)
            if previous is None:
                change = "new"
            elif page.content_sha256 is not None:
                change = "unchanged" if page.content_sha256 == previous.content_sha256 else "changed"
            else:
                body_sha = hashlib.sha256(response.body).hexdigest()
                change = "unchanged" if body_sha == previous.body_sha256 else "changed"
        return FetchedPage(dataclasses.replace(page, change=change) if change else page, response.body)

    def _gkml_api_requests(self, unit: Unit, response: Response, column_path: list[str]):
        """A gkmlpt directory page names its site id and category tree in window._CONFIG;
        its lists come from /gkmlpt/api/all/{category}: exact, and no browser needed."""
        config = cms.gkml_config(_page_text(response))
        if config is None:
            self.crawler.stats.inc_value(f"zwgk/gkml_config_unreadable/{unit.id}")
            return  # rendering remains the fallback
        sid, leaves = config
        for node in leaves:
            yield from self._gkml_api_request(unit, cms.gkml_api_url(response.url, node["id"], sid),
                                              [*column_path, str(node.get("name", ""))])

    def _gkml_api_request(self, unit: Unit, url: str, column: list[str]):
        request = self._request(unit, url)
        if request is not None:
            request.callback = self.parse_gkml_api
            request.meta["zwgk_gkml_column"] = column
            yield request

    def parse_gkml_api(self, response: Response):
        """One gkmlpt category's list, from its JSON, stored as a list page of that column."""
        unit = self.units_by_id[response.meta["zwgk_unit"]]
        if response.meta.get("zwgk_stored"):
            yield from self._reuse_stored(response) or ()
            return
        column = response.meta.get("zwgk_gkml_column", [])
        fetch_status = "ok" if response.status < 400 else "http_error"
        kind, items, links = "list", [], []
        try:
            data = json.loads(response.body[:5_000_000])
            articles = data.get("articles") or []
        except (ValueError, AttributeError):
            kind, articles = "other", []
        if fetch_status == "ok" and kind == "list" and "page=1&" in response.url:
            more, capped = cms.gkml_more_pages(response.url, data, self.max_list_pages)
            self._note_capped(unit, response.url, capped)
            for url in more:
                yield from self._gkml_api_request(unit, url, column)
        for article in articles[:2000]:
            if not isinstance(article, dict) or not article.get("url"):
                continue
            url = urljoin(response.url, str(article["url"]))
            stamp = article.get("display_publish_time") or article.get("created_at") or ""
            date = parse_cn_date(str(stamp)) if stamp else None
            title = str(article.get("title", ""))[:300]
            items.append(ListItem(title, url, date))
            in_scope = unit.in_scope(url)
            links.append(LinkRecord(url, title, None, in_scope))
            if in_scope and fetch_status == "ok":
                yield from self._follow(unit, url, response.meta.get("depth", 0) + 1)
        page = PageRecord(
            unit_id=unit.id, url=response.meta.get("redirect_urls", [response.url])[0], final_url=response.url,
            status=response.status, fetch_status=fetch_status, fetched_at=_now(),
            content_type=response.headers.get(b"Content-Type", b"").decode("latin-1") or None,
            depth=response.meta.get("depth", 0), size=len(response.body), kind=kind,
            title=column[-1] if column else "", column_path=tuple(column), list_items=tuple(items), links=tuple(links),
        )
        yield self._mark_change(page, response)

    def on_error(self, failure):
        request = failure.request
        unit_id = request.meta.get("zwgk_unit")
        if unit_id is None:
            return
        original = request.meta.get("redirect_urls", [request.url])[0]
        exc = failure.value
        if request.meta.get("zwgk_rerender"):
            # A failed render must not overwrite the static record: the page stays
            # script-built and unrendered, which audits report as 'unknown'.
            self.crawler.stats.inc_value(f"zwgk/render_failed/{unit_id}")
            logger.warning("rendering %s failed: %s", request.url, exc)
            return
        if (request.meta.get("zwgk_records_of") is not None and not request.meta.get("zwgk_resent")
                and closed_before_answer(exc)):
            # A Hanweb pager post sent on a kept-alive connection the server had just closed
            # got no answer, and Twisted resends only GETs. The post is a read-only query:
            # sent once more, on a new connection, as Twisted does for a GET.
            self.crawler.stats.inc_value("zwgk/pager_post_resent")
            yield request.replace(dont_filter=True, meta=request.meta | {"zwgk_resent": True})
            return
        unit = self.units_by_id.get(unit_id)
        page = failed_page(request, exc, unit_id, home=unit is not None and original in unit.start_urls,
                           fetched_at=_now())
        self.crawler.stats.inc_value(f"zwgk/failure/{page.fetch_status}")
        logger.debug("%s %s: %s", page.fetch_status, request.url, exc)
        yield FetchedPage(page)


class CountyPortalsSpider(PortalSpider):
    """Government portals: the county-level governments and the municipal government and office."""

    name = "county_portals"
    unit_kinds = GOVERNMENT_KINDS


class DepartmentPortalsSpider(PortalSpider):
    """The municipal departments' sites (sections of the municipal portal)."""

    name = "department_portals"
    unit_kinds = DEPARTMENT_KINDS
