"""Evaluate rules for a unit: pure functions from stored pages to findings."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from rules.loader import Rule
from rules.matchers import MATCHERS, Context, evaluate_spec, spec_matchers, template_vars
from rules.model import Finding, Result, UnitInfo, UnitPages, evidence_of, why_not_fetched

if TYPE_CHECKING:
    from rules.plan import Plan

logger = logging.getLogger(__name__)
NO_PAGES = "本次抓取（该单位没有任何页面）"

def applies(rule: Rule, unit: UnitInfo, plan: Plan | None) -> bool:
    a = rule.applies_to
    if a.units and unit.id not in a.units:
        return False
    if a.kinds and unit.kind not in a.kinds:
        return False
    if a.from_plan:
        if plan is None:
            return False
        roles = {
            asg.role
            for number in rule.tasks
            if (task := plan.task(number)) is not None
            for asg in task.assignments
            if asg.unit_id == unit.id or asg.unit_id in unit.acts_for
        }
        if not roles or (a.roles and not roles & set(a.roles)):
            return False
    return True


def evaluate_rule(rule: Rule, unit_pages: UnitPages, as_of: dt.date) -> Result:
    if rule.manual:
        return Result("manual", rule.guidance)
    assert rule.evidence is not None
    if not unit_pages.reachable and not MATCHERS[next(iter(rule.evidence))].self_judging:
        home = unit_pages.home
        why = why_not_fetched(home)
        return Result("unknown", f"无法取得证据：{why}", (), rule.title, home.url if home else NO_PAGES)
    ctx = Context(unit_pages, as_of, template_vars(as_of, unit_pages.unit.kind))
    try:
        result = evaluate_spec(rule.evidence, ctx)
    except Exception as exc:  # a broken rule must not sink the audit, nor pass or fail silently
        logger.exception("rule %s failed on unit %s", rule.id, unit_pages.unit.id)
        result = Result("unknown", f"规则执行出错：{type(exc).__name__}: {exc}")
    incomplete = unit_pages.incomplete_because
    if result.status == "fail" and result.not_found and incomplete:
        # Not found in a crawl that did not see everything: the document may still be there.
        result = replace(result, status="unknown", detail=f"{result.detail}；但{incomplete}，不能断定缺失")
    if result.status in ("fail", "unknown") and not (result.looked_for and result.looked_where):
        # Every fail or unknown says what was sought and where, whichever matcher decided it.
        result = replace(result, looked_for=result.looked_for or rule.title,
                         looked_where=result.looked_where or searched_where(result, unit_pages))
    if result.status == "fail" and not result.evidence and unit_pages.home is not None:
        # Evidence of absence: the page where the search started, as it was fetched.
        home = unit_pages.home
        result = replace(result, evidence=(evidence_of(home, f"未找到：{result.looked_for}"[:300]),))
    return result


def searched_where(result: Result, unit_pages: UnitPages) -> str:
    """Where a matcher that did not say looked: the pages its evidence cites, else the crawl."""
    urls = list(dict.fromkeys(e.url for e in result.evidence))
    if urls:
        return "、".join(urls[:3]) + (f" 等 {len(urls)} 个页面" if len(urls) > 3 else "")
    if unit_pages.home is not None:
        return f"从 {unit_pages.home.url} 起本次抓取的 {len(unit_pages.pages)} 个页面"
    return NO_PAGES


def evaluate_unit(
    rules: list[Rule], unit_pages: UnitPages, as_of: dt.date, plan: Plan | None = None
) -> list[Finding]:
    findings = []
    for rule in rules:
        if not applies(rule, unit_pages.unit, plan):
            continue
        result = evaluate_rule(rule, unit_pages, as_of)
        message = rule.message.get(result.status) or result.detail or rule.title
        findings.append(
            Finding(
                unit=unit_pages.unit.id,
                rule=rule.id,
                tasks=rule.tasks,
                status=result.status,
                severity=rule.severity,
                title=rule.title,
                message=message,
                detail=result.detail,
                evidence=result.evidence,
                looked_for=result.looked_for,
                looked_where=result.looked_where,
                count=result.count,
                legal_basis=legal_basis(rule),
                coverage=dict(rule.coverage),
                remedy=rule.remedy,
            )
        )
    return findings


def legal_basis(rule: Rule) -> tuple[str, ...]:
    """The rule's legal basis, plus what its matchers rest on where the rule does not cite it."""
    cited = list(rule.legal_basis)
    for m in spec_matchers(rule.evidence) if rule.evidence else ():
        if m.basis and not any(m.basis in c for c in cited):
            cited.append(m.basis)
    return tuple(cited)


def coverage(rules: list[Rule], plan: Plan, units: Sequence[UnitInfo]) -> dict[int, dict[str, list[str]]]:
    """For each plan task, the rules that serve it by level (full, partial, proxy), the manual
    ones, and `unreached`: automated rules that apply to none of the task's 落实单位, which
    therefore check nothing for it."""
    by_id = {u.id: u for u in units}
    table: dict[int, dict[str, list[str]]] = {
        t.number: {"full": [], "partial": [], "proxy": [], "manual": [], "unreached": []} for t in plan.tasks}
    for rule in rules:
        for n in rule.tasks:
            task = plan.task(n)
            if task is None:
                continue
            if rule.manual:
                table[n]["manual"].append(rule.id)
                continue
            assigned = [by_id[a.unit_id] for a in task.assignments if a.unit_id in by_id]
            # Units that carry an assigned unit's duties on their site (acts_for) count too.
            carriers = [u for u in units if set(u.acts_for) & {a.unit_id for a in task.assignments}]
            reached = any(applies(rule, u, plan) for u in assigned + carriers)
            table[n][rule.coverage.get(n, "partial") if reached else "unreached"].append(rule.id)
    return table


def coverage_state(row: dict[str, list[str]]) -> str:
    """automated (a full or partial rule reaches the task's units) | proxy | manual | NOT MAPPED."""
    if row["full"] or row["partial"]:
        return "automated"
    if row["proxy"]:
        return "proxy"
    return "manual" if row["manual"] else "NOT MAPPED"
