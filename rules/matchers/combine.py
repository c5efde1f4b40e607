"""Matchers that combine others: every year due (per_year), all of, any of."""

from __future__ import annotations

import datetime as dt
import re

from rules.matchers.base import MAX_EVIDENCE, Context, evaluate_spec, matcher, render
from rules.model import Result


def _check_due(params: dict, err, here: str) -> None:
    due = params.get("due", {})
    if not isinstance(due, dict) or not all(re.fullmatch(r"\d\d-\d\d", str(v)) for v in due.values()):
        raise err(f"{here}.due", "must map unit kinds (or 'default') to MM-DD")


@matcher("per_year", params=("from", "to", "due", "due_year_offset", "check"), required=("from", "check"),
         nested="check", templated=False, validate=_check_due)
def match_per_year(spec: dict, ctx: Context) -> Result:
    """Run `check` once per year whose due date has passed; fail if any year fails."""
    first = int(render(str(spec["from"]), ctx.vars))
    last = int(render(str(spec.get("to", "{prev_year}")), ctx.vars))
    due_by_kind = spec.get("due", {})
    due_md = due_by_kind.get(ctx.unit_pages.unit.kind, due_by_kind.get("default", "12-31"))
    offset = int(spec.get("due_year_offset", 1))
    results: list[tuple[int, Result]] = []
    first_due = None
    for year in range(first, last + 1):
        due = dt.date.fromisoformat(f"{year + offset}-{due_md}")
        first_due = first_due or due
        if due > ctx.as_of:
            continue
        variables = ctx.vars | {"year": year, "next_year": year + 1, "previous_year": year - 1, "due": due.isoformat()}
        sub = Context(ctx.unit_pages, ctx.as_of, variables)
        results.append((year, evaluate_spec(render(spec["check"], variables), sub)))
    if not results:
        # Nothing was due, so nothing was examined: never a pass.
        when = f"，最早一年（{first}年）的期限是 {first_due}" if first_due else ""
        return Result("not_applicable", f"基准日 {ctx.as_of} 尚无到期年度{when}")
    results = [(y, r) for y, r in results if r.status != "not_applicable"]
    if not results:
        return Result("not_applicable", "各到期年度均无可检查的内容")
    bad = [(y, r) for y, r in results if r.status == "fail"]
    unknown = [(y, r) for y, r in results if r.status == "unknown"]
    evidence = tuple(e for _, r in results for e in r.evidence)[:MAX_EVIDENCE]
    if bad:
        detail = "；".join(f"{y}年：{r.detail}" for y, r in bad)
        return Result("fail", detail, evidence, "；".join(f"{y}年 {r.looked_for}" for y, r in bad[:2]),
                      bad[0][1].looked_where, not_found=all(r.not_found for _, r in bad))
    if unknown:
        return Result("unknown", "；".join(f"{y}年：{r.detail}" for y, r in unknown), evidence)
    return Result("pass", "、".join(f"{y}年" for y, _ in results) + "均符合", evidence)


def _combine(spec_list: list, ctx: Context, need_all: bool) -> Result:
    every = [evaluate_spec(s, ctx) for s in spec_list]
    # A part with nothing to examine neither passes nor fails the whole; all such: neither does it.
    results = [r for r in every if r.status != "not_applicable"]
    if not results:
        return Result("not_applicable", "；".join(r.detail for r in every))
    evidence = tuple(e for r in results for e in r.evidence)[:MAX_EVIDENCE]
    fails = [r for r in results if r.status == "fail"]
    unknowns = [r for r in results if r.status == "unknown"]
    passes = [r for r in results if r.status == "pass"]
    if need_all:
        if fails:
            return Result("fail", "；".join(r.detail for r in fails), evidence,
                          "；".join(r.looked_for for r in fails if r.looked_for), fails[0].looked_where,
                          not_found=all(r.not_found for r in fails))
        if unknowns:
            return Result("unknown", "；".join(r.detail for r in unknowns), evidence)
        return Result("pass", "；".join(r.detail for r in passes), evidence)
    if passes:
        return Result("pass", passes[0].detail, passes[0].evidence)
    if unknowns:
        return Result("unknown", "；".join(r.detail for r in unknowns), evidence)
    return Result("fail", "；".join(r.detail for r in fails), evidence,
                  " 或 ".join(r.looked_for for r in fails if r.looked_for), fails[0].looked_where if fails else "",
                  not_found=bool(fails) and all(r.not_found for r in fails))


@matcher("all", nested="list", templated=False)
def match_all(spec: list, ctx: Context) -> Result:
    return _combine(spec, ctx, need_all=True)


@matcher("any", nested="list", templated=False)
def match_any(spec: list, ctx: Context) -> Result:
    return _combine(spec, ctx, need_all=False)


