"""The ``zwgk`` command line."""

from __future__ import annotations

import json
import logging
import os
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


CHANGE_ORDER = ("new", "changed", "unchanged", "not_modified", "carried", "resumed")


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
    resume_id: int | None = None,
) -> int:
    """Run one crawl in this process (or finish run `resume_id`) and return its crawl run id."""
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
    before = _latest_crawl(db_path)
    process = CrawlerProcess(settings, install_root_handler=True)
    process.crawl(spider, units=str(units_file), unit=",".join(unit_ids) or None)
    process.start()
    if resume_id is not None:
        return resume_id
    after = _latest_crawl(db_path)
    if after is None or after == before:
        _fail("the crawl did not start (see the log above)", code=1)
    return after


def _resumable(db_path: Path, spider: str | None = None) -> dict | None:
    if not db_path.exists():
        return None
    db = store.open_db(db_path)
    try:
        return store.resumable_crawl(db, spider)
    finally:
        db.close()


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


def _open_existing_db(db_path: Path):
    try:
        return store.open_db(db_path, create=False)
    except store.DatabaseError as exc:
        _fail(str(exc))


def _report_context(db_path: Path, audit_id: int | None, plan_file: Path | None = None):
    """The report context of an audit (and the plan), or a one-line error."""
    from reports.context import ReportError, build_context

    db = _open_existing_db(db_path)
    try:
        plan = _load_plan_or_fail(plan_file, None)
        try:
            return build_context(db, audit_id, plan), plan
        except ReportError as exc:
            _fail(f"{db_path}: {exc}")
    finally:
        db.close()


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
@click.option("--resume", is_flag=True,
              help="Finish the newest crawl run, killed or interrupted, instead of starting a new one.")
@click.option("--full", is_flag=True,
              help="Fetch every page again (default: revisit the previous crawl with conditional requests).")
@click.option("--redis", "redis_url", default=None, metavar="URL",
              help="Share this crawl with other processes through Redis (scrapy-redis), e.g. redis://host:6379/0.")
@click.option("--job", default=None, help="With --redis: the name all processes of one crawl share (default: today).")
@click.option("-v", "--verbose", is_flag=True, help="Log every request.")
def crawl(units_file, unit_ids, db_path, kind, overrides, resume, full, redis_url, job, verbose) -> None:
    """Crawl the units' portals into the database.

    A crawl revisits the previous finished crawl of the same units: lists are
    revalidated with conditional requests, recent documents are carried over, and each
    page is marked new, changed or unchanged. A crawl killed mid-way (kill -9, power
    loss) leaves whole pages; --resume finishes it without fetching them again.

    \b
    Examples:
        zwgk crawl --unit meijiang --db zwgk.db
        zwgk crawl --resume --db zwgk.db
    """
    spider = {"all": "portals", "county": "county_portals", "department": "department_portals"}[kind]
    kinds = {"all": (), "county": ("county", "municipal-government"), "department": ("municipal-department",)}[kind]
    parsed = _parse_overrides(overrides)
    if full:
        parsed["ZWGK_INCREMENTAL"] = False
    if redis_url:
        _check_redis(redis_url)
        parsed["ZWGK_REDIS_URL"] = redis_url
        # Each process sees only part of the site: revisiting a previous crawl would be partial.
        parsed.setdefault("ZWGK_INCREMENTAL", False)
        if job:
            parsed["ZWGK_REDIS_JOB"] = job
    elif job:
        _fail("--job needs --redis")
    resume_id = None
    if resume:
        run = _resumable(db_path)
        if run is None:
            _fail(f"{db_path}: the newest crawl run is not a killed or interrupted one; nothing to resume")
        if units_file or unit_ids or kind != "all":
            _fail("--resume continues the run as it was started: leave out --units, --unit and --kind")
        resume_id, spider = run["id"], run["spider"]
        units_file = Path(run["units_file"])
        unit_ids = tuple(json.loads(run["units"]))
        kinds = ()
        click.echo(f"resuming crawl run {resume_id} ({len(unit_ids)} units)")
    units_file = units_file or default_units_path()
    _check_units(units_file, list(unit_ids), kinds)
    _check_db_path(db_path)
    crawl_id = run_crawl(db_path=db_path, units_file=units_file, unit_ids=list(unit_ids),
                         spider=spider, overrides=parsed, verbose=verbose, resume_id=resume_id)
    for line in _crawl_summary(db_path, crawl_id):
        click.echo(line)


