"""Run one crawl in this process with the project's Scrapy settings (what `zwgk crawl` calls)."""

from __future__ import annotations

import sys
from pathlib import Path

from crawler import store


class CrawlNotStarted(Exception):
    """Scrapy returned without recording a crawl run (its log says why)."""


def latest_crawl(db_path: Path) -> int | None:
    if not db_path.exists():
        return None
    db = store.open_db(db_path)
    try:
        return store.latest_crawl_id(db)
    finally:
        db.close()


def resumable(db_path: Path, spider: str | None = None) -> dict | None:
    """The newest crawl run, when it was killed or interrupted (and of `spider`, if given)."""
    if not db_path.exists():
        return None
    db = store.open_db(db_path)
    try:
        return store.resumable_crawl(db, spider)
    finally:
        db.close()


def run_crawl(
    *,
    db_path: Path,
    units_file: Path,
    unit_ids: list[str],
    spider: str = "portals",
    overrides: dict | None = None,
    verbose: bool = False,
    resume_id: int | None = None,
) -> int:
    """Run one crawl (or finish run `resume_id`) and return its crawl run id."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("ZWGK_DB_PATH", str(db_path), priority="cmdline")
    settings.set("ZWGK_UNITS_FILE", str(units_file), priority="cmdline")
    if resume_id is not None:
        settings.set("ZWGK_RESUME_CRAWL", resume_id, priority="cmdline")
    # On a terminal the progress line replaces routine log lines; elsewhere (cron)
    # plain INFO lines are the progress report.
    tty = sys.stderr.isatty()
    settings.set("LOG_LEVEL", "INFO" if (verbose or not tty) else "WARNING", priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    before = latest_crawl(db_path)
    process = CrawlerProcess(settings, install_root_handler=True)
    process.crawl(spider, units=str(units_file), unit=",".join(unit_ids) or None)
    process.start()
    if resume_id is not None:
        return resume_id
    after = latest_crawl(db_path)
    if after is None or after == before:
        raise CrawlNotStarted("the crawl did not start (see the log above)")
    return after


def crawl_summary(db_path: Path, crawl_id: int) -> list[str]:
    """One line for the run, one per unit: what a crawl leaves to read on the terminal."""
    db = store.open_db(db_path)
    try:
        run = store.crawl_run(db, crawl_id)
        lines = [f"crawl run {crawl_id}: {run['status']} ({run['finish_reason']}), database {db_path}"]
        for unit_id, pages, ok, not_ok in store.unit_page_counts(db, crawl_id):
            lines.append(f"  {unit_id:<14} pages {pages:>5}   ok {ok:>5}   not ok {not_ok:>4}")
        return lines
    finally:
        db.close()
