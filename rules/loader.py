"""Load and validate rule files: one YAML file per rule, named by its id."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from rules.matchers import MATCHERS, SELECTOR_KEYS
from rules.vocab import COVERAGE_LEVELS, FINDING_STATUSES, ROLES, SEVERITIES, UNIT_KINDS

ID_RE = re.compile(r"^[A-Z]{2,4}-\d{3}$")
TOP_KEYS = {
    "id", "name", "title", "tasks", "legal_basis", "applies_to", "severity", "manual", "guidance",
    "evidence", "message", "aliases", "rationale", "coverage", "remedy",
}
# Vetoes and deductions are audits/scoring.yaml's alone, so the two cannot drift apart.
SCORING_KEYS = {"veto", "deduction"}
REQUIRED = ("id", "title", "tasks", "legal_basis", "applies_to", "severity")


class RuleError(Exception):
    """A rule file that cannot be used: the message names the file and the field."""


@dataclass(frozen=True)
class AppliesTo:
    from_plan: bool = False
    kinds: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    tasks: tuple[int, ...]
    legal_basis: tuple[str, ...]
    applies_to: AppliesTo
    severity: str
    manual: bool = False
    guidance: str = ""
    evidence: dict[str, Any] | None = None
    message: dict[str, str] = field(default_factory=dict)
    coverage: dict[int, str] = field(default_factory=dict)  # task -> COVERAGE_LEVELS word (automated rules)
    name: str = ""
    rationale: str = ""
    remedy: str = ""  # 整改建议: what the unit should do when the rule fails (shown with the finding)
    path: str = ""

    @property
    def automated(self) -> bool:
        return not self.manual


def builtin_rules_dir() -> Path:
    return Path(str(resources.files("rules") / "catalogue"))


def load_rules(paths: list[str | Path] | None = None, tasks: Collection[int] | None = None) -> list[Rule]:
    """Load every *.yaml under the given files/folders (default: the shipped catalogue).

    `tasks`: the plan's task numbers (the caller reads the plan); a rule serving another
    task is refused, and so is an empty rule set: an audit of no rules finds nothing."""
    files: list[Path] = []
    given = [Path(x) for x in (paths or [builtin_rules_dir()])]
    for p in given:
        if p.is_dir():
            found = sorted(p.rglob("*.yaml"))
            if not found:
                raise RuleError(f"{p}: no rule files (*.yaml) in this folder")
            files.extend(found)
        elif p.is_file():
            files.append(p)
        else:
            raise RuleError(f"{p}: no such rule file or folder")
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for f in files:
        rule = load_rule(f)
        if tasks is not None and (outside := sorted(set(rule.tasks) - set(tasks))):
            raise RuleError(f"{f}: tasks: {', '.join(map(str, outside))} not in the plan "
                            f"(its tasks are {min(tasks)}–{max(tasks)})" if tasks else f"{f}: tasks: the plan has no tasks")
        if rule.id in seen:
            raise RuleError(f"{f}: id: {rule.id} is already used by {seen[rule.id]}")
        seen[rule.id] = str(f)
        rules.append(rule)
    return sorted(rules, key=lambda r: r.id)


def load_rule(path: Path) -> Rule:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(f"{path}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "syntax error"
        raise RuleError(f"{path}: not valid YAML: {first}") from None
    return parse_rule(raw, str(path))


def parse_rule(raw: Any, where: str) -> Rule:
    def err(fieldname: str, problem: str) -> RuleError:
        return RuleError(f"{where}: {fieldname}: {problem}")

    if not isinstance(raw, dict):
        raise err("(top)", "a rule file must be a mapping")
    for key in REQUIRED:
        if key not in raw:
            raise err(key, "required field is missing")
    scoring = set(raw) & SCORING_KEYS
    if scoring:
        raise err(sorted(scoring)[0], "vetoes and deductions are set in audits/scoring.yaml (by rule id), not in rule files")
    unknown = set(raw) - TOP_KEYS
    if unknown:
        raise err(sorted(unknown)[0], f"unknown field (allowed: {', '.join(sorted(TOP_KEYS))})")
    rid = raw["id"]
    if not isinstance(rid, str) or not ID_RE.match(rid):
        raise err("id", f"{rid!r} is not like 'ZL-001' (2-4 capitals, dash, 3 digits)")
    stem = Path(where).stem
    if where.endswith(".yaml") and stem != rid:
        raise err("id", f"{rid} does not match the file name {stem}.yaml")
    if not isinstance(raw["title"], str) or not raw["title"].strip():
        raise err("title", "must be non-empty text")
    tasks = raw["tasks"]
    if not isinstance(tasks, list) or not tasks or not all(isinstance(t, int) and 1 <= t <= 200 for t in tasks):
        raise err("tasks", "must be a non-empty list of plan task numbers")
    basis = raw["legal_basis"]
    if not isinstance(basis, list) or not basis or not all(isinstance(b, str) and b for b in basis):
        raise err("legal_basis", "must be a non-empty list of document references")
    if raw["severity"] not in SEVERITIES:
        raise err("severity", f"must be one of {', '.join(SEVERITIES)}")
    applies = _parse_applies(raw["applies_to"], err)
    manual = raw.get("manual", False)
    if not isinstance(manual, bool):
        raise err("manual", "must be true or false")
    evidence = raw.get("evidence")
    if manual:
        if not raw.get("guidance"):
            raise err("guidance", "a manual rule must say what the auditor should look at")
        if evidence is not None:
            raise err("evidence", "a manual rule has no evidence spec")
    else:
        if evidence is None:
            raise err("evidence", "required for an automated rule (or set manual: true)")
        _check_spec(evidence, "evidence", err)
    coverage = _parse_coverage(raw.get("coverage"), tasks, manual, err)
    remedy = raw.get("remedy", "")
    if not isinstance(remedy, str):
        raise err("remedy", "must be text: the 整改建议 a unit gets when the rule fails")
    message = raw.get("message", {})
    if not isinstance(message, dict) or set(message) - set(FINDING_STATUSES):
        raise err("message", "must map pass/fail/unknown/manual to text")
    return Rule(
        id=rid,
        title=raw["title"].strip(),
        tasks=tuple(tasks),
        legal_basis=tuple(basis),
        applies_to=applies,
        severity=raw["severity"],
        manual=manual,
        guidance=str(raw.get("guidance", "")).strip(),
        evidence=evidence,
        message={k: str(v) for k, v in message.items()},
        coverage=coverage,
        name=str(raw.get("name", "")),
        rationale=str(raw.get("rationale", "")).strip(),
        remedy=remedy.strip(),
        path=where,
    )


def _parse_coverage(raw: Any, tasks: list[int], manual: bool, err) -> dict[int, str]:
    """An automated rule says, for each task it lists, whether it checks it fully, partly or by proxy."""
    if manual:
        if raw is not None:
            raise err("coverage", "a manual rule checks nothing automatically: leave coverage out")
        return {}
    if not isinstance(raw, dict) or not raw:
        raise err("coverage", f"required: map each task to {' | '.join(COVERAGE_LEVELS)}, e.g. {{{tasks[0]}: partial}}")
    if set(raw) != set(tasks):
        raise err("coverage", f"must name exactly the rule's tasks {sorted(tasks)}, got {sorted(raw, key=str)}")
    for task, level in raw.items():
        if level not in COVERAGE_LEVELS:
            raise err(f"coverage.{task}", f"{level!r} is not one of {', '.join(COVERAGE_LEVELS)}")
    return {int(t): str(v) for t, v in raw.items()}


def _parse_applies(raw: Any, err) -> AppliesTo:
    if not isinstance(raw, dict) or not raw:
        raise err("applies_to", "must be a mapping with from_plan, kinds, units and/or roles")
    unknown = set(raw) - {"from_plan", "kinds", "units", "roles"}
    if unknown:
        raise err(f"applies_to.{sorted(unknown)[0]}", "unknown key")
    kinds = tuple(raw.get("kinds", []) or [])
    for k in kinds:
        if k not in UNIT_KINDS:
            raise err("applies_to.kinds", f"{k!r} is not one of {', '.join(UNIT_KINDS)}")
    roles = tuple(raw.get("roles", []) or [])
    for r in roles:
        if r not in ROLES:
            raise err("applies_to.roles", f"{r!r} is not one of {', '.join(ROLES)}")
    units = tuple(raw.get("units", []) or [])
    from_plan = raw.get("from_plan", False)
    if not isinstance(from_plan, bool):
        raise err("applies_to.from_plan", "must be true or false")
    if not (from_plan or kinds or units):
        raise err("applies_to", "give from_plan: true, kinds or units")
    return AppliesTo(from_plan=from_plan, kinds=kinds, units=units, roles=roles)


def _check_spec(spec: Any, path: str, err) -> None:
    if not isinstance(spec, dict) or len(spec) != 1:
        raise err(path, f"must be a mapping with exactly one matcher ({', '.join(sorted(MATCHERS))})")
    (name, params), = spec.items()
    if name not in MATCHERS:
        raise err(path, f"unknown matcher {name!r} (known: {', '.join(sorted(MATCHERS))})")
    here = f"{path}.{name}"
    m = MATCHERS[name]
    if m.nested == "list":
        if not isinstance(params, list) or not params:
            raise err(here, "must be a non-empty list of matchers")
        for i, sub in enumerate(params):
            _check_spec(sub, f"{here}[{i}]", err)
        return
    params = params or {}
    if not isinstance(params, dict):
        raise err(here, "parameters must be a mapping")
    for key in params:
        if key not in m.params:
            raise err(f"{here}.{key}", f"unknown parameter (allowed: {', '.join(sorted(m.params))})")
    for key in m.required:
        if key not in params:
            raise err(f"{here}.{key}", "required parameter is missing")
    for key in m.selectors & set(params):
        where = params[key]
        if not isinstance(where, dict):
            raise err(f"{here}.{key}", "must be a mapping")
        for sel, value in where.items():
            if sel not in SELECTOR_KEYS:
                raise err(f"{here}.{key}.{sel}", f"unknown selector (allowed: {', '.join(sorted(SELECTOR_KEYS))})")
            if sel in ("title", "url", "doc_number"):
                _check_regex(value, f"{here}.{key}.{sel}", err)
    for key in m.regexes & set(params):
        _check_regex(params[key], f"{here}.{key}", err)
    _check_not_negative(params, here, err)
    if m.nested:
        _check_spec(params[m.nested], f"{here}.{m.nested}", err)
    if m.validate is not None:
        m.validate(params, err, here)


def _check_not_negative(params: Any, where: str, err) -> None:
    """Days, limits and counts are never negative: -30 days would judge against the future."""
    items = params.items() if isinstance(params, dict) else enumerate(params) if isinstance(params, list) else ()
    for key, value in items:
        here = f"{where}.{key}" if isinstance(params, dict) else f"{where}[{key}]"
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
            raise err(here, f"must not be negative (got {value})")
        if isinstance(value, (dict, list)) and not (isinstance(value, dict) and len(value) == 1
                                                     and next(iter(value)) in MATCHERS):
            _check_not_negative(value, here, err)


def _check_regex(value: Any, where: str, err) -> None:
    try:
        # Template fields like {year} are filled in later; compile with a stand-in.
        re.compile(re.sub(r"\{(year|prev_year|next_year|previous_year|as_of_year)\}", "2020", str(value)))
    except re.error as exc:
        raise err(where, f"bad regular expression: {exc}") from None
