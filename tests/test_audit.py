"""Audits of the crawled sample portals, scored against the generator's ground truth."""

import json
import shutil

import pytest

from crawler import store
from audits.demo.truth import expected_findings, load_truth, score
from audits.run import change_of
from tests.conftest import run_zwgk

AS_OF = "2021-12-20"


@pytest.fixture(scope="module")
def audited(crawled):
    proc = run_zwgk("audit", "--db", crawled["db_path"], "--as-of", AS_OF, "--screenshots", "off")
    assert proc.returncode == 0, proc.stderr[-3000:]
    findings = run_zwgk("findings", "--db", crawled["db_path"], "--format", "json")
    assert findings.returncode == 0, findings.stderr
    return {**crawled, "findings": json.loads(findings.stdout), "audit_out": proc.stdout}


TRUTH = load_truth()


def expected_status(truth: dict, unit: str, rule: str, status: str, rendered: set[str] = frozenset(),
                    audited: set[str] | None = None) -> str:
    """What the ground truth (audits/demo/truth.yaml + the planted defects) says a finding must
    be; `rendered`: units whose JS lists were rendered. Never a default: a finding truth does not
    expect of the unit gets an expectation no status equals."""
    return expected_findings(truth, rendered, TRUTH, audited).get((unit, rule), f"no {rule} finding expected of {unit}")


def test_findings_match_the_ground_truth_exactly(audited):
    truth = audited["server"].ground_truth()
    findings = audited["findings"]
    assert findings, "the audit produced findings"
    s = score(findings, truth)
    # Recall and precision: every expected finding made, with the expected status; none other.
    assert (s.wrong, s.missing, s.unexpected) == ([], [], [])
    assert s.precision["fail"] == s.recall["fail"] == 1.0
    # A look-alike (a notice about a report, a repost, a bulletin...) is never a pass's evidence.
    assert s.lookalike_passes == []
    assert truth["units"]["pingyuan"]["lookalikes"], "the sample world carries look-alikes"


def test_down_portal_is_unknown_and_vetoed(audited, tmp_path):
    down = [f for f in audited["findings"] if f["unit"] == "fengshun" and f["status"] != "manual"]
    assert down and {f["status"] for f in down} == {"unknown"}
    db = store.open_db(audited["db_path"], create=False)
    row = next(db.query("SELECT * FROM unit_results WHERE unit_id = 'fengshun' ORDER BY audit_id DESC LIMIT 1"))
    assert row["reachable"] == 0 and row["passed"] == 0 and row["score"] is None
    # One failed crawl is one probe: 站点无法访问 needs repeated ones (audits/scoring.yaml probes).
    assert json.loads(row["vetoes"]) == [] and row["undetermined"] == 1
    db.close()
    # Two more crawls that find it down (503) make three consecutive failed probes: a veto.
    db_path = tmp_path / "z.db"
    shutil.copy(audited["db_path"], db_path)
    for _ in range(2):
        proc = run_zwgk("crawl", "--db", db_path, "--units", audited["units_file"], "--unit", "fengshun",
                        "-s", "RETRY_TIMES=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0")
        assert proc.returncode == 0, proc.stderr[-2000:]
    proc = run_zwgk("audit", "--db", db_path, "--as-of", AS_OF, "--screenshots", "off")
    assert proc.returncode == 0, proc.stderr[-2000:]
    db = store.open_db(db_path, create=False)
    row = next(db.query("SELECT * FROM unit_results WHERE unit_id = 'fengshun' ORDER BY audit_id DESC LIMIT 1"))
    assert row["reachable"] == 0 and row["passed"] == 0 and row["score"] is None
    assert [v["id"] for v in json.loads(row["vetoes"])] == ["unreachable"] and row["undetermined"] == 0
    db.close()


def test_scores_and_vetoes(audited):
    db = store.open_db(audited["db_path"], create=False)
    rows = {r["unit_id"]: r for r in db.query("SELECT * FROM unit_results WHERE audit_id = 1")}
    vetoes = {u: [v["id"] for v in json.loads(r["vetoes"])] for u, r in rows.items()}
    assert vetoes["pingyuan"] == ["homepage_stale"]
    assert set(vetoes["dabu"]) == {"homepage_stale", "stale_columns"}
    assert vetoes["wuhua"] == ["blank_columns"]
    assert rows["meijiang"]["score"] == 99.0 and rows["meijiang"]["passed"] == 1  # one broken home-page link
    assert rows["mz-fgj"]["score"] == 100.0
    db.close()


def test_findings_export_contract(audited):
    f = next(f for f in audited["findings"] if f["unit"] == "meijiang" and f["rule"] == "PT-003")
    assert {"unit", "rule", "tasks", "status", "severity", "message", "evidence"} <= set(f)
    assert f["status"] == "fail" and f["tasks"] == [26]
    (ev,) = f["evidence"]
    assert set(ev) == {"url", "fetched_at", "status", "excerpt"}  # screenshots off in this audit
    assert "old-notice.html" in ev["excerpt"] and ev["status"] == 200 and ev["fetched_at"]
    assert f["looked_for"] and f["looked_where"]
    csv_out = run_zwgk("findings", "--db", audited["db_path"], "--format", "csv", "--status", "fail")
    lines = csv_out.stdout.strip().splitlines()
    assert lines[0].startswith("\ufeffaudit,unit,rule,tasks,status")  # a BOM, for Excel on Chinese Windows
    assert len(lines) - 1 == sum(1 for x in audited["findings"] if x["status"] == "fail")


