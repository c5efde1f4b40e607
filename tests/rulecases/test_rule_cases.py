"""Every rule fires on its failing cases and stays quiet on its passing ones."""

import datetime as dt

import pytest

from rules.engine import evaluate_rule
from rules.loader import load_rules

from tests.rulecases.casefile import load_case_files, unit_pages

RULES = {r.id: r for r in load_rules()}
CASE_FILES = load_case_files()


def _params():
    for rid, doc in CASE_FILES.items():
        for name, case in doc["cases"].items():
            yield pytest.param(rid, name, case, id=f"{rid}-{name}")


@pytest.mark.parametrize(("rid", "name", "case"), list(_params()))
def test_case(rid, name, case):
    doc = CASE_FILES[rid]
    assert doc["rule"] == rid, "a case file is named after its rule"
    rule = RULES[rid]
    as_of = dt.date.fromisoformat(str(doc.get("as_of", "2021-12-20")))
    result = evaluate_rule(rule, unit_pages(doc, case["pages"], case.get("peers", doc.get("peers"))), as_of)
    assert result.status == case["expect"], result.detail
    # `detail_has`: the reason a person reads must be the right one, not just the status.
    assert case.get("detail_has", "") in result.detail, result.detail
    if result.status == "fail":
        assert result.detail and (result.looked_for or result.evidence), "a fail says what was looked for"


@pytest.mark.parametrize("rid", sorted(RULES))
def test_every_automated_rule_has_a_passing_and_a_failing_case(rid):
    rule = RULES[rid]
    if rule.manual:
        assert rid not in CASE_FILES or not CASE_FILES[rid]["cases"]
        return
    assert rid in CASE_FILES, f"tests/rulecases/cases/{rid}.yaml is missing"
    expects = {c["expect"] for c in CASE_FILES[rid]["cases"].values()}
    assert {"pass", "fail"} <= expects


def test_case_files_name_existing_rules():
    assert set(CASE_FILES) <= set(RULES)


def test_manual_rules_say_what_to_look_at():
    manual = [r for r in RULES.values() if r.manual]
    assert manual
    for rule in manual:
        result = evaluate_rule(rule, unit_pages({}, [{"url": "http://u/", "kind": "home"}]), dt.date(2021, 12, 20))
        assert result.status == "manual" and result.detail == rule.guidance


@pytest.mark.parametrize("rid", sorted(rid for rid, rule in RULES.items() if not rule.manual))
def test_every_automated_rule_has_a_near_miss_that_must_not_pass(rid):
    """Issue 12: a look-alike real portals carry (a notice about the document, a repost, a
    bulletin, another unit's document, the wrong year, a dead link with the right label...)."""
    near = {name: c for name, c in CASE_FILES.get(rid, {}).get("cases", {}).items() if c.get("near_miss")}
    assert near, f"tests/rulecases/cases/{rid}.yaml: no case marked near_miss"
    assert all(c["expect"] != "pass" and str(c["near_miss"]).strip() for c in near.values())
