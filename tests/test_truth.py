"""The sample world's ground truth (audits/demo/truth.yaml + defects.yaml): written apart from
the rule files, nothing defaulting to pass, and scoring that cannot be fooled by silence."""

import pytest

from audits.demo.truth import expected_findings, load_truth, score
from rules.loader import load_rules


def _gt(**profiles):
    units = {"c1": "county", "c2": "county", "city": "municipal-government", "d1": "municipal-department"}
    return {"units": {u: {"kind": k, "reachable": u != "c2", "profile": profiles.get(u, []), "lookalikes": {}}
                      for u, k in units.items()}}


TRUTH = {"R-1": {"who": ["counties", "city"], "clean": "pass", "because": "…"},
         "R-2": {"who": ["all"], "clean": "manual", "because": "…"},
         "R-3": {"who": ["d1"], "clean": "pass", "because": "…"}}


def test_every_rule_of_the_catalogue_has_a_written_expectation():
    truth = load_truth()
    assert set(truth) == {r.id for r in load_rules()}
    manual = {r.id for r in load_rules() if r.manual}
    assert {rid for rid, e in truth.items() if e["clean"] == "manual"} == manual


def test_expectations_come_from_who_the_profile_and_reachability():
    gt = _gt(c1=[{"item": "x", "state": "missing", "rules": ["R-1"], "expect": "fail"}])
    exp = expected_findings(gt, truth=TRUTH)
    assert exp[("c1", "R-1")] == "fail" and exp[("city", "R-1")] == "pass"
    assert exp[("c2", "R-1")] == "unknown"  # the portal was down: nothing seen
    assert ("d1", "R-1") not in exp and exp[("d1", "R-3")] == "pass"
    assert {exp[(u, "R-2")] for u in ("c1", "c2", "city", "d1")} == {"manual"}


def test_a_defect_for_a_rule_the_unit_is_not_audited_on_is_an_error():
    gt = _gt(d1=[{"item": "x", "state": "missing", "rules": ["R-1"], "expect": "fail"}])
    with pytest.raises(ValueError, match="d1"):
        expected_findings(gt, truth=TRUTH)


def test_score_counts_missing_unexpected_and_lookalike_passes(monkeypatch):
    import audits.demo.truth as truth_module

    monkeypatch.setattr(truth_module, "load_truth", lambda: TRUTH)
    gt = _gt(c1=[{"item": "x", "state": "missing", "rules": ["R-1"], "expect": "fail"}])
    gt["units"]["c1"]["lookalikes"] = {"http://c1/notice.html": "a notice"}
    findings = [
        {"unit": "c1", "rule": "R-1", "status": "fail", "evidence": []},
        {"unit": "city", "rule": "R-1", "status": "pass", "evidence": [{"url": "http://c1/notice.html"}]},
        {"unit": "d1", "rule": "R-1", "status": "pass", "evidence": []},  # not audited on R-1: unexpected
    ]
    s = score(findings, gt)
    assert s.agree == 2 and not s.exact
    assert ("d1", "R-1", "pass") in s.unexpected
    assert ("c2", "R-1", "unknown") in s.missing and ("d1", "R-3", "pass") in s.missing
    assert s.lookalike_passes == [("city", "R-1", "http://c1/notice.html")]
    assert s.precision["fail"] == s.recall["fail"] == 1.0
    # Silence is not agreement: with no findings at all, recall of fails is 0, not 1.
    assert score([], gt).recall["fail"] == 0.0


def test_a_rule_comparing_units_cannot_judge_a_unit_audited_alone():
    truth = {"X-1": {"who": ["all"], "across": True, "clean": "pass", "because": "…"}}
    assert expected_findings(_gt(), truth=truth)[("c1", "X-1")] == "pass"
    assert expected_findings(_gt(), truth=truth, audited={"c1"})[("c1", "X-1")] == "unknown"
