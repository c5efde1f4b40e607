"""Honest coverage (issue 12 item 6): each automated rule says how fully it checks each of its
tasks, `zwgk rules --coverage` counts a task automated only when a full or partial rule reaches
one of its 落实单位, and the 台账 says 符合 only when a full check passed."""

import re

import pytest
from click.testing import CliRunner

from audits.cli import cli
from crawler.units import load_units
from reports.ledger import _conclusion
from rules.engine import applies
from rules.loader import RuleError, load_rule, load_rules
from rules.model import Finding, UnitInfo
from rules.plan import load_plan
from rules.vocab import COVERAGE_LEVELS, STATUS_ORDER

CATALOGUE = load_rules()


@pytest.mark.parametrize("rule", CATALOGUE, ids=lambda r: r.id)
def test_every_automated_rule_has_coverage_for_exactly_its_tasks(rule):
    if rule.manual:
        assert rule.coverage == {}
        return
    assert sorted(rule.coverage) == sorted(rule.tasks)
    assert set(rule.coverage.values()) <= set(COVERAGE_LEVELS)


def test_the_catalogue_says_coverage_in_its_files():
    """The key is in the rule file itself, right after tasks: (not filled in by the loader)."""
    for rule in CATALOGUE:
        text = open(rule.path, encoding="utf-8").read()
        assert ("\ncoverage:" in text) == rule.automated, rule.path


RULE = """\
id: {id}
title: 测试规则 {id}
tasks: [{task}]
{coverage}legal_basis: [梅市府办函〔2021〕159号]
applies_to: {applies}
severity: low
evidence:
  column: {{names: [测试栏目], not_empty: true}}
"""


def write_rule(folder, rid, task, level, applies="{from_plan: true}"):
    coverage = f"coverage: {{{task}: {level}}}\n" if level else ""
    (folder / f"{rid}.yaml").write_text(RULE.format(id=rid, task=task, coverage=coverage, applies=applies),
                                        encoding="utf-8")
    return folder / f"{rid}.yaml"


@pytest.mark.parametrize(
    ("task", "coverage", "field"),
    [
        (28, "", "coverage"),  # missing
        (28, "coverage: {29: partial}\n", "coverage"),  # not the rule's task
        (28, "coverage: {28: mostly}\n", "coverage.28"),  # not a level
    ],
)
def test_malformed_coverage_names_file_and_field(tmp_path, task, coverage, field):
    path = tmp_path / "ZZ-001.yaml"
    path.write_text(RULE.format(id="ZZ-001", task=task, coverage=coverage, applies="{from_plan: true}"),
                    encoding="utf-8")
    with pytest.raises(RuleError) as err:
        load_rule(path)
    assert str(err.value).startswith(f"{path}: {field}:")


def test_manual_rule_must_not_claim_coverage(tmp_path):
    path = tmp_path / "ZZ-001.yaml"
    path.write_text(RULE.format(id="ZZ-001", task=9, coverage="coverage: {9: partial}\n", applies="{from_plan: true}")
                    .split("evidence:")[0] + "manual: true\nguidance: 查阅材料。\n", encoding="utf-8")
    with pytest.raises(RuleError, match=r"ZZ-001.yaml: coverage: a manual rule"):
        load_rule(path)


def task_lines(output: str) -> dict[int, str]:
    return {int(m.group(1)): m.group(0) for m in re.finditer(r"^task\s+(\d+)\s.*$", output, re.M)}


