"""Commands that read a stored audit or crawl: findings, report, export, evidence verify."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from audits.cli import audit_option, cli, crawl_option, db_option, fail, load_plan_or_fail, open_existing_db, parse_date
from crawler import store
from rules.vocab import FINDING_STATUSES


def finished_audit_or_fail(db, db_path: Path, audit_id: int | None) -> int:
    """The audit to show: the one asked for, which must have finished, or the default one."""
    if audit_id is None:
        audit_id = store.default_audit_id(db)
        if audit_id is None:
            fail(f"{db_path}: no finished audit with findings yet; run `zwgk audit` first")
        return audit_id
    run = store.audit_run(db, audit_id)
    if run is None:
        fail(f"--audit {audit_id}: no such audit run in {db_path}")
    if run["status"] != "finished":
        fail(f"--audit {audit_id}: the audit did not finish (it is {run['status']}); it has no findings to show")
    return audit_id


def shipped_remedies() -> dict[str, str]:
    """rule id -> 整改建议 of the shipped catalogue, for findings stored without their remedy."""
    from rules.loader import RuleError, load_rules

    try:
        return {r.id: r.remedy for r in load_rules()}
    except RuleError:  # a broken catalogue: the report still shows what the audit stored
        return {}


def report_context(db_path: Path, audit_id: int | None, plan_file: Path | None = None):
    """The report context of an audit (and the plan), or a one-line error."""
    from reports.context import ReportError, build_context

    db = open_existing_db(db_path)
    try:
        plan = load_plan_or_fail(plan_file, None)
        try:
            return build_context(db, audit_id, plan, remedies=shipped_remedies()), plan
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
        fail(f"--out: cannot write the report to {out_dir}: {exc}")
    click.echo(f"report of audit {ctx.audit['id']}: {index}")
    return index


def export_ledger(db_path: Path, audit_id: int | None, out_file: Path, *, fmt: str = "xlsx",
                  deadline: str | None = None) -> int:
    from reports.ledger import ledger_rows, summary_rows, write_csv, write_xlsx

    ctx, plan = report_context(db_path, audit_id)
    due = deadline or str((getattr(plan, "meta", None) or {}).get("report_due", "") or "")
    rows = ledger_rows(ctx, due)
    try:
        if fmt == "xlsx":
            write_xlsx(rows, out_file, summary=summary_rows(ctx, rows))
        else:
            write_csv(rows, out_file)
    except OSError as exc:
        fail(f"--out: cannot write {out_file}: {exc}")
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
    from reports.export import with_remedies, write_csv, write_json

    db = open_existing_db(db_path)
    audit_id = finished_audit_or_fail(db, db_path, audit_id)
    found = with_remedies(store.load_findings(db, audit_id, statuses), shipped_remedies())
    (write_json if fmt == "json" else write_csv)(audit_id, found, sys.stdout)


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
        if crawl_id is None:
            fail(f"{db_path}: no crawl run yet")
    try:
        problems, notes, responses, checked = verify_crawl(db, crawl_id, db_path.resolve().parent)
    except EvidenceError as exc:
        fail(f"{db_path}: {exc}")
    for line in problems + notes:
        click.echo(line)
    for archive in checked:
        click.echo(f"checked {archive}")
    click.echo(f"crawl {crawl_id}: {responses} responses in {len(checked)} archive(s), {len(problems)} problem(s)")
    sys.exit(1 if problems else 0)


@cli.command()
@db_option(help="SQLite database to read.")
@click.option("--publish", "publish_id", type=int, default=None, metavar="ID",
              help="Mark this audit as the published one: report, export and findings show it by default.")
def audits(db_path, publish_id) -> None:
    """List the audit runs, newest first: id, crawl, as-of, rules hash, counts, state, published (*).

    \b
    Example:
        zwgk audits --db zwgk.db
        zwgk audits --db zwgk.db --publish 12
    """
    if publish_id is not None:
        db = open_existing_db(db_path, readonly=False)
        try:
            finished_audit_or_fail(db, db_path, publish_id)
            store.publish_audit(db, publish_id)
        finally:
            db.close()
        click.echo(f"audit {publish_id} is the published audit")
        return
    db = open_existing_db(db_path)
    try:
        for run in store.list_audits(db):
            counts = " ".join(f"{k} {run['counts'][k]}" for k in ("pass", "fail", "unknown", "manual"))
            degraded = "  (crawl degraded)" if run.get("crawl_degraded") else ""
            mark = "*" if run.get("published") else " "
            click.echo(f"{mark}{run['id']:>4}  crawl {run['crawl_id']:>4}  as of {run['as_of']}  "
                       f"rules {(run['rules_hash'] or '')[:12]}  {run['status']:<11} {counts}{degraded}")
    finally:
        db.close()
