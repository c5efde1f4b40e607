"""The `document` matcher on look-alikes: only the right document, by the unit, for the year, passes."""

import datetime as dt

import pytest

from rules.engine import evaluate_rule
from rules.loader import parse_rule
from rules.model import PageRecord, UnitInfo, UnitPages

CITY = UnitInfo(id="meizhou", name="梅州市人民政府", kind="municipal-government", acts_for=("mz-office",),
                names=("市政府",))
OFFICE = UnitInfo(id="mz-office", name="梅州市人民政府办公室", kind="municipal-department", names=("市政府办公室",))
CZJ = UnitInfo(id="mz-czj", name="梅州市财政局", kind="municipal-department", names=("市财政局",))
COUNTY = UnitInfo(id="meijiang", name="梅州市梅江区人民政府", kind="county", names=("梅江区",))
REGISTRY = (CITY, OFFICE, CZJ, COUNTY)
AS_OF = dt.date(2021, 12, 20)


def rule(evidence: dict, rid: str = "TT-001"):
    return parse_rule({"id": rid, "title": "测试", "tasks": [1], "coverage": {1: "partial"}, "legal_basis": ["测试"],
                       "severity": "high",
                       "applies_to": {"kinds": ["county", "municipal-government", "municipal-department"]},
                       "evidence": evidence}, "test")


def pages(unit, *docs):
    home = PageRecord(url="http://u.test/", kind="home", status=200)
    items = tuple(PageRecord(url=f"http://u.test/a{i}.html", kind="article", status=200, title=title,
                             publisher=publisher, pub_date=date)
                  for i, (title, publisher, date) in enumerate(docs))
    return UnitPages(unit=unit, pages=(home, *items), registry=REGISTRY)


REPORT_2020 = rule({"document": {"type": "年度报告", "year": 2020, "published_by": "2021-03-31"}})


@pytest.mark.parametrize(("unit", "docs", "status"), [
    # the city's (its office's) own 2020 report, on time
    (CITY, [("梅州市人民政府办公室2020年政府信息公开工作年度报告", None, dt.date(2021, 3, 20))], "pass"),
    # a notice about compiling the reports is not a report
    (CITY, [("关于做好2020年政府信息公开工作年度报告编制发布工作的通知", "梅州市人民政府办公室",
             dt.date(2021, 1, 5))], "fail"),
    # a department's own report on the city portal is the department's
    (CITY, [("梅州市财政局2020年政府信息公开年报", "梅州市财政局", dt.date(2021, 1, 20))], "fail"),
    # last year's report is not this year's
    (CITY, [("梅州市人民政府2019年政府信息公开工作年度报告", None, dt.date(2020, 3, 20))], "fail"),
    # late
    (COUNTY, [("梅江区2020年政府信息公开工作年度报告", None, dt.date(2021, 4, 20))], "fail"),
    # no issuer named on the unit's own site: counted as the site's own, and said so
    (COUNTY, [("2020年政府信息公开工作年度报告", None, dt.date(2021, 3, 1))], "pass"),
])
def test_annual_report_and_its_look_alikes(unit, docs, status):
    result = evaluate_rule(REPORT_2020, pages(unit, *docs), AS_OF)
    assert result.status == status, result.detail
    if status == "pass":
        assert "政府信息公开年度报告｜2020年" in result.evidence[0].excerpt


@pytest.mark.parametrize(("docs", "status"), [
    ([("梅州市财政局2021年部门预算", "梅州市财政局", dt.date(2021, 4, 2))], "pass"),
    ([("梅州市财政局关于2021年上半年预算执行情况的报告", "梅州市财政局", dt.date(2021, 8, 2))], "fail"),
    ([("梅州市财政局2019年部门预算", "梅州市财政局", dt.date(2019, 4, 2))], "fail"),
    ([("关于做好2021年部门预算公开工作的通知", "梅州市财政局", dt.date(2021, 3, 2))], "fail"),
])
def test_budget_and_its_look_alikes(docs, status):
    budget = rule({"document": {"type": "部门预算", "year": 2021}})
    assert evaluate_rule(budget, pages(CZJ, *docs), AS_OF).status == status


def test_a_reposted_provincial_outline_is_not_the_countys():
    outline = rule({"document": {"type": "规划纲要"}})
    prov = [("广东省国民经济和社会发展第十四个五年规划和2035年远景目标纲要", "广东省人民政府", dt.date(2021, 4, 6))]
    own = [("梅州市梅江区国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要", "梅江区人民政府", dt.date(2021, 5, 6))]
    failed = evaluate_rule(outline, pages(COUNTY, *prov), AS_OF)
    assert failed.status == "fail" and "非本单位文件" in failed.evidence[0].excerpt
    assert evaluate_rule(outline, pages(COUNTY, *prov, *own), AS_OF).status == "pass"


