"""Matchers that read an annual report's tables (国办公开办函〔2021〕30号 format)."""

from __future__ import annotations


from rules.documents import is_own
from rules.matchers.base import MAX_EVIDENCE, Context, _as_list, _evidence, describe, matcher, select
from rules.model import PageRecord, Result, evidence_of


def _own_articles(ctx: Context, where: dict) -> tuple[list[PageRecord], list[PageRecord]]:
    """(the unit's own report pages `where` selects, other units' reports it skipped): a
    department's report on the city portal is not the city government's (the document layer's
    issuer; a page naming no issuer counts as its site's own)."""
    unit, docs = ctx.unit_pages.unit, ctx.unit_pages.documents
    own, others = [], []
    for p in select(ctx.pages, where):
        if p.kind != "article":
            continue
        doc = docs.get(p.url)
        (others if doc is not None and doc.issuer is not None and not is_own(doc, unit) else own).append(p)
    return own, others


def _skipped(others: list[PageRecord]) -> str:
    return f"（另有 {len(others)} 份其他单位的报告，不计）" if others else ""


def _report_of(pages: list[PageRecord]):
    """The first report page whose tables can be read: from its HTML, else its PDF's text."""
    from rules.annual_report import parse_html, parse_text  # noqa: PLC0415  (keeps bs4 off the common path)

    for page in pages:
        if page.html:
            report = parse_html(page.html)
            if report.table3 or not page.attachment_text:
                return page, report
        if page.attachment_text:
            return page, parse_text(page.attachment_text)
    return None, None


def _fmt(x: float | None) -> str:
    return "空" if x is None else f"{x:g}"


@matcher("annual_report", params=("where", "checks"), required=("where", "checks"), selectors=("where",),
         needs=frozenset({"report_sources"}), basis="国办公开办函〔2021〕30号")
def match_annual_report(spec: dict, ctx: Context) -> Result:
    """The report selected by `where` passes the listed checks of rules/annual_report.py."""
    from rules.annual_report import check  # noqa: PLC0415

    where = spec["where"]
    codes = set(_as_list(spec["checks"]))
    found, others = _own_articles(ctx, where)
    page, report = _report_of(found)
    if report is None:
        return Result("unknown", "未取得该年度报告的正文表格，无法核对" + _skipped(others), _evidence(found or others),
                      describe(where))
    issues = [i for i in check(report) if i.code in codes]
    fails = [i for i in issues if i.status == "fail"]
    shown = fails or issues
    evidence = tuple(
        evidence_of(page, f"{i.where}：{i.message}" + (f"（{_fmt(i.expected)} ≠ {_fmt(i.actual)}）" if i.expected is not None else ""))
        for i in shown[:MAX_EVIDENCE]
    )
    detail = "；".join(f"{i.where}：{i.message}" + (f"（{_fmt(i.expected)} ≠ {_fmt(i.actual)}）" if i.expected is not None else "")
                      for i in shown)
    if fails:
        return Result("fail", detail, evidence, "、".join(sorted(codes)), page.url, count=len(fails))
    if issues:
        return Result("unknown", detail, evidence, "、".join(sorted(codes)), page.url)
    return Result("pass", f"{page.title}：核对无误", (evidence_of(page, page.title),))


@matcher("annual_report_carryover", params=("previous", "current"), required=("previous", "current"),
         selectors=("previous", "current"), needs=frozenset({"report_sources"}), basis="国办公开办函〔2021〕30号")
def match_annual_report_carryover(spec: dict, ctx: Context) -> Result:
    """Last year's 结转下年度 equals this year's 上年结转 (two reports of the same unit)."""
    from rules.annual_report import check_carryover  # noqa: PLC0415

    prev_found, prev_others = _own_articles(ctx, spec["previous"])
    cur_found, cur_others = _own_articles(ctx, spec["current"])
    prev_page, prev = _report_of(prev_found)
    cur_page, cur = _report_of(cur_found)
    if prev is None or cur is None:
        return Result("unknown", "相邻两年的本单位年度报告未能全部取得，无法核对结转" + _skipped(prev_others + cur_others),
                      (), "相邻两年的年度报告")
    issues = check_carryover(prev, cur)
    detail = "；".join(f"{i.where}：{i.message}（{_fmt(i.expected)} ≠ {_fmt(i.actual)}）" for i in issues)
    evidence = (evidence_of(prev_page, prev_page.title), evidence_of(cur_page, cur_page.title))
    if any(i.status == "fail" for i in issues):
        return Result("fail", detail, evidence, "上年「结转下年度」= 本年「上年结转」", cur_page.url, count=len(issues))
    if issues:
        return Result("unknown", detail, evidence)
    return Result("pass", "相邻年度结转数据一致", evidence)


