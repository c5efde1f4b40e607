"""Issue 17: `zwgk crawl --jobs N` — one crawl on several processes of this machine, the
units split by site, without Redis. The result must be the crawl one process makes: same
pages, one run, revisit and resume intact, politeness per site kept, no process left over."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler import shards, store
from crawler.units import Unit, load_units
from tests.conftest import REPO, run_zwgk

# The `crawled` fixture's settings (the one-process reference).
CRAWL_SETTINGS = ["-s", "ZWGK_RENDER=off", "-s", "ZWGK_GKML_API=off", "-s", "AUTOTHROTTLE_ENABLED=False",
                  "-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "-s", "RETRY_TIMES=0"]


def unit(uid: str, *urls: str, domains: tuple[str, ...] = ()) -> Unit:
    from urllib.parse import urlsplit

    return Unit(id=uid, name=uid, kind="county", start_urls=urls,
                allowed_domains=domains or tuple(urlsplit(u).netloc for u in urls))


# --- how the units are split ------------------------------------------------------------------

def test_the_shipped_registry_splits_into_its_nine_sites():
    """Meizhou: 8 counties on their own hosts; the city and its 22 departments share one host
    (one politeness slot), so they stay in one process."""
    groups = shards.site_groups(load_units())
    assert len(groups) == 9
    city = next(g for g in groups if any(u.id == "meizhou" for u in g))
    assert {u.id for u in city} == {"meizhou"} | {u.id for u in load_units() if u.id.startswith("mz-")}
    assert all(len(g) == 1 for g in groups if g is not city)


def test_units_that_may_fetch_one_site_stay_together():
    units = [
        unit("a", "http://127.0.0.1:8001/"),
        unit("b", "http://127.0.0.1:8002/"),                         # another port: another site
        unit("c", "http://127.0.0.1:8001/dept/"),                    # same host:port as a
        unit("d", "https://www.x.gov.cn/", domains=("x.gov.cn",)),
        unit("e", "https://zwgk.x.gov.cn/"),                         # inside d's allowed domain
        unit("f", "https://www.y.gov.cn/", domains=("y.gov.cn", "shared.cdn.cn")),
        unit("g", "https://www.z.gov.cn/", domains=("z.gov.cn", "shared.cdn.cn")),  # both may fetch the CDN
        unit("h", "https://www.gov.cn/"),                            # no unit allows gov.cn: alone
        unit("i", "https://www.m.gov.cn/", domains=("m.gov.cn",)),
        unit("j", "https://www.mzjy.net/", domains=("www.mzjy.net", "jyj.m.gov.cn")),  # may fetch under i's domain
        unit("k", "https://a.n.gov.cn/", domains=("a.n.gov.cn",)),
        unit("l", "https://b.n.gov.cn/", domains=("b.n.gov.cn",)),   # k's sibling: another site
    ]
    groups = {frozenset(u.id for u in g) for g in shards.site_groups(units)}
    assert groups == {frozenset("ac"), frozenset("b"), frozenset("de"), frozenset("fg"), frozenset("h"),
                      frozenset("ij"), frozenset("k"), frozenset("l")}


def test_groups_are_dealt_heaviest_first_and_never_split():
    units = [unit(f"u{i}", f"http://127.0.0.1:{9000 + i}/") for i in range(6)]
    pages = {"u0": 900, "u1": 500, "u2": 400, "u3": 300, "u4": 200}   # u5: new, weighs a typical unit
    parts = shards.deal(shards.site_groups(units), 2, pages)
    loads = sorted(sum(pages.get(u.id, 400) for u in p) for p in parts)
    assert loads == [1300, 1400]
    assert sorted(u.id for p in parts for u in p) == [f"u{i}" for i in range(6)]
    assert parts == shards.deal(shards.site_groups(units), 2, pages)  # the same plan every time


def test_jobs_zero_uses_every_cpu_only_on_a_large_crawl(tmp_path, monkeypatch):
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings")
    monkeypatch.setattr(shards, "usable_cpus", lambda: 4)

    def plan(n_sites, jobs=0):
        path = tmp_path / f"u{n_sites}.yaml"
        path.write_text("allow_local: true\nunits:\n" + "".join(
            f"  - {{id: s{i}, name: 站点{i}, kind: county, start_urls: ['http://127.0.0.1:{9000 + i}/'], "
            f"allowed_domains: ['127.0.0.1:{9000 + i}']}}\n"
            for i in range(n_sites)), encoding="utf-8")
        units, parts = shards.plan_crawl(settings, tmp_path / "none.db", path, [], "portals", jobs, None)
        assert [u.id for u in units] == [f"s{i}" for i in range(n_sites)]
        return parts

    assert plan(shards.PARALLEL_FROM_SITES - 1) == []          # small: one process
    assert len(plan(shards.PARALLEL_FROM_SITES)) == 4           # large: one per CPU
    assert len(plan(3, jobs=8)) == 3                            # never more processes than sites
    assert plan(1, jobs=4) == []                                # one site cannot be split


def test_the_plan_keeps_the_registry_order(tmp_path):
    """The run records its units in registry order, as one process does (`zwgk run` compares
    them to resume a killed crawl), however the sites interleave in the registry."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings")
    path = tmp_path / "u.yaml"
    path.write_text("allow_local: true\nunits:\n" + "".join(
        f"  - {{id: {uid}, name: {uid}, kind: county, start_urls: ['http://127.0.0.1:{port}/{uid}/'], "
        f"allowed_domains: ['127.0.0.1:{port}']}}\n"
        for uid, port in (("ua", 9001), ("ub", 9002), ("uc", 9001), ("ud", 9003), ("ue", 9002))), encoding="utf-8")
    units, parts = shards.plan_crawl(settings, tmp_path / "none.db", path, [], "portals", 2, None)
    assert [u.id for u in units] == ["ua", "ub", "uc", "ud", "ue"]
    assert [[u.id for u in p] for p in parts] == [["ua", "uc", "ud"], ["ub", "ue"]]