def _check_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=5).ping()
    except ValueError as exc:
        _fail(f"--redis: not a Redis URL: {url} ({exc})")
    except redis.RedisError as exc:
        _fail(f"--redis: cannot reach {url}: {exc}")


def _parse_overrides(overrides) -> dict:
    parsed = {}
    for item in overrides:
        name, sep, value = item.partition("=")
        if not sep or not name:
            _fail(f"--set expects NAME=VALUE, got {item!r}")
        parsed[name] = value
    return parsed


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
    from audits.demo import SamplePortalServer, build_world

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
    # The sample portals are dated relative to the world's as-of date: audit on that day.
    audit_id = do_audit(db_path, crawl_id, world.as_of.isoformat(), units_file)
    index = do_report(db_path, audit_id, out / "report")
    ctx_rows = _export_ledger(db_path, audit_id, out / "ledger.xlsx")
    click.echo(f"ledger: {out / 'ledger.xlsx'} ({ctx_rows} rows)")
    click.echo(f"open {index} in a browser")


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
    db = _open_existing_db(db_path)
    for run in db.query("SELECT * FROM crawl_runs ORDER BY id DESC"):
        pages = db.execute("SELECT count(*) FROM pages WHERE crawl_id = ?", [run["id"]]).fetchone()[0]
        changes = dict(db.execute("SELECT change, count(*) FROM pages WHERE crawl_id = ? AND change IS NOT NULL "
                                  "GROUP BY change", [run["id"]]).fetchall())
        extra = f"  vs crawl {run['previous_crawl_id']}: " + ", ".join(
            f"{k} {changes[k]}" for k in CHANGE_ORDER if k in changes) if changes else ""
        state = store.run_state(run)
        resumed = f" (resumed {run['resumed']}x)" if run.get("resumed") else ""
        click.echo(f"{run['id']:>4}  {state:<11} {run['started_at']}  {run['spider']:<18} pages {pages}{resumed}{extra}")


def _load_rules_or_fail(paths: tuple[Path, ...]):
    from rules.loader import RuleError, load_rules

    try:
        return load_rules(list(paths) or None)
    except RuleError as exc:
        _fail(str(exc))


def _load_plan_or_fail(plan_file: Path | None, units_file: Path | None):
    from rules.plan import PlanError, load_plan

    try:
        return load_plan(plan_file, load_units(units_file or default_units_path()))
    except (PlanError, UnitsError) as exc:
        _fail(str(exc))


@cli.command("rules")
@click.option("--rules", "rule_paths", multiple=True, type=click.Path(path_type=Path),
              help="Rule files or folders (default: the shipped catalogue).")
@click.option("--plan", "plan_file", type=click.Path(path_type=Path), default=None,
              help="Plan file (default: the shipped Meizhou 2021 plan).")
@click.option("--units", "units_file", type=click.Path(path_type=Path), default=None,
              help="Units registry (YAML). Default: the shipped Meizhou registry.")
@click.option("--coverage", is_flag=True, help="Show, per plan task, the rules that serve it.")
def rules_cmd(rule_paths, plan_file, units_file, coverage) -> None:
    """List the rules (id, tasks, applies_to, automated/manual), or the task coverage.

    \b
    Example:
        zwgk rules
        zwgk rules --coverage
    """
    from rules.engine import coverage as task_coverage

    rules = _load_rules_or_fail(rule_paths)
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
    plan = _load_plan_or_fail(plan_file, units_file)
    numbers = [t.number for t in plan.tasks]
    table = task_coverage(rules, numbers)
    automated = 0
    for n in numbers:
        row = table[n]
        automated += bool(row["automated"])
        state = "automated" if row["automated"] else ("manual" if row["manual"] else "NOT MAPPED")
        ids = " ".join(row["automated"] + row["manual"])
        click.echo(f"task {n:>2}  {state:<10} {ids}")
    mapped = sum(1 for n in numbers if table[n]["automated"] or table[n]["manual"])
    click.echo(f"{mapped}/{len(numbers)} tasks mapped, {automated} automated")
    if mapped < len(numbers):
        sys.exit(1)


