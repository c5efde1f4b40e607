"""Incremental crawls for cron: revisit the previous crawl, and say what changed.

Own sample server: the test changes pages on it.
"""

import json
import urllib.request

import pytest

from crawler import store
from audits.demo import SamplePortalServer, build_world
from tests.conftest import run_zwgk

SETTINGS = ["-s", "ZWGK_RENDER=off", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0",
            "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "-s", "RETRY_TIMES=0"]
UNIT = "meijiang"


def _pages(db_path, crawl_id):
    db = store.open_db(db_path, create=False)
    rows = {r["url"]: r for r in db.query("SELECT * FROM pages WHERE crawl_id = ?", [crawl_id])}
    db.close()
    return rows


def _crawl(server, units, db_path, *extra):
    before = len(server.hits)
    proc = run_zwgk("crawl", "--units", units, "--db", db_path, "--unit", UNIT, *SETTINGS, *extra)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return len(server.hits) - before


@pytest.fixture(scope="module")
def revisits(tmp_path_factory):
    out = tmp_path_factory.mktemp("incremental")
    db_path, units = out / "zwgk.db", out / "units.yaml"
    with SamplePortalServer(build_world(seed=2021)) as server:
        server.write_units_file(units)
        first = _crawl(server, units, db_path)
        pages = _pages(db_path, 1)
        site = server.world.unit(UNIT).site
        ok = [p for p in pages.values() if p["fetch_status"] == "ok" and not p["redirected"]]
        listing = next(p for p in ok if p["kind"] == "list" and json.loads(p["list_items"]))
        article = next(p for p in ok if p["kind"] == "article")
        root = f"http://{server.netloc(site)}"

        def path(url):
            return url[len(root):]

        # The site changes between crawls: a list gains a new document, an article is edited.
        new_url = root + "/zwgk/tzgg/202112/t20211224_99.html"
        body = urllib.request.urlopen(listing["url"]).read()
        server.overrides[(site, path(listing["url"]))] = body.replace(
            b"</ul>", b"<li><a href='" + new_url.encode() + b"'>\xe6\x96\xb0\xe9\x80\x9a\xe7\x9f\xa5</a>"
            b"<span>2021-12-24</span></li></ul>", 1)
        server.overrides[(site, path(new_url))] = (
            "<html><head><title>新通知</title></head><body><h1>新通知</h1><p>发布日期：2021-12-24</p>"
            "</body></html>").encode()
        edited = urllib.request.urlopen(article["url"]).read().replace(b'<div id="zoom">', b'<div id="zoom"><p>EDITED</p>', 1)
        assert b"EDITED" in edited
        server.overrides[(site, path(article["url"]))] = edited

        not_modified_before = server.not_modified
        second = _crawl(server, units, db_path)
        second_304 = server.not_modified - not_modified_before
        third = _crawl(server, units, db_path, "-s", "ZWGK_REVISIT_AFTER_DAYS=0")
        full = _crawl(server, units, db_path, "--full")
        yield {"db_path": db_path, "units": units, "first": first, "second": second, "third": third, "full": full,
               "second_304": second_304, "listing": listing["url"], "article": article["url"], "new": new_url,
               "pages": [_pages(db_path, i) for i in (1, 2, 3, 4)]}


def test_revisit_costs_a_fraction_of_the_first_crawl(revisits):
    assert revisits["second"] < 0.4 * revisits["first"], (revisits["second"], revisits["first"])
    assert revisits["second_304"] > 0
    first, second = revisits["pages"][0], revisits["pages"][1]
    # The same pages as before, plus the one the edited list now links to.
    assert set(second) == set(first) | {revisits["new"]}


def test_each_page_says_what_changed(revisits):
    first, second, third, full = revisits["pages"]
    assert second[revisits["listing"]]["change"] == "changed"
    assert second[revisits["new"]]["change"] == "new"
    # A recent article is carried over unrequested: its content and date are those of crawl 1.
    carried = second[revisits["article"]]
    assert carried["change"] == "carried" and carried["fetched_at"] == first[revisits["article"]]["fetched_at"]
    assert carried["body_sha256"] == first[revisits["article"]]["body_sha256"]
    changes = {p["change"] for p in second.values()}
    assert {"not_modified", "carried"} <= changes
    not_modified = next(p for p in second.values() if p["change"] == "not_modified")
    assert not_modified["fetched_at"] > first[not_modified["url"]]["fetched_at"]  # revalidated now
    # With revisiting forced (ZWGK_REVISIT_AFTER_DAYS=0) the edit is seen.
    assert third[revisits["article"]]["change"] == "changed"
    assert "carried" not in {p["change"] for p in third.values()}
    listing = run_zwgk("crawls", "--db", revisits["db_path"])
    assert listing.returncode == 0
    line2 = next(line for line in listing.stdout.splitlines() if line.strip().startswith("2 "))
    counts = {c: sum(p["change"] == c for p in second.values()) for c in ("new", "changed", "carried")}
    assert "vs crawl 1:" in line2
    assert all(f"{c} {n}" in line2 for c, n in counts.items()), (line2, counts)
    # --full: every page fetched again, nothing reused.
    assert revisits["full"] >= revisits["first"]
    assert {p["change"] for p in full.values()} == {None}


def test_reused_pages_keep_their_links_and_findings(revisits):
    db = store.open_db(revisits["db_path"], create=False)
    links = [db.execute("SELECT count(*) FROM links WHERE crawl_id = ?", [i]).fetchone()[0] for i in (1, 2)]
    db.close()
    assert links[1] >= links[0] > 100
    audits = []
    for crawl_id in (1, 2):
        proc = run_zwgk("audit", "--db", revisits["db_path"], "--crawl", crawl_id, "--units", revisits["units"],
                        "--as-of", "2021-12-20", "--screenshots", "off")
        assert proc.returncode == 0, proc.stderr[-2000:]
        db = store.open_db(revisits["db_path"], create=False)
        audit_id = db.execute("SELECT max(id) FROM audit_runs").fetchone()[0]
        audits.append({(r["rule_id"], r["status"]) for r in db.query(
            "SELECT rule_id, status FROM findings WHERE audit_id = ?", [audit_id])})
        db.close()
    changed = {rule for rule, _ in audits[0] ^ audits[1]}
    # Only rules that read the edited list may differ; reuse itself changes no finding.
    assert len(changed) <= 2, changed
