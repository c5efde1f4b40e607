"""Crawl progress: a live line on a terminal, plain periodic log lines elsewhere."""

from __future__ import annotations

import logging
import sys
import time
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import MemoryStatsCollector
from twisted.internet import task

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class PlainStatsCollector(MemoryStatsCollector):
    """Scrapy's in-memory stats without StatsCollector.__getattribute__, which runs on every
    attribute read only to warn about a deprecated `spider` argument (zwgk passes none)."""

    __getattribute__ = object.__getattribute__


class ScrapyLogLevel:
    """Scrapy puts its logger at DEBUG (scrapy.utils.log.DEFAULT_LOGGING), so its two debug
    lines per page ("Crawled", "Scraped from") are built as records and then dropped by every
    handler. Below the lowest level a handler takes (LOG_LEVEL, or the root's level when the
    CLI routes records: its log file takes INFO) they are not built at all; -v still shows them."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ScrapyLogLevel:
        value = crawler.settings.get("LOG_LEVEL")
        level = value if isinstance(value, int) else logging.getLevelName(str(value).upper())
        if isinstance(level, int):
            root = logging.getLogger().level  # NOTSET (0) under `scrapy crawl`: Scrapy's handler decides
            logging.getLogger("scrapy").setLevel(min(level, root) if root else level)
        return cls()


class ProgressReporter:
    """Counts stored pages per unit; on a TTY redraws one status line every second."""

    def __init__(self, crawler: Crawler, interval: float, live: bool):
        self.crawler = crawler
        self.interval = interval
        self.live = live
        self.pages = 0
        self.problems = 0
        self.units: set[str] = set()
        self.started = time.monotonic()
        self._loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressReporter:
        mode = crawler.settings.get("ZWGK_PROGRESS", "auto")
        if mode == "off":
            raise NotConfigured
        live = mode == "on" or (mode == "auto" and sys.stderr.isatty())
        interval = 1.0 if live else 30.0
        o = cls(crawler, interval, live)
        crawler.signals.connect(o.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(o.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(o.spider_closed, signal=signals.spider_closed)
        return o

    def spider_opened(self, spider) -> None:
        self._loop = task.LoopingCall(self.report)
        self._loop.start(self.interval, now=False)

    def item_scraped(self, item, response, spider) -> None:
        self.pages += 1
        page = getattr(item, "page", item)  # a FetchedPage wraps its record; a reused page is flat
        self.units.add(page.unit_id)
        if getattr(page, "fetch_status", "ok") != "ok":
            self.problems += 1

    def line(self) -> str:
        elapsed = time.monotonic() - self.started
        total = len(getattr(self.crawler.spider, "units", []) or [])
        return (
            f"pages {self.pages} | units reached {len(self.units)}/{total} | "
            f"not ok {self.problems} | {elapsed:.0f}s"
        )

    def report(self) -> None:
        if self.live:
            sys.stderr.write("\r" + self.line() + "  ")
            sys.stderr.flush()
        else:
            logger.info("progress: %s", self.line())

    def spider_closed(self, spider, reason) -> None:
        if self._loop and self._loop.running:
            self._loop.stop()
        if self.live:
            sys.stderr.write("\r" + self.line() + f" | {reason}\n")
            sys.stderr.flush()
        else:
            logger.info("progress: %s | %s", self.line(), reason)
