"""Downloader middlewares of the zwgk crawler."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class OffsiteForUnit(IgnoreRequest):
    """A request (usually a redirect) that left the unit's allowed domains or paths."""


class UnitScopeMiddleware:
    """Never fetch outside the scope of the unit a request belongs to.

    The spider only follows in-scope links; this guard also catches redirects that
    lead elsewhere, which Scrapy re-schedules with the original request's meta.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> UnitScopeMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        unit_id = request.meta.get("zwgk_unit")
        if unit_id is None:  # robots.txt and other framework requests
            return
        units = getattr(self.crawler.spider, "units_by_id", {})
        unit = units.get(unit_id)
        if unit is None or not unit.in_scope(request.url):
            self.crawler.stats.inc_value("zwgk/offsite_blocked")
            raise OffsiteForUnit(f"outside the scope of unit {unit_id}: {request.url}")


class RedirectEveryURLMiddleware(RedirectMiddleware):
    """Scrapy's redirect handling, except that a redirect is followed even when its target
    was already fetched: otherwise the old URL (a link someone published) would vanish from
    the record instead of being stored as redirected. REDIRECT_MAX_TIMES still bounds loops."""

    def process_response(self, request, response, spider=None):
        result = super().process_response(request, response)
        if isinstance(result, Request) and result is not request:
            return result.replace(dont_filter=True)
        return result


# In an ASCII-compatible encoding (UTF-8, GBK, GB18030, Big5) a meta refresh is these bytes;
# Scrapy reads the first 4,096 characters, at most 16 KiB of such text. Text in UTF-16/32
# holds NULs; the stateful or EBCDIC encodings a page may declare are left to Scrapy.
_OTHER_ENCODING = re.compile(rb"charset\s*=\s*[\"']?\s*(?:iso-?2022|utf-?7|hz|cp500|cp037|ibm|ebcdic)", re.I)
_HEAD_BYTES = 4096 * 4


class QuickMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's meta refresh handling, skipped for a page that cannot hold one. Scrapy decodes
    every whole body to look (response.text: encoding detection, a Unicode copy of the
    page), a few percent of the reactor's time; the extraction decodes it again anyway."""

    def process_response(self, request, response, spider=None):
        head = response.body[:_HEAD_BYTES]
        lowered = head.lower()  # bytes.lower() folds ASCII only, as re.I does for a bytes pattern
        if not (b"refresh" in lowered or b"\x00" in head or b"charset" in lowered and _OTHER_ENCODING.search(head)
                or _OTHER_ENCODING.search(response.headers.get(b"Content-Type") or b"")):
            return response
        return super().process_response(request, response)


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, fixed for requests that wait for the same robots.txt.

    Scrapy awaits the pending per-host Deferred through ``asFuture()``, which consumes its
    result: the first waiting request gets the parser, every other one gets None, which
    means "allow everything". A page linking to many URLs of a new host (or a second
    crawler process handing over queued requests) then fetched disallowed URLs. Here each
    waiter gets its own Deferred, chained so the result is passed on.
    """

    async def robot_parser(self, request: Request):
        netloc = urlparse_cached(request).netloc
        pending = self._parsers.get(netloc)
        if isinstance(pending, Deferred):
            mine: Deferred = Deferred()

            def relay(result):
                mine.callback(result)
                return result  # keep it for the next waiter

            pending.addBoth(relay)
            return await maybe_deferred_to_future(mine)
        return await super().robot_parser(request)
