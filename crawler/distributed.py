"""One crawl shared by several processes or machines, on scrapy-redis.

With ``ZWGK_REDIS_URL`` set, the scheduler queue and the duplicate filter live in Redis
(scrapy-redis), under keys named by ``ZWGK_REDIS_JOB``: every process started with the
same URL and job takes requests from the same queue, and a URL one of them fetched is
never fetched by another. Each process writes its pages to its own SQLite file;
``zwgk merge`` then joins the parts into one crawl run (SQLite is not a network
database, so machines do not share a file).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from time import monotonic
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy_redis.dupefilter import RFPDupeFilter
from w3lib.url import canonicalize_url

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

logger = logging.getLogger(__name__)

# Keys stay this long after a process closes, so late processes of the same job still
# see what was fetched, and an abandoned job cleans itself up.
KEY_TTL_SECONDS = 7 * 24 * 3600


class UnitRFPDupeFilter(RFPDupeFilter):
    """scrapy-redis's duplicate filter, with the unit in the fingerprint (as the local one):
    the city office and a department sharing a host each crawl the shared URL."""

    def request_fingerprint(self, request: Request) -> str:
        data = {
            "method": request.method,
            "url": canonicalize_url(request.url),
            "body": (request.body or b"").hex(),
            "unit": request.meta.get("zwgk_unit"),
            "render": bool(request.meta.get("playwright")),
        }
        return hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest()


class DistributedCrawl:
    """Add-on: switches the scheduler to scrapy-redis when ZWGK_REDIS_URL is set."""

    def update_settings(self, settings: Settings) -> None:
        url = settings.get("ZWGK_REDIS_URL")
        if not url:
            return
        settings.set("REDIS_URL", url, priority="addon")
        settings.set("SCHEDULER", "scrapy_redis.scheduler.Scheduler", priority="addon")
        settings.set("DUPEFILTER_CLASS", "crawler.distributed.UnitRFPDupeFilter", priority="addon")
        settings.set("SCHEDULER_DUPEFILTER_CLASS", "crawler.distributed.UnitRFPDupeFilter", priority="addon")
        # Never flush on close: another process may still be working on the same queue.
        settings.set("SCHEDULER_PERSIST", True, priority="addon")
        settings.set("SCHEDULER_FLUSH_ON_START", False, priority="addon")
        # Breadth-first, as the local scheduler (DEPTH_PRIORITY=1 gives deeper pages lower priority).
        settings.set("SCHEDULER_QUEUE_CLASS", "scrapy_redis.queue.PriorityQueue", priority="addon")
        # All processes of one crawl share a job name (default: the spider and today's date).
        job = settings.get("ZWGK_REDIS_JOB") or dt.date.today().isoformat()
        if "%" in job or not job.strip():
            job = job.replace("%", "_").strip() or "job"
        settings.set("SCHEDULER_QUEUE_KEY", f"zwgk:{job}:%(spider)s:requests", priority="addon")
        settings.set("SCHEDULER_DUPEFILTER_KEY", f"zwgk:{job}:%(spider)s:dupefilter", priority="addon")


class RedisKeysJanitor:
    """Names the Redis keys after the job (not only the spider) and gives them a TTL at close."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisKeysJanitor:
        if not crawler.settings.get("ZWGK_REDIS_URL"):
            raise NotConfigured
        o = cls(crawler)
        crawler.signals.connect(o.spider_closed, signal=signals.spider_closed)
        return o

    def spider_closed(self, spider, reason: str) -> None:
        scheduler = self.crawler.engine.scheduler if self.crawler.engine else None
        server = getattr(scheduler, "server", None)
        if server is None:
            return
        for key in (scheduler.queue.key, scheduler.df.key):
            server.expire(key, KEY_TTL_SECONDS)
        logger.info("redis job keys %s, %s kept %d days", scheduler.queue.key, scheduler.df.key,
                    KEY_TTL_SECONDS // 86400)


class WaitForSharedWork:
    """A process of a shared crawl that finds the queue empty waits a while before it finishes.

    Another process may hold every queued request in its downloader at that moment (at the
    start, one process takes the units' start pages before the other has begun, and the
    links they yield come a moment later): closing then left one process with the whole
    crawl. Idle for ZWGK_REDIS_IDLE_WAIT seconds in a row (default 15), it finishes; Scrapy
    asks the shared queue again every few seconds meanwhile."""

    def __init__(self, crawler: Crawler, wait: float):
        self.crawler, self.wait = crawler, wait
        self.idle_since: float | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WaitForSharedWork:
        if not crawler.settings.get("ZWGK_REDIS_URL"):
            raise NotConfigured
        o = cls(crawler, crawler.settings.getfloat("ZWGK_REDIS_IDLE_WAIT", 15.0))
        crawler.signals.connect(o.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(o.work_came, signal=signals.request_scheduled)
        crawler.signals.connect(o.work_came, signal=signals.response_received)
        return o

    def work_came(self, *args, **kwargs) -> None:
        self.idle_since = None  # work came: the next idle spell starts again from zero

    def spider_idle(self, spider) -> None:
        now = monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.wait:
            raise DontCloseSpider
