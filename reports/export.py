"""The findings export contract (README, "Findings: the export contract"): JSON and CSV."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TextIO

from rules.model import Finding

FIELDS = ("audit", "unit", "rule", "tasks", "status", "severity", "title", "message", "detail",
          "looked_for", "looked_where", "evidence", "legal_basis", "coverage", "remedy")


def with_remedies(findings: Iterable[Finding], remedies: Mapping[str, str]) -> list[Finding]:
    """Fill the 整改建议 of findings stored without one (audits before remedies were kept)
    from the rule files, by rule id: advice about the rule, never part of the verdict."""
    return [f if f.remedy or not remedies.get(f.rule) else replace(f, remedy=remedies[f.rule]) for f in findings]


def as_export(audit_id: int, f: Finding) -> dict:
    return {
        "audit": audit_id,
        "unit": f.unit,
        "rule": f.rule,
        "tasks": list(f.tasks),
        "status": f.status,
        "severity": f.severity,
        "title": f.title,
        "message": f.message,
        # The message is the one-line conclusion; detail only adds to it, never repeats it.
        "detail": "" if f.detail == f.message else f.detail,
        "looked_for": f.looked_for,
        "looked_where": f.looked_where,
        "evidence": [e.as_dict() for e in f.evidence],
        "legal_basis": list(f.legal_basis),
        "coverage": {str(task): level for task, level in f.coverage.items()},
        "remedy": f.remedy,
    }


def write_json(audit_id: int, findings: list[Finding], out: TextIO) -> None:
    out.write(json.dumps([as_export(audit_id, f) for f in findings], ensure_ascii=False, indent=1) + "\n")


def write_csv(audit_id: int, findings: list[Finding], out: TextIO) -> None:
    """Same columns as JSON: tasks and legal_basis joined, evidence as JSON, plus the first evidence URL.
    Starts with a BOM: Excel on Chinese Windows reads a CSV without one as GBK (mojibake)."""
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=list(FIELDS) + ["evidence_url"])
    writer.writeheader()
    for f in findings:
        flat = as_export(audit_id, f)
        flat["tasks"] = ",".join(map(str, flat["tasks"]))
        flat["legal_basis"] = "；".join(flat["legal_basis"])
        flat["coverage"] = ",".join(f"{task}:{level}" for task, level in flat["coverage"].items())
        flat["evidence_url"] = flat["evidence"][0]["url"] if flat["evidence"] else ""
        flat["evidence"] = json.dumps(flat["evidence"], ensure_ascii=False)
        writer.writerow(flat)
