"""Matchers over a unit's pages: a document, a column, a link, words a page must contain."""

from __future__ import annotations

import datetime as dt
import re

from rules.matchers.base import Context, _as_list, _date, _evidence, _where_all, describe, matcher, select
from rules.model import PageRecord, Result, evidence_of


@matcher("page", params=("where", "min_count", "published_by"), required=("where",), selectors=("where",))
def match_page(spec: dict, ctx: Context) -> Result:
    """At least `min_count` pages match `where`; optionally published by a date."""
    where = spec.get("where", {})
    found = select(ctx.pages, where)
    min_count = int(spec.get("min_count", 1))
    looked_for = describe(where)
    if len(found) < min_count:
        return Result("fail", f"找到 {len(found)} 个符合条件的页面，要求至少 {min_count} 个",
                      _evidence(found), looked_for, _where_all(ctx), not_found=True)
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


@matcher("column", params=("names", "not_empty", "fresh_days", "linked_from_home"), required=("names",))
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
        return Result("fail", "未找到该栏目", (), looked_for, _where_all(ctx), not_found=True)
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


@matcher("link", params=("on", "where", "anchor", "url"), selectors=("where",), regexes=("anchor", "url"))
def match_link(spec: dict, ctx: Context) -> Result:
    """A link whose anchor and/or URL matches, on the home page or on any page."""
    on = spec.get("on", "home")
    if on == "home":
        pages = [ctx.unit_pages.home] if ctx.unit_pages.home else []
    elif on == "pages":
        pages = select(ctx.pages, spec.get("where", {}))
        if not pages:
            return Result("fail", "未找到需要检查链接的页面", (), describe(spec.get("where", {})), _where_all(ctx),
                          not_found=True)
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
    # Missing from the home page is a fact about the page read; missing from the rest of the site
    # is an absence only a complete crawl can show.
    return Result("fail", "未找到该链接", _evidence(pages) if on == "pages" else (), looked_for, where,
                  not_found=on != "home")


@matcher("mentions", params=("where", "all"), required=("where", "all"), selectors=("where",))
def match_mentions(spec: dict, ctx: Context) -> Result:
    """Pages matching `where` mention every keyword of `all` (together, across those pages)."""
    where = spec.get("where", {})
    words = _as_list(spec["all"])
    found = select(ctx.pages, where)
    looked_for = f"{describe(where)}；须包含：{'、'.join(words)}"
    if not found:
        return Result("fail", "未找到相关页面", (), looked_for, _where_all(ctx), not_found=True)
    corpus = "\n".join(p.title + "\n" + p.text for p in found)
    missing = [w for w in words if w not in corpus]
    if missing:
        return Result("fail", f"缺少内容：{'、'.join(missing)}", _evidence(found), looked_for)
    return Result("pass", f"已包含：{'、'.join(words)}", _evidence(found))


