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
from rules.vocab import COVERAGE_LEVELS, FINDING_STATUSES, SEVERITIES, STATUS_ORDER, UNIT_KINDS

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
    def priority(self) -> list[Finding]:
        """The fails to rectify first: by severity, then rule id."""
        return sorted((f for f in self.findings if f.status == "fail"),
                      key=lambda f: (SEVERITIES.index(f.severity) if f.severity in SEVERITIES else 9, f.rule))

    @property
    def high_fails(self) -> int:
        return sum(f.status == "fail" and f.severity == "high" for f in self.findings)

    def task_results(self) -> list[tuple[int, str]]:
        """The plan-task measure: each task this unit is checked on, and its conclusion."""
        return [(n, task_conclusion(n, fs)) for n, fs in self.by_task_all()]

    def task_counts(self) -> dict[str, int]:
        return dict(Counter(label for _, label in self.task_results()))

    @property
    def inspection(self) -> list[Finding]:
        return [f for f in self.findings if INSPECTION_TASK in f.tasks]

    def changed(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.change == kind]


_ORDER = {status: rank for rank, status in enumerate(STATUS_ORDER)}


def task_conclusion(task: int, findings: list[Finding]) -> str:
    """A unit's result for a task: the worst of its findings; 符合 only where a rule that
    checks the task fully passed, else 部分核查 / 代理指标 (what was really checked)."""
    return conclusion_of(min((f.status for f in findings), key=lambda s: _ORDER.get(s, 9)), task, findings)


def conclusion_of(status: str, task: int, findings: list[Finding]) -> str:
    """The conclusion for a task whose worst finding has `status`."""
    if status != "pass":
        return FINDING_STATUSES.get(status, status)
    levels = {f.coverage.get(task, "partial") for f in findings if f.status == "pass"}
    if "full" in levels:
        return FINDING_STATUSES["pass"]
    return COVERAGE_LEVELS["partial" if "partial" in levels else "proxy"]


@dataclass
class TaskView:
    number: int
    text: str
    section: str
    by_status: dict[str, list[tuple[str, str]]]  # status -> [(unit id, unit name)]
    # unit id -> the findings that made it fail or left it undecided (rule, title, one-line reason)
    reasons: dict[str, list[Finding]] = field(default_factory=dict)

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
    deadline: str = ""  # 整改期限: the plan's report_due
    trend: list[dict] = field(default_factory=list)  # [{id, as_of, fail}] per finished audit up to this one

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

    # Ranking, worst first: vetoed units, then more high-severity fails, then the lower score,
    # then more fails; units that could not be judged this time come last.
    ordered = sorted(units.values(), key=lambda u: (
        u.undetermined, not u.vetoes, -u.high_fails, 100.0 if u.score is None else u.score,
        -sum(f.status == "fail" for f in u.findings), u.id))
    for i, u in enumerate(ordered, 1):
        u.rank = i

    task_texts = {}
    plan_title = deadline = ""
    if plan is not None:
        task_texts = {t.number: (t.text, t.section) for t in plan.tasks}
        meta = plan.meta if isinstance(getattr(plan, "meta", None), dict) else {}
        plan_title, deadline = meta.get("title", ""), str(meta.get("report_due", "") or "")
    reasons: dict[int, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    by_task: dict[int, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    fail_counter: Counter[tuple[str, str]] = Counter()
    failing_units: dict[str, list[tuple[str, str]]] = defaultdict(list)
    totals: Counter[str] = Counter()
    for u in ordered:
        for f in u.findings:
            totals[f.status] += 1
            if f.status == "fail":
                fail_counter[(f.rule, f.title)] += 1
                failing_units[f.rule].append((u.id, u.name))
            for t in f.tasks:
                # A unit's status for a task: fail beats unknown beats manual beats pass.
                by_task[t][f.status].append((u.id, u.name))
                if f.status in ("fail", "unknown"):
                    reasons[t][u.id].append(f)
    tasks = []
    for number in sorted(set(by_task) | set(task_texts)):
        statuses = by_task.get(number, {})
        dedup = {}
        for status in STATUS_ORDER:
            seen = {uid for s in dedup.values() for uid, _ in s}
            dedup[status] = sorted({(uid, name) for uid, name in statuses.get(status, []) if uid not in seen})
        text, section = task_texts.get(number, ("", ""))
        tasks.append(TaskView(number=number, text=text, section=section, by_status=dedup,
                              reasons=dict(reasons.get(number, {}))))
    worst = [
        {"rule": rule, "title": title, "units": n, "unit_list": failing_units[rule]}
        for (rule, title), n in sorted(fail_counter.items(), key=lambda kv: (-kv[1], kv[0][0]))[:10]
    ]
    trend = [{"id": r["id"], "as_of": r["as_of"], "fail": r["counts"].get("fail", 0)}
             for r in reversed(store.list_audits(db)) if r["status"] == "finished" and r["id"] <= audit_id]
    return ReportContext(audit=audit, crawl=crawl, units=ordered, tasks=tasks, worst=worst,
                         totals=dict(totals), plan_title=plan_title, deadline=deadline, trend=trend)
