"""Render a stored audit as a static HTML site that works opened from disk."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import shutil
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from reports.context import SEVERITY_LABELS, ReportContext, beijing_time
from rules.model import Evidence
from rules.vocab import FINDING_STATUSES, STATUS_ORDER, UNIT_KINDS

_SAFE_ID = re.compile(r"^[a-z][a-z0-9-]{0,40}$")


def make_env() -> Environment:
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(["html"], default=True),  # crawled text is untrusted
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(STATUS_LABELS=FINDING_STATUSES, KIND_LABELS=UNIT_KINDS, STATUS_ORDER=STATUS_ORDER)
    env.filters["unit_file"] = unit_file
    env.filters["notice_file"] = notice_file
    env.filters["safe_url"] = safe_url
    env.filters["beijing"] = beijing_time
    env.globals["SEVERITY_LABELS"] = SEVERITY_LABELS
    return env


def unit_file(unit_id: str) -> str:
    """File name of a unit page; ids come from the registry, but never trust a path part."""
    if _SAFE_ID.match(unit_id):
        return f"unit-{unit_id}.html"
    return f"unit-{hashlib.sha256(unit_id.encode('utf-8')).hexdigest()[:16]}.html"


def notice_file(unit_id: str) -> str:
    """The unit's printable 整改通知, beside its page."""
    return "notice-" + unit_file(unit_id).removeprefix("unit-")


def safe_url(url: str) -> str:
    """Only http(s) links are clickable in a report: a stored 'javascript:' URL stays text."""
    return url if re.match(r"^https?://", url or "", re.I) else "#"


LABEL_W = 230  # room for a unit's or a task's full name beside its bar


def score_bars(ctx: ReportContext) -> list[dict]:
    """The 19号 website score, one bar per unit in ranking order (worst first)."""
    return [
        {"unit": u, "width": 0 if u.score is None else round(u.score * 3, 1), "y": i * 24,
         "value": "无法判断" if u.undetermined else ("否决" if u.vetoes or u.score is None else f"{u.score:g}")}
        for i, u in enumerate(ctx.units)
    ]


def task_bars(ctx: ReportContext) -> list[dict]:
    """Units failing each task, most first; tasks no unit fails are left out of the chart."""
    fails = sorted(((t, len(t.by_status.get("fail", []))) for t in ctx.tasks), key=lambda tc: (-tc[1], tc[0].number))
    fails = [(t, c) for t, c in fails if c]
    top = max([c for _, c in fails] or [1])
    return [{"task": t, "fails": c, "width": round(c / top * 260, 1), "y": i * 24,
             "label": f"任务{t.number} {t.text[:14]}{'…' if len(t.text) > 14 else ''}"}
            for i, (t, c) in enumerate(fails)]


def trend_points(ctx: ReportContext) -> list[dict]:
    """Fails per audit, oldest first: a line once there are two audits to compare."""
    runs = ctx.trend
    if len(runs) < 2:
        return []
    top = max(r["fail"] for r in runs) or 1
    step = 440 / (len(runs) - 1)
    return [r | {"x": round(60 + i * step, 1), "y": round(150 - r["fail"] / top * 120, 1)} for i, r in enumerate(runs)]


_SHOT = re.compile(r"^screenshots/([0-9a-f]{64})\.png$")


def copy_screenshots(ctx: ReportContext, assets_from: Path | None, out: Path) -> None:
    """Copy each evidence screenshot into the report and point the evidence at the copy.
    Names come from the database: only content-addressed names are accepted."""
    for unit in ctx.units:
        unit.findings = [dataclasses.replace(f, evidence=tuple(_copied(e, assets_from, out) for e in f.evidence))
                         if f.evidence else f for f in unit.findings]


def _copied(e: Evidence, assets_from: Path | None, out: Path) -> Evidence:
    m = _SHOT.match(e.screenshot or "")
    src = assets_from / e.screenshot if (m and assets_from) else None
    if src is None or not src.is_file():
        return dataclasses.replace(e, screenshot=None)
    (out / "assets" / "shots").mkdir(parents=True, exist_ok=True)
    dest = out / "assets" / "shots" / f"{m.group(1)}.png"
    if not dest.exists():
        shutil.copyfile(src, dest)
    return dataclasses.replace(e, screenshot=f"assets/shots/{m.group(1)}.png")


def render_report(ctx: ReportContext, out_dir: str | Path, assets_from: Path | None = None) -> Path:
    out = Path(out_dir)
    (out / "units").mkdir(parents=True, exist_ok=True)
    (out / "tasks").mkdir(parents=True, exist_ok=True)
    (out / "assets").mkdir(parents=True, exist_ok=True)
    static = resources.files("reports") / "static"
    for name in ("report.css", "report.js"):
        with resources.as_file(static / name) as src:
            shutil.copyfile(src, out / "assets" / name)
    copy_screenshots(ctx, assets_from, out)
    env = make_env()
    common = {"ctx": ctx}
    (out / "index.html").write_text(
        env.get_template("index.html").render(**common, root=".", score_bars=score_bars(ctx), task_bars=task_bars(ctx),
                                              trend=trend_points(ctx), label_w=LABEL_W),
        encoding="utf-8",
    )
    for unit in ctx.units:
        (out / "units" / unit_file(unit.id)).write_text(
            env.get_template("unit.html").render(**common, root="..", unit=unit), encoding="utf-8"
        )
        (out / "units" / notice_file(unit.id)).write_text(
            env.get_template("notice.html").render(**common, root="..", unit=unit), encoding="utf-8"
        )
    for task in ctx.tasks:
        (out / "tasks" / f"task-{task.number}.html").write_text(
            env.get_template("task.html").render(**common, root="..", task=task), encoding="utf-8"
        )
    return out / "index.html"
