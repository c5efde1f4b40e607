"""Report rendering from a stored audit: structure, escaping, offline assets."""

import json

import pytest
from bs4 import BeautifulSoup

from crawler import store
from reports.context import ReportError, build_context
from reports.render import render_report, safe_url

EVIL = '<script>alert(1)</script><img src=x onerror="alert(2)">'


@pytest.fixture
def audit_db(tmp_path):
    db = store.open_db(tmp_path / "r.db")
    cid = store.start_crawl(db, spider="portals", units=["a", "b"], units_file="", settings={}, tool_version="t")
    store.finish_crawl(db, cid, reason="finished", stats={})
    db["audit_runs"].insert({"id": 1, "crawl_id": cid, "as_of": "2021-12-20", "rules_hash": "f" * 64, "rules_count": 2,
                             "units": '["a", "b"]', "started_at": "x", "finished_at": "y", "status": "finished"})
    for uid, name, score, passed, vetoes in [("a", "甲县", 95.0, 1, []), ("b", "乙县", None, 0, [{"id": "unreachable", "title": "站点无法访问", "rules": []}])]:
        db["unit_results"].insert({"audit_id": 1, "unit_id": uid, "unit_name": name, "unit_kind": "county", "reachable": int(passed),
                                   "score": score, "passed": passed, "vetoes": json.dumps(vetoes, ensure_ascii=False),
                                   "deductions": "[]", "incomplete": "[]", "counts": '{"pass": 1, "fail": 1}'})
    evidence = [{"url": "javascript:alert(3)", "fetched_at": "2021-12-19T00:00:00", "status": 200, "excerpt": EVIL}]
    db["findings"].insert_all([
        {"audit_id": 1, "unit_id": "a", "rule_id": "ZL-002", "tasks": "[28]", "status": "fail", "severity": "high",
         "title": "专栏设有「政府信息公开指南」且不为空", "message": EVIL, "detail": "栏目为空", "evidence": json.dumps(evidence),
         "looked_for": "栏目", "looked_where": "首页"},
        # (a rule that checks its task fully: only then is a pass 符合 in the ledger)
        {"audit_id": 1, "unit_id": "a", "rule_id": "PT-001", "tasks": "[26]", "status": "pass", "severity": "high",
         "title": "首页两周内有更新", "message": "ok", "detail": "", "evidence": "[]", "looked_for": "", "looked_where": "",
         "coverage": '{"26": "full"}'},
        {"audit_id": 1, "unit_id": "b", "rule_id": "PT-001", "tasks": "[26]", "status": "unknown", "severity": "high",
         "title": "首页两周内有更新", "message": "首页未取得", "detail": "", "evidence": "[]", "looked_for": "", "looked_where": ""},
    ])
    yield db
    db.close()


def test_index_summary_and_ranking(audit_db, tmp_path):
    index = render_report(build_context(audit_db), tmp_path / "out")
    soup = BeautifulSoup(index.read_text(encoding="utf-8"), "html.parser")
    assert soup.select_one("#units-count").text == "2"
    assert soup.select_one("#passed-count").text == "1"
    rows = soup.select("#ranking-table tbody tr")
    assert [r.select("td")[1].text.strip() for r in rows] == ["乙县", "甲县"]  # worst first: the vetoed unit
    assert "站点无法访问" in rows[0].text
    assert soup.select("svg rect"), "charts are inline SVG"
    for tag in soup.select("link[href], script[src]"):
        ref = tag.get("href") or tag.get("src")
        assert not ref.startswith(("http:", "https:", "//")), "no CDN: the report works offline"
        assert (index.parent / ref).exists()


