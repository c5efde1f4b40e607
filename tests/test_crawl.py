"""A real crawl of the sample portals (subprocess) against the generator's ground truth."""

import json
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from crawler import store
from tests.conftest import REPO, run_zwgk


@pytest.fixture(scope="module")
def pages(crawled):
    db = store.open_db(crawled["db_path"], create=False)
    rows = list(db.query("SELECT * FROM pages"))
    db.close()
    return rows


def test_crawl_run_is_recorded_as_finished(crawled):
    db = store.open_db(crawled["db_path"], create=False)
    (run,) = list(db.query("SELECT * FROM crawl_runs"))
    assert run["status"] == "finished" and run["finished_at"]
    settings = json.loads(run["settings"])
    assert settings["ROBOTSTXT_OBEY"] is True and "zwgk" in settings["USER_AGENT"]
    assert len(json.loads(run["units"])) == 31
    db.close()


def test_crawl_prints_no_deprecation_warnings(crawled):
    # Cron mails a crawl's stderr: a deprecated setting would show up in every mail.
    assert "DeprecationWarning" not in crawled["proc"].stderr, crawled["proc"].stderr[-2000:]
    assert "DeprecationWarning" not in crawled["log"], crawled["log"][-2000:]


def test_crawl_logs_no_error_of_its_own(crawled):
    """A component that fails on every item (a signal handler) is caught by Scrapy and only
    logged: the crawl log must show no such error and no traceback."""
    log = crawled["proc"].stderr + crawled["log"]
    assert "Traceback" not in log and "Error caught on signal handler" not in log, log[-3000:]
    assert "units reached 31/31" in crawled["log"]  # the progress line counts every unit


def test_crawl_opens_no_control_port(crawled):
    # Scrapy 2.19 starts a remote-control HTTP server that runs posted Python code, and
    # writes its token to a job file in the user's home. A crawler of untrusted sites
    # run from cron has no use for either (the telnet console is off for the same reason).
    log = crawled["log"] + crawled["proc"].stderr
    assert "Enabled extensions" in log  # the log file's level shows the list
    assert "RemoteControl" not in log and "Remote control" not in log, log[-2000:]


def test_page_set_and_statuses_match_ground_truth(crawled, pages):
    truth = crawled["server"].ground_truth()["units"]
    by_unit = {}
    for p in pages:
        by_unit.setdefault(p["unit_id"], {})[p["url"]] = p
    assert set(by_unit) == set(truth)
    for unit_id, gt in truth.items():
        got = by_unit[unit_id]
        assert set(got) == set(gt["pages"]), unit_id
        for url, rec in gt["pages"].items():
            page = got[url]
            assert page["fetch_status"] == rec["fetch"], url
            assert page["status"] == rec["status"], url
            if rec.get("redirected"):
                assert page["redirected"] == 1 and page["final_url"] == rec["final_url"]


def test_dates_titles_and_column_paths_match(crawled, pages):
    truth = crawled["server"].ground_truth()["units"]
    checked = 0
    for p in pages:
        rec = truth[p["unit_id"]]["pages"][p["url"]]
        if rec["fetch"] != "ok" or rec.get("kind") != "article":
            continue
        assert p["pub_date"] == rec["pub_date"], p["url"]
        assert p["title"] == rec["title"], p["url"]
        assert json.loads(p["column_path"]) == rec["column_path"], p["url"]
        checked += 1
    assert checked > 800


def test_footer_ids_of_every_reachable_home_page(crawled, pages):
    truth = crawled["server"].ground_truth()["units"]
    homes = {p["unit_id"]: p for p in pages if p["kind"] == "home" and p["fetch_status"] == "ok"}
    assert set(homes) == {u for u, gt in truth.items() if gt["reachable"]}
    for unit_id, home in homes.items():
        f = truth[unit_id]["footer"]
        assert home["site_code"] == f["site_code"], unit_id
        assert home["site_code_meta"] == f["site_code_meta"], unit_id
        assert home["icp"] == f["icp"], unit_id
        assert home["police_code"] == f["police"], unit_id
        assert bool(home["conac"]) == f["conac"], unit_id


def test_awkward_pages(crawled, pages):
    by_url = {(p["unit_id"], p["url"]): p for p in pages}
    server = crawled["server"]
    gbk = by_url[("xingning", server.base_url("xingning"))]
    assert gbk["encoding"] == "gb18030" and "兴宁市" in gbk["text"]
    wrong = by_url[("pingyuan", server.base_url("pingyuan"))]
    assert wrong["encoding"] == "utf-8" and "平远县" in wrong["text"]
    js = by_url[("meixian", server.url("meixian", "/gkmlpt/fdzdgknr/index.html"))]
    assert js["script_built"] == 1 and json.loads(js["list_items"]) == []
    blocked = by_url[("meijiang", server.url("meijiang", "/admin/login.html"))]
    assert blocked["fetch_status"] == "blocked_robots" and blocked["status"] is None
    down = by_url[("fengshun", server.base_url("fengshun"))]
    assert (down["status"], down["fetch_status"]) == (503, "http_error")


