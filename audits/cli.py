"""The ``zwgk`` command line: crawl, demo, units, crawls."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from audits import db as store
from crawler import __version__
from crawler.units import UnitsError, default_units_path, load_units, select_units

# Politeness for the local sample portals only: they run on loopback, so waiting
# seconds between requests would only slow the demo down. robots.txt stays obeyed.
LOCAL_SAMPLE_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "RETRY_TIMES": 0,
}


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"zwgk: error: {message}", err=True)
    sys.exit(code)


def run_crawl(
    *,
    db_path: Path,
    units_file: Path,
    unit_ids: list[str],
    spider: str = "portals",
    overrides: dict | None = None,
    verbose: bool = False,
) -> int:
    """Run one crawl in this process and return the crawl run id it recorded."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("ZWGK_DB_PATH", str(db_path), priority="cmdline")
    settings.set("ZWGK_UNITS_FILE", str(units_file), priority="cmdline")
    # On a terminal the progress line replaces routine log lines; elsewhere (cron)
    # plain INFO lines are the progress report.
    tty = sys.stderr.isatty()
    settings.set("LOG_LEVEL", "INFO" if (verbose or not tty) else "WARNING", priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    before = _latest_crawl(db_path)
    process = CrawlerProcess(settings, install_root_handler=True)
    process.crawl(spider, units=str(units_file), unit=",".join(unit_ids) or None)
    process.start()
    after = _latest_crawl(db_path)
    if after is None or after == before:
        _fail("the crawl did not start (see the log above)", code=1)
    return after


def _latest_crawl(db_path: Path) -> int | None:
    if not db_path.exists():
        return None
    db = store.open_db(db_path)
    try:
        return store.latest_crawl_id(db)
    finally:
        db.close()


def _check_units(units_file: Path, unit_ids: list[str], kinds: tuple[str, ...] = ()) -> None:
    try:
        units = select_units(load_units(units_file), unit_ids, kinds)
    except UnitsError as exc:
        _fail(str(exc))
    if not units:
        _fail(f"{units_file}: no units to crawl")


def _check_db_path(db_path: Path) -> None:
    try:
        store.open_db(db_path).close()
    except store.DatabaseError as exc:
        _fail(str(exc))


def _crawl_summary(db_path: Path, crawl_id: int) -> list[str]:
    db = store.open_db(db_path)
    try:
        run = db["crawl_runs"].get(crawl_id)
        lines = [f"crawl run {crawl_id}: {run['status']} ({run['finish_reason']}), database {db_path}"]
        for row in db.execute(
            """SELECT unit_id, count(*), sum(fetch_status = 'ok'), sum(fetch_status != 'ok')
               FROM pages WHERE crawl_id = ? GROUP BY unit_id ORDER BY unit_id""",
            [crawl_id],
        ):
            lines.append(f"  {row[0]:<14} pages {row[1]:>5}   ok {row[2]:>5}   not ok {row[3]:>4}")
        return lines
    finally:
        db.close()


@click.group()
@click.version_option(__version__, prog_name="zwgk")
def cli() -> None:
    """zwgk: checks government portals against the 政务公开 work plan and the law."""


@cli.command()
@click.option("--units", "units_file", type=click.Path(path_type=Path), default=None,
              help="Units registry (YAML). Default: the shipped Meizhou registry.")
@click.option("--unit", "unit_ids", multiple=True, help="Crawl only this unit id (repeatable).")
@click.option("--db", "db_path", type=click.Path(path_type=Path), default=Path("zwgk.db"),
              show_default=True, help="SQLite database to write.")
@click.option("--kind", type=click.Choice(["all", "county", "department"]), default="all",
              show_default=True, help="Which spider: every unit, government portals, or departments.")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy/ZWGK_ setting, e.g. -s DOWNLOAD_DELAY=2.")
@click.option("-v", "--verbose", is_flag=True, help="Log every request.")
def crawl(units_file, unit_ids, db_path, kind, overrides, verbose) -> None:
    """Crawl the units' portals into the database.

    \b
    Example:
        zwgk crawl --unit meijiang --db zwgk.db
    """
    units_file = units_file or default_units_path()
    spider = {"all": "portals", "county": "county_portals", "department": "department_portals"}[kind]
    kinds = {"all": (), "county": ("county", "municipal-government"), "department": ("municipal-department",)}[kind]
    _check_units(units_file, list(unit_ids), kinds)
    _check_db_path(db_path)
    parsed = {}
    for item in overrides:
        name, sep, value = item.partition("=")
        if not sep or not name:
            _fail(f"--set expects NAME=VALUE, got {item!r}")
        parsed[name] = value
    crawl_id = run_crawl(db_path=db_path, units_file=units_file, unit_ids=list(unit_ids),
                         spider=spider, overrides=parsed, verbose=verbose)
    for line in _crawl_summary(db_path, crawl_id):
        click.echo(line)


@cli.command()
@click.option("--db", "db_path", type=click.Path(path_type=Path), default=Path("demo/zwgk.db"),
              show_default=True, help="SQLite database the demo writes.")
@click.option("--seed", type=int, default=2021, show_default=True, help="Seed of the sample portals.")
@click.option("-v", "--verbose", is_flag=True, help="Log every request.")
def demo(db_path, seed, verbose) -> None:
    """Serve the sample portals on 127.0.0.1 and crawl them: the first thing to run.

    Writes the sample units file and the generator's ground truth next to the database.

    \b
    Example:
        zwgk demo --db demo/zwgk.db
    """
    from crawler.sample_portals import SamplePortalServer, build_world

    _check_db_path(db_path)
    out = db_path.parent
    world = build_world(seed=seed)
    with SamplePortalServer(world) as server:
        units_file = out / "sample-units.yaml"
        server.write_units_file(units_file)
        (out / "ground-truth.json").write_text(
            json.dumps(server.ground_truth(), ensure_ascii=False, indent=1), encoding="utf-8"
        )
        click.echo(f"sample portals on 127.0.0.1; units file {units_file}")
        crawl_id = run_crawl(db_path=db_path, units_file=units_file, unit_ids=[],
                             overrides=LOCAL_SAMPLE_SETTINGS, verbose=verbose)
    for line in _crawl_summary(db_path, crawl_id):
        click.echo(line)


@cli.command()
@click.option("--units", "units_file", type=click.Path(path_type=Path), default=None,
              help="Units registry (YAML). Default: the shipped Meizhou registry.")
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
        _fail(str(exc))
    for u in loaded:
        click.echo(f"{u.id:<12} {u.kind:<22} {u.url_status:<12} {u.name}  {u.start_urls[0]}")


@cli.command()
@click.option("--db", "db_path", type=click.Path(path_type=Path), default=Path("zwgk.db"),
              show_default=True, help="SQLite database to read.")
def crawls(db_path) -> None:
    """List the crawl runs stored in a database, newest first.

    \b
    Example:
        zwgk crawls --db zwgk.db
    """
    try:
        db = store.open_db(db_path, create=False)
    except store.DatabaseError as exc:
        _fail(str(exc))
    for run in db.query("SELECT * FROM crawl_runs ORDER BY id DESC"):
        pages = db.execute("SELECT count(*) FROM pages WHERE crawl_id = ?", [run["id"]]).fetchone()[0]
        click.echo(f"{run['id']:>4}  {run['status']:<11} {run['started_at']}  {run['spider']:<18} pages {pages}")


def main() -> None:
    logging.captureWarnings(True)
    cli()


if __name__ == "__main__":
    main()
