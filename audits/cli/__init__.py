"""The ``zwgk`` command line: the one room that may import every stage.

Commands parse options and call stage functions (crawler.runner, audits.run,
reports.render, reports.ledger, reports.export); the options several commands share are
declared once here. A usage or data error prints one ``zwgk: error: …`` line and exits 2.

Exit codes: 0 done; 1 a check found problems (evidence verify) or a crawl did not start;
2 usage or data error; 3 another `zwgk run` holds the database; 4 `zwgk run` did not
publish (the crawl was degraded by an outage); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from audits.cli.console import LEVELS, Interrupted, install_sigint, setup_logging
from crawler import __version__, store
from crawler.units import UnitsError, default_units_path, load_units, select_units

EXIT_NOT_PUBLISHED = 4  # `zwgk run`: the crawl was degraded, the published report left as it was
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


def fail(message: str, code: int = 2) -> None:
    click.echo(f"zwgk: error: {message}", err=True)
    sys.exit(code)


def interrupted(what: str) -> None:
    click.echo(f"zwgk: interrupted: {what}", err=True)
    sys.exit(EXIT_INTERRUPTED)


# --- options shared by several commands ------------------------------------------------

def db_option(default: str = "zwgk.db", help: str = "SQLite database."):  # noqa: A002  (click's name)
    return click.option("--db", "db_path", type=click.Path(path_type=Path), default=Path(default),
                        show_default=True, help=help)


units_option = click.option("--units", "units_file", type=click.Path(path_type=Path), default=None,
                            help="Units registry (YAML). Default: the shipped Meizhou registry.")
unit_ids_option = click.option("--unit", "unit_ids", multiple=True, help="Only this unit id (repeatable).")
audit_option = click.option("--audit", "audit_id", type=int, default=None,
                            help="Audit run id (default: the published audit, else the newest finished one with findings).")
crawl_option = click.option("--crawl", "crawl_id", type=int, default=None, help="Crawl run id (default: the latest).")
rules_option = click.option("--rules", "rule_paths", multiple=True, type=click.Path(path_type=Path),
                            help="Rule files or folders (default: the shipped catalogue).")
plan_option = click.option("--plan", "plan_file", type=click.Path(path_type=Path), default=None,
                           help="Plan file (default: the shipped Meizhou 2021 plan).")
set_option = click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE",
                          help="Override a Scrapy/ZWGK_ setting, e.g. -s DOWNLOAD_DELAY=2.")
force_as_of_option = click.option("--force-as-of", is_flag=True,
                                  help="Accept an --as-of date outside the plausible window (see audits/scoring.yaml).")
verbose_option = click.option("-v", "--verbose", is_flag=True, help="Log every request.")
jobs_option = click.option(
    "--jobs", type=click.IntRange(min=0), default=0, show_default=True,
    help="Crawl processes on this machine, the units split by site (a site stays in one process, "
         "so politeness holds); 0: one per CPU on a large crawl (20 sites, or 20,000 pages last time).")


# --- checks and loaders every command uses the same way -------------------------------------

def check_units(units_file: Path, unit_ids: list[str], kinds: tuple[str, ...] = ()) -> None:
    try:
        loaded = load_units(units_file)
    except UnitsError as exc:
        fail(f"--units: {exc}")
    try:
        units = select_units(loaded, unit_ids, kinds)
    except UnitsError as exc:
        fail(f"--unit: {exc}")
    if not units:
        fail(f"{units_file}: no units to crawl")


def check_db_path(db_path: Path) -> None:
    """For commands that create or write a database: new, empty or zwgk's, and writable."""
    try:
        store.open_db(db_path).close()
    except store.DatabaseError as exc:
        fail(str(exc))


def open_existing_db(db_path: Path, *, readonly: bool = True):
    """An existing zwgk database; read-only unless the command writes (never migrated then)."""
    try:
        return store.open_db(db_path, create=False, readonly=readonly)
    except store.DatabaseError as exc:
        fail(str(exc))


def load_rules_or_fail(paths: tuple[Path, ...], plan=None):
    from rules.loader import RuleError, load_rules

    tasks = [t.number for t in plan.tasks] if plan is not None else None
    try:
        return load_rules(list(paths) or None, tasks)
    except RuleError as exc:
        fail(f"--rules: {exc}" if paths else str(exc))


def load_plan_or_fail(plan_file: Path | None, units_file: Path | None):
    from rules.plan import PlanError, load_plan

    try:
        units = load_units(units_file or default_units_path())
    except UnitsError as exc:
        fail(f"--units: {exc}")
    try:
        return load_plan(plan_file, units)
    except PlanError as exc:
        fail(f"--plan: {exc}" if plan_file else str(exc))


def parse_date(value: str | None, option: str = "--as-of") -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option} expects YYYY-MM-DD, got {value!r}")


def parse_overrides(overrides) -> dict:
    parsed = {}
    for item in overrides:
        name, sep, value = item.partition("=")
        if not sep or not name:
            fail(f"--set expects NAME=VALUE, got {item!r}")
        parsed[name] = value
    return parsed


def check_as_of(as_of: dt.date, plan, force: bool, option: str = "--as-of") -> None:
    """Refuse an audit date no real audit has (9999-12-31 ran 40× longer): from the plan's
    year minus `years_before_plan` to today plus `days_after_today` (audits/scoring.yaml)."""
    from audits.scoring import ScoringError, load_window

    if force:
        return
    try:
        before, after = load_window()
    except ScoringError as exc:
        fail(str(exc))
    year = int((getattr(plan, "meta", None) or {}).get("year") or dt.date.today().year)
    low, high = dt.date(year - before, 1, 1), dt.date.today() + dt.timedelta(days=after)
    if not low <= as_of <= high:
        fail(f"{option} {as_of}: outside the plausible window {low} … {high} for the {year} plan "
             "(--force-as-of audits on it anyway)")


@click.group()
@click.version_option(__version__, prog_name="zwgk")
@click.option("--log-file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Append the full log here (Scrapy's, tracebacks); stderr keeps one line per warning.")
@click.option("--log-level", type=click.Choice(LEVELS, case_sensitive=False), default="WARNING", show_default=True,
              help="Least severe record shown on stderr (the log file gets INFO and up, or this if lower).")
@click.pass_context
def cli(ctx, log_file, log_level) -> None:
    """zwgk: checks government portals against the 政务公开 work plan and the law."""
    try:
        setup_logging(log_file, log_level.upper())
    except OSError as exc:
        fail(f"--log-file: cannot write {log_file}: {exc.strerror}")
    ctx.obj = {"log_file": log_file, "log_level": log_level.upper()}
    install_sigint()


# Each module adds its commands to `cli`.
from audits.cli import auditing, crawling, outputs, pipeline  # noqa: E402,F401


def main() -> None:
    try:
        cli()
    except (Interrupted, KeyboardInterrupt):
        # Stage functions mark their run interrupted before this reaches here.
        interrupted("stopped by Ctrl-C")
