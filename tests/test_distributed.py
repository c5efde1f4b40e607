"""Two crawler processes share one crawl through a real redis-server (scrapy-redis)."""

import shutil
import socket
import subprocess
import time
from collections import Counter

import pytest

from crawler import store
from tests.conftest import run_zwgk
from tests.test_durability import CRAWL_SETTINGS, _differences, _page_set, _popen

REDIS = shutil.which("redis-server")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    if REDIS is None:
        pytest.fail("redis-server is missing: apt-get install redis-server (.ci/run installs it)")
    port = _free_port()
    work = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(work)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("redis-server did not start")
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(10)


def test_two_processes_share_one_crawl_and_equal_a_single_process(crawled, redis_url, tmp_path):
    server = crawled["server"]
    start = len(server.hits)
    parts = [tmp_path / "part-a.db", tmp_path / "part-b.db"]
    procs = [_popen("crawl", "--units", crawled["units_file"], "--db", part, "--redis", redis_url,
                    "--job", "test-job", *CRAWL_SETTINGS, "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4",
                    # a little politeness, so that the crawl outlasts the gap between the two
                    # processes' start-ups on a busy machine (both must get a share)
                    "-s", "DOWNLOAD_DELAY=0.05") for part in parts]
    for proc in procs:
        assert proc.wait(600) == 0, proc.stderr.read().decode()[-3000:]
    hits = Counter(f"http://{netloc}{path}" for netloc, path in server.hits[start:] if path != "/robots.txt")
    # The job's keys outlive the processes (a late process still sees what was fetched), then expire.
    import redis

    keys = redis.Redis.from_url(redis_url).keys("zwgk:test-job:*")
    assert keys and all(0 < redis.Redis.from_url(redis_url).ttl(k) <= 7 * 86400 for k in keys)

    # Both did a share of the work.
    counts = [store.open_db(p, create=False).execute("SELECT count(*) FROM pages").fetchone()[0] for p in parts]
    assert all(c > 100 for c in counts), counts

    merged = tmp_path / "zwgk.db"
    proc = run_zwgk("merge", "--into", merged, *parts)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got, got_links = _page_set(merged, 1)
    want, want_links = _page_set(crawled["db_path"], 1)
    assert got == want, _differences(got, want)
    assert got_links == want_links
    assert sum(counts) == len(want)  # no page recorded by both processes

    # Each page fetched once. (A redirect target is also fetched when the redirect is
    # followed, as in a single-process crawl.)
    db = store.open_db(merged, create=False)
    targets = {r[0] for r in db.execute("SELECT final_url FROM pages WHERE redirected = 1")}
    db.close()
    twice = {url: n for url, n in hits.items() if n > 1 and url not in targets}
    assert not twice, list(twice.items())[:5]

    verify = run_zwgk("evidence", "verify", "--db", merged)
    assert verify.returncode == 0, verify.stdout[-2000:]
    audit = run_zwgk("audit", "--db", merged, "--units", crawled["units_file"], "--as-of", "2021-12-20",
                     "--screenshots", "off")
    assert audit.returncode == 0, audit.stderr[-2000:]


def test_unreachable_redis_is_a_clear_error(tmp_path):
    proc = run_zwgk("crawl", "--db", tmp_path / "z.db", "--redis", f"redis://127.0.0.1:{_free_port()}/0")
    assert proc.returncode == 2
    assert "cannot reach" in proc.stderr and "Traceback" not in proc.stderr


def test_job_without_redis_and_a_missing_part_are_usage_errors(tmp_path):
    proc = run_zwgk("crawl", "--db", tmp_path / "z.db", "--job", "x")
    assert proc.returncode == 2 and "--job needs --redis" in proc.stderr
    proc = run_zwgk("merge", "--into", tmp_path / "z.db", tmp_path / "missing.db")
    assert proc.returncode == 2 and "database not found" in proc.stderr and "Traceback" not in proc.stderr


def test_a_process_finding_the_shared_queue_empty_waits_before_it_finishes(monkeypatch):
    """At the start one process may hold every queued request (the units' start pages) in its
    downloader: another that closed at its first idle moment got none of the crawl."""
    from scrapy.exceptions import DontCloseSpider

    from crawler import distributed

    clock = [100.0]
    monkeypatch.setattr(distributed, "monotonic", lambda: clock[0])
    wait = distributed.WaitForSharedWork(crawler=None, wait=15)
    with pytest.raises(DontCloseSpider):
        wait.spider_idle(None)
    clock[0] += 10
    with pytest.raises(DontCloseSpider):
        wait.spider_idle(None)
    wait.work_came()  # work came: the idle spell starts again
    clock[0] += 10
    with pytest.raises(DontCloseSpider):
        wait.spider_idle(None)
    clock[0] += 16
    wait.spider_idle(None)  # idle 16 s in a row: finishes
