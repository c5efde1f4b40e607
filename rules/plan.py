"""A year's 政务公开 work plan as data, with its 落实单位 phrases resolved to unit ids."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import yaml

DEFAULT_PLAN = "meizhou-2021.yaml"
# The strongest role wins when a unit is named twice in one phrase.
# The task that orders the special inspection of each portal's 政府信息公开专栏: its items are
# shown as an inspection sheet and illustrated with screenshots whatever their status.
INSPECTION_TASK = 28
ROLE_RANK = {"lead": 0, "implement": 1, "supervise": 2, "by_duty": 3}
COUNTIES = "各县（市、区）人民政府"
ALL_MUNICIPAL = ("市直各单位", "市直其他单位", "市直相关单位")


class PlanError(Exception):
    """A plan file that cannot be used: names the file, the task and the field."""


class UnitLike(Protocol):
    id: str
    name: str
    kind: str
    short_name: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Assignment:
    unit_id: str
    role: str  # lead | implement | by_duty | supervise


@dataclass(frozen=True)
class Task:
    number: int
    section: str
    section_no: int
    text: str
    responsible: str
    assignments: tuple[Assignment, ...] = ()

    def role_of(self, unit_id: str) -> str | None:
        return next((a.role for a in self.assignments if a.unit_id == unit_id), None)


@dataclass(frozen=True)
class Plan:
    meta: dict[str, Any]
    tasks: tuple[Task, ...]
    path: str = ""
    _by_number: dict[int, Task] = field(default_factory=dict, compare=False, repr=False)

    def task(self, number: int) -> Task | None:
        return self._by_number.get(number)

    def tasks_for_unit(self, unit_id: str) -> list[Task]:
        return [t for t in self.tasks if t.role_of(unit_id)]


def default_plan_path() -> Path:
    return Path(str(resources.files("rules") / "plans" / DEFAULT_PLAN))


def load_plan(path: str | Path | None, units: Sequence[UnitLike]) -> Plan:
    """Load a plan file and resolve every task's 落实单位 against the units registry."""
    path = Path(path) if path else default_plan_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanError(f"{path}: plan file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError(f"{path}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        raise PlanError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("tasks"), list) or not raw["tasks"]:
        raise PlanError(f"{path}: tasks: expected a non-empty list")
    tasks: list[Task] = []
    seen: set[int] = set()
    for i, entry in enumerate(raw["tasks"]):
        where = f"{path}: tasks[{i}]"
        if not isinstance(entry, dict):
            raise PlanError(f"{where}: expected a mapping")
        number = entry.get("number")
        if not isinstance(number, int) or number < 1:
            raise PlanError(f"{where}.number: required positive integer")
        if number in seen:
            raise PlanError(f"{where}.number: task {number} appears twice")
        seen.add(number)
        for key in ("text", "responsible"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise PlanError(f"{where} (task {number}).{key}: required text")
        try:
            assignments = resolve_responsible(entry["responsible"], units)
        except PlanError as exc:
            raise PlanError(f"{path}: task {number}.responsible: {exc}") from None
        tasks.append(
            Task(
                number=number,
                section=str(entry.get("section") or ""),
                section_no=int(entry.get("section_no") or 0),
                text=entry["text"].strip(),
                responsible=entry["responsible"].strip(),
                assignments=assignments,
            )
        )
    tasks.sort(key=lambda t: t.number)
    meta = {k: v for k, v in raw.items() if k != "tasks"}
    return Plan(meta=meta, tasks=tuple(tasks), path=str(path), _by_number={t.number: t for t in tasks})


_CLAUSE_SPLIT = re.compile(r"[；;。，,]")
_ROLE_SUFFIXES = (
    ("按照职责分工强化监管", "supervise"),
    ("按职责分工强化监管", "supervise"),
    ("按照职责分工落实", None),
    ("按职责分工落实", None),
    ("牵头", "lead"),
)


def resolve_responsible(phrase: str, units: Sequence[UnitLike]) -> tuple[Assignment, ...]:
    """Parse a 落实单位 phrase into (unit, role) assignments.

    Grammar: clauses split by ；。，, each a list of names split by 、 with an optional
    role marker at its end (牵头 = lead, 按(照)职责分工落实 = implement or by_duty,
    按(照)职责分工强化监管 = supervise). Collective terms: 各县（市、区）人民政府,
    市直各单位 / 市直相关单位 / 市直其他单位 = every municipal-department unit (the last
    excludes units named elsewhere in the phrase).
    """
    municipal = [u for u in units if u.kind == "municipal-department"]
    clauses = [c.strip() for c in _CLAUSE_SPLIT.split(phrase.replace(" ", "").replace("\u3000", "")) if c.strip()]
    roles: dict[str, str] = {}
    named: set[str] = set()
    deferred_others: list[str] = []  # roles of 市直其他单位 clauses, applied after every name is known

    def give(unit_id: str, role: str) -> None:
        if unit_id not in roles or ROLE_RANK[role] < ROLE_RANK[roles[unit_id]]:
            roles[unit_id] = role

    for clause in clauses:
        role = "implement"
        explicit = False
        for suffix, suffix_role in _ROLE_SUFFIXES:
            if clause.endswith(suffix):
                clause = clause[: -len(suffix)]
                explicit = True
                role = suffix_role or "implement"
                break
        # The collective county term contains 、 itself: protect it before splitting names.
        clause = re.sub(r"各县[（(]市、区[）)](人民政府)?", "@COUNTIES@", clause)
        for name in [n for n in clause.split("、") if n]:
            if name == "@COUNTIES@":
                for u in units:
                    if u.kind == "county":
                        give(u.id, role)
                continue
            if name in ALL_MUNICIPAL:
                # 市直X单位按职责分工落实: each acts within its own duties.
                collective_role = "by_duty" if (explicit and role == "implement") else role
                if name == "市直其他单位":
                    deferred_others.append(collective_role)
                else:
                    for u in municipal:
                        give(u.id, collective_role)
                continue
            unit = _find_unit(name, units)
            if unit is None:
                raise PlanError(f"cannot resolve {name!r} in {phrase!r} to a unit of the registry")
            named.add(unit.id)
            give(unit.id, role)
    for role in deferred_others:
        for u in municipal:
            if u.id not in named:
                give(u.id, role)
    return tuple(Assignment(uid, role) for uid, role in sorted(roles.items()))


def _find_unit(name: str, units: Sequence[UnitLike]) -> UnitLike | None:
    # "市发展改革局、商务局": later names share the leading 市 of the first.
    candidates = {name, "市" + name, name.removeprefix("市")}
    for u in units:
        names = {u.name, u.short_name, *u.aliases}
        if candidates & names:
            return u
    return None
