"""Item pipeline: writes pages, links and raw bodies to SQLite in transactions."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro

from crawler import __version__, store
from crawler.items import FetchedPage, ReusedPageItem
from crawler.revisit import RevisitIndex
from crawler.shards import part_archive
from crawler.warc import WarcArchive
from crawler.writer import BatchWriter, StoreFailed

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# Settings recorded with each crawl run, so a finding can say how politely it was obtained.
RECORDED_SETTINGS = (
    "USER_AGENT", "ROBOTSTXT_OBEY", "AUTOTHROTTLE_ENABLED", "AUTOTHROTTLE_START_DELAY",
    "DOWNLOAD_DELAY", "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "DEPTH_LIMIT",
    "DOWNLOAD_TIMEOUT", "DOWNLOAD_MAXSIZE", "ZWGK_MAX_PAGES_PER_UNIT", "ZWGK_MAX_TEXT_CHARS",
    "ZWGK_INCREMENTAL", "ZWGK_REVISIT_AFTER_DAYS",
)


class SQLitePipeline:
    """Buffers fetched pages and has the writer thread store them, one transaction per batch.

    A batch is all-or-nothing, so a crawl killed mid-way leaves whole pages and a
    crawl run still marked 'running' (unfinished); a clean stop marks it finished
    or interrupted and fills in each link's target status.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.db_path = settings.get("ZWGK_DB_PATH")
        self.batch_size = settings.getint("ZWGK_BATCH_SIZE", 100)
        self.max_body = settings.getint("ZWGK_MAX_STORED_BODY")
        self.buffer: list[FetchedPage | ReusedPageItem] = []
        self.warc: WarcArchive | None = None
        self.db = None
        self.crawl_id: int | None = None
        self.writer: BatchWriter | None = None
        self.store_failed = False  # said once, then the crawl stops

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SQLitePipeline:
        o = cls(crawler)
        crawler.signals.connect(o.spider_closed, signal=signals.spider_closed)
        return o

    def open_spider(self) -> None:
        spider = self.crawler.spider
        self.db = store.open_db(self.db_path)
        settings = self.crawler.settings
        resume_id = settings.getint("ZWGK_RESUME_CRAWL", 0) or None
        warc_dir = archive_dir(settings)
        part = settings.get("ZWGK_CRAWL_PART") or ""
        units = None
        if part:
            # One process of a crawl split by site (crawler/shards.py): the run is the
            # parent's, already started (or reopened); this process adds its units' pages.
            crawl_id, k = (int(n) for n in part.split(":"))
            run = self.db["crawl_runs"].get(crawl_id)
            self.crawl_id, previous = crawl_id, run["previous_crawl_id"]
            resume_id = crawl_id if run["resumed"] else None
            self.warc = WarcArchive(warc_dir / part_archive(crawl_id, run["resumed"] or 0, k))
            units = {u.id for u in spider.units}
        elif resume_id is not None:
            # The CLI checked that this run was killed or interrupted and matches the units.
            store.reopen_crawl(self.db, resume_id)
            run = self.db["crawl_runs"].get(resume_id)
            self.crawl_id, previous = resume_id, run["previous_crawl_id"]
            # A new archive: the old one may end in a record torn by the kill.
            self.warc = WarcArchive(warc_dir / f"crawl-{self.crawl_id}-r{run['resumed']}.warc.gz")
        else:
            units = [u.id for u in spider.units]
            incremental = settings.getbool("ZWGK_INCREMENTAL", True)
            previous = store.previous_finished_crawl(self.db, units) if incremental else None
            self.crawl_id = store.start_crawl(
                self.db,
                spider=spider.name,
                units=units,
                units_file=str(spider.units_file),
                settings=recorded_settings(settings),
                tool_version=__version__,
                previous_crawl_id=previous,
            )
            self.warc = WarcArchive(warc_dir / f"crawl-{self.crawl_id}.warc.gz")
            self.db["crawl_runs"].update(self.crawl_id, {"warc_file": relative_to(self.warc.path, self.db_path)})
        spider.crawl_id = self.crawl_id
        self.writer = BatchWriter(self.db_path, self.crawl_id, self.warc, self.max_body)
        spider.revisit = RevisitIndex(
            self.db, crawl_id=self.crawl_id, resumed=resume_id is not None, previous_crawl_id=previous,
            revisit_after_days=settings.getfloat("ZWGK_REVISIT_AFTER_DAYS", 30), units=units,
        )
        logger.info("crawl run %s %s %s%s", self.crawl_id, "resuming in" if resume_id else "writing to",
                    self.db_path, f" (revisiting crawl {previous})" if previous else "")

    def process_item(self, item: FetchedPage | ReusedPageItem) -> FetchedPage | ReusedPageItem:
        self.buffer.append(item)
        if len(self.buffer) >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        """Hand the buffered pages to the writer thread (crawler/writer.py) as one batch."""
        if not self.buffer or self.writer is None:
            return
        batch, self.buffer = self.buffer, []
        try:
            self.writer.submit(batch)
        except StoreFailed as exc:
            # Nothing more can be stored: stop now, once, rather than fetch pages to lose them.
            if not self.store_failed:
                self.store_failed = True
                logger.error("%s; stopping the crawl", exc)
                deferred_from_coro(self.crawler.engine.close_spider_async(reason="store_failed"))

    def spider_closed(self, spider, reason: str) -> None:
        if self.db is None:
            return
        self.flush()
        try:
            self.writer.close()
        except StoreFailed as exc:
            if not self.store_failed:
                logger.error("%s", exc)
            reason = "store_failed"  # never 'finished': pages are missing
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        if self.warc is not None:
            self.warc.close()
        report = self.crawler.settings.get("ZWGK_PART_STATS")
        if report:  # a part of a split crawl: the parent adds up the parts and finishes the run
            _write_report(Path(report), reason, stats)
            self.db.close()
            self.db = None
            return
        store.finish_crawl(self.db, self.crawl_id, reason=reason, stats=stats,
                           outage_share=self.crawler.settings.getfloat("ZWGK_OUTAGE_SHARE", 0.5))
        logger.info("crawl run %s %s (%s)", self.crawl_id, "finished" if reason == "finished" else "interrupted", reason)
        self.db.close()
        self.db = None


def recorded_settings(settings) -> dict:
    return {k: settings.get(k) for k in RECORDED_SETTINGS}


def archive_dir(settings) -> Path:
    """Where the crawl's WARC archives go: ZWGK_WARC_DIR, else warc/ beside the database."""
    configured = settings.get("ZWGK_WARC_DIR") or ""
    return Path(configured) if configured else Path(settings.get("ZWGK_DB_PATH")).resolve().parent / "warc"


def _write_report(path: Path, reason: str, stats: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"reason": reason, "stats": stats}, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)  # whole or absent: the parent reads a missing report as a failed part


def relative_to(archive: Path, db_path: str | Path) -> str:
    """The archive's path relative to the database's folder when it lies beneath it, so a
    database moved or copied with its warc/ folder still finds (and verifies) its own copy."""
    try:
        return str(archive.resolve().relative_to(Path(db_path).resolve().parent))
    except ValueError:
        return str(archive.resolve())  # ZWGK_WARC_DIR elsewhere: only an absolute path says where