def _parse_date(value: str | None) -> "dt.date":
    import datetime as dt

    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _fail(f"--as-of expects YYYY-MM-DD, got {value!r}")


def do_audit(db_path: Path, crawl_id: int | None, as_of_text: str | None, units_file: Path | None,
             rule_paths: tuple[Path, ...] = (), plan_file: Path | None = None, screenshots: str = "auto",
             jobs: int = 0) -> int:
    from audits.run import AuditError, run_audit

    as_of = _parse_date(as_of_text)
    db = _open_existing_db(db_path)
    try:
        if crawl_id is None:
            crawl_id = store.latest_crawl_id(db)
            if crawl_id is None:
                _fail(f"{db_path}: no crawl run yet; run `zwgk crawl` first")
        units_path = units_file or _units_file_of_crawl(db, crawl_id) or default_units_path()
        try:
            units = load_units(units_path)
        except UnitsError as exc:
            _fail(str(exc))
        rules = _load_rules_or_fail(rule_paths)
        plan = _load_plan_or_fail(plan_file, units_path)
        try:
            audit_id = run_audit(db, crawl_id=crawl_id, as_of=as_of, units=units, rules=rules, jobs=jobs,
                                 plan=plan, plan_name=plan.meta.get("doc_number", "") if hasattr(plan, "meta") else "")
        except AuditError as exc:
            _fail(str(exc))
        counts = dict(db.execute("SELECT status, count(*) FROM findings WHERE audit_id = ? GROUP BY status",
                                 [audit_id]).fetchall())
        click.echo(f"audit {audit_id} of crawl {crawl_id} as of {as_of}: "
                   + ", ".join(f"{k} {counts.get(k, 0)}" for k in ("pass", "fail", "unknown", "manual")))
        _screenshots(db, audit_id, db_path, screenshots)
        return audit_id
    finally:
        db.close()


def _screenshots(db, audit_id: int, db_path: Path, mode: str) -> None:
    from audits.screenshots import capture_screenshots, chromium_available
    from crawler.settings import ZWGK_CHROMIUM

    if mode == "off":
        return
    if not chromium_available(ZWGK_CHROMIUM):
        if mode == "on":
            _fail(f"--screenshots on needs {ZWGK_CHROMIUM} (apt-get install chromium)")
        click.echo(f"screenshots skipped: {ZWGK_CHROMIUM} not found")
        return
    n = capture_screenshots(db, audit_id, db_path.resolve().parent / "screenshots", ZWGK_CHROMIUM)
    click.echo(f"screenshots: {n} findings illustrated")


def _units_file_of_crawl(db, crawl_id: int) -> Path | None:
    row = db.execute("SELECT units_file FROM crawl_runs WHERE id = ?", [crawl_id]).fetchone()
    if row and row[0] and Path(row[0]).exists():
        return Path(row[0])
    return None


@cli.command()
@click.option("--db", "db_path", type=click.Path(path_type=Path), default=Path("zwgk.db"),
              show_default=True, help="SQLite database with a crawl.")
@click.option("--crawl", "crawl_id", type=int, default=None, help="Crawl run id (default: the latest).")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
              help="Date the audit judges deadlines and freshness against (default: today).")
@click.option("--units", "units_file", type=click.Path(path_type=Path), default=None,
              help="Units registry (default: the one the crawl used).")
@click.option("--rules", "rule_paths", multiple=True, type=click.Path(path_type=Path),
              help="Rule files or folders (default: the shipped catalogue).")
@click.option("--plan", "plan_file", type=click.Path(path_type=Path), default=None,
              help="Plan file (default: the shipped Meizhou 2021 plan).")
@click.option("--screenshots", type=click.Choice(["auto", "on", "off"]), default="auto", show_default=True,
              help="Draw the archived pages behind fail and task-28 findings in Chromium (auto: if installed).")
