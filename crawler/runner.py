"""Run one crawl in this process with the project's Scrapy settings (what `zwgk crawl` calls)."""

from __future__ import annotations

import json
import logging
import signal
from pathlib import Path
from typing import Callable

from crawler import store


class CrawlNotStarted(Exception):
    """Scrapy returned without recording a crawl run (its log says why)."""


class CrawlFailed(Exception):
    """A process of a crawl split by site failed (its log says why); args: the run id."""


class CrawlInterrupted(Exception):
    """The crawl was stopped (Ctrl-C, SIGTERM) and is marked interrupted; args: its run id."""


def latest_crawl(db_path: Path) -> int | None:
    if not db_path.exists() or db_path.stat().st_size == 0:
        return None
    db = store.open_db(db_path, readonly=True)
    try:
        return store.latest_crawl_id(db)
    finally:
        db.close()


def resumable(db_path: Path, spider: str | None = None) -> dict | None:
    """The newest crawl run, when it was killed or interrupted (and of `spider`, if given)."""
    if not db_path.exists() or db_path.stat().st_size == 0:
        return None
    db = store.open_db(db_path)
    try:
        return store.resumable_crawl(db, spider)
    finally:
        db.close()


def crawl_settings(db_path: Path, units_file: Path, overrides: dict | None = None, verbose: bool = False):
    """The project's Scrapy settings for a crawl writing `db_path`, with the caller's overrides."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("ZWGK_DB_PATH", str(db_path), priority="cmdline")
    settings.set("ZWGK_UNITS_FILE", str(units_file), priority="cmdline")
    # The caller's logging decides where records go (the CLI: one-line warnings on stderr,
    # everything in --log-file); Scrapy must not add its own handler dumping to stderr.
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    root_level = logging.getLogger().level or logging.WARNING
    settings.set("LOG_LEVEL", "DEBUG" if verbose else logging.getLevelName(root_level), priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def start_scrapy(settings, spider: str, units_file: Path, unit_ids: list[str], *, stop_once: bool = False) -> None:
    """Run Scrapy in this process until the crawl ends. `stop_once`: the first SIGTERM/SIGINT
    stops it gracefully and later ones are ignored (Scrapy forces an unclean stop at the
    second): a crawl part may get one from systemd and one from its parent."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.ossignal import install_shutdown_handlers

    process = CrawlerProcess(settings)
    process.crawl(spider, units=str(units_file), unit=",".join(unit_ids) or None)
    if stop_once:
        stopping = []

        def once(signum, frame) -> None:
            # Scrapy's graceful stop, once: at a second signal Scrapy forces an unclean stop,
            # and a second graceful stop would end the reactor before the spider closed. Two
            # signals landing together both reach this handler: hence the flag.
            from twisted.internet import reactor

            install_shutdown_handlers(signal.SIG_IGN)
            if stopping:
                return
            stopping.append(signum)
            reactor.callFromThread(process._log_shutdown, signum)
            reactor.callFromThread(process._graceful_stop_reactor)

        process._signal_shutdown = once
    # Scrapy installs its own SIGINT/SIGTERM handlers (a graceful stop); the caller's come back after.
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        process.start()
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def run_crawl(
    *,
    db_path: Path,
    units_file: Path,
    unit_ids: list[str],
    spider: str = "portals",
    overrides: dict | None = None,
    verbose: bool = False,
    resume_id: int | None = None,
    jobs: int = 1,
    log_setup: Callable[[], None] | None = None,
) -> int:
    """Run one crawl (or finish run `resume_id`) and return its crawl run id.

    `jobs`: crawl processes on this machine, the units split by site (crawler/shards.py);
    0 = one per CPU on a large crawl. `log_setup` (picklable) sets up logging in each of them.
    """
    from crawler.shards import plan_crawl, run_sharded  # (shards runs crawl_settings in each part)

    overrides = dict(overrides or {})
    settings = crawl_settings(db_path, units_file, overrides, verbose)
    if resume_id is not None:
        settings.set("ZWGK_RESUME_CRAWL", resume_id, priority="cmdline")
    before = latest_crawl(db_path)
    units, shards = ([], []) if settings.get("ZWGK_REDIS_URL") or jobs == 1 else plan_crawl(
        settings, db_path, units_file, unit_ids, spider, jobs, resume_id)
    if len(shards) > 1:
        crawl_id = run_sharded(settings, db_path=db_path, units_file=units_file, spider=spider, units=units,
                               shards=shards, overrides=overrides, verbose=verbose, resume_id=resume_id,
                               log_setup=log_setup)
    else:
        start_scrapy(settings, spider, units_file, unit_ids)
        crawl_id = resume_id if resume_id is not None else latest_crawl(db_path)
    if crawl_id is None or crawl_id == before and resume_id is None:
        raise CrawlNotStarted("the crawl did not start (see the log file)")
    db = store.open_db(db_path, readonly=True)
    try:
        run = store.crawl_run(db, crawl_id) or {}
    finally:
        db.close()
    if run.get("finish_reason") == "shutdown":  # Scrapy's reason for a stop by signal
        raise CrawlInterrupted(crawl_id)
    if run.get("finish_reason") == "crawl_process_failed":  # some units were never crawled: not a result
        raise CrawlFailed(crawl_id)
    return crawl_id


def crawl_summary(db_path: Path, crawl_id: int) -> list[str]:
    """One line for the run, one per unit: what a crawl leaves to read on the terminal."""
    db = store.open_db(db_path, readonly=True)
    try:
        run = store.crawl_run(db, crawl_id)
        reach = (f", {run['units_reached']}/{len(json.loads(run['units'] or '[]'))} units reached"
                 if run.get("units_reached") is not None else "")
        degraded = ", DEGRADED (most units failed at network level)" if run.get("degraded") else ""
        lines = [f"crawl run {crawl_id}: {run['status']} ({run['finish_reason']}){reach}{degraded}, database {db_path}"]
        for unit_id, pages, ok, not_ok in store.unit_page_counts(db, crawl_id):
            lines.append(f"  {unit_id:<14} pages {pages:>5}   ok {ok:>5}   not ok {not_ok:>4}")
        return lines
    finally:
        db.close()
