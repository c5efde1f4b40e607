"""The `annual_report_copy` matcher: a unit's annual report must not repeat its previous one
(`previous_year`), nor another unit's report of the same year (`peers`).

国办公开办函〔2021〕30号 asks for reports that are not 内容雷同. Both reports are found through the
document layer (rules/documents.py): type 年度报告, the right subject year, issued by the unit —
a notice about compiling reports or another unit's report on the same site is never compared.
Only the narrative is compared: tables, numbers, the format's fixed headings and the
boilerplate phrases the rule lists are left out, so a report whose figures and year alone
changed still reads as last year's.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rules.documents import is_own
from rules.matchers.base import MAX_EVIDENCE, Context, matcher
from rules.matchers.documents import documents_matching
from rules.matchers.reports import _report_of
from rules.model import Evidence, PageRecord, Result, UnitPages, evidence_of

if TYPE_CHECKING:
    from rules.annual_report import AnnualReport

_CJK = re.compile(r"[\u4e00-\u9fff]+")
_CUT = "|"  # joins pieces of narrative so that no shingle spans a removed phrase


def _format_phrases() -> list[str]:
    """The format's own words: section titles and table-3 row labels (the same in every report)."""
    from rules.annual_report import SECTIONS, T3_ROWS  # noqa: PLC0415  (keeps bs4 off the common path)

    return [title for _, title, _ in SECTIONS] + [p for _, phrases in T3_ROWS for p in phrases]


def narrative(page: PageRecord, report: AnnualReport, ignore: list[str]) -> str:
    """The report's own words, as runs of Chinese characters joined by _CUT.

    From an HTML page, prose is the whole page without its tables, site navigation and footer
    included: only the pieces that also occur in the page's main text (what extraction kept as
    the article) are the report's. Fixed phrases are then cut out."""
    pieces = report.prose.split()
    if report.source == "html" and page.text:
        pieces = [p for p in pieces if p in page.text]
    # PDF text wraps lines inside words: runs are joined, as in rules.annual_report._shingles.
    return cut("".join("".join(_CJK.findall(p)) for p in pieces), [*_format_phrases(), *ignore])


def cut(text: str, phrases: list[str]) -> str:
    """`text` with each phrase replaced by _CUT, longest first."""
    for phrase in sorted({"".join(_CJK.findall(p)) for p in phrases} - {""}, key=len, reverse=True):
        text = text.replace(phrase, _CUT)
    return text


def own_narratives(unit_pages: UnitPages) -> tuple[tuple[str, int, str, str, str], ...]:
    """(unit id, year, url, title, narrative) of each readable annual report of the unit's own
    (as the document layer reads it): what other units' reports are compared with (AR-007)."""
    unit, docs, out = unit_pages.unit, unit_pages.documents, []
    for page in unit_pages.pages:
        doc = docs.get(page.url)
        if (doc is None or doc.doc_type != "年度报告" or not doc.subject_year
                or (doc.issuer is not None and not is_own(doc, unit))):
            continue
        page, report = _report_of([page])
        if report is not None:
            out.append((unit.id, doc.subject_year, page.url, page.title, narrative(page, report, [])))
    return tuple(out)


def _shingles(text: str, k: int = 4) -> set[str]:
    return {piece[i:i + k] for piece in text.split(_CUT) for i in range(len(piece) - k + 1)}


def similarity(text: str, other: str) -> float:
    """Share of `text`'s 4-character shingles found in `other` (as rules.annual_report.prose_similarity,
    over narrative that has had the fixed phrases cut out)."""
    mine, theirs = _shingles(text), _shingles(other)
    return len(mine & theirs) / len(mine) if mine and theirs else 0.0


def _chars(text: str) -> int:
    return len(text.replace(_CUT, ""))


def _reports(ctx: Context, year: int, where: dict) -> list[tuple[PageRecord, AnnualReport]]:
    """(page, narrative) of each readable own report about `year`."""
    found, _ = documents_matching(ctx, {"年度报告"}, year, True, where)
    out = []
    for page, _doc in found:
        page, report = _report_of([page])
        if report is not None:
            out.append((page, report))
    return out


def _check_copy_params(params: dict, err, here: str) -> None:
    if ("previous_year" in params) == bool(params.get("peers")):
        raise err(here, "give previous_year (against the unit's own earlier report) or peers: true (against other units')")
    threshold = params.get("threshold")
    if not isinstance(threshold, (int, float)) or not 0 < threshold <= 1:
        raise err(f"{here}.threshold", "must be a share between 0 and 1")
    if not isinstance(params.get("min_chars"), int):
        raise err(f"{here}.min_chars", "must be a whole number of Chinese characters")


@matcher("annual_report_copy", params=("year", "previous_year", "peers", "threshold", "min_chars", "ignore", "where"),
         required=("year", "threshold", "min_chars"), selectors=("where",),
         needs=frozenset({"report_sources", "peer_reports"}), basis="国办公开办函〔2021〕30号",
         validate=_check_copy_params)