@click.option("--jobs", type=click.IntRange(min=0), default=0, show_default=True,
              help="Worker processes, one unit each at a time (0: one per CPU from 20,000 stored pages, else 1).")
def audit(db_path, crawl_id, as_of, units_file, rule_paths, plan_file, screenshots, jobs) -> None:
    """Evaluate every applicable rule for every unit of one stored crawl.

    Exits 0 when the audit ran, whatever it found; non-zero only on a usage or data error.

    \b
    Example:
        zwgk audit --db zwgk.db --as-of 2021-12-20
    """
    do_audit(db_path, crawl_id, as_of, units_file, rule_paths, plan_file, screenshots, jobs)


FINDING_FIELDS = ("audit", "unit", "rule", "tasks", "status", "severity", "title", "message", "detail",
                  "looked_for", "looked_where", "evidence")


def load_findings(db, audit_id: int) -> list[dict]:
    out = []
    for row in db.query(
        "SELECT * FROM findings WHERE audit_id = ? ORDER BY unit_id, rule_id", [audit_id]
    ):
        out.append({
            "audit": audit_id,
            "unit": row["unit_id"],
            "rule": row["rule_id"],
            "tasks": json.loads(row["tasks"]),
            "status": row["status"],
            "severity": row["severity"],
            "title": row["title"],
            "message": row["message"],
            "detail": row["detail"],
            "looked_for": row["looked_for"],
            "looked_where": row["looked_where"],
            "evidence": json.loads(row["evidence"] or "[]"),
        })
    return out


@cli.command()
@click.option("--db", "db_path", type=click.Path(path_type=Path), default=Path("zwgk.db"),
              show_default=True, help="SQLite database with an audit.")
@click.option("--audit", "audit_id", type=int, default=None, help="Audit run id (default: the latest).")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("--status", "statuses", multiple=True, type=click.Choice(["pass", "fail", "unknown", "manual"]),
              help="Only findings with this status (repeatable).")
def findings(db_path, audit_id, fmt, statuses) -> None:
    """Print every finding of an audit as JSON or CSV (the export contract in README).

    \b
    Example:
        zwgk findings --db zwgk.db --format csv > findings.csv
    """
    import csv

    db = _open_existing_db(db_path)
    if audit_id is None:
        row = db.execute("SELECT max(id) FROM audit_runs WHERE status = 'finished'").fetchone()
        audit_id = row[0] if row else None
        if audit_id is None:
            _fail(f"{db_path}: no finished audit yet; run `zwgk audit` first")
    elif not db.execute("SELECT 1 FROM audit_runs WHERE id = ?", [audit_id]).fetchone():
        _fail(f"{db_path}: no audit run {audit_id}")
    rows = [f for f in load_findings(db, audit_id) if not statuses or f["status"] in statuses]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=list(FINDING_FIELDS) + ["evidence_url"])
    writer.writeheader()
    for f in rows:
        flat = dict(f)
        flat["tasks"] = ",".join(map(str, f["tasks"]))
        flat["evidence_url"] = f["evidence"][0]["url"] if f["evidence"] else ""
        flat["evidence"] = json.dumps(f["evidence"], ensure_ascii=False)
        writer.writerow(flat)


def do_report(db_path: Path, audit_id: int | None, out_dir: Path, plan_file: Path | None = None) -> Path:
    from reports.render import render_report

    ctx, _ = _report_context(db_path, audit_id, plan_file)
    try:
        index = render_report(ctx, out_dir, assets_from=db_path.resolve().parent)
    except OSError as exc:
        _fail(f"cannot write the report to {out_dir}: {exc}")
    click.echo(f"report of audit {ctx.audit['id']}: {index}")
    return index


@cli.command()
@click.option("--db", "db_path", type=click.Path(path_type=Path), default=Path("zwgk.db"),
              show_default=True, help="SQLite database with an audit.")
@click.option("--audit", "audit_id", type=int, default=None, help="Audit run id (default: the latest).")
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
@click.option("--db", "db_path", type=click.Path(path_type=Path), default=Path("zwgk.db"),
              show_default=True, help="SQLite database with an audit.")