def test_never_leaves_the_units_scope(crawled):
    server = crawled["server"]
    outside = server.netloc("outside")
    assert not [h for h in server.hits if h[0] == outside], "the crawler fetched an offsite page"
    db = store.open_db(crawled["db_path"], create=False)
    units = {u.id: u for u in __import__("crawler.units", fromlist=["load_units"]).load_units(crawled["units_file"])}
    for unit_id, url in db.execute("SELECT unit_id, url FROM pages"):
        assert units[unit_id].in_scope(url), (unit_id, url)
    # Offsite links are recorded as links, not fetched.
    n = db.execute("SELECT count(*) FROM links WHERE in_scope = 0 AND to_url LIKE ?", [f"http://{outside}/%"]).fetchone()[0]
    assert n > 0
    db.close()


def test_links_know_their_target_status(crawled):
    db = store.open_db(crawled["db_path"], create=False)
    broken = {r[0] for r in db.execute(
        "SELECT to_url FROM links WHERE unit_id = 'wuhua' AND target_fetch_status = 'http_error'")}
    server = crawled["server"]
    assert broken == {server.url("wuhua", "/zwgk/tzgg/missing.html"), server.url("wuhua", "/zwgk/report/error.html")}
    db.close()


def test_bodies_are_stored_once_and_verify(crawled):
    import hashlib

    db = store.open_db(crawled["db_path"], create=False)
    sha, = db.execute("SELECT body_sha256 FROM pages WHERE kind = 'home' AND unit_id = 'meijiang'").fetchone()
    body = store.load_body(db, sha)
    assert hashlib.sha256(body).hexdigest() == sha
    assert db.execute("SELECT count(*) FROM bodies").fetchone()[0] <= db.execute("SELECT count(*) FROM pages").fetchone()[0]
    db.close()


def test_scrapy_crawl_from_the_repo_root(sample_server, tmp_path):
    units_file = sample_server.write_units_file(tmp_path / "units.yaml")
    db_path = tmp_path / "scrapy.db"
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "county_portals", "-a", f"units={units_file}", "-a", "unit=meijiang",
         "-s", f"ZWGK_DB_PATH={db_path}", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=WARNING"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    db = store.open_db(db_path, create=False)
    units = {r[0] for r in db.execute("SELECT DISTINCT unit_id FROM pages")}
    assert units == {"meijiang"}
    expected = len(sample_server.ground_truth()["units"]["meijiang"]["pages"])
    assert db.execute("SELECT count(*) FROM pages").fetchone()[0] == expected
    db.close()


def test_scrapy_crawl_with_a_bad_unit_is_a_clean_error(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "department_portals", "-a", "unit=meijiang",
                           "-s", f"ZWGK_DB_PATH={tmp_path / 'x.db'}"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "unknown unit id(s) meijiang" in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr


def test_interrupted_crawl_leaves_a_consistent_database(sample_server, tmp_path):
    units_file = sample_server.write_units_file(tmp_path / "units.yaml")
    db_path = tmp_path / "int.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "audits.cli", "crawl", "--units", str(units_file), "--db", str(db_path),
         "-s", "DOWNLOAD_DELAY=0.2", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "ZWGK_BATCH_SIZE=5"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    # Read-only, so the test never writes to (or migrates) the database the crawl writes.
    deadline, runs, n = time.time() + 90, 0, 0
    while time.time() < deadline and not (runs and n >= 20):
        time.sleep(0.5)
        try:
            db = store.open_db(db_path, readonly=True)
            runs = db.execute("SELECT count(*) FROM crawl_runs").fetchone()[0]
            n = db.execute("SELECT count(*) FROM pages").fetchone()[0]
            db.close()
        except (store.DatabaseError, sqlite3.Error):
            pass  # not there yet, or still being created
    assert runs and n >= 20, f"the crawl had not got going after 90 s: {runs} run rows, {n} pages"
    proc.send_signal(signal.SIGINT)  # Ctrl-C: Scrapy stops gracefully
    proc.wait(timeout=120)
    db = store.open_db(db_path, create=False)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    (run,) = list(db.query("SELECT * FROM crawl_runs"))
    assert run["status"] == "interrupted" and run["finish_reason"] == "shutdown"
    assert db.execute("SELECT count(*) FROM pages").fetchone()[0] >= 20
    db.close()


def test_cli_crawl_progress_and_summary(crawled):
    out = crawled["proc"].stdout
    assert "crawl run 1: finished" in out
    assert "meijiang" in out
    assert "progress:" in crawled["log"] or "Spider closed" in crawled["log"]
    # Cron: Scrapy's start-up dumps and per-request errors stay in the log file, not on stderr.
    assert crawled["proc"].stderr == "", crawled["proc"].stderr[-2000:]
