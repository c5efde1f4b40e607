"""Downloader middlewares of the zwgk crawler."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import IgnoreRequest

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
