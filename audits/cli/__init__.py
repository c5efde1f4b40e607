"""The ``zwgk`` command line: the one room that may import every stage.

Commands parse options and call stage functions (crawler.runner, audits.run,
reports.render, reports.ledger, reports.export); the options several commands share are
declared once here. A usage or data error prints one ``zwgk: error: …`` line and exits 2.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from pathlib import Path

import click

from crawler import __version__, store
from crawler.units import UnitsError, default_units_path, load_units, select_units


def fail(message: str, code: int = 2) -> None:
    click.echo(f"zwgk: error: {message}", err=True)
    sys.exit(code)


# --- options shared by several commands ------------------------------------------------

def db_option(default: str = "zwgk.db", help: str = "SQLite database."):  # noqa: A002  (click's name)
    return click.option("--db", "db_path", type=click.Path(path_type=Path), default=Path(default),
                        show_default=True, help=help)


units_option = click.option("--units", "units_file", type=click.Path(path_type=Path), default=None,
                            help="Units registry (YAML). Default: the shipped Meizhou registry.")
unit_ids_option = click.option("--unit", "unit_ids", multiple=True, help="Only this unit id (repeatable).")
audit_option = click.option("--audit", "audit_id", type=int, default=None, help="Audit run id (default: the latest).")
crawl_option = click.option("--crawl", "crawl_id", type=int, default=None, help="Crawl run id (default: the latest).")
rules_option = click.option("--rules", "rule_paths", multiple=True, type=click.Path(path_type=Path),
                            help="Rule files or folders (default: the shipped catalogue).")
plan_option = click.option("--plan", "plan_file", type=click.Path(path_type=Path), default=None,
                           help="Plan file (default: the shipped Meizhou 2021 plan).")
set_option = click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE",
                          help="Override a Scrapy/ZWGK_ setting, e.g. -s DOWNLOAD_DELAY=2.")
verbose_option = click.option("-v", "--verbose", is_flag=True, help="Log every request.")


# --- checks and loaders every command uses the same way -------------------------------------

def check_units(units_file: Path, unit_ids: list[str], kinds: tuple[str, ...] = ()) -> None:
    try:
        units = select_units(load_units(units_file), unit_ids, kinds)
    except UnitsError as exc:
        fail(str(exc))
    if not units:
        fail(f"{units_file}: no units to crawl")


def check_db_path(db_path: Path) -> None:
    try:
        store.open_db(db_path).close()
    except store.DatabaseError as exc:
        fail(str(exc))


def open_existing_db(db_path: Path):
    try:
        return store.open_db(db_path, create=False)
    except store.DatabaseError as exc:
        fail(str(exc))


def load_rules_or_fail(paths: tuple[Path, ...]):
    from rules.loader import RuleError, load_rules

    try:
        return load_rules(list(paths) or None)
    except RuleError as exc:
        fail(str(exc))


def load_plan_or_fail(plan_file: Path | None, units_file: Path | None):
    from rules.plan import PlanError, load_plan

    try:
        return load_plan(plan_file, load_units(units_file or default_units_path()))
    except (PlanError, UnitsError) as exc:
        fail(str(exc))


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


@click.group()
@click.version_option(__version__, prog_name="zwgk")
def cli() -> None:
    """zwgk: checks government portals against the 政务公开 work plan and the law."""


# Each module adds its commands to `cli`.
from audits.cli import auditing, crawling, outputs, pipeline  # noqa: E402,F401


def main() -> None:
    logging.captureWarnings(True)
    cli()
