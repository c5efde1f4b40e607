"""Issue 15: unattended and safe. An outage never publishes a false report, cron output is
quiet, bad input is refused in one line with the database unchanged, evidence is checked
where it lies, and an interrupted run says so."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from audits.run import OUTAGE_DETAIL, run_audit
from crawler import store
from crawler.units import Unit, UnitsError, load_units
from rules.loader import load_rules
from rules.plan import load_plan
from tests.conftest import REPO, run_zwgk

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "RETRY_TIMES=0",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "-s", "ZWGK_RENDER=off"]
AS_OF = "2021-12-20"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def folder_bytes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def db_dump(path: Path) -> list:
    """Schema and every row of the run tables, read without touching the file."""
    conn = sqlite3.connect(path.resolve().as_uri() + "?immutable=1", uri=True)
    try:
        out = list(conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name"))
        for table in ("crawl_runs", "audit_runs", "_sqlite_migrations"):
            out += list(conn.execute(f"SELECT * FROM {table} ORDER BY rowid"))
        for table in ("pages", "findings", "unit_results", "links"):
            out.append((table, conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]))
        return out
    finally:
        conn.close()


def one_error_line(proc, code: int = 2) -> str:
    assert proc.returncode == code, (proc.returncode, proc.stdout[-1000:], proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


# --- outage guard --------------------------------------------------------------------------

def test_outage_does_not_replace_the_published_report(sample_server, tmp_path):
    units = sample_server.write_units_file(tmp_path / "units.yaml")
    db, out = tmp_path / "z.db", tmp_path / "report"
    good = run_zwgk("run", "--units", units, "--unit", "mz-czj", "--unit", "meijiang", "--db", db,
                    "--as-of", AS_OF, "--out", out, *FAST)
    assert good.returncode == 0, good.stderr[-2000:]
    # Cron: no TTY. At most one line per stage (crawl, audit, report) on stderr; here none.
    assert len(good.stderr.splitlines()) <= 3, good.stderr
    published = folder_bytes(out)
    assert "index.html" in published

    # Every portal cut off: the same units, now behind a closed port.
    port = closed_port()
    doc = yaml.safe_load(units.read_text(encoding="utf-8"))
    for u in doc["units"]:
        u["start_urls"] = [f"http://127.0.0.1:{port}/"]
        u["allowed_domains"] = [f"127.0.0.1:{port}"]
        for key in ("gkml_entry", "allowed_paths", "render"):
            u.pop(key, None)
    cut = tmp_path / "cut.yaml"
    cut.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    down = run_zwgk("run", "--units", cut, "--unit", "mz-czj", "--unit", "meijiang", "--db", db,
                    "--as-of", AS_OF, "--out", out, *FAST)
    line = one_error_line(down, code=4)
    assert "network level" in line and "not replaced" in line
    assert folder_bytes(out) == published

    conn = store.open_db(db, readonly=True)
    crawl = store.crawl_run(conn, 2)
    assert crawl["degraded"] == 1 and crawl["units_reached"] == 0 and crawl["units_network_failed"] == 2
    results = {r["unit_id"]: r for r in store.unit_results(conn, 2)}
    assert all(r["vetoes"] == [] and r["undetermined"] == 1 and r["score"] is None for r in results.values())
    outage = store.load_findings(conn, 2)
    assert {f.status for f in outage} <= {"unknown", "manual"}
    assert {f.detail for f in outage if f.status == "unknown"} == {OUTAGE_DETAIL}
    assert store.default_audit_id(conn) == 1  # the published audit, not the outage's
    conn.close()
    listing = run_zwgk("audits", "--db", db)
    assert listing.returncode == 0 and listing.stdout.splitlines()[1].startswith("*   1")
    assert "(crawl degraded)" in listing.stdout.splitlines()[0]
    shown = json.loads(run_zwgk("findings", "--db", db).stdout)
    assert {f["audit"] for f in shown} == {1}


def _crawl(db, units: list[str], homes: dict[str, str]) -> int:
    cid = store.start_crawl(db, spider="portals", units=units, units_file="", settings={}, tool_version="t")
    for unit, status in homes.items():
        db["pages"].insert({"crawl_id": cid, "unit_id": unit, "url": f"http://{unit}.example.cn/", "kind": "home",
                            "fetch_status": status, "status": 200 if status == "ok" else None,
                            "fetched_at": "2021-12-19T00:00:00+00:00", "title": unit, "text": "首页"})
    store.finish_crawl(db, cid, reason="finished", stats={})
    return cid


REGISTRY = load_units()  # the shipped registry: its units are the plan's
PLAN = load_plan(None, REGISTRY)
A, B, C = "meijiang", "pingyuan", "dabu"
UNITS = [u for u in REGISTRY if u.id in (A, B, C)]


def _result(db, audit_id: int, unit: str) -> dict:
    return next(r for r in store.unit_results(db, audit_id) if r["unit_id"] == unit)


def test_unreachable_vetoes_only_after_repeated_probes(tmp_db):
    rules = load_rules()
    as_of = dt.date(2021, 12, 20)
    # A single timed-out home page: undetermined, not a veto (the crawl is not degraded:
    # one unit of three failed at network level).
    first = _crawl(tmp_db, [A, B, C], {A: "timeout", B: "ok", C: "ok"})
    assert store.crawl_run(tmp_db, first)["degraded"] == 0
    audit = run_audit(tmp_db, crawl_id=first, as_of=as_of, units=UNITS, rules=rules, plan=PLAN)
    a = _result(tmp_db, audit, A)
    assert a["vetoes"] == [] and a["undetermined"] == 1 and a["score"] is None and a["passed"] == 0
    assert "unreachable" in a["incomplete"]
    # A degraded crawl in between neither counts nor breaks the series.
    _crawl(tmp_db, [A, B, C], {A: "error", B: "error", C: "ok"})
    second = _crawl(tmp_db, [A, B, C], {A: "http_error", B: "ok", C: "ok"})
    audit = run_audit(tmp_db, crawl_id=second, as_of=as_of, units=UNITS, rules=rules, plan=PLAN)
    assert _result(tmp_db, audit, A)["vetoes"] == []
    third = _crawl(tmp_db, [A, B, C], {A: "error", B: "ok", C: "ok"})
    audit = run_audit(tmp_db, crawl_id=third, as_of=as_of, units=UNITS, rules=rules, plan=PLAN)
    a = _result(tmp_db, audit, A)
    assert [v["id"] for v in a["vetoes"]] == ["unreachable"] and a["undetermined"] == 0
    # A home page refused to us (403) is never a failed probe.
    fourth = _crawl(tmp_db, [A, B, C], {A: "blocked", B: "ok", C: "ok"})
    audit = run_audit(tmp_db, crawl_id=fourth, as_of=as_of, units=UNITS, rules=rules, plan=PLAN)
    assert _result(tmp_db, audit, A)["vetoes"] == []


def test_degraded_crawl_marks_the_failed_units_unknown(tmp_db):
    cid = _crawl(tmp_db, [A, B, C], {A: "error", B: "timeout", C: "ok"})
    run = store.crawl_run(tmp_db, cid)
    assert (run["degraded"], run["units_reached"], run["units_network_failed"]) == (1, 1, 2)
    audit = run_audit(tmp_db, crawl_id=cid, as_of=dt.date(2021, 12, 20), units=UNITS, rules=load_rules(), plan=PLAN)
    for unit in (A, B):
        found = [f for f in store.load_findings(tmp_db, audit) if f.unit == unit and f.status != "manual"]
        assert found and {(f.status, f.detail) for f in found} == {("unknown", OUTAGE_DETAIL)}
        assert _result(tmp_db, audit, unit)["vetoes"] == []


# --- bad input: one line, documented exit code, database unchanged ---------------------------

@pytest.fixture
def audited_copy(crawled, tmp_path):
    db = tmp_path / "z.db"
    shutil.copy(crawled["db_path"], db)
    proc = run_zwgk("audit", "--db", db, "--as-of", AS_OF, "--screenshots", "off")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return db


RULE = """id: ZZ-001
title: 测试规则
tasks: [{task}]
legal_basis: [测试]
applies_to: {{kinds: [county]}}
severity: low
evidence:
  column: {{names: [政策解读], fresh_days: {days}}}