def test_crawled_text_is_escaped_and_unsafe_links_disarmed(audit_db, tmp_path):
    render_report(build_context(audit_db), tmp_path / "out")
    html = (tmp_path / "out" / "units" / "unit-a.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert EVIL in soup.get_text()  # shown as text
    assert [s.get("src") for s in soup.find_all("script")] == ["../assets/report.js"]
    assert not soup.find("img", attrs={"onerror": True})
    assert all(not a["href"].lower().startswith("javascript:") for a in soup.find_all("a", href=True))
    assert soup.select_one("#inspection .status-fail"), "the task-28 sheet lists the 专栏 finding"


def test_task_pages(audit_db, tmp_path):
    render_report(build_context(audit_db), tmp_path / "out")
    soup = BeautifulSoup((tmp_path / "out" / "tasks" / "task-26.html").read_text(encoding="utf-8"), "html.parser")
    text = soup.get_text()
    assert "甲县" in text and "乙县" in text


def test_no_audit_is_a_clear_error(tmp_path):
    db = store.open_db(tmp_path / "empty.db")
    with pytest.raises(ReportError, match="no finished audit"):
        build_context(db)
    with pytest.raises(ReportError, match="no audit run 7"):
        build_context(db, 7)


def test_safe_url():
    assert safe_url("http://a/") == "http://a/"
    assert safe_url("JavaScript:alert(1)") == "#"
    assert safe_url("data:text/html,x") == "#"


def test_ledger_has_one_row_per_unit_and_task(audit_db, tmp_path):
    import datetime as dt

    from openpyxl import load_workbook

    from reports.ledger import COLUMNS, ledger_rows, summary_rows, write_csv, write_xlsx

    ctx = build_context(audit_db, remedies={"ZL-002": "发布公开指南"})
    rows = ledger_rows(ctx, "2021-12-25")
    col = {name: i for i, name in enumerate(COLUMNS)}
    assert [(r[0], r[2], r[4]) for r in rows] == [("a", 26, "符合"), ("a", 28, "不符合"), ("b", 26, "无法判断")]
    assert rows[1][col["证据网址"]] == "javascript:alert(3)"  # the evidence URL as text, never a link
    assert rows[1][col["严重程度"]] == "高" and rows[1][col["整改建议"]] == "ZL-002 发布公开指南"
    # A deadline only where there is something to rectify.
    assert [r[col["整改期限"]] for r in rows] == [None, dt.date(2021, 12, 25), None]
    write_xlsx(rows, tmp_path / "l.xlsx", summary=summary_rows(ctx, rows))
    wb = load_workbook(tmp_path / "l.xlsx")
    ws = wb["台账"]
    assert wb.active.title == "台账"
    assert ws.max_row == 1 + len(rows)
    assert tuple(c.value for c in ws[1]) == COLUMNS
    due = ws.cell(row=3, column=col["整改期限"] + 1)
    assert due.is_date and due.value.date() == dt.date(2021, 12, 25)
    assert ws.cell(row=2, column=col["整改期限"] + 1).value is None
    assert ws.cell(row=3, column=col["证据网址"] + 1).hyperlink is None  # javascript: stays text
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == "$1:$1"
    summary = {r[0].value: r[1].value for r in wb["概况"].iter_rows(max_col=2) if r[0].value}
    assert summary["检查编号"] == 1 and summary["检查基准日"] == "2021-12-20" and summary["规则集哈希"] == "f" * 64
    units = [[c.value for c in r] for r in wb["概况"].iter_rows(min_row=8)]
    assert [u[:3] for u in units] == [["b", "乙县", "不合格"], ["a", "甲县", "合格"]]  # worst first
    assert units[1][4] == 1 and units[0][5] == 1  # a: one 不符合 task; b: one 无法判断
    write_csv(rows, tmp_path / "l.csv")
    assert (tmp_path / "l.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_ledger_links_http_evidence(tmp_path):
    from openpyxl import load_workbook

    from reports.ledger import COLUMNS, EVIDENCE_COL, write_xlsx

    row = ["u", "单位", 1, "任务", "不符合", "高", "R", "问题", "依据", "建议", "http://a.gov.cn/x.html", None, ""]
    assert len(row) == len(COLUMNS)
    write_xlsx([tuple(row)], tmp_path / "h.xlsx")
    cell = load_workbook(tmp_path / "h.xlsx").active.cell(row=2, column=EVIDENCE_COL + 1)
    assert cell.hyperlink.target == "http://a.gov.cn/x.html"


def test_ledger_never_writes_formulas(tmp_path):
    from openpyxl import load_workbook

    from reports.ledger import write_xlsx

    row = ("u", "单位", 1, "=HYPERLINK(\"http://x\")", "符合", "", "R", "=1+1", "", "", "", None, "")
    write_xlsx([row], tmp_path / "f.xlsx")
    ws = load_workbook(tmp_path / "f.xlsx").active
    assert ws.cell(row=2, column=8).value == "=1+1"
    assert ws.cell(row=2, column=8).data_type == "s"


def test_screenshot_paths_from_the_database_are_never_trusted(audit_db, tmp_path):
    import dataclasses
    import hashlib

    from reports.render import copy_screenshots
    from rules.model import Evidence

    png = b"\x89PNG\r\n\x1a\nfake"
    name = hashlib.sha256(png).hexdigest()
    (tmp_path / "screenshots").mkdir()
    (tmp_path / "screenshots" / f"{name}.png").write_bytes(png)
    ctx = build_context(audit_db)
    unit = ctx.units[0]
    unit.findings[0] = dataclasses.replace(unit.findings[0], evidence=(
        Evidence("http://a/", screenshot=f"screenshots/{name}.png"),
        Evidence("http://b/", screenshot="../../etc/passwd"),
        Evidence("http://c/", screenshot=f"screenshots/{'0' * 64}.png")))
    out = tmp_path / "site"
    copy_screenshots(ctx, tmp_path, out)
    evidence = unit.findings[0].evidence
    assert evidence[0].screenshot == f"assets/shots/{name}.png"
    assert (out / "assets" / "shots" / f"{name}.png").read_bytes() == png
    assert evidence[1].screenshot is None and evidence[2].screenshot is None
