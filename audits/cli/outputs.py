"""Commands that read a stored audit or crawl: findings, report, export, evidence verify."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from audits.cli import audit_option, cli, crawl_option, db_option, fail, load_plan_or_fail, open_existing_db, parse_date
from crawler import store
from rules.vocab import FINDING_STATUSES


def report_context(db_path: Path, audit_id: int | None, plan_file: Path | None = None):
    """The report context of an audit (and the plan), or a one-line error."""
    from reports.context import ReportError, build_context

    db = open_existing_db(db_path)
    try:
        plan = load_plan_or_fail(plan_file, None)
        try:
            return build_context(db, audit_id, plan), plan
        except ReportError as exc:
            fail(f"{db_path}: {exc}")
    finally:
        db.close()


def do_report(db_path: Path, audit_id: int | None, out_dir: Path, plan_file: Path | None = None) -> Path:
    from reports.render import render_report

    ctx, _ = report_context(db_path, audit_id, plan_file)
    try:
        index = render_report(ctx, out_dir, assets_from=db_path.resolve().parent)
    except OSError as exc:
        fail(f"cannot write the report to {out_dir}: {exc}")
    click.echo(f"report of audit {ctx.audit['id']}: {index}")
    return index


def export_ledger(db_path: Path, audit_id: int | None, out_file: Path, *, fmt: str = "xlsx",
                  deadline: str | None = None) -> int:
    from reports.ledger import ledger_rows, write_csv, write_xlsx

    ctx, plan = report_context(db_path, audit_id)
    due = deadline or str((getattr(plan, "meta", None) or {}).get("report_due", "") or "")
    rows = ledger_rows(ctx, due)
    try:
        (write_xlsx if fmt == "xlsx" else write_csv)(rows, out_file)
    except OSError as exc:
        fail(f"cannot write {out_file}: {exc}")
    return len(rows)


@cli.command()
@db_option(help="SQLite database with an audit.")
@audit_option
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("--status", "statuses", multiple=True, type=click.Choice(list(FINDING_STATUSES)),
              help="Only findings with this status (repeatable).")
def findings(db_path, audit_id, fmt, statuses) -> None:
    """Print every finding of an audit as JSON or CSV (the export contract in README).

    \b
    Example:
        zwgk findings --db zwgk.db --format csv > findings.csv
    """
    from reports.export import write_csv, write_json

    db = open_existing_db(db_path)
    if audit_id is None:
        audit_id = store.latest_audit_id(db)
        if audit_id is None:
            fail(f"{db_path}: no finished audit yet; run `zwgk audit` first")
    elif store.audit_run(db, audit_id) is None:
        fail(f"{db_path}: no audit run {audit_id}")
    (write_json if fmt == "json" else write_csv)(audit_id, store.load_findings(db, audit_id, statuses), sys.stdout)


@cli.command()
@db_option(help="SQLite database with an audit.")
@audit_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("report"),
              show_default=True, help="Folder to write the static site into.")
def report(db_path, audit_id, out_dir) -> None:
    """Write the HTML findings of an audit as a static site (open index.html from disk).

    \b
    Example:
        zwgk report --db zwgk.db --out report/
    """
    do_report(db_path, audit_id, out_dir)


@cli.command()
@db_option(help="SQLite database with an audit.")
@audit_option
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx", show_default=True)
@click.option("--out", "out_file", type=click.Path(path_type=Path), default=None,
              help="File to write (default: ledger.xlsx / ledger.csv).")
@click.option("--deadline", default=None, metavar="YYYY-MM-DD",
              help="整改期限 column (default: the plan's report_due date).")
def export(db_path, audit_id, fmt, out_file, deadline) -> None:
    """Export the 台账 ledger (task 45): one row per unit × plan task.

    \b
    Example:
        zwgk export --format xlsx --out ledger.xlsx
    """
    if deadline is not None:
        parse_date(deadline, "--deadline")
    out_file = out_file or Path(f"ledger.{fmt}")
    rows = export_ledger(db_path, audit_id, out_file, fmt=fmt, deadline=deadline)
    click.echo(f"ledger: {rows} rows -> {out_file}")


@cli.group()
def evidence() -> None:
    """Evidence kept with each crawl: the WARC archive of raw responses."""


@evidence.command("verify")
@db_option()
@crawl_option
def evidence_verify(db_path, crawl_id) -> None:
    """Re-hash every response in the crawl's WARC file and compare with the database.

    Exits 0 when every archived response matches, 1 when any was altered or is missing.

    \b
    Example:
        zwgk evidence verify --db zwgk.db
    """
    from audits.evidence import EvidenceError, verify_crawl

    db = open_existing_db(db_path)
    if crawl_id is None:
        crawl_id = store.latest_crawl_id(db)
    try:
        problems, notes, responses, archives = verify_crawl(db, crawl_id)
    except EvidenceError as exc:
        fail(f"{db_path}: {exc}")
    for line in problems + notes:
        click.echo(line)
    click.echo(f"crawl {crawl_id}: {responses} responses in {archives} archive(s), {len(problems)} problem(s)")
    sys.exit(1 if problems else 0)
