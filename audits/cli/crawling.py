"""Commands of the crawl stage: crawl, merge, crawls, units."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import click

from audits.cli import (
    check_db_path, check_units, cli, db_option, fail, jobs_option, interrupted, open_existing_db, parse_overrides, set_option,
    unit_ids_option, units_option, verbose_option,
)
from audits.cli.console import setup_logging
from crawler import store
from crawler.runner import CrawlFailed, CrawlInterrupted, CrawlNotStarted, crawl_summary, resumable, run_crawl
from crawler.units import UnitsError, default_units_path, load_units
from rules.vocab import DEPARTMENT_KINDS, GOVERNMENT_KINDS

SPIDERS = {"all": "portals", "county": "county_portals", "department": "department_portals"}
SPIDER_KINDS = {"all": (), "county": GOVERNMENT_KINDS, "department": DEPARTMENT_KINDS}


def crawl_or_fail(**kwargs) -> int:
    obj = click.get_current_context().obj or {}
    if kwargs.get("verbose"):
        setup_logging(obj.get("log_file"), "DEBUG", everything=True)
    # Each process of a crawl split by site logs as this one does (same stderr and log file).
    kwargs["log_setup"] = (partial(setup_logging, obj.get("log_file"), "DEBUG", everything=True)
                           if kwargs.get("verbose") else partial(setup_logging, obj.get("log_file"),
                                                                 obj.get("log_level", "WARNING")))
    try:
        return run_crawl(**kwargs)
    except CrawlNotStarted as exc:
        fail(str(exc), code=1)
    except CrawlFailed as exc:
        fail(f"crawl run {exc.args[0]}: a crawl process failed (see the log file); "
             "`zwgk crawl --resume` finishes the run", code=1)
    except CrawlInterrupted as exc:
        interrupted(f"crawl run {exc.args[0]} marked interrupted; `zwgk crawl --resume` finishes it")


def echo_summary(db_path: Path, crawl_id: int) -> None:
    for line in crawl_summary(db_path, crawl_id):
        click.echo(line)


@cli.command()
@units_option
@unit_ids_option
@db_option(help="SQLite database to write.")
@click.option("--kind", type=click.Choice(list(SPIDERS)), default="all",
              show_default=True, help="Which spider: every unit, government portals, or departments.")
@set_option
@click.option("--resume", is_flag=True,
              help="Finish the newest crawl run, killed or interrupted, instead of starting a new one.")
@click.option("--full", is_flag=True,
              help="Fetch every page again (default: revisit the previous crawl with conditional requests).")
@click.option("--redis", "redis_url", default=None, metavar="URL",
              help="Share this crawl with other processes through Redis (scrapy-redis), e.g. redis://host:6379/0.")
@click.option("--job", default=None, help="With --redis: the name all processes of one crawl share (default: today).")
@jobs_option
@verbose_option
def crawl(units_file, unit_ids, db_path, kind, overrides, resume, full, redis_url, job, jobs, verbose) -> None:
    """Crawl the units' portals into the database.

    A crawl revisits the previous finished crawl of the same units: lists are
    revalidated with conditional requests, recent documents are carried over, and each
    page is marked new, changed or unchanged. A crawl killed mid-way (kill -9, power
    loss) leaves whole pages; --resume finishes it without fetching them again.

    \b
    Examples:
        zwgk crawl --unit meijiang --db zwgk.db
        zwgk crawl --resume --db zwgk.db
        zwgk crawl --jobs 4 --db zwgk.db
    """
    spider, kinds = SPIDERS[kind], SPIDER_KINDS[kind]
    parsed = parse_overrides(overrides)
    if full:
        parsed["ZWGK_INCREMENTAL"] = False
    if redis_url and jobs > 1:
        fail("--jobs splits a crawl between processes of this machine, --redis between machines: use one")
    if redis_url:
        _check_redis(redis_url)
        parsed["ZWGK_REDIS_URL"] = redis_url
        # Each process sees only part of the site: revisiting a previous crawl would be partial.
        parsed.setdefault("ZWGK_INCREMENTAL", False)
        if job:
            parsed["ZWGK_REDIS_JOB"] = job
    elif job:
        fail("--job needs --redis")
    resume_id = None
    if resume:
        run = resumable(db_path)
        if run is None:
            fail(f"{db_path}: the newest crawl run is not a killed or interrupted one; nothing to resume")
        if units_file or unit_ids or kind != "all":
            fail("--resume continues the run as it was started: leave out --units, --unit and --kind")
        resume_id, spider = run["id"], run["spider"]
        units_file = Path(run["units_file"])
        unit_ids = tuple(json.loads(run["units"]))
        kinds = ()
        click.echo(f"resuming crawl run {resume_id} ({len(unit_ids)} units)")
    units_file = units_file or default_units_path()
    check_units(units_file, list(unit_ids), kinds)
    check_db_path(db_path)
    crawl_id = crawl_or_fail(db_path=db_path, units_file=units_file, unit_ids=list(unit_ids),
                             spider=spider, overrides=parsed, verbose=verbose, resume_id=resume_id, jobs=jobs)
    echo_summary(db_path, crawl_id)


def _outage_share() -> float:
    from crawler.settings import ZWGK_OUTAGE_SHARE

    return float(ZWGK_OUTAGE_SHARE)


def _check_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=5).ping()
    except ValueError as exc:
        fail(f"--redis: not a Redis URL: {url} ({exc})")
    except redis.RedisError as exc:
        fail(f"--redis: cannot reach {url}: {exc}")


@cli.command()
@units_option
def units(units_file) -> None:
    """List the units of a registry: id, kind, name, start URL and whether it is confirmed.

    \b
    Example:
        zwgk units
    """
    units_file = units_file or default_units_path()
    try:
        loaded = load_units(units_file)
    except UnitsError as exc:
        fail(f"--units: {exc}")
    for u in loaded:
        click.echo(f"{u.id:<12} {u.kind:<22} {u.url_status:<12} {u.name}  {u.start_urls[0]}")


@cli.command()
@db_option(help="SQLite database to read.")
def crawls(db_path) -> None:
    """List the crawl runs stored in a database, newest first.

    \b
    Example:
        zwgk crawls --db zwgk.db
    """
    db = open_existing_db(db_path)
    for run in store.list_crawls(db):
        extra = f"  vs crawl {run['previous_crawl_id']}: " + ", ".join(
            f"{k} {n}" for k, n in run["changes"]) if run["changes"] else ""
        resumed = f" (resumed {run['resumed']}x)" if run.get("resumed") else ""
        reach = (f"  reached {run['units_reached']}/{len(json.loads(run['units'] or '[]'))}"
                 if run.get("units_reached") is not None else "")
        degraded = " DEGRADED" if run.get("degraded") else ""
        click.echo(f"{run['id']:>4}  {run['state']:<11} {run['started_at']}  {run['spider']:<18} "
                   f"pages {run['pages']}{reach}{degraded}{resumed}{extra}")


@cli.command()
@click.option("--into", "db_path", type=click.Path(path_type=Path), required=True,
              help="Database that receives the merged crawl run (created if missing).")
@click.argument("parts", nargs=-1, required=True, type=click.Path(path_type=Path))
def merge(db_path, parts) -> None:
    """Join the databases of a distributed crawl (one per process) into one crawl run.

    \b
    Example (after `zwgk crawl --redis ...` on two machines):
        zwgk merge --into zwgk.db part-a.db part-b.db
    """
    from crawler.store.merge import MergeError, merge_parts

    for part in parts:
        if not part.exists():
            fail(f"database not found: {part}")
    check_db_path(db_path)
    db = store.open_db(db_path)
    try:
        crawl_id = merge_parts(db, db_path, list(parts), outage_share=_outage_share())
    except (MergeError, store.DatabaseError) as exc:
        fail(str(exc))
    finally:
        db.close()
    echo_summary(db_path, crawl_id)
