"""Evidence matchers: the small vocabulary rule files combine.

Each matcher takes its spec (already templated) and a Context, and returns a Result.
Adding a matcher means adding a function here and its parameters to MATCHERS.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from rules.model import BROKEN_STATUSES, UNDETERMINED_STATUSES, why_not_fetched, Evidence, PageRecord, Result, UnitPages, evidence_of

MAX_EVIDENCE = 5


@dataclass(frozen=True)
class Context:
    unit_pages: UnitPages
    as_of: dt.date
    vars: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> tuple[PageRecord, ...]:
        return self.unit_pages.pages


# --- templating ---------------------------------------------------------------

def template_vars(as_of: dt.date, kind: str) -> dict[str, Any]:
    return {"as_of": as_of.isoformat(), "as_of_year": as_of.year, "prev_year": as_of.year - 1, "kind": kind}


def render(spec: Any, variables: dict[str, Any]) -> Any:
    """Fill {year}, {prev_year}, {due}… into every string of a spec."""
    if isinstance(spec, str):
        try:
            return spec.format(**variables) if "{" in spec else spec
        except (KeyError, IndexError, ValueError):
            return spec  # regex braces such as \d{4} are not template fields
    if isinstance(spec, list):
        return [render(s, variables) for s in spec]
    if isinstance(spec, dict):
        return {k: render(v, variables) for k, v in spec.items() if k != "check"} | (
            {"check": spec["check"]} if "check" in spec else {}
        )
    return spec


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


# --- page selection -------------------------------------------------------------

SELECTOR_KEYS = {
    "title", "title_any", "text_any", "text_all", "column", "column_any", "url", "kind",
    "attachment", "doc_number",
}


def select(pages: Iterable[PageRecord], where: dict[str, Any]) -> list[PageRecord]:
    """Pages (fetched OK) that satisfy every condition of a selector."""
    checks = _compile(where)
    return [p for p in pages if p.fetch_status == "ok" and all(check(p) for check in checks)]


def _compile(where: dict[str, Any]) -> list[Callable[[PageRecord], bool]]:
    """The selector's conditions as tests, compiled once per selection and cheapest
    first (a unit has thousands of pages; kind and column rule most of them out)."""
    checks: list[Callable[[PageRecord], bool]] = []
    if "kind" in where:
        kinds = frozenset(_as_list(where["kind"]))
        checks.append(lambda p: p.kind in kinds)
    if "column" in where:
        columns = frozenset(_as_list(where["column"]))
        checks.append(lambda p: p.column in columns)
    if "column_any" in where:
        any_columns = frozenset(_as_list(where["column_any"]))
        checks.append(lambda p: not any_columns.isdisjoint(p.column_path))
    if "title" in where:
        title = re.compile(where["title"]).search
        checks.append(lambda p: title(p.title or "") is not None)
    if "title_any" in where:
        title_words = _as_list(where["title_any"])
        checks.append(lambda p: any(k in (p.title or "") for k in title_words))
    if "url" in where:
        url = re.compile(where["url"]).search
        checks.append(lambda p: url(p.url) is not None)
    if "doc_number" in where:
        number = re.compile(where["doc_number"]).search
        checks.append(lambda p: bool(p.doc_number) and number(p.doc_number) is not None)
    if "text_any" in where:
        any_words = _as_list(where["text_any"])
        checks.append(lambda p: any(k in p.text or k in p.title for k in any_words))
    if "text_all" in where:
        all_words = _as_list(where["text_all"])
        checks.append(lambda p: all(k in p.text or k in p.title for k in all_words))
    if "attachment" in where:
        wanted = frozenset(_as_list(where["attachment"]))
        checks.append(lambda p: any(link.attachment in wanted for link in p.links))
    return checks


def describe(where: dict[str, Any]) -> str:
    parts = []
    for key in sorted(where):
        value = where[key]
        parts.append(f"{key}={'/'.join(map(str, value)) if isinstance(value, list) else value}")
    return "; ".join(parts)


def _evidence(pages: Iterable[PageRecord], excerpt: Callable[[PageRecord], str] | None = None) -> tuple[Evidence, ...]:
    out = []
    for p in list(pages)[:MAX_EVIDENCE]:
        out.append(evidence_of(p, excerpt(p) if excerpt else _default_excerpt(p)))
    return tuple(out)


def _default_excerpt(p: PageRecord) -> str:
    date = f"（{p.pub_date.isoformat()}）" if p.pub_date else ""
    return f"{p.title}{date}"


def _where_all(ctx: Context) -> str:
    return f"本单位本次抓取的 {sum(1 for p in ctx.pages if p.ok)} 个页面"


# --- matchers -----------------------------------------------------------------

def match_page(spec: dict, ctx: Context) -> Result:
    """At least `min_count` pages match `where`; optionally published by a date."""
    where = spec.get("where", {})
    found = select(ctx.pages, where)
    min_count = int(spec.get("min_count", 1))
    looked_for = describe(where)
    if len(found) < min_count:
        return Result("fail", f"找到 {len(found)} 个符合条件的页面，要求至少 {min_count} 个",
                      _evidence(found), looked_for, _where_all(ctx))
    due = _date(spec.get("published_by"))
    if due is not None:
        on_time = [p for p in found if p.pub_date and p.pub_date <= due]
        if on_time:
            return Result("pass", f"已于 {on_time[0].pub_date} 发布（期限 {due}）", _evidence(on_time))
        dated = [p for p in found if p.pub_date]
        if not dated:
            return Result("unknown", "找到页面但无法确定发布日期", _evidence(found), looked_for)
        first = min(p.pub_date for p in dated)
        return Result("fail", f"逾期发布：{first}（期限 {due}）", _evidence(dated), looked_for)
    return Result("pass", f"找到 {len(found)} 个符合条件的页面", _evidence(found))


def _column_pages(ctx: Context, names: list[str]) -> list[PageRecord]:
    return [
        p for p in ctx.pages
        if p.ok and p.kind in ("list", "home", "other") and (p.column in names or p.title in names)
    ]


def match_column(spec: dict, ctx: Context) -> Result:
    """A column (list page) exists; optionally non-empty, fresh, linked from the home page."""
    names = _as_list(spec["names"])
    looked_for = f"栏目「{'/'.join(names)}」"
    pages = _column_pages(ctx, names)
    if not pages:
        # A column the crawl tried but could not fetch is not proof that it is missing.
        failed = [p for p in ctx.pages if not p.ok and any(n in (p.title or "") for n in names)]
        if failed:
            return Result("unknown", "栏目页面未能取得", _evidence(failed), looked_for)
        return Result("fail", "未找到该栏目", (), looked_for, _where_all(ctx))
    if all(p.script_built and not p.rendered and not p.list_items for p in pages):
        return Result("unknown", "栏目列表由脚本生成，未经浏览器渲染无法判断", _evidence(pages), looked_for)
    items = [i for p in pages for i in p.list_items]
    evidence = _evidence(pages, lambda p: f"{p.column or p.title}：{len(p.list_items)} 条")
    if spec.get("linked_from_home"):
        home = ctx.unit_pages.home
        urls = {p.url for p in pages} | {p.final_url for p in pages if p.final_url}
        if home is None or not any(l.to_url in urls or l.anchor in names for l in home.links):
            return Result("fail", "首页没有进入该栏目的链接", evidence, looked_for + "（首页链接）",
                          home.url if home else "首页")
    if spec.get("not_empty") and not items:
        return Result("fail", "栏目为空（无任何信息）", evidence, looked_for)
    fresh_days = spec.get("fresh_days")
    if fresh_days is not None:
        dates = [i.date for i in items if i.date]
        newest = max(dates) if dates else None
        limit = ctx.as_of - dt.timedelta(days=int(fresh_days))
        if newest is None:
            return Result("fail", "栏目信息均无发布日期，视为未更新", evidence, looked_for)
        if newest < limit:
            return Result("fail", f"栏目最近更新 {newest}，超过 {fresh_days} 天未更新（基准日 {ctx.as_of}）",
                          evidence, looked_for)
        return Result("pass", f"栏目最近更新 {newest}", evidence)
    return Result("pass", f"栏目存在，共 {len(items)} 条", evidence)


def match_link(spec: dict, ctx: Context) -> Result:
    """A link whose anchor and/or URL matches, on the home page or on any page."""
    on = spec.get("on", "home")
    if on == "home":
        pages = [ctx.unit_pages.home] if ctx.unit_pages.home else []
    elif on == "pages":
        pages = select(ctx.pages, spec.get("where", {}))
        if not pages:
            return Result("fail", "未找到需要检查链接的页面", (), describe(spec.get("where", {})), _where_all(ctx))
    else:
        pages = [p for p in ctx.pages if p.ok]
    anchor_re, url_re = spec.get("anchor"), spec.get("url")
    looked_for = f"链接 anchor~{anchor_re or '*'} url~{url_re or '*'}"
    anchor_search = re.compile(anchor_re).search if anchor_re else None
    url_search = re.compile(url_re).search if url_re else None
    for page in pages:
        for link in page.links:
            if anchor_search and not anchor_search(link.anchor or ""):
                continue
            if url_search and not url_search(link.to_url):
                continue
            return Result("pass", f"找到链接「{link.anchor}」", (evidence_of(page, f"{link.anchor} → {link.to_url}"),))
    where = {"home": "首页", "pages": f"{len(pages)} 个相关页面"}.get(on, _where_all(ctx))
    return Result("fail", "未找到该链接", _evidence(pages) if on == "pages" else (), looked_for, where)


def match_mentions(spec: dict, ctx: Context) -> Result:
    """Pages matching `where` mention every keyword of `all` (together, across those pages)."""
    where = spec.get("where", {})
    words = _as_list(spec["all"])
    found = select(ctx.pages, where)
    looked_for = f"{describe(where)}；须包含：{'、'.join(words)}"
    if not found:
        return Result("fail", "未找到相关页面", (), looked_for, _where_all(ctx))
    corpus = "\n".join(p.title + "\n" + p.text for p in found)
    missing = [w for w in words if w not in corpus]
    if missing:
        return Result("fail", f"缺少内容：{'、'.join(missing)}", _evidence(found), looked_for)
    return Result("pass", f"已包含：{'、'.join(words)}", _evidence(found))


FOOTER_FIELDS = {
    "site_code": "网站标识码",
    "icp": "ICP备案编号",
    "police_code": "公安机关备案号",
    "conac": "党政机关网站标识",
}


def match_footer(spec: dict, ctx: Context) -> Result:
    home = ctx.unit_pages.home
    required = _as_list(spec.get("require", list(FOOTER_FIELDS)))
    if home is None or not home.ok:
        return Result("unknown", why_not_fetched(home), (), "页脚标识")
    missing = []
    for key in required:
        value = getattr(home, key)
        if key == "site_code":
            value = value or home.site_code_meta
        if not value:
            missing.append(FOOTER_FIELDS[key])
    excerpt = " ".join(filter(None, [home.site_code, home.icp, home.police_code, "conac" if home.conac else ""]))
    if missing:
        return Result("fail", f"首页缺少：{'、'.join(missing)}", (evidence_of(home, excerpt),),
                      "页脚：" + "、".join(FOOTER_FIELDS[k] for k in required), home.url)
    return Result("pass", "页脚标识齐全", (evidence_of(home, excerpt),))


def match_broken_links(spec: dict, ctx: Context) -> Result:
    """In-scope links whose target answered with an error, on the home page or elsewhere."""
    on = spec.get("on", "home")
    limit = int(spec.get("max", 0))
    home = ctx.unit_pages.home
    pages = [home] if on == "home" else [p for p in ctx.pages if p.ok and p is not home]
    pages = [p for p in pages if p is not None and p.ok]
    broken: list[tuple[PageRecord, str]] = []
    undetermined: list[tuple[PageRecord, str]] = []
    seen: set[str] = set()
    for page in pages:
        for link in page.links:
            if not link.in_scope or link.to_url in seen:
                continue
            if link.target_fetch_status in BROKEN_STATUSES:
                seen.add(link.to_url)
                broken.append((page, link.to_url))
            elif link.target_fetch_status in UNDETERMINED_STATUSES:
                seen.add(link.to_url)
                undetermined.append((page, link.to_url))
    where = "首页" if on == "home" else "首页以外的页面"
    if len(broken) > limit:
        evidence = tuple(evidence_of(p, f"错链：{url}") for p, url in broken[:MAX_EVIDENCE])
        return Result("fail", f"{where}发现 {len(broken)} 个无法访问的链接", evidence, "可访问的链接", where,
                      count=len(broken))
    if len(broken) + len(undetermined) > limit:
        # Timeouts and refusals may be ours, not the site's: they cannot make a fail.
        evidence = tuple(evidence_of(p, f"未能判定：{url}") for p, url in undetermined[:MAX_EVIDENCE])
        return Result("unknown", f"{where}有 {len(undetermined)} 个链接未能判定（超时、拒绝访问或内容过大），"
                      f"已确认错链 {len(broken)} 个", evidence, "可访问的链接", where, count=len(broken))
    return Result("pass", f"{where}无错链（检查 {sum(len(p.links) for p in pages)} 个链接）", count=len(broken))


def match_home_fresh(spec: dict, ctx: Context) -> Result:
    home = ctx.unit_pages.home
    days = int(spec.get("days", 14))
    if home is None or not home.ok:
        return Result("unknown", why_not_fetched(home), (), "首页更新")
    newest = home.newest_item_date
    limit = ctx.as_of - dt.timedelta(days=days)
    if newest is None:
        return Result("fail", "首页信息无发布日期，视为未更新", (evidence_of(home),), "首页带日期的信息", home.url)
    if newest < limit:
        return Result("fail", f"首页最近更新 {newest}，超过 {days} 天未更新", (evidence_of(home, str(newest)),),
                      f"{limit} 以后的信息", home.url)
    return Result("pass", f"首页最近更新 {newest}", (evidence_of(home, str(newest)),))


def match_blank_columns(spec: dict, ctx: Context) -> Result:
    """Count list pages with no item at all (空白栏目); JS-built lists are not counted blank."""
    limit = int(spec.get("max", 4))
    blank = [p for p in ctx.pages if p.ok and p.kind == "list" and not p.list_items and not p.script_built]
    if len(blank) > limit:
        return Result("fail", f"{len(blank)} 个空白栏目（上限 {limit}）", _evidence(blank), "非空栏目",
                      count=len(blank))
    return Result("pass", f"空白栏目 {len(blank)} 个", count=len(blank))


def match_stale_columns(spec: dict, ctx: Context) -> Result:
    """Count columns not updated within the window of their type (动态要闻 2 weeks, 通知公告/政策文件 6 months…).

    `types` maps a type name to {keywords: [...], days: N}; a column's type is the first
    whose keyword occurs in its name. Untyped and JS-built columns are not counted.
    """
    limit = int(spec.get("max", 4))
    stale: list[tuple[PageRecord, str]] = []
    checked = 0
    by_column: dict[str, list[PageRecord]] = {}
    for p in ctx.pages:
        if p.ok and p.kind == "list" and p.column:
            by_column.setdefault(p.column, []).append(p)
    for column, pages in sorted(by_column.items()):
        for type_name, conf in spec["types"].items():
            if any(k in column for k in _as_list(conf["keywords"])):
                items = [i for p in pages for i in p.list_items]
                if not items and all(p.script_built for p in pages):
                    break
                checked += 1
                dates = [i.date for i in items if i.date]
                newest = max(dates) if dates else None
                if newest is None or newest < ctx.as_of - dt.timedelta(days=int(conf["days"])):
                    stale.append((pages[0], f"{column}（{type_name}，最近 {newest or '无日期'}，时限 {conf['days']} 天）"))
                break
    evidence = tuple(evidence_of(p, why) for p, why in stale[:MAX_EVIDENCE])
    if len(stale) > limit:
        return Result("fail", f"{len(stale)} 个栏目超期未更新：" + "；".join(w for _, w in stale), evidence,
                      f"超期未更新栏目不超过 {limit} 个", f"已检查 {checked} 个栏目", count=len(stale))
    return Result("pass", f"超期未更新栏目 {len(stale)} 个（已检查 {checked} 个）", evidence, count=len(stale))


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


def match_annual_report(spec: dict, ctx: Context) -> Result:
    """The report selected by `where` passes the listed checks of rules/annual_report.py."""
    from rules.annual_report import check  # noqa: PLC0415

    where = spec["where"]
    codes = set(_as_list(spec["checks"]))
    found = [p for p in select(ctx.pages, where) if p.kind == "article"]
    page, report = _report_of(found)
    if report is None:
        return Result("unknown", "未取得该年度报告的正文表格，无法核对", _evidence(found), describe(where))
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


def match_annual_report_carryover(spec: dict, ctx: Context) -> Result:
    """Last year's 结转下年度 equals this year's 上年结转 (two reports of the same unit)."""
    from rules.annual_report import check_carryover  # noqa: PLC0415

    prev_page, prev = _report_of([p for p in select(ctx.pages, spec["previous"]) if p.kind == "article"])
    cur_page, cur = _report_of([p for p in select(ctx.pages, spec["current"]) if p.kind == "article"])
    if prev is None or cur is None:
        return Result("unknown", "相邻两年的年度报告未能全部取得，无法核对结转", (), "相邻两年的年度报告")
    issues = check_carryover(prev, cur)
    detail = "；".join(f"{i.where}：{i.message}（{_fmt(i.expected)} ≠ {_fmt(i.actual)}）" for i in issues)
    evidence = (evidence_of(prev_page, prev_page.title), evidence_of(cur_page, cur_page.title))
    if any(i.status == "fail" for i in issues):
        return Result("fail", detail, evidence, "上年「结转下年度」= 本年「上年结转」", cur_page.url, count=len(issues))
    if issues:
        return Result("unknown", detail, evidence)
    return Result("pass", "相邻年度结转数据一致", evidence)


def match_per_year(spec: dict, ctx: Context) -> Result:
    """Run `check` once per year whose due date has passed; fail if any year fails."""
    first = int(render(str(spec["from"]), ctx.vars))
    last = int(render(str(spec.get("to", "{prev_year}")), ctx.vars))
    due_by_kind = spec.get("due", {})
    due_md = due_by_kind.get(ctx.unit_pages.unit.kind, due_by_kind.get("default", "12-31"))
    offset = int(spec.get("due_year_offset", 1))
    results: list[tuple[int, Result]] = []
    for year in range(first, last + 1):
        due = dt.date.fromisoformat(f"{year + offset}-{due_md}")
        if due > ctx.as_of:
            continue
        variables = ctx.vars | {"year": year, "next_year": year + 1, "previous_year": year - 1, "due": due.isoformat()}
        sub = Context(ctx.unit_pages, ctx.as_of, variables)
        results.append((year, evaluate_spec(render(spec["check"], variables), sub)))
    if not results:
        return Result("pass", "尚无到期年度")
    bad = [(y, r) for y, r in results if r.status == "fail"]
    unknown = [(y, r) for y, r in results if r.status == "unknown"]
    evidence = tuple(e for _, r in results for e in r.evidence)[:MAX_EVIDENCE]
    if bad:
        detail = "；".join(f"{y}年：{r.detail}" for y, r in bad)
        return Result("fail", detail, evidence, "；".join(f"{y}年 {r.looked_for}" for y, r in bad[:2]),
                      bad[0][1].looked_where)
    if unknown:
        return Result("unknown", "；".join(f"{y}年：{r.detail}" for y, r in unknown), evidence)
    return Result("pass", "、".join(f"{y}年" for y, _ in results) + "均符合", evidence)


def _combine(spec_list: list, ctx: Context, need_all: bool) -> Result:
    results = [evaluate_spec(s, ctx) for s in spec_list]
    evidence = tuple(e for r in results for e in r.evidence)[:MAX_EVIDENCE]
    fails = [r for r in results if r.status == "fail"]
    unknowns = [r for r in results if r.status == "unknown"]
    passes = [r for r in results if r.status == "pass"]
    if need_all:
        if fails:
            return Result("fail", "；".join(r.detail for r in fails), evidence,
                          "；".join(r.looked_for for r in fails if r.looked_for), fails[0].looked_where)
        if unknowns:
            return Result("unknown", "；".join(r.detail for r in unknowns), evidence)
        return Result("pass", "；".join(r.detail for r in passes), evidence)
    if passes:
        return Result("pass", passes[0].detail, passes[0].evidence)
    if unknowns:
        return Result("unknown", "；".join(r.detail for r in unknowns), evidence)
    return Result("fail", "；".join(r.detail for r in fails), evidence,
                  " 或 ".join(r.looked_for for r in fails if r.looked_for), fails[0].looked_where if fails else "")


def match_all(spec: list, ctx: Context) -> Result:
    return _combine(spec, ctx, need_all=True)


def match_any(spec: list, ctx: Context) -> Result:
    return _combine(spec, ctx, need_all=False)


# name -> (function, allowed parameters, required parameters)
MATCHERS: dict[str, tuple[Callable[[Any, Context], Result], set[str], set[str]]] = {
    "page": (match_page, {"where", "min_count", "published_by"}, {"where"}),
    "column": (match_column, {"names", "not_empty", "fresh_days", "linked_from_home"}, {"names"}),
    "link": (match_link, {"on", "where", "anchor", "url"}, set()),
    "mentions": (match_mentions, {"where", "all"}, {"where", "all"}),
    "footer": (match_footer, {"require"}, set()),
    "broken_links": (match_broken_links, {"on", "max"}, set()),
    "home_fresh": (match_home_fresh, {"days"}, set()),
    "blank_columns": (match_blank_columns, {"max"}, set()),
    "stale_columns": (match_stale_columns, {"types", "max"}, {"types"}),
    "annual_report": (match_annual_report, {"where", "checks"}, {"where", "checks"}),
    "annual_report_carryover": (match_annual_report_carryover, {"previous", "current"}, {"previous", "current"}),
    "per_year": (match_per_year, {"from", "to", "due", "due_year_offset", "check"}, {"from", "check"}),
    "all": (match_all, set(), set()),
    "any": (match_any, set(), set()),
}


def evaluate_spec(spec: dict, ctx: Context) -> Result:
    """Evaluate one evidence spec: a mapping with exactly one matcher name as key."""
    (name, params), = spec.items()
    func = MATCHERS[name][0]
    if name in ("all", "any"):
        return func(params, ctx)
    if name == "per_year":
        return func(params, ctx)
    return func(render(params or {}, ctx.vars), ctx)
