"""The plan's 46 tasks as data, every 落实单位 phrase resolved against the registry."""

import pytest

from crawler.units import load_units
from rules.plan import PlanError, load_plan, resolve_responsible

from tests.conftest import SHARED

UNITS = load_units()
COUNTIES = {u.id for u in UNITS if u.kind == "county"}
DEPTS = {u.id for u in UNITS if u.kind == "municipal-department"}


@pytest.fixture(scope="module")
def plan():
    return load_plan(None, UNITS)


def roles(plan, n):
    return {a.unit_id: a.role for a in plan.task(n).assignments}


def test_all_46_tasks_present_once(plan):
    assert [t.number for t in plan.tasks] == list(range(1, 47))
    assert all(t.text and t.responsible and t.assignments for t in plan.tasks)
    assert plan.meta["doc_number"] == "梅市府办函〔2021〕159号"


def test_texts_are_verbatim_from_the_source(plan):
    source = SHARED / "seed" / "meizhou-2021-zwgk-plan.txt"
    if not source.exists():
        pytest.skip("shared/seed is not beside the repository")
    text = source.read_text(encoding="utf-8")
    for t in plan.tasks:
        assert f"{t.number}.{t.text}" in text, t.number
        assert t.responsible in text.replace("； ", "；") or t.responsible in text, t.number


def test_task_1_counties_office_leads_others_by_duty(plan):
    r = roles(plan, 1)
    assert {u for u, role in r.items() if role == "implement"} == COUNTIES
    assert r["mz-office"] == "lead"
    assert {u for u, role in r.items() if role == "by_duty"} == DEPTS - {"mz-office"}
    assert "meizhou" not in r  # the portal carries the office's duties through acts_for


def test_task_3_three_leads(plan):
    r = roles(plan, 3)
    assert {u for u, role in r.items() if role == "lead"} == {"mz-fgj", "mz-swj", "mz-scjgj"}
    assert r["mz-czj"] == "by_duty"


def test_named_units_only(plan):
    assert roles(plan, 29) == {"mz-office": "implement"}
    assert roles(plan, 35) == {"mz-sfj": "implement"}
    assert set(roles(plan, 36)) == {"mz-sfj", "mz-office"}
    assert set(roles(plan, 30)) == {"mz-fgj", "mz-jyj", "mz-gaj", "mz-mzj", "mz-sfj", "mz-czj", "mz-rsj", "mz-zrzyj",
                                    "mz-sthjj", "mz-zjj", "mz-nyncj", "mz-wglj", "mz-wjj", "mz-yjglj", "mz-scjgj", "mz-ybj"}
    assert set(roles(plan, 37)) == {"mz-jyj", "mz-sthjj", "mz-zjj", "mz-jtysj", "mz-wjj", "mz-gxj"}


def test_task_34_supervisors(plan):
    r = roles(plan, 34)
    for unit in ("mz-fgj", "mz-czj", "mz-sjj", "mz-scjgj"):
        assert r[unit] == "implement"  # 市直各单位 implement; implementing outranks supervising
    assert all(r[c] == "implement" for c in COUNTIES)
    only = resolve_responsible("市发展改革局、财政局按照职责分工强化监管", UNITS)
    assert {(a.unit_id, a.role) for a in only} == {("mz-fgj", "supervise"), ("mz-czj", "supervise")}


def test_group_phrases_are_shared(plan):
    assert plan.task(3).responsible == plan.task(4).responsible == plan.task(5).responsible
    assert plan.task(45).assignments == plan.task(46).assignments


def test_unknown_name_names_the_task(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("tasks:\n- {number: 1, text: 做某事, responsible: 市不存在局}\n", encoding="utf-8")
    with pytest.raises(PlanError, match=r"task 1\.responsible: cannot resolve '市不存在局'"):
        load_plan(f, UNITS)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("tasks: []", "tasks"),
        ("tasks:\n- {number: 1, text: a, responsible: 市司法局}\n- {number: 1, text: b, responsible: 市司法局}", "tasks[1].number"),
        ("tasks:\n- {number: 1, responsible: 市司法局}", "tasks[0] (task 1).text"),
        ("tasks: [", "not valid YAML"),
    ],
)
def test_malformed_plan_names_file_and_field(tmp_path, body, field):
    f = tmp_path / "bad.yaml"
    f.write_text(body, encoding="utf-8")
    with pytest.raises(PlanError) as err:
        load_plan(f, UNITS)
    assert str(err.value).startswith(f"{f}: ") and field in str(err.value)


def test_another_years_plan_needs_no_code(tmp_path):
    f = tmp_path / "2022.yaml"
    f.write_text("title: 2022年要点\nyear: 2022\ntasks:\n"
                 "- {number: 1, section: 一、, text: 公开规划, responsible: 各县（市、区）人民政府}\n"
                 "- {number: 2, section: 二、, text: 公开年报, responsible: 市直各单位}\n", encoding="utf-8")
    plan = load_plan(f, UNITS)
    assert {a.unit_id for a in plan.task(1).assignments} == COUNTIES
    assert {a.unit_id for a in plan.task(2).assignments} == DEPTS
    assert plan.tasks_for_unit("meijiang")[0].number == 1