def test_the_run_finishes_only_when_every_part_finished():
    assert shards.finish_reason(["finished", "finished"], stopped=False) == "finished"
    assert shards.finish_reason(["finished", None], stopped=False) == "crawl_process_failed"
    assert shards.finish_reason(["finished", "store_failed"], stopped=False) == "store_failed"
    assert shards.finish_reason(["finished", "finished"], stopped=True) == "shutdown"
    merged = shards.merge_stats([
        {"item_scraped_count": 10, "zwgk/page_limit_reached/a": 2, "start_time": "2026-01-01 10:00:05",
         "finish_time": "2026-01-01 10:05:00", "elapsed_time_seconds": 295.0, "memusage/max": 100},
        {"item_scraped_count": 5, "start_time": "2026-01-01 10:00:01", "finish_time": "2026-01-01 10:07:00",
         "elapsed_time_seconds": 419.0, "memusage/max": 90, "finish_reason": "finished"}])
    assert merged == {"item_scraped_count": 15, "zwgk/page_limit_reached/a": 2, "start_time": "2026-01-01 10:00:01",
                      "finish_time": "2026-01-01 10:07:00", "elapsed_time_seconds": 419.0, "memusage/max": 100,
                      "finish_reason": "finished"}


# --- several processes writing one database ---------------------------------------------------

def _write_batches(path: str, k: int, n: int) -> None:
    from crawler.items import FetchedPage
    from crawler.writer import write_batch
    from rules.model import LinkRecord, PageRecord

    db = store.connect_again(path)
    for b in range(n):
        write_batch(db, 1, [FetchedPage(PageRecord(
            url=f"http://a.test/{k}/{b}/{i}.html", unit_id=f"u{k}", status=200, content_type="text/html",
            fetched_at="2021-12-01T00:00:00+00:00", links=(LinkRecord(f"http://a.test/{i + 1}.html", "下一篇", None),)),
            body=f"<html>{k} {b} {i}</html>".encode()) for i in range(20)], None, 10**6)
    db.close()


def test_processes_writing_one_database_wait_for_each_other(tmp_path):
    """Each batch takes the write lock first: with a deferred transaction (sqlite-utils'
    atomic) a writer that read before writing failed at once with "database is locked"."""
    path = tmp_path / "w.db"
    db = store.open_db(path)
    store.start_crawl(db, spider="portals", units=["u0", "u1", "u2"], units_file="f", settings={}, tool_version="t")
    db.close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_write_batches, args=(str(path), k, 40)) for k in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM pages").fetchone()[0] == 3 * 40 * 20
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


# --- a real crawl on two processes: stopped, resumed, revisited -------------------------------

