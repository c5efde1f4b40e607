"""Exports for the office: every rule's 整改建议 travels to the findings, the findings export
and the CSV a Chinese Excel opens correctly."""

import csv
import datetime as dt
import io
import json
from dataclasses import replace

import pytest
from click.testing import CliRunner

from audits.cli import cli
from reports.export import FIELDS, as_export, with_remedies
from rules.engine import evaluate_unit
from rules.loader import AppliesTo, RuleError, load_rules, parse_rule
from rules.model import Finding, UnitInfo, UnitPages
from tests.test_reports import audit_db  # noqa: F401  (fixture)


def test_every_rule_has_its_own_remedy():
    rules = load_rules()
    missing = [r.id for r in rules if len(r.remedy) < 20]
    assert not missing, f"rules without a real 整改建议: {missing}"
    # Advice specific to each rule, not one template with the title pasted in.
    assert len({r.remedy for r in rules}) == len(rules)


def test_remedy_must_be_text():
    raw = {"id": "ZZ-001", "title": "t", "tasks": [1], "legal_basis": ["x"], "applies_to": {"units": ["a"]},
           "severity": "low", "manual": True, "guidance": "look", "remedy": ["not", "text"]}
    with pytest.raises(RuleError, match="remedy"):
        parse_rule(raw, "ZZ-001.yaml")


def test_findings_carry_the_rules_remedy():
    rule = next(r for r in load_rules() if r.id == "GL-001")  # manual: needs no pages
    rule = replace(rule, applies_to=AppliesTo(units=("a",)))  # no plan here to name its units
    unit = UnitInfo("a", "甲县", "county")
    (f,) = evaluate_unit([rule], UnitPages(unit, ()), dt.date(2021, 12, 20))
    assert f.remedy == rule.remedy and f.legal_basis


def test_export_has_remedy_and_legal_basis_and_detail_never_repeats_message():
    f = Finding(unit="a", rule="PT-001", tasks=(26,), status="fail", severity="high", title="首页两周内有更新",
                message="首页最近更新于2021-10-01", detail="首页最近更新于2021-10-01", legal_basis=("19号",),
                remedy="每日巡检首页")
    out = as_export(1, f)
    assert set(out) == set(FIELDS)
    assert out["remedy"] == "每日巡检首页" and out["legal_basis"] == ["19号"]
    assert out["message"] and out["detail"] == ""
    assert as_export(1, Finding(**{**f.__dict__, "detail": "共3条"}))["detail"] == "共3条"


def test_stored_findings_without_a_remedy_get_the_rule_files():
    f = Finding(unit="a", rule="PT-001", tasks=(26,), status="fail", severity="high", title="t", message="m")
    kept = Finding(**{**f.__dict__, "remedy": "stored"})
    assert [x.remedy for x in with_remedies([f, kept], {"PT-001": "from file"})] == ["from file", "stored"]


def test_findings_csv_starts_with_a_bom_and_carries_the_new_columns(audit_db, tmp_path):  # noqa: F811
    db_path = audit_db.conn.execute("PRAGMA database_list").fetchone()[2]
    result = CliRunner().invoke(cli, ["findings", "--db", db_path, "--format", "csv"])
    assert result.exit_code == 0, result.output
    raw = result.stdout_bytes
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel on Chinese Windows would read GBK without it
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0]) == [*FIELDS, "evidence_url"]
    zl = next(r for r in rows if r["rule"] == "ZL-002")
    assert "政府信息公开指南" in zl["remedy"] and zl["legal_basis"] == ""  # the fixture stored none
    as_json = json.loads(CliRunner().invoke(cli, ["findings", "--db", db_path]).stdout)
    assert all(f["remedy"] for f in as_json)


def test_every_fail_or_unknown_says_what_was_sought_and_where():
    from rules.model import PageRecord

    rules = [r for r in load_rules() if r.automated]
    rules = [replace(r, applies_to=AppliesTo(units=("a",))) for r in rules]
    unit = UnitInfo("a", "甲县", "county")
    home = PageRecord(url="http://a.gov.cn/", kind="home", title="甲县人民政府", fetched_at="2021-12-19T02:00:00")
    for pages in ((), (home,)):
        findings = evaluate_unit(rules, UnitPages(unit, pages), dt.date(2021, 12, 20))
        open_ = [f for f in findings if f.status in ("fail", "unknown")]
        assert open_
        lacking = [f.rule for f in open_ if not (f.looked_for and f.looked_where)]
        assert not lacking, lacking
