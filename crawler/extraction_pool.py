"""Page extraction in worker processes, off the reactor thread.

Extraction (BeautifulSoup building its tree, dates, lists, footers) is about half of a
crawl's CPU. On the reactor thread it also holds up every other download (a hostile page
delays their timeouts) and leaves the second core idle. Here the response bytes go to a
process pool and the same `crawler.extract.extract()` returns the same `PageContent`: the
extraction contract does not change, only where it runs.

ZWGK_EXTRACT_WORKERS: "auto" (default) = one worker per usable CPU but one (the reactor
keeps a core), none on a single CPU; 0 = extract on the reactor thread, as before.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from crawler.extract import extract
from rules.model import PageContent

logger = logging.getLogger(__name__)


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # what this process may use, not the host's count
    except AttributeError:
        return os.cpu_count() or 1


def worker_count(setting) -> int:
    value = str(setting if setting is not None else "auto").strip().lower()
    if value in ("", "auto"):
        return usable_cpus() - 1 if usable_cpus() > 1 else 0
    try:
        return max(0, int(value))
    except ValueError:
        raise ValueError(f"ZWGK_EXTRACT_WORKERS: expected auto or a number, not {setting!r}") from None


def _exit_with_parent(parent: int) -> None:
    # A pool's workers outlive a parent killed with -9 (blocked on its queue forever): a
    # crawl killed by cron's timeout or the OOM killer must not leave them behind.
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(1)


def _worker_start(parent: int) -> None:
    # `parent` is passed in, not read here: the parent may already be dead by now.
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


class ExtractionPool:
    """A lazily started process pool; `await pool.extract(...)` from a Scrapy callback."""

    def __init__(self, workers: int):
        self.workers = workers
        self.executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self.executor is None:
            # Spawned, not forked: the crawl process runs an event loop and threads.
            self.executor = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                                initializer=_worker_start, initargs=(os.getpid(),))
        return self.executor

    async def extract(self, body: bytes, url: str, content_type: str | None, *, max_text_chars: int,
                      fetch_date: dt.date) -> PageContent:
        try:
            future = self._pool().submit(extract, body, url, content_type, max_text_chars=max_text_chars,
                                         fetch_date=fetch_date)
            return await asyncio.wrap_future(future)
        except (BrokenProcessPool, RuntimeError, OSError) as exc:
            # A worker died (OOM, a crash in a C parser): this page is extracted here, and the
            # next one gets a new pool.
            logger.warning("extraction worker failed (%s); extracting %s in the crawl process", exc, url)
            self.close(wait=False)
            return extract(body, url, content_type, max_text_chars=max_text_chars, fetch_date=fetch_date)

    def close(self, wait: bool = True) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=wait, cancel_futures=True)
            self.executor = None
