"""The report puts action first: worst unit first, what to fix and why, a notice to print."""

import json

import pytest
from bs4 import BeautifulSoup

from crawler import store
from reports.context import beijing_time, build_context
from reports.render import render_report

BASIS = ["国办公开办函〔2019〕61号"]
REMEDIES = {"ZL-002": "在专栏设置公开指南子栏目", "PLAN-001": "公开十四五规划纲要全文", "PT-004": "修复错链"}


class FakePlan:
    meta = {"title": "测试工作要点", "report_due": "2021-12-25"}
    tasks = ()


def _finding(unit, rule, status, severity, tasks, message="", evidence=(), coverage=None):
    return {"audit_id": 1, "unit_id": unit, "rule_id": rule, "tasks": json.dumps(tasks), "status": status,
            "severity": severity, "title": f"{rule} 的标题", "message": message or f"{rule} 的原因", "detail": "",
            "evidence": json.dumps([{"url": u, "fetched_at": "2021-12-19T16:30:00+00:00", "status": 200, "excerpt": ""}
                                    for u in evidence]),
            "looked_for": "x", "looked_where": "y", "legal_basis": json.dumps(BASIS, ensure_ascii=False),
            "coverage": json.dumps(coverage or {})}


@pytest.fixture
def ranked_db(tmp_path):
    """Four units: a high-severity plan fail at a full score, a lower score with no fail,
    a vetoed one, and one that could not be judged."""
    db = store.open_db(tmp_path / "r.db")
    cid = store.start_crawl(db, spider="portals", units=["c", "d", "e", "f"], units_file="", settings={}, tool_version="t")
    store.finish_crawl(db, cid, reason="finished", stats={})
    db["audit_runs"].insert({"id": 1, "crawl_id": cid, "as_of": "2021-12-20", "rules_hash": "a" * 64, "rules_count": 3,
                             "units": "[]", "started_at": "2021-12-20T01:00:00+00:00",
                             "finished_at": "2021-12-20T17:05:00+00:00", "status": "finished"})
    for uid, name, score, passed, vetoes, undetermined in [
            ("c", "丙县", 100.0, 1, [], 0), ("d", "丁局", 95.0, 1, [], 0),
            ("e", "戊县", None, 0, [{"id": "homepage_stale", "title": "首页不更新", "rules": ["PT-001"]}], 0),
            ("f", "己县", None, 0, [], 1)]:
        db["unit_results"].insert({"audit_id": 1, "unit_id": uid, "unit_name": name, "unit_kind": "county",
                                   "reachable": 1, "score": score, "passed": passed, "undetermined": undetermined,
                                   "vetoes": json.dumps(vetoes, ensure_ascii=False), "deductions": "[]",
                                   "incomplete": "[]", "counts": "{}"})
    db["findings"].insert_all([
        _finding("c", "PT-004", "fail", "low", [26], evidence=["http://c.gov.cn/bad.html"]),
        _finding("c", "PLAN-001", "fail", "high", [1], "未找到十四五规划纲要", ["http://c.gov.cn/"]),
        _finding("c", "ZL-002", "pass", "high", [28], "栏目存在"),
        _finding("d", "ZL-002", "pass", "high", [28], coverage={"28": "partial"}),
        _finding("e", "PT-001", "fail", "high", [26], "首页最近更新于2021-10-01"),
        _finding("f", "PT-001", "unknown", "high", [26], "网络故障，本次抓取无法访问"),
    ])
    yield db
    db.close()


@pytest.fixture
def site(ranked_db, tmp_path):
    return render_report(build_context(ranked_db, plan=FakePlan(), remedies=REMEDIES), tmp_path / "site")


