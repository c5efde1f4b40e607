"""Audit runs: evaluate every applicable rule for every unit over one stored crawl."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Sequence

import sqlite_utils

from audits import db as store
from audits.scoring import Scheme, load_scheme, score_unit
from audits.store import load_unit_pages
from crawler import __version__
from crawler.units import Unit
from rules.engine import Finding, evaluate_unit
from rules.loader import Rule
from rules.model import UnitInfo


class AuditError(Exception):
    """An audit that cannot run on this data (no such crawl, nothing crawled)."""


def rules_hash(rules: Sequence[Rule]) -> str:
    payload = [dataclasses.asdict(r) | {"path": ""} for r in sorted(rules, key=lambda r: r.id)]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


def run_audit(
    db: sqlite_utils.Database,
    *,
    crawl_id: int,
    as_of: dt.date,
    units: Sequence[Unit],
    rules: Sequence[Rule],
    plan=None,
    plan_name: str = "",
    scheme: Scheme | None = None,
) -> int:
    """Store an audit run and its findings; all findings land in one transaction."""
    crawl = db["crawl_runs"].get(crawl_id) if _exists(db, crawl_id) else None
    if crawl is None:
        raise AuditError(f"no crawl run {crawl_id} in this database")
    crawled = {r[0] for r in db.execute("SELECT DISTINCT unit_id FROM pages WHERE crawl_id = ?", [crawl_id])}
    crawl_units = json.loads(crawl["units"] or "[]")
    audited = [u for u in units if u.id in crawl_units or u.id in crawled]
    if not audited:
        raise AuditError(f"crawl run {crawl_id} covers none of the given units")
    finished = crawl["status"] == "finished"
    scheme = scheme or load_scheme()
    previous = db.execute(
        "SELECT max(id) FROM audit_runs WHERE status = 'finished'"
    ).fetchone()[0]
    with db.atomic():
        runs = db["audit_runs"]
        runs.insert(
            {
                "crawl_id": crawl_id,
                "as_of": as_of.isoformat(),
                "rules_hash": rules_hash(rules),
                "rules_count": len(rules),
                "plan": plan_name,
                "units": json.dumps([u.id for u in audited]),
                "started_at": store.utcnow(),
                "status": "running",
                "previous_audit_id": previous,
                "tool_version": __version__,
            }
        )
        audit_id = int(runs.last_pk)
    before = _previous_statuses(db, previous)
    findings: list[Finding] = []
    results = []
    for unit in audited:
        info = UnitInfo(id=unit.id, name=unit.name, kind=unit.kind, acts_for=unit.acts_for)
        unit_pages = load_unit_pages(db, crawl_id, info, finished=finished)
        unit_findings = evaluate_unit(list(rules), unit_pages, as_of, plan)
        findings.extend(unit_findings)
        by_rule = {f.rule: {"status": f.status, "count": f.count} for f in unit_findings}
        score = score_unit(scheme, unit.id, by_rule, reachable=unit_pages.reachable)
        counts = {k: sum(f.status == k for f in unit_findings) for k in ("pass", "fail", "unknown", "manual")}
        results.append({
            "audit_id": audit_id,
            "unit_id": unit.id,
            "unit_name": unit.name,
            "unit_kind": unit.kind,
            "reachable": int(unit_pages.reachable),
            "score": score.score,
            "passed": int(score.passed),
            "vetoes": json.dumps(score.vetoes, ensure_ascii=False),
            "deductions": json.dumps(score.deductions, ensure_ascii=False),
            "incomplete": json.dumps(score.incomplete),
            "counts": json.dumps(counts),
        })
    with db.atomic():
        db["findings"].insert_all(
            (finding_row(audit_id, f, before.get((f.unit, f.rule)), compared=previous is not None)
             for f in sorted(findings, key=lambda f: (f.unit, f.rule))),
            batch_size=500,
        )
        db["unit_results"].insert_all(results)
        db["audit_runs"].update(audit_id, {"status": "finished", "finished_at": store.utcnow()})
    return audit_id


def _exists(db: sqlite_utils.Database, crawl_id: int) -> bool:
    return db.execute("SELECT 1 FROM crawl_runs WHERE id = ?", [crawl_id]).fetchone() is not None


def _previous_statuses(db: sqlite_utils.Database, audit_id: int | None) -> dict[tuple[str, str], str]:
    if audit_id is None:
        return {}
    return {
        (r[0], r[1]): r[2]
        for r in db.execute("SELECT unit_id, rule_id, status FROM findings WHERE audit_id = ?", [audit_id])
    }


def change_of(status: str, previous: str | None) -> str | None:
    if status == "fail":
        return "persisting" if previous == "fail" else "new"
    if status == "pass" and previous == "fail":
        return "resolved"
    return None


def finding_row(audit_id: int, f: Finding, previous: str | None = None, compared: bool = False) -> dict:
    return {
        "audit_id": audit_id,
        "unit_id": f.unit,
        "rule_id": f.rule,
        "tasks": json.dumps(list(f.tasks)),
        "status": f.status,
        "severity": f.severity,
        "title": f.title,
        "message": f.message,
        "detail": f.detail,
        "evidence": json.dumps([e.as_dict() for e in f.evidence], ensure_ascii=False),
        "looked_for": f.looked_for,
        "looked_where": f.looked_where,
        "count": f.count,
        "change": change_of(f.status, previous) if compared else None,
    }
