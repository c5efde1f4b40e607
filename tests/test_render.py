"""Script-built lists are rendered in Debian's Chromium; without a browser they stay 'unknown'."""

import json

import pytest

from crawler import store
from tests.conftest import run_zwgk

pytestmark = pytest.mark.browser
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "RETRY_TIMES=0"]


def test_js_only_list_is_found_when_rendered(sample_server, tmp_path):
    units = sample_server.write_units_file(tmp_path / "units.yaml")
    db_path = tmp_path / "r.db"
    proc = run_zwgk("crawl", "--units", units, "--unit", "meixian", "--db", db_path, "-s", "ZWGK_RENDER=auto",
                    "-s", "ZWGK_GKML_API=off", *FAST)
    assert proc.returncode == 0, proc.stderr[-2000:]
    truth = sample_server.ground_truth()["units"]["meixian"]
    db = store.open_db(db_path, create=False)
    page = next(db.query("SELECT * FROM pages WHERE url = ?", [sample_server.url("meixian", "/gkmlpt/fdzdgknr/index.html")]))
    assert page["rendered"] == 1 and page["script_built"] == 0
    assert [i["title"] for i in json.loads(page["list_items"])] == ["机构职能", "领导信息", "权责清单", "人事信息"]
    urls = {r[0] for r in db.execute("SELECT url FROM pages")}
    assert urls == set(truth["pages"]) | set(truth["pages_if_rendered"])
    stats = json.loads(db.execute("SELECT stats FROM crawl_runs").fetchone()[0])
    assert stats.get("zwgk/render_blocked_offsite", 0) >= 1  # the browser tried the conac badge; refused
    db.close()
    outside = sample_server.netloc("outside")
    assert not [h for h in sample_server.hits if h[0] == outside]

    audit = run_zwgk("audit", "--db", db_path, "--as-of", "2021-12-20")
    assert audit.returncode == 0, audit.stderr
    findings = {f["rule"]: f["status"] for f in json.loads(run_zwgk("findings", "--db", db_path).stdout)}
    assert findings["ZL-004"] == "pass" and findings["ZL-008"] == "pass"


def test_without_rendering_the_same_list_is_unknown(sample_server, tmp_path):
    units = sample_server.write_units_file(tmp_path / "units.yaml")
    db_path = tmp_path / "s.db"
    proc = run_zwgk("crawl", "--units", units, "--unit", "meixian", "--db", db_path, "-s", "ZWGK_RENDER=off",
                    "-s", "ZWGK_GKML_API=off", *FAST)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert run_zwgk("audit", "--db", db_path, "--as-of", "2021-12-20").returncode == 0
    findings = {f["rule"]: f["status"] for f in json.loads(run_zwgk("findings", "--db", db_path).stdout)}
    assert findings["ZL-004"] == "unknown" and findings["ZL-008"] == "unknown"


def test_a_render_that_cannot_start_leaves_the_page_unknown(sample_server, tmp_path):
    units = sample_server.write_units_file(tmp_path / "units.yaml")
    db_path = tmp_path / "n.db"
    proc = run_zwgk("crawl", "--units", units, "--unit", "meixian", "--db", db_path, "-s", "ZWGK_RENDER=auto",
                    "-s", "ZWGK_CHROMIUM=/nonexistent/chromium", "-s", "ZWGK_GKML_API=off", *FAST)
    assert proc.returncode == 0, proc.stderr[-2000:]
    db = store.open_db(db_path, create=False)
    page = next(db.query("SELECT * FROM pages WHERE url LIKE '%/gkmlpt/fdzdgknr/index.html'"))
    assert page["rendered"] == 0 and page["script_built"] == 1
    db.close()
    assert run_zwgk("audit", "--db", db_path, "--as-of", "2021-12-20").returncode == 0
    findings = {f["rule"]: f["status"] for f in json.loads(run_zwgk("findings", "--db", db_path).stdout)}
    assert findings["ZL-004"] == "unknown"


def test_gkmlpt_api_is_read_without_a_browser(sample_server, tmp_path):
    units = sample_server.write_units_file(tmp_path / "units.yaml")
    db_path = tmp_path / "api.db"
    proc = run_zwgk("crawl", "--units", units, "--unit", "meixian", "--db", db_path,
                    "-s", "ZWGK_RENDER=off", "-s", "ZWGK_GKML_API=on", *FAST)
    assert proc.returncode == 0, proc.stderr[-2000:]
    truth = sample_server.ground_truth()["units"]["meixian"]
    db = store.open_db(db_path, create=False)
    urls = {r[0] for r in db.execute("SELECT url FROM pages")}
    assert urls == set(truth["pages"]) | set(truth["pages_if_api"])
    api = next(db.query("SELECT * FROM pages WHERE url LIKE '%/gkmlpt/api/all/101%'"))
    assert api["kind"] == "list" and json.loads(api["column_path"])[-1] == "法定主动公开内容"
    # the category's items, newest first, as the sample world published them
    world = sample_server.world
    published = sorted((rec["pub_date"] for path, rec in world.crawl_truth(world.unit("meixian"), api=True).items()
                        if path.startswith("/gkmlpt/fdzdgknr/") and rec.get("kind") == "article"), reverse=True)
    assert len(published) == 4
    assert [i["date"] for i in json.loads(api["list_items"])] == published
    db.close()
    assert run_zwgk("audit", "--db", db_path, "--as-of", "2021-12-20", "--screenshots", "off").returncode == 0
    findings = {f["rule"]: f["status"] for f in json.loads(run_zwgk("findings", "--db", db_path).stdout)}
    assert findings["ZL-004"] == "pass" and findings["ZL-008"] == "pass"
