"""Per-unit score and verdict per 国办秘函〔2019〕19号, from findings and an editable scoring file."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml


class ScoringError(Exception):
    """A scoring file that cannot be used; names the file and the field."""


@dataclass(frozen=True)
class Scheme:
    total: float
    fail_below: float
    vetoes: tuple[dict, ...]
    deductions: tuple[dict, ...]
    source: str = ""


@dataclass
class UnitScore:
    unit: str
    vetoes: list[dict] = field(default_factory=list)
    deductions: list[dict] = field(default_factory=list)
    score: float | None = None
    passed: bool = False
    incomplete: list[str] = field(default_factory=list)  # indicators left unjudged (unknown findings)

    @property
    def verdict(self) -> str:
        return "合格" if self.passed else "不合格"


def default_scheme_path() -> Path:
    return Path(str(resources.files("audits") / "scoring.yaml"))


def load_scheme(path: str | Path | None = None) -> Scheme:
    path = Path(path) if path else default_scheme_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScoringError(f"{path}: cannot read scoring file: {str(exc).splitlines()[0]}") from None
    if not isinstance(raw, dict):
        raise ScoringError(f"{path}: expected a mapping")
    for key in ("total", "fail_below", "vetoes", "deductions"):
        if key not in raw:
            raise ScoringError(f"{path}: {key}: required")
    for i, item in enumerate(raw["vetoes"]):
        if not isinstance(item, dict) or "id" not in item or not (item.get("rules") or item.get("when")):
            raise ScoringError(f"{path}: vetoes[{i}]: needs id and rules or when")
    for i, item in enumerate(raw["deductions"]):
        if not isinstance(item, dict) or "id" not in item or not item.get("rules"):
            raise ScoringError(f"{path}: deductions[{i}]: needs id and rules")
        if "points" not in item and "per_item" not in item:
            raise ScoringError(f"{path}: deductions[{i}] ({item['id']}): needs points or per_item")
    return Scheme(
        total=float(raw["total"]),
        fail_below=float(raw["fail_below"]),
        vetoes=tuple(raw["vetoes"]),
        deductions=tuple(raw["deductions"]),
        source=str(raw.get("source", "")),
    )


def score_unit(scheme: Scheme, unit: str, findings: dict[str, dict[str, Any]], *, reachable: bool) -> UnitScore:
    """`findings` maps rule id -> {status, count}; only 'fail' findings veto or deduct."""
    result = UnitScore(unit=unit)
    for veto in scheme.vetoes:
        if veto.get("when") == "unreachable" and not reachable:
            result.vetoes.append({"id": veto["id"], "title": veto["title"], "rules": []})
            continue
        rules = veto.get("rules", [])
        failed = [r for r in rules if findings.get(r, {}).get("status") == "fail"]
        if failed:
            result.vetoes.append({"id": veto["id"], "title": veto["title"], "rules": failed})
        elif any(findings.get(r, {}).get("status") == "unknown" for r in rules):
            result.incomplete.append(veto["id"])
    for ded in scheme.deductions:
        failed = [r for r in ded["rules"] if findings.get(r, {}).get("status") == "fail"]
        if any(findings.get(r, {}).get("status") == "unknown" for r in ded["rules"]):
            result.incomplete.append(ded["id"])
        if not failed:
            continue
        if "per_item" in ded:
            items = sum(int(findings[r].get("count") or 1) for r in failed)
            points = items * float(ded["per_item"])
        elif ded.get("per_rule"):
            points = len(failed) * float(ded["points"])
        else:
            points = float(ded["points"])
        if "max_points" in ded:
            points = min(points, float(ded["max_points"]))  # 扣完为止，不计负分
        result.deductions.append(
            {"id": ded["id"], "title": ded["title"], "rules": failed, "points": round(points, 2),
             "confirmed": bool(ded.get("confirmed", False))}
        )
    if result.vetoes:
        result.score = None
        result.passed = False
    else:
        result.score = round(max(0.0, scheme.total - sum(d["points"] for d in result.deductions)), 2)
        result.passed = result.score >= scheme.fail_below
    return result
