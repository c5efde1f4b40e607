"""Everything a report shows, read from one stored audit: SQL and arithmetic, no HTML."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from crawler import store
from reports.export import with_remedies
from rules.model import Finding
from rules.plan import INSPECTION_TASK
from rules.vocab import STATUS_ORDER, UNIT_KINDS

SEVERITY_LABELS = {"high": "高", "medium": "中", "low": "低"}
BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")  # no DST: a fixed offset needs no tzdata


def beijing_time(stamp: str | None) -> str:
    """A stored ISO timestamp (UTC, or naive = UTC) as Beijing time, 'YYYY-MM-DD HH:MM'."""
    if not stamp:
        return ""
    try:
        when = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp  # not a timestamp: show it as stored
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


class ReportError(Exception):
    """No audit to report on, or an audit id that does not exist."""


@dataclass
class UnitView:
    id: str
    name: str
    kind: str
    reachable: bool
    score: float | None
    passed: bool
    vetoes: list[dict]
    deductions: list[dict]
    incomplete: list[str]
    counts: dict[str, int]
    findings: list[Finding] = field(default_factory=list)
    rank: int = 0
    undetermined: bool = False  # neither scored nor vetoed: the site could not be judged this time

    @property
    def kind_label(self) -> str:
        return UNIT_KINDS.get(self.kind, self.kind)

    @property
    def verdict(self) -> str:
        return "无法判断" if self.undetermined else ("合格" if self.passed else "不合格")

    def by_task(self) -> list[tuple[int, list[Finding]]]:
        groups: dict[int, list[Finding]] = defaultdict(list)
        for f in self.findings:
            groups[f.tasks[0] if f.tasks else 0].append(f)
        return sorted(groups.items())

    def by_task_all(self) -> list[tuple[int, list[Finding]]]:
        """Each finding under every task it serves (a rule may serve several tasks)."""
        groups: dict[int, list[Finding]] = defaultdict(list)
        for f in self.findings:
            for t in f.tasks:
                groups[t].append(f)
        return sorted(groups.items())

    @property
    def inspection(self) -> list[Finding]:
        return [f for f in self.findings if INSPECTION_TASK in f.tasks]

    def changed(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.change == kind]


@dataclass
class TaskView:
    number: int
    text: str
    section: str
    by_status: dict[str, list[tuple[str, str]]]  # status -> [(unit id, unit name)]

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.by_status.values())


@dataclass
class ReportContext:
    audit: dict[str, Any]
    crawl: dict[str, Any]
    units: list[UnitView]
    tasks: list[TaskView]
    worst: list[dict]
    totals: dict[str, int]
    plan_title: str = ""

    @property
    def passed_units(self) -> int:
        return sum(u.passed for u in self.units)

    @property
    def undetermined_units(self) -> int:
        return sum(u.undetermined for u in self.units)


def build_context(db: sqlite_utils.Database, audit_id: int | None = None, plan=None,
                  remedies: dict[str, str] | None = None) -> ReportContext:
    if audit_id is None:
        audit_id = store.default_audit_id(db)
        if audit_id is None:
            raise ReportError("no finished audit with findings in this database; run `zwgk audit` first")
    audit = store.audit_run(db, audit_id)
    if audit is None:
        raise ReportError(f"--audit {audit_id}: no audit run {audit_id} in this database")
    if audit["status"] != "finished":
        raise ReportError(f"--audit {audit_id}: the audit did not finish (it is {audit['status']}); "
                          "it has no findings to show")
    crawl = store.crawl_run(db, audit["crawl_id"]) or {}

    units: dict[str, UnitView] = {}
    for r in store.unit_results(db, audit_id):
        units[r["unit_id"]] = UnitView(
            id=r["unit_id"],
            name=r.get("unit_name") or r["unit_id"],
            kind=r.get("unit_kind") or "",
            reachable=bool(r["reachable"]),
            score=r["score"],
            passed=bool(r["passed"]),
            vetoes=r["vetoes"],
            deductions=r["deductions"],
            incomplete=r["incomplete"],
            counts=r["counts"],
            undetermined=bool(r.get("undetermined")),
        )
    for finding in with_remedies(store.load_findings(db, audit_id), remedies or {}):
        if finding.unit in units:
            units[finding.unit].findings.append(finding)

    # Ranking: vetoed units last, then by score, then by fewer failures.
    ordered = sorted(
        units.values(),
        key=lambda u: (bool(u.vetoes), -(u.score or 0), u.counts.get("fail", 0), u.id),
    )
    for i, u in enumerate(ordered, 1):
        u.rank = i

    task_texts = {}
    plan_title = ""
    if plan is not None:
        task_texts = {t.number: (t.text, t.section) for t in plan.tasks}
        plan_title = getattr(plan, "meta", {}).get("title", "") if isinstance(getattr(plan, "meta", None), dict) else ""
    by_task: dict[int, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    fail_counter: Counter[tuple[str, str]] = Counter()
    totals: Counter[str] = Counter()
    for u in ordered:
        for f in u.findings:
            totals[f.status] += 1
            if f.status == "fail":
                fail_counter[(f.rule, f.title)] += 1
            for t in f.tasks:
                # A unit's status for a task: fail beats unknown beats manual beats pass.
                by_task[t][f.status].append((u.id, u.name))
    tasks = []
    for number in sorted(set(by_task) | set(task_texts)):
        statuses = by_task.get(number, {})
        dedup = {}
        for status in STATUS_ORDER:
            seen = {uid for s in dedup.values() for uid, _ in s}
            dedup[status] = sorted({(uid, name) for uid, name in statuses.get(status, []) if uid not in seen})
        text, section = task_texts.get(number, ("", ""))
        tasks.append(TaskView(number=number, text=text, section=section, by_status=dedup))
    worst = [
        {"rule": rule, "title": title, "units": n}
        for (rule, title), n in sorted(fail_counter.items(), key=lambda kv: (-kv[1], kv[0][0]))[:10]
    ]
    return ReportContext(audit=audit, crawl=crawl, units=ordered, tasks=tasks, worst=worst,
                         totals=dict(totals), plan_title=plan_title)
