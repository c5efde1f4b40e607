"""The sample world's ground truth for findings, and how an audit scores against it.

truth.yaml says, rule by rule, whom the plan makes responsible and what a person concludes on a
unit without a planted defect; defects.yaml (the units' profiles in ground-truth.json) says what
changes where. Nothing defaults to pass: a finding for a rule truth.yaml does not list, or for
a unit outside its `who`, is an error, and so is an expected finding the audit did not make.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

TRUTH = Path(__file__).with_name("truth.yaml")
GROUPS = {"counties": "county", "city": "municipal-government", "departments": "municipal-department"}


def load_truth(path: Path = TRUTH) -> dict[str, dict]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    for rid, entry in doc.items():
        if entry.get("clean") not in ("pass", "manual") or not entry.get("who") or not entry.get("because"):
            raise ValueError(f"{path.name}: {rid} needs who, clean (pass or manual) and because")
    return doc


def _members(who: list[str], units: dict[str, dict]) -> set[str]:
    out: set[str] = set()
    for name in who:
        if name == "all":
            out |= set(units)
        elif name in GROUPS:
            out |= {u for u, gt in units.items() if gt["kind"] == GROUPS[name]}
        elif name in units:
            out.add(name)
        # a unit id the registry lacks (a smaller registry): nothing to expect of it
    return out


def expected_findings(ground_truth: dict, rendered: frozenset[str] | set[str] = frozenset(),
                      truth: dict[str, dict] | None = None,
                      audited: frozenset[str] | set[str] | None = None) -> dict[tuple[str, str], str]:
    """(unit, rule) -> the status a person expects; `rendered`: units whose script-built lists
    were read (by a browser or through the gkmlpt API), where a js_only defect is no defect;
    `audited`: the units audited together (default: all), for rules comparing units (`across`):
    a unit audited alone has no one to be compared with."""
    truth = load_truth() if truth is None else truth
    units = ground_truth["units"]
    out: dict[tuple[str, str], str] = {}
    for rid, entry in truth.items():
        for uid in _members(entry["who"], units):
            gt = units[uid]
            if entry["clean"] == "manual":
                out[uid, rid] = "manual"
            elif not gt["reachable"]:
                out[uid, rid] = "unknown"
            elif entry.get("across") and audited is not None and len(audited) < 2:
                out[uid, rid] = "unknown"
            else:
                planted = next((item for item in gt["profile"] if rid in item["rules"]), None)
                if planted is None:
                    out[uid, rid] = entry["clean"]
                elif planted["state"] == "js_only" and uid in rendered:
                    out[uid, rid] = "pass"  # the list was read after all
                else:
                    out[uid, rid] = planted["expect"]
    # A planted defect for a rule that does not apply to its unit is a mistake in the world.
    for uid, gt in units.items():
        for item in gt["profile"]:
            for rid in item["rules"]:
                if (uid, rid) not in out:
                    raise ValueError(f"defects.yaml: {uid} {item['item']} names {rid}, which truth.yaml "
                                     f"does not expect of {uid}")
    return out


@dataclass
class Score:
    """How an audit's findings compare with the ground truth."""

    expected: int = 0
    agree: int = 0
    wrong: list[tuple[str, str, str, str]] = field(default_factory=list)  # unit, rule, expected, reported
    missing: list[tuple[str, str, str]] = field(default_factory=list)  # expected, not reported
    unexpected: list[tuple[str, str, str]] = field(default_factory=list)  # reported, not expected
    lookalike_passes: list[tuple[str, str, str]] = field(default_factory=list)  # unit, rule, url
    precision: dict[str, float | None] = field(default_factory=dict)  # per status: fail, unknown
    recall: dict[str, float | None] = field(default_factory=dict)

    @property
    def exact(self) -> bool:
        return not (self.wrong or self.missing or self.unexpected or self.lookalike_passes)

    def line(self) -> str:
        def pct(x):
            return "n/a" if x is None else f"{x:.2f}"

        return (f"ground truth: {self.agree}/{self.expected} findings as expected; fail precision "
                f"{pct(self.precision.get('fail'))} recall {pct(self.recall.get('fail'))}; unknown precision "
                f"{pct(self.precision.get('unknown'))} recall {pct(self.recall.get('unknown'))}; "
                f"look-alikes cited by a pass: {len(self.lookalike_passes)}")


def score(findings: list[dict], ground_truth: dict, rendered: frozenset[str] | set[str] = frozenset()) -> Score:
    """`findings`: the findings export (unit, rule, status, evidence[].url)."""
    expected = expected_findings(ground_truth, rendered)
    reported = {(f["unit"], f["rule"]): f["status"] for f in findings}
    s = Score(expected=len(expected))
    for key, want in sorted(expected.items()):
        got = reported.get(key)
        if got is None:
            s.missing.append((*key, want))
        elif got == want:
            s.agree += 1
        else:
            s.wrong.append((*key, want, got))
    s.unexpected = sorted((*k, v) for k, v in reported.items() if k not in expected)
    lookalikes = {url for gt in ground_truth["units"].values() for url in gt.get("lookalikes", {})}
    s.lookalike_passes = sorted({(f["unit"], f["rule"], e["url"]) for f in findings if f["status"] == "pass"
                                 for e in f.get("evidence", ()) if e.get("url") in lookalikes})
    for status in ("fail", "unknown"):
        said = {k for k, v in reported.items() if v == status}
        truly = {k for k, v in expected.items() if v == status}
        s.precision[status] = len(said & truly) / len(said) if said else None
        s.recall[status] = len(said & truly) / len(truly) if truly else None
    return s