def _popen(*args):
    return subprocess.Popen([sys.executable, "-m", "audits.cli", *map(str, args)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})


def _pages(db_path: Path, crawl_id: int) -> set:
    con = sqlite3.connect(db_path)
    try:
        return set(con.execute("SELECT unit_id, url, status, fetch_status, kind, title, body_sha256 FROM pages "
                               "WHERE crawl_id = ?", [crawl_id]))
    finally:
        con.close()


def _count(db_path: Path, where: str = "1") -> int:
    con = sqlite3.connect(db_path, timeout=30)
    try:
        return con.execute(f"SELECT count(*) FROM pages WHERE {where}").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        con.close()


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _start_slow_crawl(units_file: Path, db_path: Path, at_least: int):
    """A two-process crawl slowed down (one request per site at a time), with the pids of its
    parts once `at_least` pages are stored."""
    proc = _popen("crawl", "--units", units_file, "--db", db_path, "--jobs", "2", *CRAWL_SETTINGS,
                  "-s", "DOWNLOAD_DELAY=0.1", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "-s", "ZWGK_BATCH_SIZE=10")
    deadline = time.monotonic() + 120
    parts: list[int] = []
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"finished too soon: {proc.stderr.read()[-2000:]}")
        parts = [c for c in _children(proc.pid) if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text()] or parts
        if db_path.exists() and _count(db_path) >= at_least and len(parts) == 2:
            return proc, parts
        time.sleep(0.1)
    proc.kill()
    pytest.fail("never reached the point to stop at")


@pytest.fixture(scope="module")
def stopped_and_resumed(crawled, tmp_path_factory):
    out = tmp_path_factory.mktemp("jobs")
    db_path = out / "zwgk.db"
    proc, parts = _start_slow_crawl(crawled["units_file"], db_path, 100)
    proc.send_signal(signal.SIGTERM)  # what cron's timeout or systemd sends
    _, stderr = proc.communicate(timeout=120)
    stopped = {"code": proc.returncode, "stderr": stderr, "parts_left": [p for p in parts if _alive(p)],
               "pages": _count(db_path), "state": store.run_state(_run(db_path, 1))}
    resumed = run_zwgk("crawl", "--resume", "--db", db_path, "--jobs", "2", *CRAWL_SETTINGS)
    return {"db_path": db_path, "stopped": stopped, "resumed": resumed, "units_file": crawled["units_file"]}


def _run(db_path: Path, crawl_id: int) -> dict:
    db = store.open_db(db_path, readonly=True)
    try:
        return store.crawl_run(db, crawl_id)
    finally:
        db.close()


def test_sigterm_stops_every_part_and_marks_the_run_interrupted(stopped_and_resumed):
    stopped = stopped_and_resumed["stopped"]
    assert stopped["code"] == 130, stopped["stderr"]
    assert stopped["stderr"].strip().splitlines() == [
        "zwgk: interrupted: crawl run 1 marked interrupted; `zwgk crawl --resume` finishes it"]
    assert stopped["parts_left"] == []
    assert stopped["state"] == "interrupted"
    assert stopped["pages"] >= 100


def test_a_resumed_two_process_crawl_ends_as_one_process_does(stopped_and_resumed, crawled):
    resumed, db_path = stopped_and_resumed["resumed"], stopped_and_resumed["db_path"]
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "crawl run 1: finished" in resumed.stdout
    got, want = _pages(db_path, 1), _pages(crawled["db_path"], 1)
    assert got == want, f"only here: {sorted(got - want)[:5]}; only in one process: {sorted(want - got)[:5]}"
    run = _run(db_path, 1)
    assert (run["status"], run["finish_reason"], run["resumed"]) == ("finished", "finished", 1)
    assert json.loads(run["settings"])["ZWGK_CRAWL_PROCESSES"] == 2
    assert json.loads(run["stats"])["zwgk/crawl_processes"] == 2
    con = sqlite3.connect(db_path)
    archives = {r[0] for r in con.execute("SELECT DISTINCT warc_file FROM pages WHERE warc_file IS NOT NULL")}
    links = con.execute("SELECT count(*) FROM links WHERE crawl_id = 1").fetchone()[0]
    con.close()
    assert archives == {"crawl-1-s1.warc.gz", "crawl-1-s2.warc.gz", "crawl-1-r1-s1.warc.gz", "crawl-1-r1-s2.warc.gz"}
    con = sqlite3.connect(crawled["db_path"])
    assert links == con.execute("SELECT count(*) FROM links WHERE crawl_id = 1").fetchone()[0]
    con.close()
    verify = run_zwgk("evidence", "verify", "--db", db_path)
    assert verify.returncode == 0 and "0 problem(s)" in verify.stdout, verify.stdout + verify.stderr