def test_a_bulletin_about_new_media_is_not_the_list():
    media = rule({"document": {"type": "新媒体名录"}})
    bulletin = [("梅州市人民政府办公室关于2021年第三季度全市政府网站和政务新媒体检查情况的通报", None, dt.date(2021, 10, 8))]
    assert evaluate_rule(media, pages(CITY, *bulletin), AS_OF).status == "fail"
    listing = [("梅州市政务新媒体名录", "梅州市人民政府办公室", dt.date(2021, 6, 1))]
    assert evaluate_rule(media, pages(CITY, *bulletin, *listing), AS_OF).status == "pass"


def test_national_list_may_be_anyones():
    """A list the unit must make public although another body issued it (task 3): own: false."""
    negative = rule({"document": {"type": "负面清单", "own": False}})
    national = [("市场准入负面清单（2020年版）", "国家发展改革委 商务部", dt.date(2021, 1, 10))]
    assert evaluate_rule(negative, pages(COUNTY, *national), AS_OF).status == "pass"
    assert evaluate_rule(rule({"document": {"type": "负面清单"}}), pages(COUNTY, *national), AS_OF).status == "fail"


def _with_text(unit, *docs):
    home = PageRecord(url="http://u.test/", kind="home", status=200)
    items = tuple(PageRecord(url=f"http://u.test/t{i}.html", kind="article", status=200, title=title, text=text,
                             publisher=None, pub_date=dt.date(2021, 6, 1)) for i, (title, text) in enumerate(docs))
    return UnitPages(unit=unit, pages=(home, *items), registry=REGISTRY)


DEBT = rule({"mentions": {"document": {"type": "债务信息"}, "in_one": True,
                          "all": ["限额", "余额", "期限", "利率", "偿还计划", "偿还资金来源"]}})


def test_words_must_stand_in_one_document_not_be_gathered_from_several():
    split = _with_text(COUNTY, ("梅江区2021年政府债务限额和余额情况", "限额 余额 期限"),
                       ("梅江区2020年政府债务情况说明", "利率 偿还计划 偿还资金来源"))
    result = evaluate_rule(DEBT, split, AS_OF)
    assert result.status == "fail" and "没有一个页面同时包含全部内容" in result.detail
    whole = _with_text(COUNTY, ("梅江区2021年政府债务限额和余额情况", "限额 余额 期限 利率 偿还计划 偿还资金来源"))
    assert evaluate_rule(DEBT, whole, AS_OF).status == "pass"
    # a news item naming all six words is not a debt document
    news = _with_text(COUNTY, ("梅江区召开政府债务管理工作会议", "限额 余额 期限 利率 偿还计划 偿还资金来源"))
    assert evaluate_rule(DEBT, news, AS_OF).status == "fail"


GUIDE = rule({"mentions": {"document": {"type": "公开指南"}, "in_one": True,
                           "all": ["办公地址", "办公时间", "联系电话"], "none": ["国务院令第492号", "检索费"]}})


def test_a_guide_under_the_old_regulation_or_charging_search_fees_fails():
    body = "办公地址：梅州市… 办公时间：工作日 联系电话：0753-"
    assert evaluate_rule(GUIDE, _with_text(COUNTY, ("梅江区政府信息公开指南", body)), AS_OF).status == "pass"
    old = _with_text(COUNTY, ("梅江区政府信息公开指南", body + " 依据《政府信息公开条例》（国务院令第492号）"))
    failed = evaluate_rule(GUIDE, old, AS_OF)
    assert failed.status == "fail" and "国务院令第492号" in failed.detail
    fee = _with_text(COUNTY, ("梅江区政府信息公开指南", body + " 收取检索费、复制费"))
    assert evaluate_rule(GUIDE, fee, AS_OF).status == "fail"


def test_mentions_needs_exactly_one_of_where_or_document():
    from rules.loader import RuleError

    with pytest.raises(RuleError, match="exactly one of where"):
        rule({"mentions": {"all": ["x"]}})
    with pytest.raises(RuleError, match="exactly one of where"):
        rule({"mentions": {"all": ["x"], "where": {"title": "x"}, "document": {"type": "公开指南"}}})