"""


@pytest.mark.parametrize("case", ["as_of", "task", "negative", "empty_rules", "deadline", "jobs"])
def test_implausible_input_is_refused_naming_the_option(audited_copy, tmp_path, case):
    rules = tmp_path / "rules"
    rules.mkdir()
    args, option = {
        "as_of": (["audit", "--as-of", "9999-12-31"], "--as-of"),
        "task": (["audit", "--rules", rules], "--rules"),
        "negative": (["audit", "--rules", rules], "--rules"),
        "empty_rules": (["audit", "--rules", rules], "--rules"),
        "deadline": (["export", "--deadline", "2021-02-30", "--out", tmp_path / "l.xlsx"], "--deadline"),
        "jobs": (["audit", "--jobs", "-1"], "--jobs"),
    }[case]
    if case in ("task", "negative"):
        text = RULE.format(task=99 if case == "task" else 28, days=-30 if case == "negative" else 30)
        (rules / "ZZ-001.yaml").write_text(text, encoding="utf-8")
    before = db_dump(audited_copy)
    proc = run_zwgk(*args, "--db", audited_copy, *(["--as-of", AS_OF] if case in ("task", "negative", "empty_rules") else []))
    if case == "jobs":  # click's own usage error: exit 2, names the option
        assert proc.returncode == 2 and "--jobs" in proc.stderr and "Traceback" not in proc.stderr
    else:
        line = one_error_line(proc)
        assert option in line, line
    assert db_dump(audited_copy) == before
    assert not (tmp_path / "l.xlsx").exists()


def test_force_as_of_overrides_the_window(crawled, tmp_path):
    db = tmp_path / "z.db"
    shutil.copy(crawled["db_path"], db)
    proc = run_zwgk("audit", "--db", db, "--as-of", "2031-01-05", "--force-as-of", "--screenshots", "off")
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_other_files_are_not_zwgk_databases(tmp_path):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    conn.execute("INSERT INTO notes (text) VALUES ('mine')")
    conn.commit()
    conn.close()
    empty = tmp_path / "empty.db"
    empty.touch()
    for path in (other, empty):
        before = path.read_bytes()
        for args in (["findings"], ["crawls"], ["audits"], ["report", "--out", tmp_path / "r"], ["evidence", "verify"]):
            line = one_error_line(run_zwgk(*args, "--db", path))
            assert line == f"zwgk: error: {path}: not a zwgk database", line
        assert path.read_bytes() == before
        assert not Path(f"{path}-wal").exists()
    # Commands that create databases refuse another application's file too.
    before = other.read_bytes()
    for args in (["crawl", "--unit", "meijiang"], ["run", "--unit", "meijiang"], ["merge", "--into", other, other]):
        proc = run_zwgk(*args, *(["--db", other] if args[0] != "merge" else []))
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert f"{other}: not a zwgk database" in proc.stderr or "cannot also be the target" in proc.stderr
    assert other.read_bytes() == before


def _immutable(path: Path, on: bool) -> bool:
    """chattr +i: read-only even for root (the tests run as root, where chmod is ignored)."""
    return subprocess.run(["chattr", "+i" if on else "-i", str(path)], capture_output=True).returncode == 0


@pytest.fixture
def readonly(tmp_path):
    frozen: list[Path] = []

    def freeze(path: Path) -> None:
        if os.geteuid() != 0:
            path.chmod(0o555 if path.is_dir() else 0o444)
        elif not _immutable(path, True):
            pytest.skip("chattr +i is not available here")
        frozen.append(path)

    yield freeze
    for path in reversed(frozen):
        if os.geteuid() == 0:
            _immutable(path, False)
        else:
            path.chmod(0o755 if path.is_dir() else 0o644)


def test_read_only_database_and_folder(audited_copy, readonly):
    # A checkpointed database (no -wal left), as a read-only copy would be.
    conn = sqlite3.connect(audited_copy)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for extra in ("-wal", "-shm"):
        Path(f"{audited_copy}{extra}").unlink(missing_ok=True)
    before = db_dump(audited_copy)
    readonly(audited_copy)
    line = one_error_line(run_zwgk("audit", "--db", audited_copy, "--as-of", AS_OF, "--screenshots", "off"))
    assert "read-only" in line or "not writable" in line
    line = one_error_line(run_zwgk("crawl", "--unit", "meijiang", "--db", audited_copy))
    assert "read-only" in line or "not writable" in line
    readonly(audited_copy.parent)
    # Reading still works in a read-only folder, where SQLite cannot create its -shm file.
    for args in (["findings"], ["crawls"], ["audits"]):
        proc = run_zwgk(*args, "--db", audited_copy)
        assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert db_dump(audited_copy) == before


def test_unfinished_audit_is_refused(audited_copy, tmp_path):
    db = store.open_db(audited_copy)
    audit = store.insert_audit(db, {"crawl_id": 1, "as_of": AS_OF, "units": "[]"})
    store.set_audit_state(db, audit, "interrupted")
    db.close()
    for args in (["findings"], ["report", "--out", tmp_path / "r"], ["export", "--out", tmp_path / "l.xlsx"]):
        line = one_error_line(run_zwgk(*args, "--db", audited_copy, "--audit", audit))
        assert "--audit" in line and "did not finish" in line
    # Without --audit they show the newest finished audit with findings.
    shown = json.loads(run_zwgk("findings", "--db", audited_copy).stdout)
    assert shown and {f["audit"] for f in shown} == {audit - 1}


def test_audits_list_and_publish(audited_copy):
    proc = run_zwgk("audit", "--db", audited_copy, "--as-of", AS_OF, "--screenshots", "off")
    assert proc.returncode == 0
    listing = run_zwgk("audits", "--db", audited_copy).stdout.splitlines()
    ids = [int(line.split()[0].lstrip("*")) for line in listing]
    assert ids == sorted(ids, reverse=True) and len(ids) >= 2  # newest first
    newest, older = ids[0], ids[1]
    assert "as of 2021-12-20" in listing[0] and "rules " in listing[0] and "finished" in listing[0]
    assert not any(line.startswith("*") for line in listing)  # nothing published yet
    assert {f["audit"] for f in json.loads(run_zwgk("findings", "--db", audited_copy).stdout)} == {newest}
    published = run_zwgk("audits", "--db", audited_copy, "--publish", older)
    assert published.returncode == 0, published.stderr
    marked = [line for line in run_zwgk("audits", "--db", audited_copy).stdout.splitlines() if line.startswith("*")]
    assert len(marked) == 1 and int(marked[0][1:].split()[0]) == older
    assert {f["audit"] for f in json.loads(run_zwgk("findings", "--db", audited_copy).stdout)} == {older}
    line = one_error_line(run_zwgk("audits", "--db", audited_copy, "--publish", "999"))
    assert "--audit 999" in line


def test_local_start_urls_are_refused(tmp_path):
    f = tmp_path / "u.yaml"
    f.write_text("units:\n- id: meta\n  name: 元数据\n  kind: county\n"
                 "  start_urls: ['http://169.254.169.254/latest/meta-data/']\n  allowed_domains: ['169.254.169.254']\n",
                 encoding="utf-8")
    with pytest.raises(UnitsError, match="allow_local"):
        load_units(f)
    for args in (["units"], ["crawl", "--db", tmp_path / "z.db"]):
        line = one_error_line(run_zwgk(*args, "--units", f))
        assert "169.254.169.254" in line and "start_urls" in line
    assert not (tmp_path / "z.db").exists()
    for host in ("127.0.0.1:8080", "10.0.0.1", "192.168.1.1", "[::1]", "localhost", "2130706433"):
        f.write_text(f"units:\n- id: loc\n  name: 本地\n  kind: county\n  start_urls: ['http://{host}/']\n"
                     f"  allowed_domains: ['{host.strip('[]')}']\n", encoding="utf-8")
        with pytest.raises(UnitsError, match="loopback, private or link-local"):
            load_units(f)
    f.write_text("allow_local: true\n" + f.read_text(encoding="utf-8").replace("2130706433", "127.0.0.1"),
                 encoding="utf-8")
    assert load_units(f)[0].id == "loc"


# --- evidence where it lies -------------------------------------------------------------

def test_evidence_verify_checks_the_copy_beside_the_database(crawled, tmp_path):
    copy = tmp_path / "elsewhere"
    copy.mkdir()
    shutil.copy(crawled["db_path"], copy / "zwgk.db")
    shutil.copytree(crawled["db_path"].parent / "warc", copy / "warc")
    conn = store.open_db(copy / "zwgk.db")
    stored = conn.execute("SELECT warc_file FROM crawl_runs WHERE id = 1").fetchone()[0]
    assert not Path(stored).is_absolute()
    # an older database stored the absolute path where the crawl wrote it
    conn.execute("UPDATE crawl_runs SET warc_file = ? WHERE id = 1", [str(crawled["db_path"].parent / stored)])
    conn.conn.commit()
    conn.close()
    archive = copy / stored
    raw = archive.read_bytes()
    archive.write_bytes(raw[:-200] + bytes(200))  # tamper with the copy only
    proc = run_zwgk("evidence", "verify", "--db", copy / "zwgk.db")
    assert proc.returncode == 1, proc.stdout[-2000:]
    assert f"checked {archive}" in proc.stdout
    ok = run_zwgk("evidence", "verify", "--db", crawled["db_path"])
    assert ok.returncode == 0 and f"checked {crawled['db_path'].parent / stored}" in ok.stdout


# --- interruption -------------------------------------------------------------------------

def _wait_for(db: Path, sql: str, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            conn = sqlite3.connect(db.resolve().as_uri() + "?mode=ro", uri=True)
            try:
                if conn.execute(sql).fetchone()[0]:
                    return
            finally:
                conn.close()
        except sqlite3.Error:
            pass
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {sql}")


def _start(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "audits.cli", *map(str, args)], cwd=REPO, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(REPO)})


def test_sigint_marks_the_audit_interrupted_and_exits_130(crawled, tmp_path):
    db = tmp_path / "z.db"
    shutil.copy(crawled["db_path"], db)
    proc = _start("audit", "--db", db, "--as-of", AS_OF, "--screenshots", "off")
    _wait_for(db, "SELECT count(*) FROM audit_runs WHERE status = 'running'")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err and "interrupted" in err
    conn = store.open_db(db, readonly=True)
    newest = store.list_audits(conn)[0]
    assert newest["status"] == "interrupted"
    conn.close()
    line = one_error_line(run_zwgk("findings", "--db", db, "--audit", newest["id"]))
    assert "did not finish" in line


def test_sigint_marks_the_crawl_interrupted_and_exits_130(sample_server, tmp_path):
    units = sample_server.write_units_file(tmp_path / "units.yaml")
    db = tmp_path / "z.db"
    proc = _start("crawl", "--units", units, "--db", db, *FAST)
    _wait_for(db, "SELECT count(*) FROM pages")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    conn = store.open_db(db, readonly=True)
    assert store.crawl_run(conn, 1)["status"] == "interrupted"
    conn.close()


def test_unwritable_screenshots_folder_is_decided_before_the_audit(audited_copy, readonly):
    from crawler.settings import ZWGK_CHROMIUM

    if not Path(ZWGK_CHROMIUM).exists():
        pytest.skip(f"{ZWGK_CHROMIUM} is missing: screenshots are skipped anyway")
    shots = audited_copy.parent / "screenshots"
    shots.mkdir(exist_ok=True)
    readonly(shots)
    before = db_dump(audited_copy)
    line = one_error_line(run_zwgk("audit", "--db", audited_copy, "--as-of", AS_OF, "--screenshots", "on"))
    assert "--screenshots" in line and str(shots) in line
    assert db_dump(audited_copy) == before  # refused before any audit run was recorded
    auto = run_zwgk("audit", "--db", audited_copy, "--as-of", AS_OF, "--screenshots", "auto")
    assert auto.returncode == 0 and auto.stderr == "", auto.stderr[-2000:]
    assert "screenshots skipped: cannot write" in auto.stdout


def test_log_file_option_errors_name_it(tmp_path):
    line = one_error_line(run_zwgk("--log-file", tmp_path / "no" / "such" / "x.log", "rules"))
    assert line.startswith("zwgk: error: --log-file:")
    proc = run_zwgk("--log-level", "LOUD", "rules")
    assert proc.returncode == 2 and "--log-level" in proc.stderr and "Traceback" not in proc.stderr