@click.option("--audit", "audit_id", type=int, default=None, help="Audit run id (default: the latest).")
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
        _parse_date(deadline)
    out_file = out_file or Path(f"ledger.{fmt}")
    rows = _export_ledger(db_path, audit_id, out_file, fmt=fmt, deadline=deadline)
    click.echo(f"ledger: {rows} rows -> {out_file}")


def _export_ledger(db_path: Path, audit_id: int | None, out_file: Path, *, fmt: str = "xlsx",
                   deadline: str | None = None) -> int:
    from reports.ledger import ledger_rows, write_csv, write_xlsx

    ctx, plan = _report_context(db_path, audit_id)
    due = deadline or str((getattr(plan, "meta", None) or {}).get("report_due", "") or "")
    rows = ledger_rows(ctx, due)
    try:
        (write_xlsx if fmt == "xlsx" else write_csv)(rows, out_file)
    except OSError as exc:
        _fail(f"cannot write {out_file}: {exc}")
    return len(rows)


@cli.command()
@click.option("--units", "units_file", type=click.Path(path_type=Path), default=None,
              help="Units registry (YAML). Default: the shipped Meizhou registry.")
@click.option("--unit", "unit_ids", multiple=True, help="Only this unit id (repeatable).")
@click.option("--db", "db_path", type=click.Path(path_type=Path), default=Path("zwgk.db"), show_default=True)
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD", help="Audit date (default: today).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("report"), show_default=True,
              help="Report folder.")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE", help="Override a crawl setting.")
def run(units_file, unit_ids, db_path, as_of, out_dir, overrides) -> None:
    """Crawl, audit and report in one go, for cron. Two runs on one database never overlap.

    Exits 0 when all three stages ran, whatever the findings.

    \b
    Example (crontab, every Monday 02:00):
        0 2 * * 1  cd /srv/zwgk && .venv/bin/zwgk run --db data/zwgk.db --out /var/www/zwgk
    """
    units_file = units_file or default_units_path()
    _check_units(units_file, list(unit_ids))
    _check_db_path(db_path)
    if as_of is not None:
        _parse_date(as_of)
    parsed = _parse_overrides(overrides)
    with run_lock(db_path):
        # A run killed last time (reboot, OOM, kill -9) is finished first, then audited.
        killed = _resumable(db_path, "portals")
        wanted = [u.id for u in select_units(load_units(units_file), list(unit_ids))]
        resume_id = killed["id"] if killed is not None and json.loads(killed["units"]) == wanted else None
        if resume_id is not None:
            click.echo(f"resuming crawl run {resume_id}, left unfinished by an earlier run")
        crawl_id = run_crawl(db_path=db_path, units_file=units_file, unit_ids=list(unit_ids), overrides=parsed,
                             resume_id=resume_id)
        for line in _crawl_summary(db_path, crawl_id):
            click.echo(line)
        audit_id = do_audit(db_path, crawl_id, as_of, units_file)
        do_report(db_path, audit_id, out_dir)


class run_lock:
    """An exclusive, non-blocking lock next to the database; released even on a crash."""

    def __init__(self, db_path: Path):
        self.path = db_path.with_name(db_path.name + ".lock")
        self.fh = None

    def __enter__(self):
        import fcntl

        self.fh = self.path.open("w")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.fh.close()
            _fail(f"another zwgk run is using {self.path.with_suffix('')}; not starting a second one", code=3)
        self.fh.write(str(os.getpid()))
        self.fh.flush()
        return self

    def __exit__(self, *exc):
        import fcntl

        fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()


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
    from audits.merge import MergeError, merge_parts

    for part in parts:
        if not part.exists():
            _fail(f"database not found: {part}")
    _check_db_path(db_path)
    db = store.open_db(db_path)
    try:
        crawl_id = merge_parts(db, db_path, list(parts))
    except (MergeError, store.DatabaseError) as exc:
        _fail(str(exc))
    finally:
        db.close()
    for line in _crawl_summary(db_path, crawl_id):
        click.echo(line)


@cli.group()
def evidence() -> None:
    """Evidence kept with each crawl: the WARC archive of raw responses."""