def match_annual_report_copy(spec: dict, ctx: Context) -> Result:
    """The unit's report about `year` does not repeat its report about `previous_year` (or, with
    `peers`, another unit's report about `year`) beyond `threshold` (share of its narrative);
    `min_chars`: the least narrative worth comparing."""
    year = int(spec["year"])
    threshold, least = float(spec["threshold"]), int(spec["min_chars"])
    ignore = list(spec.get("ignore") or [])
    where = spec.get("where") or {}
    if spec.get("peers"):
        return _against_peers(ctx, year, threshold, least, ignore, where)
    previous = int(spec["previous_year"])
    current, earlier = _reports(ctx, year, where), _reports(ctx, previous, where)
    missing = [f"{y}年" for y, found in ((previous, earlier), (year, current)) if not found]
    if missing:
        return Result("unknown", f"未取得本单位{'、'.join(missing)}年度报告（或其正文无法读取），无法比对是否照抄"
                      "（是否按期发布见 AR-001）", (), f"本单位{previous}年、{year}年年度报告")
    texts = [(p, narrative(p, r, ignore)) for p, r in current]
    before = [(p, narrative(p, r, ignore)) for p, r in earlier]
    if too_short := _too_short(texts + before, least, "照抄", f"{previous}年与{year}年年度报告的叙述性正文"):
        return too_short
    # Each current report against the most alike of last year's (a site may carry two own reports).
    pairs = [(p, *max(((q, similarity(n, m)) for q, m in before), key=lambda x: x[1])) for p, n in texts]
    page, prev_page, share = max(pairs, key=lambda x: x[2])
    figure = f"{year}年报告叙述性正文有 {share:.0%} 与{previous}年报告相同（阈值 {threshold:.0%}）"
    evidence = (evidence_of(page, f"{page.title}｜{figure}"), evidence_of(prev_page, prev_page.title))
    if share >= threshold:
        return Result("fail", f"{figure}：照抄上年报告", evidence, f"{year}年报告正文与{previous}年报告的重复比例",
                      page.url)
    return Result("pass", figure, evidence)


def _too_short(texts: list[tuple[PageRecord, str]], least: int, what: str, looked_for: str) -> Result | None:
    """`unknown` when a report has less narrative than `least` characters: too little to call a copy."""
    short = [(p, n) for p, n in texts if _chars(n) < least]
    if not short:
        return None
    evidence = tuple(evidence_of(p, f"{p.title}｜叙述性正文 {_chars(n)} 字") for p, n in short[:MAX_EVIDENCE])
    return Result("unknown", f"年度报告叙述性正文不足 {least} 字（表格、数字和固定标题不计），无法判断是否{what}",
                  evidence, looked_for)


def _against_peers(ctx: Context, year: int, threshold: float, least: int, ignore: list[str], where: dict) -> Result:
    """The unit's report about `year` against every other unit's report about `year`."""
    unit = ctx.unit_pages.unit
    current = _reports(ctx, year, where)
    if not current:
        return Result("unknown", f"未取得本单位{year}年年度报告（或其正文无法读取），无法与其他单位比对（是否按期发布见 AR-001）",
                      (), f"本单位{year}年年度报告")
    mine = [(p, narrative(p, r, ignore)) for p, r in current]
    if too_short := _too_short(mine, least, "雷同", f"{year}年年度报告的叙述性正文"):
        return too_short
    # another unit's report of the year, or of the year before (copied when this year's was due)
    peers = [(uid, url, title, cut(n, ignore)) for uid, y, url, title, n in ctx.unit_pages.peer_reports
             if y in (year, year - 1) and uid != unit.id]
    peers = [p for p in peers if _chars(p[3]) >= least]
    if not peers:
        return Result("unknown", f"没有其他单位的{year - 1}、{year}年年度报告可供比对", (), f"其他单位的{year}年年度报告")
    page, (uid, url, title, share) = max(
        ((p, max(((uid, url, title, similarity(n, m)) for uid, url, title, m in peers), key=lambda x: x[3]))
         for p, n in mine), key=lambda x: x[1][3])
    names = {u.id: u.name for u in ctx.unit_pages.registry}
    other = names.get(uid, uid)
    figure = (f"{year}年报告叙述性正文有 {share:.0%} 与{other}的「{title}」相同（阈值 {threshold:.0%}；"
              f"已与 {len(peers)} 份其他单位报告比对）")
    evidence = (evidence_of(page, f"{page.title}｜{figure}"), Evidence(url=url, excerpt=f"{other}：{title}"))
    if share >= threshold:
        return Result("fail", f"{figure}：与其他单位报告雷同", evidence, f"{year}年报告正文与其他单位同年报告的重复比例",
                      page.url)
    return Result("pass", figure, evidence[:1])
