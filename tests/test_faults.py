"""The fault suite: a crawl of a portal that misbehaves in every known way (tests/faultsite.py).

The crawl must finish, stay inside the unit's scope, bound what it downloads and keeps,
and record each failure with an honest status that the audit turns into 'unknown' or
the right finding.
"""

import json

import pytest

from crawler import store
from crawler.units import default_units_path
from tests.conftest import run_zwgk
from tests.faultsite import EXPECTED, WRONG_CHARSET_TITLE, FaultSite

MAXSIZE = 1_000_000
MAX_STORED = 200_000
VARIANTS = 15


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    out = tmp_path_factory.mktemp("faults")
    with FaultSite(maxsize=MAXSIZE) as site:
        units = out / "units.yaml"
        units.write_text(site.units_yaml(), encoding="utf-8")
        db_path = out / "zwgk.db"
        proc = run_zwgk(
            "crawl", "--units", units, "--db", db_path,
            "-s", "ZWGK_RENDER=off", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0",
            "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_TIMES=2",
            "-s", f"DOWNLOAD_MAXSIZE={MAXSIZE}", "-s", f"ZWGK_MAX_STORED_BODY={MAX_STORED}",
            "-s", f"ZWGK_MAX_QUERY_VARIANTS={VARIANTS}",
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        db = store.open_db(db_path, create=False)
        pages = {r["url"]: r for r in db.query("SELECT * FROM pages")}
        links = list(db.query("SELECT * FROM links"))
        run = next(db.query("SELECT * FROM crawl_runs"))
        db.close()
        yield {"site": site, "db_path": db_path, "units": units, "pages": pages, "links": links, "run": run,
               "hits": dict(site.hits), "canary": list(site.canary_hits),
               "annex": list(site.annex_hits)}


def test_crawl_finishes_and_records_every_fault_honestly(faulty):
    assert faulty["run"]["status"] == "finished"
    base = faulty["site"].base
    for path, (fetch_status, status) in EXPECTED.items():
        page = faulty["pages"][base + path]
        assert (page["fetch_status"], page["status"]) == (fetch_status, status), (path, page["error"])
    tls = faulty["pages"][f"https://127.0.0.1:{faulty['site'].tls_port}/"]
    assert tls["fetch_status"] == "tls_error" and "SSL" in tls["error"]


def test_5xx_burst_is_retried_and_403_429_are_blocked(faulty):
    assert faulty["hits"]["/flaky"] == 3  # 503, 503, 200
    assert faulty["pages"][faulty["site"].base + "/flaky"]["title"] == "恢复的页面"
    assert faulty["pages"][faulty["site"].base + "/forbidden"]["fetch_status"] == "blocked"


def test_never_leaves_scope_nor_touches_private_addresses(faulty):
    assert faulty["canary"] == []  # loopback on another port, localhost, [::1]
    netlocs = [f"127.0.0.1:{faulty['site'].port}", f"127.0.0.1:{faulty['site'].tls_port}",
               f"127.0.0.1:{faulty['site'].annex_port}"]
    for url in faulty["pages"]:
        assert any(n in url for n in netlocs), url
    private = [link for link in faulty["links"] if any(
        h in link["to_url"] for h in ("10.0.0.1", "192.168.", "169.254.169.254", "172.16.", "localhost", "[::1]",
                                      "file://", "ftp://"))]
    assert private and not any(link["in_scope"] for link in private)
    assert not any(link["to_url"] in faulty["pages"] for link in private)


def test_robots_txt_holds_for_every_request_waiting_on_it(faulty):
    # Twelve links to a second host whose robots.txt is slow: all requests wait for it,
    # and every one must be refused (Scrapy's own middleware let all but the first through).
    private = [u for u in faulty["pages"] if "/private/" in u]
    assert len(private) == 12
    assert {faulty["pages"][u]["fetch_status"] for u in private} == {"blocked_robots"}
    assert faulty["annex"] == ["/robots.txt"]


def test_traps_are_bounded(faulty):
    calendar = [u for u in faulty["pages"] if "/calendar?" in u]
    assert 1 <= len(calendar) <= VARIANTS
    nested = [u for u in faulty["pages"] if "/a/" in u]
    assert 1 <= len(nested) <= 3
    assert faulty["hits"]["/loop-a"] <= 12  # REDIRECT_MAX_TIMES bounds the loop


def test_bodies_are_bounded_and_oversized_ones_are_not_stored(faulty):
    db = store.open_db(faulty["db_path"], create=False)
    sizes = [r[0] for r in db.execute("SELECT size FROM bodies")]
    db.close()
    assert sizes and max(sizes) <= MAX_STORED
    for path in ("/bomb", "/huge", "/huge-chunked"):
        page = faulty["pages"][faulty["site"].base + path]
        assert page["body_sha256"] is None and not page["size"]
    big = faulty["pages"][faulty["site"].base + "/big"]
    assert big["size"] > MAX_STORED and big["body_sha256"] is None  # read, but not kept
    assert big["text_truncated"] and len(big["text"]) <= 100_000
    stats = json.loads(faulty["run"]["stats"])
    assert stats["memusage/max"] < 300 * 1024 * 1024


def test_malformed_and_mislabelled_pages_are_read(faulty):
    base = faulty["site"].base
    assert faulty["pages"][base + "/wrong-charset"]["title"] == WRONG_CHARSET_TITLE
    assert faulty["pages"][base + "/wrong-charset"]["encoding"] in ("gbk", "gb18030", "gb2312")
    malformed = faulty["pages"][base + "/malformed"]
    assert malformed["fetch_status"] == "ok" and malformed["body_sha256"]
    assert any(link["from_url"] == base + "/malformed" and link["to_url"] == base + "/a/" for link in faulty["links"])


def test_audit_turns_failures_into_unknown_or_the_right_finding(faulty):
    # The shipped registry: the plan's 落实单位 resolve against all Meizhou units.
    proc = run_zwgk("audit", "--db", faulty["db_path"], "--units", default_units_path(), "--as-of", "2021-12-20",
                    "--screenshots", "off")
    assert proc.returncode == 0, proc.stderr[-3000:]
    db = store.open_db(faulty["db_path"], create=False)
    findings = {(r["unit_id"], r["rule_id"]): r for r in db.query("SELECT * FROM findings")}
    db.close()
    # The unit behind a TLS error: nothing could be judged, and the report says why.
    tls = [f for (unit, _), f in findings.items() if unit == "pingyuan" and f["status"] not in ("manual",)]
    judged = [f for f in tls if f["status"] in ("pass", "fail")]
    assert tls and not judged, [(f["rule_id"], f["status"]) for f in judged]
    assert any("HTTPS" in f["message"] for f in tls)
    # The reachable unit: the 500, the redirect loop and the reset connection are 错链 on
    # the home page; the timeouts, 403/429 and oversized bodies are not counted as broken.
    broken = findings[("meijiang", "PT-003")]
    assert broken["status"] == "fail" and broken["count"] == 3
    urls = " ".join(e["excerpt"] for e in json.loads(broken["evidence"]))
    for path in ("/down", "/loop-a", "/reset"):
        assert path in urls
    for path in ("/slow-headers", "/forbidden", "/bomb"):
        assert path + " " not in urls + " "
