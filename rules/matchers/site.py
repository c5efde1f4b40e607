"""Matchers over the site as a whole (国办秘函〔2019〕19号): footer IDs, broken links, freshness, blank columns."""

from __future__ import annotations

import datetime as dt

from rules.matchers.base import MAX_EVIDENCE, Context, _as_list, _evidence, _where_all, matcher
from rules.model import PageRecord, Result, evidence_of, why_not_fetched
from rules.vocab import BROKEN_STATUSES, UNDETERMINED_STATUSES


FOOTER_FIELDS = {
    "site_code": "网站标识码",
    "icp": "ICP备案编号",
    "police_code": "公安机关备案号",
    "conac": "党政机关网站标识",
}


@matcher("footer", params=("require",), self_judging=True, basis="国办秘函〔2019〕19号")
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


@matcher("broken_links", params=("on", "max"), basis="国办秘函〔2019〕19号")
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
    checked: set[str] = set()  # in-scope links whose target the crawl fetched (or tried to)
    for page in pages:
        for link in page.links:
            if link.in_scope and link.target_fetch_status is not None:
                checked.add(link.to_url)
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
    if not checked:
        return Result("unknown", f"{where}没有目标已抓取的站内链接，无从检查错链", (), "可访问的链接", where)
    return Result("pass", f"{where}无错链（检查 {len(checked)} 个站内链接）", count=len(broken))


@matcher("home_fresh", params=("days",), self_judging=True, basis="国办秘函〔2019〕19号")
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


@matcher("blank_columns", params=("max",), basis="国办秘函〔2019〕19号")
def match_blank_columns(spec: dict, ctx: Context) -> Result:
    """Count list pages with no item at all (空白栏目); JS-built lists are not counted blank."""
    limit = int(spec.get("max", 4))
    blank = [p for p in ctx.pages if p.ok and p.kind == "list" and not p.list_items and not p.script_built]
    if len(blank) > limit:
        return Result("fail", f"{len(blank)} 个空白栏目（上限 {limit}）", _evidence(blank), "非空栏目",
                      count=len(blank))
    lists = sum(1 for p in ctx.pages if p.ok and p.kind == "list")
    if not lists:
        return Result("unknown", "本次抓取没有读到任何栏目列表页，无从检查空白栏目", (), "栏目列表页", _where_all(ctx))
    return Result("pass", f"空白栏目 {len(blank)} 个（共检查 {lists} 个栏目页）", count=len(blank))


@matcher("stale_columns", params=("types", "max"), required=("types",), basis="国办秘函〔2019〕19号")
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
    if checked == 0:
        # No column of a known type was read: nothing was examined, so this cannot pass.
        return Result("unknown", "未找到可按类型判断更新时限的栏目（已检查 0 个）", (),
                      "、".join(spec["types"]) + "等类型的栏目", _where_all(ctx))
    if len(stale) > limit:
        return Result("fail", f"{len(stale)} 个栏目超期未更新：" + "；".join(w for _, w in stale), evidence,
                      f"超期未更新栏目不超过 {limit} 个", f"已检查 {checked} 个栏目", count=len(stale))
    return Result("pass", f"超期未更新栏目 {len(stale)} 个（已检查 {checked} 个）", evidence, count=len(stale))