@evidence.command("verify")
@click.option("--db", "db_path", type=click.Path(path_type=Path), default=Path("zwgk.db"), show_default=True)
@click.option("--crawl", "crawl_id", type=int, default=None, help="Crawl run id (default: the latest).")
def evidence_verify(db_path, crawl_id) -> None:
    """Re-hash every response in the crawl's WARC file and compare with the database.

    Exits 0 when every archived response matches, 1 when any was altered or is missing.

    \b
    Example:
        zwgk evidence verify --db zwgk.db
    """
    db = _open_existing_db(db_path)
    if crawl_id is None:
        crawl_id = store.latest_crawl_id(db)
    row = db.execute("SELECT warc_file FROM crawl_runs WHERE id = ?", [crawl_id]).fetchone() if crawl_id else None
    if not row or not row[0]:
        _fail(f"{db_path}: no WARC archive recorded for crawl {crawl_id}")
    warc_dir = Path(row[0]).parent
    # A crawl's pages point into its own archive, into a resumed session's archive
    # (crawl-N-rK), or into an earlier crawl's (pages reused by an incremental crawl).
    rows = list(db.execute("SELECT COALESCE(warc_file, ?), warc_offset, COALESCE(final_url, url), body_sha256 "
                           "FROM pages WHERE crawl_id = ? AND warc_offset IS NOT NULL",
                           [Path(row[0]).name, crawl_id]))
    by_file: dict[str, list] = {}
    for name, offset, url, sha in rows:
        by_file.setdefault(name, []).append((offset, url, sha))
    problems, notes = [], []
    for name in sorted(by_file):
        warc = warc_dir / Path(name).name  # a bare file name, never a path from the data
        problems.extend(_verify_archive(db, warc, by_file[name], notes))
    for line in problems + notes:
        click.echo(line)
    click.echo(f"crawl {crawl_id}: {len(rows)} responses in {len(by_file)} archive(s), {len(problems)} problem(s)")
    sys.exit(1 if problems else 0)


def _verify_archive(db, warc: Path, expected: list, notes: list) -> list[str]:
    """Problems with one WARC file against the page rows pointing into it; notes for harmless oddities."""
    from crawler.warc import iter_payloads

    if not warc.exists():
        return [f"MISSING archive {warc}"]
    # Records are matched by offset, and by URL when the file was rewritten (offsets moved).
    by_offset = {offset: (url, sha) for offset, url, sha in expected}
    by_url: dict[str, set[str]] = {}
    for _, url, sha in expected:
        by_url.setdefault(url, set()).add(sha)
    problems, seen_urls, seen_offsets = [], set(), set()
    try:
        for offset, url, sha in iter_payloads(warc):
            seen_urls.add(url)
            seen_offsets.add(offset)
            want = by_offset.get(offset)
            if want and want[0] == url:
                if want[1] != sha:
                    problems.append(f"ALTERED {url}: payload sha256 {sha[:16]}… ≠ database {want[1][:16]}…")
            elif sha not in by_url.get(url, set()) and not db.execute(
                    "SELECT 1 FROM bodies WHERE sha256 = ?", [sha]).fetchone():
                # (A page fetched twice, static then rendered, keeps both records; the
                # first one's body is still in `bodies`.)
                problems.append(f"ALTERED {url}: payload sha256 {sha[:16]}… matches no stored response")
    except Exception as exc:  # a truncated or corrupted archive is itself evidence of tampering…
        if all(o in seen_offsets for o in by_offset):
            # …unless every record the database points to was read: then it is the tail a
            # killed crawl was writing when it died, which no page refers to.
            notes.append(f"NOTE {warc.name}: unreadable after its last referenced record "
                         f"(a crawl killed while writing): {type(exc).__name__}")
        else:
            problems.append(f"UNREADABLE {warc}: {type(exc).__name__}: {exc}")
    for url in sorted(set(by_url) - seen_urls):
        problems.append(f"MISSING record for {url}")
    return problems


def main() -> None:
    logging.captureWarnings(True)
    cli()


if __name__ == "__main__":
    main()
