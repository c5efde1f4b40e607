"""Audit runs, their findings and per-unit results: written by the audit, read by the report."""

from __future__ import annotations

import json
from collections.abc import Iterable

import sqlite_utils

from crawler.store.schema import utcnow
from rules.documents import Document
from rules.model import Evidence, Finding
from rules.vocab import FINDING_STATUSES


def insert_audit(db: sqlite_utils.Database, run: dict) -> int:
    """Record an audit run as 'running' (an audit killed mid-way stays so, with no findings)."""
    with db.atomic():
        table = db["audit_runs"]
        table.insert(run | {"started_at": utcnow(), "status": "running"})
        return int(table.last_pk)


def latest_audit_id(db: sqlite_utils.Database) -> int | None:
    row = db.execute("SELECT max(id) FROM audit_runs WHERE status = 'finished'").fetchone()
    return row[0] if row else None


def default_audit_id(db: sqlite_utils.Database) -> int | None:
    """What report, export and findings show by default: the published audit if one is
    marked, else the newest finished audit that has findings (an empty one is a mistake)."""
    row = db.execute("SELECT max(id) FROM audit_runs WHERE status = 'finished' AND published = 1").fetchone()
    if row and row[0] is not None:
        return row[0]
    row = db.execute("SELECT max(id) FROM audit_runs a WHERE status = 'finished' "
                     "AND EXISTS (SELECT 1 FROM findings f WHERE f.audit_id = a.id)").fetchone()
    return row[0] if row else None


def publish_audit(db: sqlite_utils.Database, audit_id: int) -> None:
    """Mark one audit as the published one (and no other)."""
    with db.atomic():
        db.execute("UPDATE audit_runs SET published = NULL WHERE published = 1 AND id != ?", [audit_id])
        db.execute("UPDATE audit_runs SET published = 1 WHERE id = ?", [audit_id])


def set_audit_state(db: sqlite_utils.Database, audit_id: int, status: str) -> None:
    with db.atomic():
        db["audit_runs"].update(audit_id, {"status": status, "finished_at": utcnow()})


def list_audits(db: sqlite_utils.Database) -> list[dict]:
    """Every audit run, newest first, with its finding counts by status."""
    out = []
    for run in db.query("SELECT a.*, c.degraded AS crawl_degraded FROM audit_runs a "
                        "LEFT JOIN crawl_runs c ON c.id = a.crawl_id ORDER BY a.id DESC"):
        out.append(run | {"counts": audit_counts(db, run["id"])})
    return out


def finished_audit_ids(db: sqlite_utils.Database) -> list[int]:
    return [r[0] for r in db.execute("SELECT id FROM audit_runs WHERE status = 'finished' ORDER BY id")]


def audit_run(db: sqlite_utils.Database, audit_id: int) -> dict | None:
    rows = list(db.query("SELECT * FROM audit_runs WHERE id = ?", [audit_id]))
    return rows[0] if rows else None


def previous_statuses(db: sqlite_utils.Database, audit_id: int | None) -> dict[tuple[str, str], str]:
    if audit_id is None:
        return {}
    return {(r[0], r[1]): r[2]
            for r in db.execute("SELECT unit_id, rule_id, status FROM findings WHERE audit_id = ?", [audit_id])}


def _finding_row(audit_id: int, f: Finding) -> dict:
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
        "remedy": f.remedy,
        "change": f.change,
        "legal_basis": json.dumps(list(f.legal_basis), ensure_ascii=False),
        "coverage": json.dumps({str(k): v for k, v in f.coverage.items()}),
    }


def _finding(row: dict) -> Finding:
    return Finding(
        unit=row["unit_id"], rule=row["rule_id"], tasks=tuple(json.loads(row["tasks"] or "[]")), status=row["status"],
        severity=row["severity"], title=row["title"], message=row["message"] or "", detail=row["detail"] or "",
        evidence=tuple(Evidence.from_dict(e) for e in json.loads(row["evidence"] or "[]")),
        looked_for=row["looked_for"] or "", looked_where=row["looked_where"] or "", count=row.get("count"),
        legal_basis=tuple(json.loads(row.get("legal_basis") or "[]")), change=row.get("change"),
        coverage={int(k): v for k, v in json.loads(row.get("coverage") or "{}").items()},
        remedy=row.get("remedy") or "",
    )


def save_audit_results(db: sqlite_utils.Database, audit_id: int, findings: Iterable[Finding],
                       results: list[dict], documents: Iterable[tuple[str, Document]] = ()) -> None:
    """Findings, documents and unit results of a run, and the run marked finished: one transaction."""
    with db.atomic():
        db["findings"].insert_all((_finding_row(audit_id, f) for f in findings), batch_size=500)
        db["documents"].insert_all(({
            "audit_id": audit_id, "unit_id": unit_id, "url": d.url, "doc_type": d.doc_type, "about": int(d.about),
            "subject_year": d.subject_year, "issuer": d.issuer, "issuer_text": d.issuer_text,
            "why": json.dumps(list(d.why), ensure_ascii=False)} for unit_id, d in documents), batch_size=500)
        db["unit_results"].insert_all([r | {"audit_id": audit_id} for r in results])
        db["audit_runs"].update(audit_id, {"status": "finished", "finished_at": utcnow()})


def load_findings(db: sqlite_utils.Database, audit_id: int, statuses: Iterable[str] = ()) -> list[Finding]:
    wanted = set(statuses)
    return [f for f in (_finding(r) for r in db.query(
        "SELECT * FROM findings WHERE audit_id = ? ORDER BY unit_id, rule_id", [audit_id]))
        if not wanted or f.status in wanted]


def audit_counts(db: sqlite_utils.Database, audit_id: int) -> dict[str, int]:
    counts = dict(db.execute("SELECT status, count(*) FROM findings WHERE audit_id = ? GROUP BY status",
                             [audit_id]).fetchall())
    return {k: counts.get(k, 0) for k in FINDING_STATUSES}


def unit_results(db: sqlite_utils.Database, audit_id: int) -> list[dict]:
    """Each audited unit's score, vetoes and deductions, JSON decoded."""
    out = []
    for r in db.query("SELECT * FROM unit_results WHERE audit_id = ? ORDER BY unit_id", [audit_id]):
        for key, empty in (("vetoes", "[]"), ("deductions", "[]"), ("incomplete", "[]"), ("counts", "{}")):
            r[key] = json.loads(r[key] or empty)
        out.append(r)
    return out


def set_evidence(db: sqlite_utils.Database, audit_id: int, changed: list[Finding]) -> None:
    """Replace the evidence of some findings (screenshots added), in one transaction."""
    with db.atomic():
        for f in changed:
            db.execute("UPDATE findings SET evidence = ? WHERE audit_id = ? AND unit_id = ? AND rule_id = ?",
                       [json.dumps([e.as_dict() for e in f.evidence], ensure_ascii=False), audit_id, f.unit, f.rule])
