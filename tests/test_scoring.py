import pytest

from audits.scoring import ScoringError, load_scheme, score_unit
from rules.loader import load_rules


@pytest.fixture(scope="module")
def scheme():
    return load_scheme()


def test_scheme_names_only_existing_rules(scheme):
    ids = {r.id for r in load_rules()}
    for item in scheme.vetoes + scheme.deductions:
        assert set(item.get("rules", [])) <= ids, item["id"]


def test_clean_unit_scores_full_marks(scheme):
    s = score_unit(scheme, "u", {"PT-001": {"status": "pass"}}, reachable=True)
    assert s.score == 100 and s.passed and not s.vetoes and s.verdict == "合格"


def test_unreachable_site_is_a_veto(scheme):
    s = score_unit(scheme, "u", {}, reachable=False)
    assert [v["id"] for v in s.vetoes] == ["unreachable"]
    assert s.score is None and not s.passed


def test_failed_veto_rule_fails_the_unit(scheme):
    s = score_unit(scheme, "u", {"PT-001": {"status": "fail"}}, reachable=True)
    assert [v["id"] for v in s.vetoes] == ["homepage_stale"] and not s.passed


def test_deductions_per_item_are_capped(scheme):
    s = score_unit(scheme, "u", {"PT-003": {"status": "fail", "count": 30}, "PT-008": {"status": "fail"}}, reachable=True)
    by_id = {d["id"]: d["points"] for d in s.deductions}
    assert by_id == {"home_broken_links": 10.0, "policy_stale": 5.0}
    assert s.score == 85 and s.passed


def test_below_fail_threshold_fails(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("total: 100\nfail_below: 60\nvetoes: []\n"
                 "deductions: [{id: links, title: 错链, rules: [PT-004], per_item: 1, max_points: 50}]\n")
    scheme = load_scheme(f)
    at_threshold = score_unit(scheme, "u", {"PT-004": {"status": "fail", "count": 40}}, reachable=True)
    assert at_threshold.score == 60 and at_threshold.passed
    below = score_unit(scheme, "u", {"PT-004": {"status": "fail", "count": 41}}, reachable=True)
    assert below.score == 59 and not below.passed and below.verdict == "不合格"


def test_unknown_findings_mark_the_score_incomplete(scheme):
    s = score_unit(scheme, "u", {"PT-001": {"status": "unknown"}}, reachable=True)
    assert "homepage_stale" in s.incomplete and not s.vetoes


def test_bad_scoring_file(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("total: 100\nfail_below: 60\nvetoes: []\ndeductions: [{id: x, rules: [PT-003]}]\n")
    with pytest.raises(ScoringError, match=r"deductions\[0\] \(x\): needs points or per_item"):
        load_scheme(f)
