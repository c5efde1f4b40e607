"""kill -9 during a crawl and during an audit, for real (subprocesses), then resume.

The database must stay consistent (whole pages, no half-written audit) and a resumed
crawl must end with the same pages as an uninterrupted one without fetching again what
was already stored.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from crawler import store
from tests.conftest import REPO, run_zwgk

# The same settings as the `crawled` fixture (the uninterrupted reference), except a
# small write batch so the kill lands between several committed batches.
CRAWL_SETTINGS = ["-s", "ZWGK_RENDER=off", "-s", "ZWGK_GKML_API=off", "-s", "AUTOTHROTTLE_ENABLED=False",
                  "-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "-s", "RETRY_TIMES=0"]


def _popen(*args):
    return subprocess.Popen([sys.executable, "-m", "audits.cli", *map(str, args)], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(REPO)})


def _count(db_path, sql, timeout=60.0):
    """A count read by a separate connection, as another process would (WAL reader)."""
    con = sqlite3.connect(db_path, timeout=timeout)
    try:
        return con.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:
        return 0  # tables not created yet
    finally:
        con.close()


def _rows(db_path, sql):
    con = sqlite3.connect(db_path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _kill_when(proc, db_path, sql, at_least, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"finished before it could be killed: {proc.stderr.read().decode()[-2000:]}")
        if db_path.exists() and _count(db_path, sql) >= at_least:
            proc.send_signal(signal.SIGKILL)
            proc.wait(30)
            return
        time.sleep(0.05)
    proc.kill()
    pytest.fail("never reached the point to kill at")


def _integrity(db_path):
    con = sqlite3.connect(db_path)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def _differences(got: set, want: set) -> str:
    """Only the rows that differ, keyed by URL, so a failure says what went wrong."""
    extra, missing = sorted(got - want), sorted(want - got)
    return f"only in this run: {extra[:20]}; only in the reference: {missing[:20]}"


def _page_set(db_path, crawl_id):
    db = store.open_db(db_path, create=False)
    rows = {(r["unit_id"], r["url"], r["fetch_status"], r["status"], r["body_sha256"])
            for r in db.query("SELECT * FROM pages WHERE crawl_id = ?", [crawl_id])}
    links = db.execute("SELECT count(*) FROM links WHERE crawl_id = ?", [crawl_id]).fetchone()[0]
    db.close()
    return rows, links


@pytest.fixture(scope="module")
def killed_crawl(crawled, tmp_path_factory):
    out = tmp_path_factory.mktemp("killed")
    db_path = out / "zwgk.db"
    server = crawled["server"]
    # Slow enough (one request at a time per site) that the kill lands mid-crawl.
    proc = _popen("crawl", "--units", crawled["units_file"], "--db", db_path, *CRAWL_SETTINGS,
                  "-s", "ZWGK_BATCH_SIZE=20", "-s", "CONCURRENT_REQUESTS=4", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
    _kill_when(proc, db_path, "SELECT count(*) FROM pages", 300)
    stored = {(r[0], r[1]) for r in _rows(
        db_path, "SELECT unit_id, url FROM pages WHERE fetch_status IN ('ok', 'http_error', 'blocked') "
        "AND (body_sha256 IS NOT NULL OR kind = 'attachment')")}
    return {"db_path": db_path, "server": server, "stored": stored, "units_file": crawled["units_file"]}


def test_kill_9_mid_crawl_leaves_a_consistent_database(killed_crawl):
    db_path = killed_crawl["db_path"]
    assert _integrity(db_path) == "ok"
    db = store.open_db(db_path, create=False)
    (run,) = list(db.query("SELECT * FROM crawl_runs"))
    pages = db.execute("SELECT count(*) FROM pages").fetchone()[0]
    # Whole batches only: every page row has its body, when it has one.
    orphans = db.execute("SELECT count(*) FROM pages WHERE body_sha256 IS NOT NULL AND body_sha256 NOT IN "
                         "(SELECT sha256 FROM bodies)").fetchone()[0]
    db.close()
    assert run["status"] == "running" and run["finished_at"] is None
    assert store.run_state(run) == "killed"
    assert pages >= 300 and pages % 20 == 0  # batches of 20, all or nothing
    assert orphans == 0
    listing = run_zwgk("crawls", "--db", db_path)
    assert listing.returncode == 0 and "killed" in listing.stdout


def test_resumed_crawl_ends_like_an_uninterrupted_one_without_refetching(killed_crawl, crawled):
    server, db_path = killed_crawl["server"], killed_crawl["db_path"]
    first_hit = len(server.hits)
    proc = run_zwgk("crawl", "--resume", "--db", db_path, *CRAWL_SETTINGS)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "resuming crawl run 1" in proc.stdout
    refetched = {f"http://{netloc}{path}" for netloc, path in server.hits[first_hit:]}
    stored_urls = {url for _, url in killed_crawl["stored"]}
    # (A redirect target is fetched again when the redirecting URL was not stored yet:
    # following the redirect is how the old URL gets recorded.)
    redirect_targets = {r[0] for r in _rows(db_path, "SELECT final_url FROM pages WHERE redirected = 1")}
    assert not (refetched & stored_urls - redirect_targets), sorted(refetched & stored_urls)[:5]
    # The same pages, statuses, bodies and links as the uninterrupted crawl of the same portals.
    resumed, resumed_links = _page_set(db_path, 1)
    reference, reference_links = _page_set(crawled["db_path"], 1)
    assert len(server.hits[first_hit:]) < len(reference) - len(stored_urls) + 50  # only what was missing
    assert resumed == reference, _differences(resumed, reference)
    assert resumed_links == reference_links
    db = store.open_db(db_path, create=False)
    run = db["crawl_runs"].get(1)
    db.close()
    assert run["status"] == "finished" and run["resumed"] == 1
    assert _integrity(db_path) == "ok"
    verify = run_zwgk("evidence", "verify", "--db", db_path)
    assert verify.returncode == 0, verify.stdout[-2000:]


def test_resume_without_an_unfinished_run_is_a_usage_error(crawled, tmp_path):
    proc = run_zwgk("crawl", "--resume", "--db", crawled["db_path"])
    assert proc.returncode == 2
    assert "nothing to resume" in proc.stderr and "Traceback" not in proc.stderr


def test_kill_9_mid_audit_leaves_no_partial_findings(crawled, tmp_path):
    import shutil

    db_path = tmp_path / "zwgk.db"
    shutil.copy(crawled["db_path"], db_path)
    before = _count(db_path, "SELECT count(*) FROM audit_runs")  # other tests may have audited it
    proc = _popen("audit", "--db", db_path, "--as-of", "2021-12-20", "--screenshots", "off")
    _kill_when(proc, db_path, "SELECT count(*) FROM audit_runs", before + 1)
    assert _integrity(db_path) == "ok"
    db = store.open_db(db_path, create=False)
    audit = next(db.query("SELECT * FROM audit_runs ORDER BY id DESC LIMIT 1"))
    findings = db.execute("SELECT count(*) FROM findings WHERE audit_id = ?", [audit["id"]]).fetchone()[0]
    db.close()
    assert audit["status"] == "running" and findings == 0  # all findings land in one transaction
    if before == 0:  # the report refuses a killed audit (and uses the last finished one otherwise)
        assert run_zwgk("report", "--db", db_path, "--out", tmp_path / "r").returncode != 0
    again = run_zwgk("audit", "--db", db_path, "--as-of", "2021-12-20", "--screenshots", "off")
    assert again.returncode == 0, again.stderr[-2000:]
    assert run_zwgk("report", "--db", db_path, "--out", tmp_path / "r").returncode == 0


def _children(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(entry))
    return kids


def _alive(pid: int) -> bool:
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")
def test_kill_9_mid_parallel_audit_leaves_no_worker_behind(crawled, tmp_path):
    import shutil

    db_path = tmp_path / "zwgk.db"
    shutil.copy(crawled["db_path"], db_path)
    proc = _popen("audit", "--db", db_path, "--as-of", "2021-12-20", "--screenshots", "off", "--jobs", "2")
    deadline, workers = time.monotonic() + 120, []
    while time.monotonic() < deadline and proc.poll() is None:
        workers = _children(proc.pid)
        if len(workers) >= 3:  # two workers and multiprocessing's resource tracker
            break
        time.sleep(0.01)
    if proc.poll() is not None:
        pytest.fail(f"finished before it could be killed: {proc.stderr.read().decode()[-2000:]}")
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.1)
    left = [w for w in workers if _alive(w)]
    for w in left:
        os.kill(w, signal.SIGKILL)
    assert not left, "worker processes outlived the killed audit"
    assert _integrity(db_path) == "ok"
    con = sqlite3.connect(db_path)
    last = con.execute("SELECT id, status FROM audit_runs ORDER BY id DESC LIMIT 1").fetchone()
    assert last[1] == "running" and con.execute("SELECT count(*) FROM findings WHERE audit_id = ?",
                                                 [last[0]]).fetchone()[0] == 0
    con.close()


def test_cron_run_finishes_a_killed_crawl_first(crawled, tmp_path):
    db_path = tmp_path / "zwgk.db"
    args = ["--units", crawled["units_file"], "--unit", "meijiang", "--db", db_path]
    proc = _popen("crawl", *args, *CRAWL_SETTINGS, "-s", "ZWGK_BATCH_SIZE=10", "-s", "CONCURRENT_REQUESTS=1",
                  "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
    _kill_when(proc, db_path, "SELECT count(*) FROM pages", 20)
    run = run_zwgk("run", *args, "--as-of", "2021-12-20", "--out", tmp_path / "report", *CRAWL_SETTINGS)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "resuming crawl run 1" in run.stdout
    db = store.open_db(db_path, create=False)
    runs = list(db.query("SELECT id, status, resumed FROM crawl_runs"))
    audits = list(db.query("SELECT crawl_id, status FROM audit_runs"))
    db.close()
    assert runs == [{"id": 1, "status": "finished", "resumed": 1}]  # no second crawl was started
    assert audits == [{"crawl_id": 1, "status": "finished"}]
