"""No pass without a check: a rule that examined nothing says unknown or not_applicable, never pass."""

import datetime as dt

import pytest

from rules.engine import evaluate_rule
from rules.loader import load_rules
from rules.model import LinkRecord, ListItem, PageRecord, UnitInfo, UnitPages

AUTOMATED = [r for r in load_rules() if r.automated]
KINDS = ("county", "municipal-government", "municipal-department")
AS_OF = (dt.date(2021, 3, 1), dt.date(2021, 12, 20))


def _unit(kind: str) -> UnitInfo:
    return UnitInfo(id="u", name="测试单位", kind=kind)


@pytest.mark.parametrize("as_of", AS_OF)
@pytest.mark.parametrize("kind", KINDS)
def test_no_rule_passes_on_an_empty_crawl(kind, as_of):
    empty = UnitPages(unit=_unit(kind), pages=())
    passed = [r.id for r in AUTOMATED if evaluate_rule(r, empty, as_of).status == "pass"]
    assert passed == []


@pytest.mark.parametrize("as_of", AS_OF)
@pytest.mark.parametrize("kind", KINDS)
def test_no_rule_passes_on_a_home_page_with_nothing_on_it(kind, as_of):
    home = PageRecord(url="http://u.test/", kind="home", status=200, title="首页")
    bare = UnitPages(unit=_unit(kind), pages=(home,))
    passed = [r.id for r in AUTOMATED if evaluate_rule(r, bare, as_of).status == "pass"]
    assert passed == []


def test_per_year_before_anything_is_due_is_not_applicable():
    fin = next(r for r in AUTOMATED if r.id == "FIN-001")
    home = PageRecord(url="http://u.test/", kind="home", status=200)
    result = evaluate_rule(fin, UnitPages(unit=_unit("municipal-department"), pages=(home,)), dt.date(2021, 3, 1))
    assert result.status == "not_applicable" and "尚无到期年度" in result.detail


def test_a_missing_document_in_an_incomplete_crawl_is_unknown_not_fail():
    home = PageRecord(url="http://u.test/", kind="home", status=200,
                      links=(LinkRecord("http://u.test/a", "通知"),),
                      list_items=(ListItem("通知", "http://u.test/a", dt.date(2021, 12, 1)),))
    plan = next(r for r in AUTOMATED if r.id == "PLAN-001")
    complete = UnitPages(unit=_unit("county"), pages=(home,))
    assert evaluate_rule(plan, complete, dt.date(2021, 12, 20)).status == "fail"
    for limited in (UnitPages(unit=_unit("county"), pages=(home,), limits=("page_limit_reached",)),
                    UnitPages(unit=_unit("county"), pages=(home,), crawl_finished=False)):
        result = evaluate_rule(plan, limited, dt.date(2021, 12, 20))
        assert result.status == "unknown" and "不能断定缺失" in result.detail


def test_a_fault_found_in_an_incomplete_crawl_is_still_a_fail():
    """Positive evidence (a broken link seen) stays a fail however incomplete the crawl."""
    home = PageRecord(url="http://u.test/", kind="home", status=200,
                      links=(LinkRecord("http://u.test/x", "坏链", None, True, 404, "http_error"),))
    rule = next(r for r in AUTOMATED if r.id == "PT-003")
    limited = UnitPages(unit=_unit("county"), pages=(home,), limits=("page_limit_reached",))
    assert evaluate_rule(rule, limited, dt.date(2021, 12, 20)).status == "fail"


def test_findings_cite_the_rule_and_what_its_matchers_rest_on():
    from rules.engine import evaluate_unit, legal_basis

    footer = next(r for r in AUTOMATED if r.id == "PT-002")
    assert legal_basis(footer) == footer.legal_basis  # the rule already cites 国办秘函〔2019〕19号
    bare = type(footer)(**{**footer.__dict__, "legal_basis": ("某文件",)})
    assert legal_basis(bare) == ("某文件", "国办秘函〔2019〕19号")
    from rules.loader import AppliesTo

    home = PageRecord(url="http://u.test/", kind="home", status=200)
    anyone = type(bare)(**{**bare.__dict__, "applies_to": AppliesTo(kinds=("county",))})
    [finding] = evaluate_unit([anyone], UnitPages(unit=_unit("county"), pages=(home,)), dt.date(2021, 12, 20))
    assert finding.legal_basis == ("某文件", "国办秘函〔2019〕19号") and finding.status == "fail"
