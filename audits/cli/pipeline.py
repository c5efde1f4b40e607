"""Commands that run every stage: run (for cron) and demo (the sample portals)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from audits.cli import (
    EXIT_NOT_PUBLISHED, check_as_of, check_db_path, check_units, cli, db_option, fail, force_as_of_option,
    load_plan_or_fail, open_existing_db, parse_date, parse_overrides, unit_ids_option, units_option, verbose_option,
    jobs_option,
)
from audits.cli.auditing import do_audit
from audits.cli.crawling import crawl_or_fail, echo_summary
from audits.cli.outputs import do_report, export_ledger
from audits.lock import RunLock, RunLockBusy
from crawler import store
from crawler.runner import resumable
from crawler.units import default_units_path, load_units, select_units

# Politeness for the local sample portals only: they run on loopback, so waiting
# seconds between requests would only slow the demo down. robots.txt stays obeyed.
LOCAL_SAMPLE_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "RETRY_TIMES": 0,
}


@cli.command()
@units_option
@unit_ids_option
@db_option()
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD", help="Audit date (default: today).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("report"), show_default=True,
              help="Report folder.")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE", help="Override a crawl setting.")
@force_as_of_option
@jobs_option
def run(units_file, unit_ids, db_path, as_of, out_dir, overrides, force_as_of, jobs) -> None:
    """Crawl, audit and report in one go, for cron. Two runs on one database never overlap.

    Exits 0 when all three stages ran, whatever the findings; 4 when the crawl was degraded
    (most portals failed at network level: an outage on our side is likelier), in which case
    the audit is stored but the report in --out is left as it was.

    \b
    Example (crontab, every Monday 02:00):
        0 2 * * 1  cd /srv/zwgk && .venv/bin/zwgk run --db data/zwgk.db --out /var/www/zwgk
    """
    units_file = units_file or default_units_path()
    check_units(units_file, list(unit_ids))
    check_db_path(db_path)
    if as_of is not None:
        check_as_of(parse_date(as_of), load_plan_or_fail(None, units_file), force_as_of)
    parsed = parse_overrides(overrides)
    try:
        lock = RunLock(db_path).__enter__()
    except RunLockBusy as exc:
        fail(str(exc), code=3)
    try:
        # A run killed last time (reboot, OOM, kill -9) is finished first, then audited.
        killed = resumable(db_path, "portals")
        wanted = [u.id for u in select_units(load_units(units_file), list(unit_ids))]
        resume_id = killed["id"] if killed is not None and json.loads(killed["units"]) == wanted else None
        if resume_id is not None:
            click.echo(f"resuming crawl run {resume_id}, left unfinished by an earlier run")
        crawl_id = crawl_or_fail(db_path=db_path, units_file=units_file, unit_ids=list(unit_ids), overrides=parsed,
                                 resume_id=resume_id, jobs=jobs)
        echo_summary(db_path, crawl_id)
        audit_id = do_audit(db_path, crawl_id, as_of, units_file, force_as_of=force_as_of)
        crawl = _crawl_run(db_path, crawl_id)
        if crawl.get("degraded"):
            fail(f"crawl run {crawl_id} reached {crawl['units_reached']} of {len(json.loads(crawl['units']))} units, "
                 f"{crawl['units_network_failed']} failed at network level (an outage?): audit {audit_id} kept, "
                 f"report in {out_dir} not replaced", code=EXIT_NOT_PUBLISHED)
        do_report(db_path, audit_id, out_dir)
        _publish(db_path, audit_id)
    finally:
        lock.__exit__(None, None, None)


def _crawl_run(db_path: Path, crawl_id: int) -> dict:
    db = store.open_db(db_path, readonly=True)
    try:
        return store.crawl_run(db, crawl_id) or {}
    finally:
        db.close()


def _publish(db_path: Path, audit_id: int) -> None:
    """The report just written shows this audit: mark it so report/export/findings default to it."""
    db = store.open_db(db_path)
    try:
        store.publish_audit(db, audit_id)
    finally:
        db.close()


@cli.command()
@db_option("demo/zwgk.db", help="SQLite database the demo writes.")
@click.option("--seed", type=int, default=2021, show_default=True, help="Seed of the sample portals.")
@verbose_option
def demo(db_path, seed, verbose) -> None:
    """Serve the sample portals on 127.0.0.1 and crawl them: the first thing to run.

    Writes the sample units file and the generator's ground truth next to the database.

    \b
    Example:
        zwgk demo --db demo/zwgk.db
    """
    from audits.demo import SamplePortalServer, build_world

    check_db_path(db_path)
    out = db_path.parent
    world = build_world(seed=seed)
    with SamplePortalServer(world) as server:
        units_file = out / "sample-units.yaml"
        server.write_units_file(units_file)
        (out / "ground-truth.json").write_text(
            json.dumps(server.ground_truth(), ensure_ascii=False, indent=1), encoding="utf-8"
        )
        click.echo(f"sample portals on 127.0.0.1; units file {units_file}")
        crawl_id = crawl_or_fail(db_path=db_path, units_file=units_file, unit_ids=[],
                                 overrides=LOCAL_SAMPLE_SETTINGS, verbose=verbose)
    echo_summary(db_path, crawl_id)
    # The sample portals are dated relative to the world's as-of date: audit on that day.
    audit_id = do_audit(db_path, crawl_id, world.as_of.isoformat(), units_file)
    index = do_report(db_path, audit_id, out / "report")
    _publish(db_path, audit_id)
    rows = export_ledger(db_path, audit_id, out / "ledger.xlsx")
    click.echo(f"ledger: {out / 'ledger.xlsx'} ({rows} rows)")
    click.echo(_score_line(db_path, audit_id, out / "ground-truth.json"))
    click.echo(f"open {index} in a browser")


def _score_line(db_path: Path, audit_id: int, truth_path: Path) -> str:
    """The demo audit scored against the sample world's ground truth (audits/demo/truth.py)."""
    from audits.demo.truth import score
    from reports.export import as_export

    db = open_existing_db(db_path)
    findings = [as_export(audit_id, f) for f in store.load_findings(db, audit_id, ())]
    rendered = store.units_with_script_lists_read(db)
    db.close()
    return score(findings, json.loads(truth_path.read_text(encoding="utf-8")), rendered).line()
