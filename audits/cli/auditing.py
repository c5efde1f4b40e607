"""Commands of the audit stage: audit, rules."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from audits.cli import (
    check_as_of, cli, crawl_option, db_option, fail, force_as_of_option, load_plan_or_fail, load_rules_or_fail,
    open_existing_db, parse_date, plan_option, rules_option, units_option,
)
from crawler import store
from crawler.units import UnitsError, default_units_path, load_units
from rules.vocab import FINDING_STATUSES


def do_audit(db_path: Path, crawl_id: int | None, as_of_text: str | None, units_file: Path | None,
             rule_paths: tuple[Path, ...] = (), plan_file: Path | None = None, screenshots: str = "auto",
             jobs: int = 0, force_as_of: bool = False) -> int:
    """Audit one stored crawl (default: the latest) and draw its evidence; returns the audit id.

    Everything that can be refused is checked before the audit run is recorded."""
    from audits.run import AuditError, run_audit

    as_of = parse_date(as_of_text)
    db = open_existing_db(db_path, readonly=False)
    try:
        if crawl_id is None:
            crawl_id = store.latest_crawl_id(db)
            if crawl_id is None:
                fail(f"{db_path}: no crawl run yet; run `zwgk crawl` first")
        elif store.crawl_run(db, crawl_id) is None:
            fail(f"--crawl {crawl_id}: no crawl run {crawl_id} in {db_path}")
        units_path = units_file or _units_file_of_crawl(db, crawl_id) or default_units_path()
        try:
            units = load_units(units_path)
        except UnitsError as exc:
            fail(f"--units: {exc}")
        plan = load_plan_or_fail(plan_file, units_path)
        check_as_of(as_of, plan, force_as_of)
        rules = load_rules_or_fail(rule_paths, plan)
        screenshots = _screenshots_possible(db_path, screenshots)
        try:
            audit_id = run_audit(db, crawl_id=crawl_id, as_of=as_of, units=units, rules=rules, jobs=jobs,
                                 plan=plan, plan_name=plan.meta.get("doc_number", "") if hasattr(plan, "meta") else "")
        except AuditError as exc:
            fail(str(exc))
        counts = store.audit_counts(db, audit_id)
        click.echo(f"audit {audit_id} of crawl {crawl_id} as of {as_of}: "
                   + ", ".join(f"{k} {counts[k]}" for k in FINDING_STATUSES))
        _screenshots(db, audit_id, db_path, screenshots)
        return audit_id
    finally:
        db.close()


def _screenshots_possible(db_path: Path, mode: str) -> str:
    """'on', 'off' or 'skip: why', decided before the audit: a folder that cannot take the
    screenshots must not fail the command after its findings were written."""
    import tempfile

    from audits.screenshots import chromium_available
    from crawler.settings import ZWGK_CHROMIUM

    if mode == "off":
        return "off"
    if not chromium_available(ZWGK_CHROMIUM):
        if mode == "on":
            fail(f"--screenshots on needs {ZWGK_CHROMIUM} (apt-get install chromium)")
        return f"skip: {ZWGK_CHROMIUM} not found"
    folder = db_path.resolve().parent / "screenshots"
    try:
        folder.mkdir(exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        if mode == "on":
            fail(f"--screenshots on: cannot write {folder}: {exc.strerror}")
        return f"skip: cannot write {folder} ({exc.strerror})"
    return "on"


def _screenshots(db, audit_id: int, db_path: Path, mode: str) -> None:
    from audits.screenshots import capture_screenshots
    from crawler.settings import ZWGK_CHROMIUM

    if mode == "off":
        return
    if mode.startswith("skip: "):
        click.echo(f"screenshots skipped: {mode[6:]}")
        return
    try:
        n = capture_screenshots(db, audit_id, db_path.resolve().parent / "screenshots", ZWGK_CHROMIUM)
    except OSError as exc:
        logging.getLogger("audits.screenshots").warning("screenshots not drawn: %s", exc)
        return
    click.echo(f"screenshots: {n} findings illustrated")


def _units_file_of_crawl(db, crawl_id: int) -> Path | None:
    run = store.crawl_run(db, crawl_id)
    if run and run["units_file"] and Path(run["units_file"]).exists():
        return Path(run["units_file"])
    return None


@cli.command()
@db_option(help="SQLite database with a crawl.")
@crawl_option
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
              help="Date the audit judges deadlines and freshness against (default: today).")
@click.option("--units", "units_file", type=click.Path(path_type=Path), default=None,
              help="Units registry (default: the one the crawl used).")
@rules_option
@plan_option
@click.option("--screenshots", type=click.Choice(["auto", "on", "off"]), default="auto", show_default=True,
              help="Draw the archived pages behind fail and task-28 findings in Chromium (auto: if installed).")
@click.option("--jobs", type=click.IntRange(min=0), default=0, show_default=True,
              help="Worker processes, one unit each at a time (0: one per CPU from 20,000 stored pages, else 1).")
@force_as_of_option
def audit(db_path, crawl_id, as_of, units_file, rule_paths, plan_file, screenshots, jobs, force_as_of) -> None:
    """Evaluate every applicable rule for every unit of one stored crawl.

    Exits 0 when the audit ran, whatever it found; non-zero only on a usage or data error.

    \b
    Example:
        zwgk audit --db zwgk.db --as-of 2021-12-20
    """
    do_audit(db_path, crawl_id, as_of, units_file, rule_paths, plan_file, screenshots, jobs, force_as_of)


@cli.command("rules")
@rules_option
@plan_option
@units_option
@click.option("--coverage", is_flag=True, help="Show, per plan task, the rules that serve it.")
def rules_cmd(rule_paths, plan_file, units_file, coverage) -> None:
    """List the rules (id, tasks, applies_to, automated/manual), or the task coverage.

    \b
    Example:
        zwgk rules
        zwgk rules --coverage
    """
    from rules.engine import coverage as task_coverage
    from rules.engine import coverage_state
    from rules.model import UnitInfo

    rules = load_rules_or_fail(rule_paths, load_plan_or_fail(plan_file, units_file))
    if not coverage:
        for r in rules:
            a = r.applies_to
            scope = ",".join(
                (["plan"] if a.from_plan else []) + list(a.kinds) + list(a.units) + [f"role:{x}" for x in a.roles]
            )
            mode = "manual" if r.manual else "automated"
            tasks = ",".join(map(str, r.tasks))
            click.echo(f"{r.id:<9} tasks {tasks:<8} {mode:<9} {r.severity:<6} {scope:<40} {r.title}")
        click.echo(f"{len(rules)} rules ({sum(r.automated for r in rules)} automated, {sum(r.manual for r in rules)} manual)")
        return
    plan = load_plan_or_fail(plan_file, units_file)
    units_path = units_file or default_units_path()
    infos = [UnitInfo(id=u.id, name=u.name, kind=u.kind, acts_for=u.acts_for) for u in load_units(units_path)]
    table = task_coverage(rules, plan, infos)
    counts: dict[str, int] = {}
    for t in plan.tasks:
        row = table[t.number]
        state = coverage_state(row)
        counts[state] = counts.get(state, 0) + 1
        parts = [f"{level}: {' '.join(row[level])}" for level in ("full", "partial", "proxy", "manual") if row[level]]
        if row["unreached"]:
            parts.append(f"applies to none of its units: {' '.join(row['unreached'])}")
        click.echo(f"task {t.number:>2}  {state:<10} " + "; ".join(parts))
    mapped = len(plan.tasks) - counts.get("NOT MAPPED", 0)
    click.echo(f"{mapped}/{len(plan.tasks)} tasks mapped: {counts.get('automated', 0)} checked automatically "
               f"(fully or in part), {counts.get('proxy', 0)} by proxy only, {counts.get('manual', 0)} manual")
    if mapped < len(plan.tasks):
        sys.exit(1)
