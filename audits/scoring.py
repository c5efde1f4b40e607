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
    unreachable_probes: int = 1  # consecutive failed home-page probes before 站点无法访问 vetoes


@dataclass
class UnitScore:
    unit: str
    vetoes: list[dict] = field(default_factory=list)
    deductions: list[dict] = field(default_factory=list)
    score: float | None = None
    passed: bool = False
    incomplete: list[str] = field(default_factory=list)  # indicators left unjudged (unknown findings)
    undetermined: bool = False  # neither scored nor vetoed: the site could not be judged

    @property
    def verdict(self) -> str:
        return "无法判断" if self.undetermined else ("合格" if self.passed else "不合格")


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
        for key in ("points", "per_item", "max_points"):
            if key in item and (not isinstance(item[key], (int, float)) or item[key] < 0):
                raise ScoringError(f"{path}: deductions[{i}] ({item['id']}).{key}: must be a number ≥ 0")
    probes = [v.get("probes", 1) for v in raw["vetoes"] if v.get("when") == "unreachable"] or [1]
    if not isinstance(probes[0], int) or isinstance(probes[0], bool) or probes[0] < 1:
        raise ScoringError(f"{path}: vetoes (unreachable).probes: must be a whole number ≥ 1")
    return Scheme(
        total=float(raw["total"]),
        fail_below=float(raw["fail_below"]),
        vetoes=tuple(raw["vetoes"]),
        deductions=tuple(raw["deductions"]),
        source=str(raw.get("source", "")),
        unreachable_probes=probes[0],
    )


def load_window(path: str | Path | None = None) -> tuple[int, int]:
    """(years before the plan's year, days after today): the plausible --as-of window."""
    path = Path(path) if path else default_scheme_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ScoringError(f"{path}: cannot read scoring file: {str(exc).splitlines()[0]}") from None
    window = raw.get("as_of_window") if isinstance(raw, dict) else None
    try:
        before, after = int(window["years_before_plan"]), int(window["days_after_today"])
    except (TypeError, KeyError, ValueError):
        raise ScoringError(f"{path}: as_of_window: needs years_before_plan and days_after_today") from None
    if before < 0 or after < 0:
        raise ScoringError(f"{path}: as_of_window: must not be negative")
    return before, after


def score_unit(scheme: Scheme, unit: str, findings: dict[str, dict[str, Any]], *, reachable: bool,
               probes: int | None = None) -> UnitScore:
    """`findings` maps rule id -> {status, count}; only 'fail' findings veto or deduct.

    An unreachable site vetoes once `probes` (consecutive failed home-page probes, this crawl
    included) reaches the scheme's count; before that the unit is undetermined. `probes`
    None: the caller has judged unreachability itself."""
    result = UnitScore(unit=unit)
    for veto in scheme.vetoes:
        if veto.get("when") == "unreachable" and not reachable:
            if probes is None or probes >= scheme.unreachable_probes:
                result.vetoes.append({"id": veto["id"], "title": veto["title"], "rules": []})
            else:
                result.undetermined = True
                result.incomplete.append(veto["id"])
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
        result.undetermined = False
    elif result.undetermined:
        result.score, result.passed = None, False
    else:
        result.score = round(max(0.0, scheme.total - sum(d["points"] for d in result.deductions)), 2)
        result.passed = result.score >= scheme.fail_below
    return result