def test_same_crawl_same_findings_and_run_to_run_changes(audited):
    again = run_zwgk("audit", "--db", audited["db_path"], "--as-of", AS_OF, "--screenshots", "off")
    assert again.returncode == 0
    second = json.loads(run_zwgk("findings", "--db", audited["db_path"], "--format", "json").stdout)
    strip = lambda fs: [{k: v for k, v in f.items() if k != "audit"} for f in fs]  # noqa: E731
    assert strip(second) == strip(audited["findings"])
    db = store.open_db(audited["db_path"], create=False)
    changes = dict(db.execute("SELECT change, count(*) FROM findings WHERE audit_id = 2 GROUP BY change").fetchall())
    fails = db.execute("SELECT count(*) FROM findings WHERE audit_id = 2 AND status = 'fail'").fetchone()[0]
    assert changes.get("persisting") == fails and "new" not in changes and "resolved" not in changes
    hashes = {r[0] for r in db.execute("SELECT rules_hash FROM audit_runs")}
    assert len(hashes) == 1
    db.close()


def test_change_classification():
    assert change_of("fail", None) == "new"
    assert change_of("fail", "pass") == "new"
    assert change_of("fail", "fail") == "persisting"
    assert change_of("pass", "fail") == "resolved"
    assert change_of("pass", "pass") is None
    assert change_of("unknown", "fail") is None


def test_report_and_ledger_of_the_audit(audited, tmp_path):
    from bs4 import BeautifulSoup

    out = tmp_path / "report"
    proc = run_zwgk("report", "--db", audited["db_path"], "--out", out)
    assert proc.returncode == 0, proc.stderr
    soup = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert soup.select_one("#units-count").text == "31"
    assert len(soup.select("#ranking-table tbody tr")) == 31
    assert (out / "units" / "unit-fengshun.html").exists() and len(list((out / "tasks").glob("task-*.html"))) == 46
    unit = BeautifulSoup((out / "units" / "unit-jiaoling.html").read_text(encoding="utf-8"), "html.parser")
    sheet = unit.select("#inspection tbody tr")
    assert any("ZL-002" in r.text and "不符合" in r.text for r in sheet)
    ledger = tmp_path / "ledger.xlsx"
    proc = run_zwgk("export", "--db", audited["db_path"], "--format", "xlsx", "--out", ledger)
    assert proc.returncode == 0, proc.stderr
    from openpyxl import load_workbook

    ws = load_workbook(ledger).active
    db = store.open_db(audited["db_path"], create=False)
    pairs = {(u, t) for u, tasks in db.execute("SELECT unit_id, tasks FROM findings WHERE audit_id = "
                                               "(SELECT max(id) FROM audit_runs)") for t in json.loads(tasks)}
    db.close()
    assert ws.max_row - 1 == len(pairs)


def test_audit_of_a_missing_crawl_is_a_usage_error(audited):
    proc = run_zwgk("audit", "--db", audited["db_path"], "--crawl", "99")
    assert proc.returncode == 2 and "no crawl run 99" in proc.stderr and "Traceback" not in proc.stderr


def test_audit_in_worker_processes_equals_one_process(audited, tmp_path):
    # Large crawls are audited unit by unit in worker processes (spawned, read-only);
    # the findings, scores and evidence must be exactly those of the one-process audit.
    import shutil

    db_path = tmp_path / "zwgk.db"
    shutil.copy(audited["db_path"], db_path)
    proc = run_zwgk("audit", "--db", db_path, "--as-of", AS_OF, "--screenshots", "off", "--jobs", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    parallel = json.loads(run_zwgk("findings", "--db", db_path, "--format", "json").stdout)
    strip = lambda fs: [{k: v for k, v in f.items() if k not in ("audit", "change")} for f in fs]  # noqa: E731
    assert strip(parallel) == strip(audited["findings"])
    db = store.open_db(db_path, create=False)
    last = db.execute("SELECT max(id) FROM audit_runs").fetchone()[0]
    results = [db.execute("SELECT unit_id, reachable, score, passed, vetoes, deductions, incomplete, counts "
                          "FROM unit_results WHERE audit_id = ? ORDER BY unit_id", [audit_id]).fetchall()
               for audit_id in (1, last)]
    documents = [db.execute("SELECT unit_id, url, doc_type, about, subject_year, issuer, why FROM documents "
                            "WHERE audit_id = ? ORDER BY unit_id, url", [audit_id]).fetchall() for audit_id in (1, last)]
    db.close()
    assert results[0] == results[1] and len(results[0]) > 20
    assert documents[0] == documents[1] and len(documents[0]) > 100


def test_the_audit_keeps_each_documents_type_year_issuer_and_why(audited):
    db = store.open_db(audited["db_path"], create=False)
    rows = {(r["unit_id"], r["doc_type"], r["subject_year"]): r for r in db.query(
        "SELECT * FROM documents WHERE audit_id = 1 AND doc_type = '年度报告'")}
    db.close()
    report = rows[("meijiang", "年度报告", 2020)]
    assert report["issuer"] == "meijiang" and json.loads(report["why"])[0].startswith("类型：")


def test_negative_jobs_is_a_usage_error(audited):
    proc = run_zwgk("audit", "--db", audited["db_path"], "--jobs", "-1")
    assert proc.returncode == 2 and "--jobs" in proc.stderr and "Traceback" not in proc.stderr