def test_rules_coverage_counts_only_full_or_partial_rules_that_reach_a_unit(tmp_path):
    """A small rule set against the shipped plan and units."""
    # Task 11 (市卫生健康局牵头, counties): only a proxy rule -> proxy, not automated.
    write_rule(tmp_path, "ZZ-001", 11, "proxy")
    # Task 7 (市财政局牵头, counties, 市直其他单位按职责分工): a full rule for the city
    # government's lead role reaches nobody (the city portal is by_duty there) -> not automated.
    write_rule(tmp_path, "ZZ-002", 7, "full", "{from_plan: true, kinds: [municipal-government], roles: [lead]}")
    # Task 12: a proxy rule that reaches the counties plus a full one that reaches nobody -> proxy.
    write_rule(tmp_path, "ZZ-003", 12, "proxy", "{from_plan: true, kinds: [county]}")
    write_rule(tmp_path, "ZZ-004", 12, "full", "{from_plan: true, kinds: [municipal-government], roles: [lead]}")
    # Task 29 (市政府办公室, carried by the city portal): a partial rule that reaches it -> automated.
    write_rule(tmp_path, "ZZ-005", 29, "partial", "{from_plan: true, units: [meizhou]}")
    # Task 6: a full rule that reaches every unit -> automated.
    write_rule(tmp_path, "ZZ-006", 6, "full")

    result = CliRunner().invoke(cli, ["rules", "--coverage", "--rules", str(tmp_path)])
    assert result.exit_code == 1  # most tasks are not mapped by this small set
    lines = task_lines(result.output)
    assert len(lines) == 46
    assert re.match(r"task 11\s+proxy\s+proxy: ZZ-001$", lines[11])
    assert re.match(r"task  7\s+NOT MAPPED\s+applies to none of its units: ZZ-002$", lines[7])
    assert re.match(r"task 12\s+proxy\s+proxy: ZZ-003; applies to none of its units: ZZ-004$", lines[12])
    assert re.match(r"task 29\s+automated\s+partial: ZZ-005$", lines[29])
    assert re.match(r"task  6\s+automated\s+full: ZZ-006$", lines[6])
    for n in (7, 11, 12):
        assert "automated" not in lines[n].split()[2]
    summary = result.output.strip().splitlines()[-1]
    assert summary == ("4/46 tasks mapped: 2 checked automatically (fully or in part), "
                       "2 by proxy only, 0 manual")


def test_shipped_rules_audit_every_lead_of_their_tasks():
    """Issue 12: the leads of tasks 7, 8 and 10-12 were never evaluated, nor the 市直单位 of
    task 22. Every automated rule now reaches each lead of each of its tasks (directly, or via
    the unit whose site carries the lead's duties), and HY-002 every unit task 22 names."""
    units = load_units()
    plan = load_plan(None, units)
    infos = [UnitInfo(id=u.id, name=u.name, kind=u.kind, acts_for=u.acts_for) for u in units]
    for rule in (r for r in CATALOGUE if r.automated):
        reached = {u.id for u in infos if applies(rule, u, plan)}
        reached |= {a for u in infos if u.id in reached for a in u.acts_for}
        for n in rule.tasks:
            leads = {a.unit_id for a in plan.task(n).assignments if a.role == "lead"}
            assert leads <= reached, f"{rule.id} task {n}: leads {sorted(leads - reached)} not audited"
    hy002 = next(r for r in CATALOGUE if r.id == "HY-002")
    named = {a.unit_id for a in plan.task(22).assignments}
    assert {"mz-czj", "mz-wjj", "mz-sjj"} <= named
    assert all(applies(hy002, u, plan) for u in infos if u.id in named)


def finding(rule, status, coverage, task=28):
    return Finding(unit="meijiang", rule=rule, tasks=(task,), status=status, severity="medium",
                   title=rule, message="", coverage={task: coverage} if coverage else {})


@pytest.mark.parametrize(
    ("findings", "conclusion"),
    [
        ([finding("A", "pass", "full")], "符合"),
        ([finding("A", "pass", "full"), finding("B", "pass", "proxy")], "符合"),
        ([finding("A", "pass", "partial")], "部分核查"),
        ([finding("A", "pass", "partial"), finding("B", "pass", "proxy")], "部分核查"),
        ([finding("A", "pass", "proxy")], "代理指标"),
        ([finding("A", "pass", "proxy"), finding("B", "pass", "proxy")], "代理指标"),
        ([finding("A", "pass", None)], "部分核查"),  # an older audit without coverage: never 符合
        ([finding("A", "fail", "full"), finding("B", "pass", "full")], "不符合"),
        ([finding("A", "unknown", "partial")], "无法判断"),
    ],
)
def test_ledger_says_what_was_really_checked(findings, conclusion):
    worst = min(findings, key=lambda f: STATUS_ORDER.index(f.status)).status  # as ledger_rows does
    assert _conclusion(worst, 28, findings) == conclusion


def test_ledger_reads_the_level_of_its_own_task():
    """A rule full for one task and proxy for another is 符合 only for the first."""
    f = Finding(unit="meijiang", rule="A", tasks=(28, 32), status="pass", severity="low", title="A", message="",
                coverage={28: "full", 32: "proxy"})
    assert _conclusion("pass", 28, [f]) == "符合"
    assert _conclusion("pass", 32, [f]) == "代理指标"
