"""Many polite sites at once: a scheduler that serves the sites allowed a request now.

Scrapy's scheduler hands out requests in priority order whatever their site, and its
downloader counts a request parked in a site's queue (waiting out the politeness delay)
against the global CONCURRENT_REQUESTS. With many polite sites, the links found on the
first sites filled the global limit with requests that each waited a second for their
site, while later units' start pages waited in the scheduler: 60 sites took 3.7–4.4×
as long as one.

Here each site (download slot) has its own queue, and a request is handed out only for a
site that could send it now: nothing parked in its queue, fewer requests in flight than
its concurrency, and its delay run out. Sites are served in turn. Politeness itself stays
with Scrapy's downloader (per-site concurrency, delay, AutoThrottle): this only changes
the order, so a site never gets more than before. The downloader does not count the
(at most one per site) request parked for its delay against the global limit, which then
bounds what really uses the machine: requests on the wire and in the middlewares.
"""

from __future__ import annotations

import heapq
import itertools
import logging
from time import monotonic
from typing import TYPE_CHECKING

from scrapy.core.downloader import Downloader
from scrapy.core.scheduler import BaseScheduler
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler, load_object

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class SiteDownloader(Downloader):
    """Scrapy's downloader, with a site's slot named by host:port (as the spiders name it)
    for requests that name none, such as robots.txt; and a global limit that does not count
    requests parked in a site's queue for its politeness delay."""

    def get_slot_key(self, request: Request) -> str:
        meta_slot = request.meta.get(self.DOWNLOAD_SLOT)
        if meta_slot is not None:
            return meta_slot
        # Loopback test sites differ only by port: by hostname they would share one slot.
        return urlparse_cached(request).netloc.lower()

    def needs_backout(self) -> bool:
        if not 0 < self.total_concurrency <= len(self.active):
            return False
        parked = sum(len(slot.queue) for slot in self.slots.values())
        return len(self.active) - parked >= self.total_concurrency


class SiteScheduler(BaseScheduler):
    """In-memory per-site queues (breadth-first within a site by request priority), sites
    served in turn when their politeness allows a request. No JOBDIR (zwgk does not use
    one: it cannot survive kill -9; `zwgk crawl --resume` replays from the database)."""

    def __init__(self, crawler: Crawler, dupefilter):
        self.crawler = crawler
        self.df = dupefilter
        self.stats = crawler.stats
        self.queues: dict[str, list] = {}
        self.turn: list[str] = []  # sites with queued requests, in serving order
        self.count = 0
        self.seq = itertools.count()
        self.wake = None  # a pending call_later, due at self.wake_due (monotonic)
        self.wake_due = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteScheduler:
        dupefilter = build_from_crawler(load_object(crawler.settings["DUPEFILTER_CLASS"]), crawler)
        return cls(crawler, dupefilter)

    def open(self, spider: Spider):
        self.spider = spider
        return self.df.open()

    def close(self, reason: str):
        if self.wake is not None:
            self.wake.cancel()
            self.wake = None
        return self.df.close(reason)

    def has_pending_requests(self) -> bool:
        return self.count > 0

    def __len__(self) -> int:
        return self.count

    def _downloader(self):
        engine = self.crawler.engine
        return engine.downloader if engine is not None else None

    def _key(self, request: Request) -> str:
        downloader = self._downloader()
        if downloader is not None:
            return downloader.get_slot_key(request)
        return request.meta.get("download_slot") or urlparse_cached(request).netloc.lower()

    def enqueue_request(self, request: Request) -> bool:
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        key = self._key(request)
        queue = self.queues.get(key)
        if queue is None:
            queue = self.queues[key] = []
            self.turn.append(key)
        heapq.heappush(queue, (-request.priority, next(self.seq), request))
        self.count += 1
        self.stats.inc_value("scheduler/enqueued/memory")
        self.stats.inc_value("scheduler/enqueued")
        return True

    def _ready_at(self, key: str, now: float) -> float | None:
        """When the site may be sent a request: `now` or earlier when it may now, a later
        time when only its delay holds it back, None when it waits for a download to end
        (the engine asks again then)."""
        downloader = self._downloader()
        slot = downloader.slots.get(key) if downloader is not None else None
        if slot is None:
            return now
        if slot.queue or len(slot.active) >= slot.concurrency:
            return None
        if not slot.delay:
            return now
        # The earliest the downloader's jittered delay can let it go: handing it over then
        # keeps the site busy; the downloader still enforces the delay it draws.
        return slot.lastseen + slot.delay * (1 - min(1.0, slot.jitter or 0.0))

    def next_request(self) -> Request | None:
        if not self.count:
            return None
        now = monotonic()
        earliest = None
        for i, key in enumerate(self.turn):
            ready = self._ready_at(key, now)
            if ready is None:
                continue
            if ready > now:
                earliest = ready if earliest is None else min(earliest, ready)
                continue
            queue = self.queues[key]
            request = heapq.heappop(queue)[2]
            self.count -= 1
            # Served: to the back of the line (or out of it, when its queue is empty).
            del self.turn[i]
            if queue:
                self.turn.append(key)
            else:
                del self.queues[key]
            self.stats.inc_value("scheduler/dequeued/memory")
            self.stats.inc_value("scheduler/dequeued")
            return request
        if earliest is not None:
            self._wake_at(earliest, now)
        return None

    def _wake_at(self, due: float, now: float) -> None:
        """Ask the engine for requests again when the next site's delay has run out (it
        otherwise asks only when a download ends, or every 5 s)."""
        from scrapy.utils.asyncio import call_later

        if self.wake is not None:
            if self.wake_due <= due:
                return
            self.wake.cancel()
        self.wake_due = due
        self.wake = call_later(max(0.0, due - now) + 0.001, self._wake_engine)

    def _wake_engine(self) -> None:
        self.wake = None
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None:
            slot.nextcall.schedule()
