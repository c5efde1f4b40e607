"""The crawl's storage on a thread of its own, so the reactor never waits on SQLite or WARC.

Writing a batch (hashing and compressing bodies, the WARC records, the page and link rows)
was a fifth of the crawl process's time on the reactor thread, where it also held up every
download. Here the pipeline hands whole batches to one writer thread with its own
connection (WAL: the reactor's connection still reads earlier crawls meanwhile). zlib, gzip,
hashing and SQLite release the GIL while they work, so most of it runs beside the reactor.

Each batch is still one transaction, written after its WARC records are on disk: a crawl
killed mid-way leaves whole pages, as before. A full queue makes the reactor wait (the
crawl slows to what the disk takes rather than holding pages in memory).
"""

from __future__ import annotations

import logging
import queue
import threading
from pathlib import Path

from crawler import store
from crawler.items import FetchedPage, ReusedPageItem
from crawler.warc import WarcArchive

logger = logging.getLogger(__name__)

# Batches waiting for the writer before the reactor waits: enough to ride out a slow
# fsync, few enough that memory stays bounded (ZWGK_BATCH_SIZE pages each).
QUEUE_DEPTH = 4


class StoreFailed(RuntimeError):
    """The writer could not store a batch (disk full, database locked…): the crawl stops."""


def write_batch(db, crawl_id: int, batch: list[FetchedPage | ReusedPageItem], warc: WarcArchive | None,
                max_body: int) -> None:
    """One transaction: bodies, WARC records (on disk before the rows that point into
    them), page and link rows, and pages carried over from an earlier crawl."""
    rows, reused = [], []
    with store.write_transaction(db):
        for item in batch:
            if isinstance(item, ReusedPageItem):
                reused.append(item)
                continue
            page, body = item.page, item.body
            row = store.page_row(page)
            if body is not None and len(body) <= max_body:
                row["body_sha256"] = store.store_body(db, body)
                if warc is not None and page.status is not None:
                    row["warc_offset"] = warc.write(page.final_url or page.url, page.status,
                                                    page.content_type, body, page.fetched_at)
                    row["warc_file"] = warc.path.name
            rows.append((row, page))
        if warc is not None:
            warc.flush()
        store.insert_pages(db, crawl_id, rows)
        for r in reused:
            store.copy_page(db, crawl_id, r.source_page_id, r.unit_id, r.url, r.change, r.fetched_at)


class BatchWriter:
    """One thread writing batches in the order submitted, on its own connection."""

    def __init__(self, db_path: str | Path, crawl_id: int, warc: WarcArchive | None, max_body: int):
        self.db_path, self.crawl_id, self.warc, self.max_body = db_path, crawl_id, warc, max_body
        self.queue: queue.Queue = queue.Queue(maxsize=QUEUE_DEPTH)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="zwgk-writer", daemon=True)
        self.thread.start()

    def submit(self, batch: list) -> None:
        """Queue a batch (waits while QUEUE_DEPTH batches are waiting); raises StoreFailed
        once a batch could not be written."""
        self._raise()
        self.queue.put(batch)

    def close(self) -> None:
        """Write what is queued, stop the thread; raises StoreFailed if a batch failed."""
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
        self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            raise StoreFailed(f"storing pages failed: {type(self.error).__name__}: {self.error}") from self.error

    def _run(self) -> None:
        db = None
        try:
            db = store.connect_again(self.db_path)  # checks and migrations ran in open_db
            while (batch := self.queue.get()) is not None:
                write_batch(db, self.crawl_id, batch, self.warc, self.max_body)
        except BaseException as exc:  # reported by submit/close on the reactor thread
            self.error = exc
            logger.debug("writer failed", exc_info=True)
            # Later batches are dropped, never half-written; taking them keeps the reactor
            # from blocking on a full queue.
            while self.queue.get() is not None:
                pass
        finally:
            if db is not None:
                db.close()
