"""`zwgk demo` (what `make demo` runs): every stage on the sample portals, from one command."""

import json

import pytest

from crawler import store
from tests.conftest import run_zwgk
from audits.demo.truth import score


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    proc = run_zwgk("demo", "--db", out / "zwgk.db")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {"out": out, "proc": proc, "stdout": proc.stdout}


def test_demo_leaves_database_report_ledger_and_truth(demo):
    out = demo["out"]
    for name in ("zwgk.db", "sample-units.yaml", "ground-truth.json", "ledger.xlsx", "report/index.html"):
        assert (out / name).exists(), name
    assert "open " in demo["proc"].stdout


def test_demo_crawl_matches_ground_truth(demo):
    truth = json.loads((demo["out"] / "ground-truth.json").read_text(encoding="utf-8"))
    db = store.open_db(demo["out"] / "zwgk.db", create=False)
    for unit_id, gt in truth["units"].items():
        rows = {r["url"]: r for r in db.query("SELECT url, pub_date, site_code, icp, kind, fetch_status FROM pages "
                                               "WHERE unit_id = ?", [unit_id])}
        static, rendered, api = set(gt["pages"]), set(gt["pages_if_rendered"]), set(gt["pages_if_api"])
        assert set(rows) in (static, static | rendered, static | api, static | rendered | api), unit_id
        for url, rec in gt["pages"].items():
            if rec.get("kind") == "article":
                assert rows[url]["pub_date"] == rec["pub_date"]
            if rec.get("kind") == "home" and rec["fetch"] == "ok":
                assert (rows[url]["site_code"], rows[url]["icp"]) == (gt["footer"]["site_code"], gt["footer"]["icp"])
    db.close()


def test_demo_audit_matches_ground_truth(demo):
    truth = json.loads((demo["out"] / "ground-truth.json").read_text(encoding="utf-8"))
    findings = json.loads(run_zwgk("findings", "--db", demo["out"] / "zwgk.db").stdout)
    assert findings
    db = store.open_db(demo["out"] / "zwgk.db", create=False)
    rendered = store.units_with_script_lists_read(db)
    db.close()
    s = score(findings, truth, rendered)
    assert (s.wrong, s.missing, s.unexpected, s.lookalike_passes) == ([], [], [], [])
    # ... and `zwgk demo` said so.
    assert s.line() in demo["stdout"] and "fail precision 1.00 recall 1.00" in demo["stdout"]


@pytest.mark.browser
def test_demo_report_in_chromium(demo, browser, tmp_path):
    index = demo["out"] / "report" / "index.html"
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(index.as_uri())
    assert page.locator("#units-count").inner_text() == "31"
    rows = page.locator("#ranking-table tbody tr")
    assert rows.count() == 31
    page.select_option("#filter-kind", "county")
    assert page.locator("#ranking-table tbody tr:not(.hidden)").count() == 8
    page.screenshot(path=str(tmp_path / "demo-index.png"), full_page=True)
    page.locator("#ranking-table a", has_text="蕉岭县").click()
    assert "蕉岭县" in page.locator("h1").inner_text()
    assert page.locator("#inspection tr.status-fail").count() >= 1
    page.screenshot(path=str(tmp_path / "demo-unit.png"), full_page=True)
    assert errors == []


@pytest.mark.browser
def test_crawled_script_in_a_title_is_shown_not_run(demo, browser):
    """meijiang publishes a notice whose title holds <script> and <img onerror>; it is crawled as text."""
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto((demo["out"] / "report" / "units" / "unit-meijiang.html").as_uri())
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")  # passes are folded
    text = page.locator("#findings").inner_text()
    assert '<script>alert("xss")</script><img src=x onerror=alert(2)>' in text
    page.wait_for_timeout(300)
    assert dialogs == []
    assert page.locator("#findings img[src='x']").count() == 0


@pytest.mark.browser
def test_every_fail_has_a_screenshot_and_a_verified_archive(demo):
    db = store.open_db(demo["out"] / "zwgk.db", create=False)
    fails = list(db.query("SELECT unit_id, rule_id, evidence FROM findings WHERE status = 'fail'"))
    db.close()
    assert fails
    for f in fails:
        shots = [e.get("screenshot") for e in json.loads(f["evidence"])]
        assert shots and all(shots), (f["unit_id"], f["rule_id"])
        for shot in shots:
            path = demo["out"] / shot
            assert path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            import hashlib

            assert hashlib.sha256(path.read_bytes()).hexdigest() + ".png" == path.name  # content-addressed
    verify = run_zwgk("evidence", "verify", "--db", demo["out"] / "zwgk.db")
    assert verify.returncode == 0, verify.stdout
    # The report shows them as thumbnails, copied into the report folder.
    html = (demo["out"] / "report" / "units" / "unit-mz-czj.html").read_text(encoding="utf-8")
    assert 'class="thumb" src="../assets/shots/' in html


def test_demo_findings_equal_the_recorded_baseline(demo):
    """Moving code around must not change a single finding (tests/data/demo-findings.json,
    recorded before the restructure of issue 14; see tests/demo_findings.py to re-record it
    after a deliberate change of the sample world or the rules)."""
    from pathlib import Path

    from tests.demo_findings import fingerprint

    findings = json.loads(run_zwgk("findings", "--db", demo["out"] / "zwgk.db").stdout)
    baseline = json.loads((Path(__file__).parent / "data" / "demo-findings.json").read_text(encoding="utf-8"))
    now = fingerprint(findings)
    changed = {k: (baseline.get(k), now.get(k)) for k in baseline.keys() | now.keys() if baseline.get(k) != now.get(k)}
    assert changed == {}
