"""Malformed rule files give one-line errors naming the file and the field."""

import pytest

from rules.loader import RuleError, load_rule, load_rules

GOOD = """\
id: ZZ-001
title: 测试规则
tasks: [28]
coverage: {28: partial}
legal_basis: [国办公开办函〔2019〕61号]
applies_to: {from_plan: true}
severity: high
evidence:
  column: {names: [政府信息公开指南], not_empty: true}
"""


def write(tmp_path, text, name="ZZ-001.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_rule_loads(tmp_path):
    rule = load_rule(write(tmp_path, GOOD))
    assert rule.id == "ZZ-001" and rule.tasks == (28,) and rule.automated


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("severity: high", "severity: urgent", "severity"),
        ("tasks: [28]", "tasks: []", "tasks"),
        ("tasks: [28]", "", "tasks"),
        ("title: 测试规则", "title: ''", "title"),
        ("id: ZZ-001", "id: zz1", "id"),
        ("applies_to: {from_plan: true}", "applies_to: {kinds: [village]}", "applies_to.kinds"),
        ("applies_to: {from_plan: true}", "applies_to: {}", "applies_to"),
        ("  column: {names: [政府信息公开指南], not_empty: true}", "  colum: {names: [x]}", "evidence"),
        ("not_empty: true}", "not_empty: true, fresh: 3}", "evidence.column.fresh"),
        ("  column: {names: [政府信息公开指南], not_empty: true}", "  page: {where: {title: '(unclosed'}}", "evidence.page.where.title"),
        ("  column: {names: [政府信息公开指南], not_empty: true}", "  page: {where: {colour: red}}", "evidence.page.where.colour"),
        ("severity: high", "severity: high\nowner: me", "owner"),
    ],
)
def test_malformed_rule_names_file_and_field(tmp_path, old, new, field):
    text = GOOD.replace(old, new)
    assert text != GOOD
    with pytest.raises(RuleError) as err:
        load_rule(write(tmp_path, text))
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(str(tmp_path / "ZZ-001.yaml") + ": " + field)


def test_bad_yaml_is_one_line(tmp_path):
    with pytest.raises(RuleError, match=r"ZZ-001.yaml: not valid YAML") as err:
        load_rule(write(tmp_path, "id: [unclosed\n"))
    assert "\n" not in str(err.value)


def test_id_must_match_file_name(tmp_path):
    with pytest.raises(RuleError, match="ZZ-002.yaml: id: ZZ-001 does not match"):
        load_rule(write(tmp_path, GOOD, name="ZZ-002.yaml"))


def test_duplicate_ids_across_folders(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write(tmp_path / "a", GOOD)
    write(tmp_path / "b", GOOD)
    with pytest.raises(RuleError, match="already used"):
        load_rules([tmp_path])


def test_manual_rule_needs_guidance(tmp_path):
    text = GOOD.split("evidence:")[0] + "manual: true\n"
    with pytest.raises(RuleError, match="ZZ-001.yaml: guidance"):
        load_rule(write(tmp_path, text))


def test_shipped_catalogue_loads_with_unique_ids():
    rules = load_rules()
    assert len({r.id for r in rules}) == len(rules) >= 40
