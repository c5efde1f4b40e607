"""The `document` matcher: a document of the right type, by the audited unit, for the right year.

Judges the document layer's records (rules/documents.py), not title keywords: a notice about a
report, a bulletin, a repost, another unit's document or another year's never counts.
"""

from __future__ import annotations

from rules.documents import Document, is_own, load_doctypes
from rules.matchers.base import MAX_EVIDENCE, Context, _as_list, _date, _where_all, describe, matcher, select
from rules.model import PageRecord, Result, evidence_of


def _label(doc: Document) -> str:
    names = {t.id: t.name for t in load_doctypes()}
    issuer = doc.issuer_text or "未写明发文单位（按本单位网站发布计）"
    year = f"{doc.subject_year}年" if doc.subject_year else "年度未写明"
    return f"{names.get(doc.doc_type or '', doc.doc_type)}｜{year}｜{issuer}"


def _excerpt(page: PageRecord, doc: Document, note: str = "") -> str:
    date = f"（{page.pub_date}）" if page.pub_date else ""
    return f"{page.title}{date}｜{_label(doc)}{('｜' + note) if note else ''}"


def documents_matching(ctx: Context, types: set[str], year: int | None, own: bool, where: dict,
                       reposts: bool = False) -> tuple[list[tuple[PageRecord, Document]], list[tuple[PageRecord, Document, str]]]:
    """(documents of a type, for the year, by the unit) and the near misses with why each was excluded;
    with `reposts`, a 转发/转载 counts when the document it carries is of the type."""
    unit = ctx.unit_pages.unit
    docs = ctx.unit_pages.documents
    found, excluded = [], []
    for page in select(ctx.pages, where):
        doc = docs.get(page.url)
        if doc is None or not (doc.doc_type in types or (reposts and doc.doc_type == "转发" and doc.reposts in types)):
            continue
        if year is not None and doc.subject_year != year:
            excluded.append((page, doc, f"年度不符（{doc.subject_year or '未写明'}）"))
        elif own and doc.issuer is not None and not is_own(doc, unit):
            excluded.append((page, doc, "非本单位文件"))
        else:
            found.append((page, doc))
    return found, excluded


@matcher("document", params=("type", "year", "own", "reposts", "where", "published_by"), required=("type",),
         selectors=("where",))
def match_document(spec: dict, ctx: Context) -> Result:
    """A document whose type is one of `type`, about `year` (if given), issued by the unit or a
    unit it acts for (`own`, default true; a page that names no issuer counts as the site's
    own), among the pages `where` selects; with `reposts: true` also a 转发/转载 carrying such a
    document (not one carrying a notice about it); optionally published by a date."""
    types = set(_as_list(spec["type"]))
    year = int(spec["year"]) if str(spec.get("year", "")).strip() else None
    own = spec.get("own", True)
    where = spec.get("where") or {}
    names = {t.id: t.name for t in load_doctypes()}
    wanted = "、".join(names.get(t, t) for t in sorted(types))
    looked_for = f"{year}年" * bool(year) + wanted + ("（本单位发布）" if own else "") + (
        f"；{describe(where)}" if where else "")
    found, excluded = documents_matching(ctx, types, year, own, where, bool(spec.get("reposts")))
    if not found:
        why = f"；排除 {len(excluded)} 个相近文件（年度不符或非本单位）" if excluded else ""
        evidence = tuple(evidence_of(p, _excerpt(p, d, note)) for p, d, note in excluded[:MAX_EVIDENCE])
        return Result("fail", f"未找到{looked_for}{why}", evidence, looked_for, _where_all(ctx), not_found=True)
    due = _date(spec.get("published_by"))
    if due is not None:
        on_time = [(p, d) for p, d in found if p.pub_date and p.pub_date <= due]
        if on_time:
            p, d = on_time[0]
            return Result("pass", f"已于 {p.pub_date} 发布（期限 {due}）", (evidence_of(p, _excerpt(p, d)),))
        dated = [(p, d) for p, d in found if p.pub_date]
        evidence = tuple(evidence_of(p, _excerpt(p, d)) for p, d in (dated or found)[:MAX_EVIDENCE])
        if not dated:
            return Result("unknown", "找到该文件但无法确定发布日期", evidence, looked_for)
        first = min(p.pub_date for p, _ in dated)
        return Result("fail", f"逾期发布：{first}（期限 {due}）", evidence, looked_for)
    return Result("pass", f"找到 {len(found)} 个：{_label(found[0][1])}",
                  tuple(evidence_of(p, _excerpt(p, d)) for p, d in found[:MAX_EVIDENCE]))