def test_a_two_process_crawl_revisits_the_previous_one(stopped_and_resumed):
    db_path = stopped_and_resumed["db_path"]
    again = run_zwgk("crawl", "--units", stopped_and_resumed["units_file"], "--db", db_path, "--jobs", "2",
                     *CRAWL_SETTINGS)
    assert again.returncode == 0, again.stderr[-2000:]
    run = _run(db_path, 2)
    assert run["previous_crawl_id"] == 1 and run["status"] == "finished"
    con = sqlite3.connect(db_path)
    changes = dict(con.execute("SELECT change, count(*) FROM pages WHERE crawl_id = 2 GROUP BY change"))
    con.close()
    assert changes.get("carried", 0) > 500 and changes.get("not_modified", 0) > 100, changes
    assert not changes.get("changed") and not changes.get("new"), changes  # the sample portals did not change
    assert {r[:2] for r in _pages(db_path, 2)} == {r[:2] for r in _pages(db_path, 1)}


def test_sigterm_to_every_process_stops_each_part_once(crawled, tmp_path):
    """systemd stops a service by sending SIGTERM to every process of it: a part then gets
    one from systemd and one from its parent. Scrapy would take the second as "force an
    unclean stop" (its last pages and its report lost); a part takes only the first."""
    db_path = tmp_path / "zwgk.db"
    proc, parts = _start_slow_crawl(crawled["units_file"], db_path, 30)
    # Both parts crawling (pages of the city group and of the counties stored): a part stopped
    # before its spider opened has nothing to report, whatever the signals.
    city = "unit_id = 'meizhou' OR unit_id LIKE 'mz-%'"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (_count(db_path, city) and _count(db_path, f"NOT ({city})")):
        time.sleep(0.1)
    for pid in [proc.pid, *parts]:
        os.kill(pid, signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines() == [
        "zwgk: interrupted: crawl run 1 marked interrupted; `zwgk crawl --resume` finishes it"]
    stats = json.loads(_run(db_path, 1)["stats"])
    assert (stats["zwgk/crawl_processes"], stats["zwgk/crawl_processes_reported"]) == (2, 2)


def test_kill_9_of_the_parent_stops_its_parts(crawled, tmp_path):
    db_path = tmp_path / "zwgk.db"
    proc, parts = _start_slow_crawl(crawled["units_file"], db_path, 30)
    proc.kill()
    proc.wait(timeout=30)
    deadline = time.monotonic() + 60
    while any(_alive(p) for p in parts) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p for p in parts if _alive(p)], "crawl processes outlived their killed parent"
    assert store.run_state(_run(db_path, 1)) == "killed"  # `zwgk crawl --resume` finishes it


def test_a_part_that_fails_fails_the_crawl(crawled, tmp_path):
    """A part that could not crawl its units (here: it cannot start its spider) leaves the
    run interrupted and `zwgk crawl` failing (exit 1), so `zwgk run` never audits a crawl
    that lacks whole units as if it were complete."""
    db_path = tmp_path / "zwgk.db"
    proc = run_zwgk("crawl", "--units", crawled["units_file"], "--db", db_path, "--jobs", "2", *CRAWL_SETTINGS,
                    "-s", "ZWGK_EXTRACT_WORKERS=several")
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert proc.stderr.strip().splitlines()[-1] == (
        "zwgk: error: crawl run 1: a crawl process failed (see the log file); `zwgk crawl --resume` finishes the run")
    run = _run(db_path, 1)
    assert (run["status"], run["finish_reason"]) == ("interrupted", "crawl_process_failed")


def test_jobs_and_redis_are_one_or_the_other(tmp_path):
    proc = run_zwgk("crawl", "--db", tmp_path / "z.db", "--jobs", "2", "--redis", "redis://127.0.0.1:1/0")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "zwgk: error: --jobs splits a crawl between processes of this machine, --redis between machines: use one"]
