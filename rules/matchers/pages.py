"""Matchers over a unit's pages: a document, a column, a link, words a page must contain."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from rules.matchers.base import MAX_EVIDENCE, Context, _as_list, _date, _evidence, _where_all, describe, matcher, select
from rules.matchers.documents import documents_matching
from rules.model import PageRecord, Result, evidence_of
from rules.vocab import BROKEN_STATUSES, FETCH_STATUSES, UNDETERMINED_STATUSES


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


@matcher("column", params=("names", "not_empty", "fresh_days", "linked_from_home", "items", "renamed_from"),
         required=("names",), regexes=("items",))
def match_column(spec: dict, ctx: Context) -> Result:
    """A column (list page) exists; optionally non-empty, fresh, linked from the home page. With
    `items`, only entries whose title matches count as the column's content (a gazette column's
    issues, not a subscription notice posted in it)."""
    names = _as_list(spec["names"])
    looked_for = f"栏目「{'/'.join(names)}」"
    pages = _column_pages(ctx, names)
    if not pages:
        # A column the crawl tried but could not fetch is not proof that it is missing.
        failed = [p for p in ctx.pages if not p.ok and any(n in (p.title or "") for n in names)]
        if failed:
            return Result("unknown", "栏目页面未能取得", _evidence(failed), looked_for)
        # A column still under its old name (`renamed_from`) is there, but misnamed: say so.
        old = _column_pages(ctx, _as_list(spec.get("renamed_from") or []))
        if old:
            old_name = old[0].column or old[0].title
            return Result("fail", f"栏目仍名为「{old_name}」，应统一更名为「{names[0]}」", _evidence(old),
                          looked_for, _where_all(ctx), not_found=True)
        return Result("fail", "未找到该栏目", (), looked_for, _where_all(ctx), not_found=True)
    if all(p.script_built and not p.rendered and not p.list_items for p in pages):
        return Result("unknown", "栏目列表由脚本生成，未经浏览器渲染无法判断", _evidence(pages), looked_for)
    items = [i for p in pages for i in p.list_items]
    if spec.get("items"):
        wanted = re.compile(spec["items"]).search
        items = [i for i in items if wanted(i.title or "")]
        looked_for += f"中标题符合「{spec['items']}」的信息"
    evidence = _evidence(pages, lambda p: f"{p.column or p.title}：{len(p.list_items)} 条")
    if spec.get("linked_from_home"):
        home = ctx.unit_pages.home
        urls = {p.url for p in pages} | {p.final_url for p in pages if p.final_url}
        if home is None or not any(l.to_url in urls or l.anchor in names for l in home.links):
            return Result("fail", "首页没有进入该栏目的链接", evidence, looked_for + "（首页链接）",
                          home.url if home else "首页")
    if spec.get("not_empty") and not items:
        listed = sum(len(p.list_items) for p in pages)
        why = f"栏目有 {listed} 条信息，但没有一条符合要求" if listed else "栏目为空（无任何信息）"
        return Result("fail", why, evidence, looked_for)
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


def _target_verdict(link, targets: dict[str, PageRecord], hosts: list[str], title_search,
                    not_empty: bool = False) -> tuple[str, str]:
    """(good | dead | unsure | wrong, why) for where a required link leads."""
    host = (urlsplit(link.to_url).hostname or "").lower()
    if not link.in_scope:
        if not hosts:
            return "good", "站外链接（未访问）"
        if any(host == h or host.endswith("." + h) for h in hosts):
            return "good", f"指向 {host}（预期网站，站外未访问）"
        return "wrong", f"指向 {host or link.to_url}，不是预期网站（{'/'.join(hosts)}）"
    status = link.target_fetch_status
    if status in BROKEN_STATUSES:
        return "dead", f"目标无法访问（{FETCH_STATUSES.get(status, status)}）"
    if status is None or status in UNDETERMINED_STATUSES:
        return "unsure", "目标未能取得" if status else "目标未抓取"
    if hosts and not any(host == h or host.endswith("." + h) for h in hosts):
        return "wrong", f"指向本站 {host}，不是预期网站（{'/'.join(hosts)}）"
    target = targets.get(link.to_url)
    if title_search and not (target and title_search(f"{target.title} {target.column}")):
        return "wrong", f"目标页面「{target.title if target else ''}」不是预期的页面"
    if not_empty and target is not None and target.kind == "list" and not target.list_items:
        # a column page with nothing in it: the label leads nowhere useful (no form, no entry)
        if target.script_built and not target.rendered:
            return "unsure", f"目标栏目「{target.title}」由脚本生成，未渲染无法判断"
        return "wrong", f"目标栏目「{target.title}」为空"
    return "good", "目标可访问"


@matcher("link", params=("on", "where", "anchor", "url", "expect_hosts", "target_title", "target_not_empty"),
         selectors=("where",),
         regexes=("anchor", "url", "target_title"))
def match_link(spec: dict, ctx: Context) -> Result:
    """A link whose anchor and/or URL matches, on the home page or on any page, that leads
    somewhere alive and expected: an in-site target must have been fetched without error (and,
    with `target_title`, be a page of that kind); with `expect_hosts`, the target's host must be
    one of them; with `target_not_empty`, an in-site column it leads to must list something. A
    label alone never passes when its target is dead."""
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
    hosts = [h.lower() for h in _as_list(spec.get("expect_hosts"))]
    looked_for = f"链接 anchor~{anchor_re or '*'} url~{url_re or '*'}" + (f"，指向 {'/'.join(hosts)}" if hosts else "")
    anchor_search = re.compile(anchor_re).search if anchor_re else None
    url_search = re.compile(url_re).search if url_re else None
    title_search = re.compile(spec["target_title"]).search if spec.get("target_title") else None
    targets = {p.url: p for p in ctx.pages}
    seen: dict[str, tuple[str, str, PageRecord, object]] = {}
    for page in pages:
        for link in page.links:
            if anchor_search and not anchor_search(link.anchor or ""):
                continue
            if url_search and not url_search(link.to_url):
                continue
            verdict, why = _target_verdict(link, targets, hosts, title_search, bool(spec.get("target_not_empty")))
            if verdict == "good":
                return Result("pass", f"找到链接「{link.anchor}」，{why}",
                              (evidence_of(page, f"{link.anchor} → {link.to_url}（{why}）"),))
            seen.setdefault(link.to_url, (verdict, why, page, link))
    where = {"home": "首页", "pages": f"{len(pages)} 个相关页面"}.get(on, _where_all(ctx))
    if seen:
        evidence = tuple(evidence_of(p, f"{l.anchor} → {l.to_url}（{why}）") for _, why, p, l in seen.values())
        verdicts = {v for v, *_ in seen.values()}
        detail = "；".join(f"「{l.anchor}」{why}" for _, why, _, l in list(seen.values())[:MAX_EVIDENCE])
        if verdicts & {"dead", "wrong"}:
            return Result("fail", f"链接存在但{detail}", evidence[:MAX_EVIDENCE], looked_for, where)
        return Result("unknown", f"链接存在但{detail}", evidence[:MAX_EVIDENCE], looked_for, where)
    # Missing from the home page is a fact about the page read; missing from the rest of the site
    # is an absence only a complete crawl can show.
    return Result("fail", "未找到该链接", _evidence(pages) if on == "pages" else (), looked_for, where,
                  not_found=on != "home")


def _where_or_document(params: dict, err, here: str) -> None:
    if ("where" in params) == ("document" in params):
        raise err(here, "give exactly one of where (pages) or document (type, and optionally year, own)")
    doc = params.get("document")
    if doc is not None and (not isinstance(doc, dict) or "type" not in doc or set(doc) - {"type", "year", "own"}):
        raise err(f"{here}.document", "must be a mapping with type (and optionally year, own)")


@matcher("mentions", params=("where", "document", "all", "none", "in_one"), required=("all",), selectors=("where",),
         validate=_where_or_document)
def match_mentions(spec: dict, ctx: Context) -> Result:
    """Pages matching `where`, or documents of a type (`document: {type, year, own}`), mention every
    word of `all` and none of `none`; with `in_one: true` all the words must be in one page,
    not gathered from several (a news item naming one field, a notice naming another). An item of
    `all` that is a list is one requirement written several ways (受理机构/受理单位/工作机构)."""
    banned = _as_list(spec.get("none"))
    # each requirement: its label and the ways it may be written
    reqs = [("/".join(w), tuple(w)) if isinstance(w, list) else (w, (w,)) for w in _as_list(spec["all"])]
    words = [label for label, _ in reqs]

    def has(page_text: str, label: str) -> bool:
        return any(way in page_text for way in dict(reqs)[label])

    if "document" in spec:
        doc = spec["document"]
        year = int(doc["year"]) if str(doc.get("year", "")).strip() else None
        found = [p for p, _ in documents_matching(ctx, set(_as_list(doc["type"])), year, doc.get("own", True), {})[0]]
        scope = f"{year}年" * bool(year) + "/".join(_as_list(doc["type"]))
    else:
        found = select(ctx.pages, spec["where"])
        scope = describe(spec["where"])
    looked_for = f"{scope}；须包含：{'、'.join(words)}" + (f"；不得含：{'、'.join(banned)}" if banned else "")
    if not found:
        return Result("fail", "未找到相关页面", (), looked_for, _where_all(ctx), not_found=True)

    def text(p: PageRecord) -> str:
        return p.title + "\n" + p.text

    if spec.get("in_one"):
        complete = [p for p in found if all(has(text(p), w) for w in words)]
        if not complete:
            best = max(found, key=lambda p: sum(has(text(p), w) for w in words))
            missing = [w for w in words if not has(text(best), w)]
            return Result("fail", f"没有一个页面同时包含全部内容；最接近的「{best.title}」缺少：{'、'.join(missing)}",
                          _evidence([best, *found])[:MAX_EVIDENCE], looked_for)
        used = complete
    else:
        corpus = "\n".join(text(p) for p in found)
        missing = [w for w in words if not has(corpus, w)]
        if missing:
            return Result("fail", f"缺少内容：{'、'.join(missing)}", _evidence(found), looked_for)
        used = found
    clean = [p for p in used if not any(b in text(p) for b in banned)]
    if not clean:
        hits = sorted({b for p in used for b in banned if b in text(p)})
        return Result("fail", f"含有不应出现的内容：{'、'.join(hits)}", _evidence(used), looked_for)
    return Result("pass", f"已包含：{'、'.join(words)}" + ("（同一页面）" if spec.get("in_one") else ""), _evidence(clean))