def soup_of(path):
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_ranking_is_worst_first_with_both_measures(site):
    rows = soup_of(site).select("#ranking-table tbody tr")
    # vetoed, then a high-severity plan fail (despite its full score), then the lower score;
    # a unit that could not be judged is not ranked among the bad ones.
    assert [r.select("td")[1].text.strip() for r in rows] == ["戊县", "丙县", "丁局", "己县"]
    heads = [th.text for th in soup_of(site).select("#ranking-table th")]
    assert "网站得分" in heads and "高严重度不符合" in heads and "任务不符合" in heads
    c = rows[1].select("td")
    assert c[3].text == "100.0" and c[6].text == "1" and c[7].text == "2"  # full score, two plan tasks failed


def test_unit_page_starts_with_what_to_fix(site):
    soup = soup_of(site.parent / "units" / "unit-c.html")
    box = soup.select_one("#action")
    assert box is not None and box.find_previous("section", id="findings") is None  # before the findings
    items = box.select(".action-item")
    assert [i["data-severity"] for i in items] == ["high", "low"]  # by severity
    first = items[0].get_text()
    for part in ("未找到十四五规划纲要", BASIS[0], "公开十四五规划纲要全文", "http://c.gov.cn/", "2021-12-25"):
        assert part in first
    assert "2021-12-20 00:30" in first  # evidence fetched 16:30 UTC, shown in Beijing time
    passes = soup.select("#findings details.passes .finding.status-pass")
    assert len(passes) == 1 and not soup.select("#findings details.passes .status-fail")
    assert soup.select_one("#action a.notice-link")["href"] == "notice-c.html"


def test_notice_page_lists_problems_and_a_feedback_table(site):
    soup = soup_of(site.parent / "units" / "notice-c.html")
    problems = soup.select(".notice-problems tbody tr")
    assert len(problems) == 2 and "PLAN-001 的标题" in problems[0].text and REMEDIES["PLAN-001"] in problems[0].text
    assert BASIS[0] in problems[0].text and "2021-12-25" in problems[0].text
    assert len(soup.select("#feedback tbody tr")) == 2
    assert "整改情况反馈表" in soup.get_text() and "丙县" in soup.get_text()
    assert not soup.select("script")  # a document to print, nothing to run
    quiet = soup_of(site.parent / "units" / "notice-d.html")
    assert "未发现不符合项" in quiet.get_text() and not quiet.select("#feedback")


def test_task_page_says_which_rule_failed_and_why(site):
    soup = soup_of(site.parent / "tasks" / "task-26.html")
    fails = soup.select("#reasons-fail tbody tr")
    text = " ".join(r.get_text(" ") for r in fails)
    assert "戊县" in text and "PT-001" in text and "首页最近更新于2021-10-01" in text
    assert "丙县" in text and "PT-004" in text
    assert "网络故障" in soup.select_one("#reasons-unknown").get_text()


def test_times_are_beijing_time(site):
    assert beijing_time("2021-12-20T17:05:00+00:00") == "2021-12-21 01:05"
    assert beijing_time("2021-12-20T17:05:00") == "2021-12-21 01:05"  # stored without zone: UTC
    assert beijing_time("") == ""
    assert "2021-12-21 01:05" in soup_of(site).select_one("footer").text


def test_main_problems_name_the_units(site):
    worst = soup_of(site).select_one("ol.worst").get_text()
    assert "PT-001" in worst and "戊县" in worst


def test_trend_appears_once_there_are_two_audits(ranked_db, tmp_path):
    assert not soup_of(render_report(build_context(ranked_db), tmp_path / "one")).select("#trend")
    ranked_db["audit_runs"].insert({"id": 2, "crawl_id": 1, "as_of": "2022-01-20", "rules_hash": "a" * 64,
                                    "status": "finished", "units": "[]"})
    ranked_db["findings"].insert(_finding("c", "PT-004", "fail", "low", [26]) | {"audit_id": 2})
    ctx = build_context(ranked_db, 2)
    assert [(t["id"], t["fail"]) for t in ctx.trend] == [(1, 3), (2, 1)]
    trend = soup_of(render_report(ctx, tmp_path / "two")).select_one("#trend")
    assert trend is not None and "2022-01-20" in trend.get_text()
