"""Generate the sample portals: Meizhou-style sites with planted, recorded defects.

Every unit of the registry gets the content the rule catalogue looks for; the defects in
defects.yaml are planted on purpose and written into the unit's profile (the ground truth
audits are scored against). Seeded and deterministic: no wall-clock date is used.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import random
import zlib

from audits.demo import families, lookalikes
from audits.demo.annual import FLAWS, report_html, report_numbers, report_pdf
from audits.demo.model import Resource, SampleUnit, Site, World
from audits.demo.pages import Builder, fmt_date
from audits.demo.registry import (CITY_HOST_KEY, check_registry, city_footer, city_of, department_base, load_defects,
                                  load_registry, style_for)

AS_OF = dt.date(2021, 12, 20)
OUTSIDE = "outside"
# Planted defects: unit -> [(profile item, state, rule ids that must report it, detail)].
# A state of js_only, unreachable or unreadable expects 'unknown'; every other state expects 'fail'.
DEFECTS = load_defects()
JC_DOMAINS = ["城乡规划", "重大建设项目", "公共资源交易", "财政预决算", "安全生产", "税收管理", "征地补偿",
              "国有土地上房屋征收与补偿", "农村危房改造", "环境保护", "公共文化服务", "公共法律服务", "扶贫", "救灾",
              "社会救助", "养老服务", "户籍管理", "涉农补贴", "义务教育", "卫生健康", "市政服务", "就业", "社会保险",
              "食品药品监管", "城市综合执法", "保障性住房"]
# Departments the plan gives extra duties; a department not listed here has none of them.
MARKET_LEADS = {"mz-fgj", "mz-swj", "mz-scjgj"}  # 市场准入负面清单, 行政执法公示
PUBLIC_ENTERPRISE = {"mz-jyj", "mz-sthjj", "mz-zjj", "mz-jtysj", "mz-wjj", "mz-gxj"}  # 公共企事业单位信息公开
FINANCE_LEADS = {"mz-czj"}  # plan tasks 7-8: 政府债务, 惠民惠农 (the finance bureau leads)
HEALTH_LEADS = {"mz-wjj"}  # plan tasks 10-12: 疫情防控, 爱国卫生 (the health commission leads)
GKML_SID = "753003"  # a gkmlpt site id: city area code 0753 + a unit suffix (GD.GKML.09)



def build_world(seed: int = 2021, as_of: dt.date = AS_OF, registry: list[dict] | None = None) -> World:
    """Build every sample site and unit of `registry` (unit dicts as in the units YAML; default:
    the shipped Meizhou registry). Pure and deterministic for a given seed and registry."""
    registry = load_registry() if registry is None else list(registry)
    check_registry(registry)
    # Department sections live inside the city portal's site, as in reality.
    city = city_of(registry)
    city_key = city["id"] if city else CITY_HOST_KEY
    city_host = f"{city['name']}办公室" if city else "市人民政府办公室"
    sites: dict[str, Site] = {OUTSIDE: Site(OUTSIDE)}
    if city or any(e["kind"] == "municipal-department" for e in registry):
        sites = {city_key: Site(city_key, robots_disallow=["/search/", "/admin/"]), **sites}
    taken = {"/"}  # section paths in use on the city site
    units: list[SampleUnit] = []
    for entry in registry:
        uid, kind = entry["id"], entry["kind"]
        rng = random.Random(seed * 1000 + zlib.crc32(uid.encode()))
        defects = {item: state for item, state, _, _ in DEFECTS.get(uid, [])}
        on_city_site = kind == "municipal-department" or entry is city
        if on_city_site:
            # A section shares the portal's look; the per-unit quirks stay with the portal.
            style = dataclasses.replace(style_for(city_key), hostile_title=False, pdf_report=False)
            site = sites[city_key]
            base = "/" if entry is city else department_base(entry, taken)
            taken.add(base)
        else:
            if uid in sites:
                raise ValueError(f"unit {uid}: its id is already a site key of the sample world")
            style = style_for(uid)
            # Only a site of its own can be down: department sections share the city's.
            site = sites[uid] = Site(uid, robots_disallow=["/admin/"], down=defects.get("site") == "unreachable")
            base = "/"
        # The rng draws below are in a fixed order: changing it changes every page of the world.
        footer = {
            "host": f"{entry['name']}办公室", "phone": f"{2000000 + rng.randint(0, 999999)}", "site_code": style.site_code,
            "site_code_meta": style.site_code_meta, "no_colon": style.no_colon,
            "icp": f"粤ICP备{10000000 + rng.randint(0, 8999999)}号-1",
            "police": None if "footer:police_code" in defects else f"粤公网安备{44140000000000 + rng.randint(0, 999999)}号",
            "conac": True,
            "index_prefix": f"1144{rng.randint(100000000, 999999999)}{rng.choice('ABCDEFGHJKLMNPQRTUWXY')}"[:18].ljust(18, "0"),
        }
        if on_city_site:
            city_ids = city_footer(city_key)
            footer.update(host=city_host, phone=city_ids["phone"], icp=city_ids["icp"],
                          police=None if "footer:police_code" in defects else city_ids["police"])
        unit = SampleUnit(id=uid, name=entry["name"], short_name=entry.get("short_name", "") or "", kind=kind,
                          site=site.key, base=base, template=style.template, encoding=style.encoding, footer=footer,
                          acts_for=tuple(entry.get("acts_for", []) or ()), aliases=tuple(entry.get("aliases", []) or ()))
        b = Builder(as_of, site, unit, rng, style)
        if unit.kind == "municipal-department":
            _build_department(b, defects)
        else:
            _build_portal(b, defects)
        unit.profile = _profile(DEFECTS.get(uid, []))
        units.append(unit)
    _build_outside(sites[OUTSIDE])
    return World(seed=seed, as_of=as_of, sites=sites, units=units)


def _profile(defects: list[tuple[str, str, list[str], str]]) -> list[dict]:
    items = [{"item": item, "state": state, "rules": rules, "detail": detail,
              "expect": "unknown" if state in ("js_only", "unreachable", "unreadable") else "fail"}
             for item, state, rules, detail in defects]
    if not items:
        items.append({"item": "all", "state": "ok", "rules": [], "detail": "所有可自动检查的项目均符合", "expect": "pass"})
    return items


def _build_outside(site: Site) -> None:
    for path, title in [("/", "外部网站"), ("/zcwd/", "国务院政策问答平台"), ("/beian", "备案"), ("/gongan", "公安备案"),
                        ("/conac", "党政机关网站标识"), ("/wechat", "政务新媒体")]:
        site.resources[path] = Resource(200, f"<html><title>{title}</title><body>{title}</body></html>".encode(),
                                        "text/html; charset=utf-8", title=title)


# --- portals ---------------------------------------------------------------------------

def _items(b: Builder, path: str, titles: list[str], newest: int, step: int = 9) -> list[tuple[str, str, dt.date]]:
    """Dated items of a column, newest `newest` days before as_of, each an article page."""
    out = []
    for i, t in enumerate(titles):
        date = b.d(newest + i * step + b.rng.randint(0, 2) * (1 if i else 0))
        out.append((t, f"{path}{date:%Y%m}/t{date:%Y%m%d}_{i + 1}.html", date))
    return out


def _column(b: Builder, path: str, name: str, parent: list[tuple[str, str | None]], titles: list[str], newest: int,
            *, text: str = "", step: int = 9, empty: bool = False, js_only: bool = False,
            relative_links: bool = False, extra: list[tuple[str, str, dt.date]] = ()) -> list[tuple[str, str, dt.date]]:
    """`extra`: items whose pages are already written (look-alikes), listed among the column's own."""
    crumbs = parent + [(name, None)]
    items = [] if empty else _items(b, path, titles, newest, step)
    listed = sorted(items + list(extra), key=lambda x: x[2], reverse=True) if extra else items
    shown = [(t, (h.replace(path, "./") if relative_links else h), dd) for t, h, dd in listed]
    b.list_page(path + "index.html", name, crumbs, shown, js_only=js_only)
    for t, h, dd in items:
        b.article(h, t, parent + [(name, path + "index.html")], dd, text or f"<p>{t}。</p><p>特此公告。</p>")
    return items


def _build_portal(b: Builder, defects: dict[str, str]) -> None:
    u, site, nm = b.unit, b.site, b.unit.short_name or b.unit.name
    home = [("首页", "/")]
    stale = "columns:stale" in defects
    cols: list[tuple[str, str]] = []

    def col(name: str, path: str) -> None:
        cols.append((name, path + "index.html"))

    xxgk_root = "/gkmlpt/" if u.template == "gkmlpt" else "/zwgk/xxgk/"
    nav = [("要闻动态", "/zwgk/ywdt/"), ("通知公告", "/zwgk/tzgg/"), ("政策文件", "/zwgk/zcwj/"), ("政策解读", "/zwgk/zcjd/"),
           ("规划计划", "/zwgk/ghjh/"), ("财政预决算", "/zwgk/czyjs/"), ("政府债务", "/zwgk/zfzw/"), ("惠民惠农", "/zwgk/hmhn/"),
           ("疫情防控", "/zwgk/yqfk/"), ("行政执法公示", "/zwgk/xzzf/"), ("行政法规", "/zwgk/flfg/"), ("政务新媒体", "/zwgk/xmt/"),
           (_zl_name(defects), xxgk_root), ("回应关切", "/hdjl/hygz/"), ("互动交流", "/hdjl/wmly/")]
    if stale:
        nav.insert(1, ("工作动态", "/zwgk/gzdt/"))
    if u.kind == "county":
        nav.append(("基层政务公开标准目录", "/zwgk/jczw/"))
    if u.kind == "municipal-government":
        nav.insert(0, ("政府公报", "/zwgk/zfgb/"))
    blank = [("统计信息", "/zwgk/tjxx/"), ("招标采购", "/zwgk/zbcg/"), ("重大项目", "/zwgk/zdxm/"),
             ("审计结果", "/zwgk/sjjg/"), ("征集调查", "/hdjl/zjdc/")] if "columns:blank" in defects else []
    for name, path in nav + blank:
        col(name, path)
    b.columns = cols
    zw = home + [("政务公开", None)]

    news_extra = []  # look-alikes: news naming what a required document should hold
    if defects.get("jc:目录") == "news":
        news_extra += lookalikes.plant(b, "domains_news", nm, "/zwgk/ywdt/", home, "要闻动态", JC_DOMAINS)
    if defects.get("debt:fields") == "incomplete":
        news_extra += lookalikes.plant(b, "debt_words", nm, "/zwgk/ywdt/", home, "要闻动态")
    news = _column(b, "/zwgk/ywdt/", "要闻动态", home, [f"{nm}召开第{n}次政府常务会议" for n in range(12, 0, -1)],
                   40 if stale else (30 if "homepage:freshness" in defects else 2), step=4, extra=news_extra)
    if stale:
        _column(b, "/zwgk/gzdt/", "工作动态", home, [f"{nm}开展安全生产检查{n}" for n in range(1, 4)], 35)
    tz_titles = [f"关于做好{x}工作的通知" for x in ("防汛", "森林防火", "安全生产", "人口普查", "冬季供暖", "疫苗接种")]
    hostile = '<script>alert("xss")</script><img src=x onerror=alert(2)>' if b.style.hostile_title else ""
    tz_titles.insert(2, f"关于开展爱国卫生运动的通知{hostile}")  # crawled text that must stay text in reports
    if u.kind == "municipal-government":
        tz_titles.append("关于公共企事业单位信息公开工作的通知")
    notices = _column(b, "/zwgk/tzgg/", "通知公告", zw, tz_titles, 200 if stale else (20 if "homepage:freshness" in defects else 6),
                      relative_links=True)
    policy_titles = [f"{nm}关于促进民营经济发展的若干措施", f"{nm}建设高标准市场体系行动方案落实举措",
                     f"{nm}关于加强行政执法信息公开工作的通知"]
    if "negative_list" not in defects:
        policy_titles.insert(1, "关于转发《市场准入负面清单（2020年版）》的通知")
    policies = _column(b, "/zwgk/zcwj/", "政策文件", zw, policy_titles, 220 if stale else 20, step=30)
    # 政策解读: each links back to its policy document (原文).
    jd_items = _items(b, "/zwgk/zcjd/", [f"一图读懂《{t[:20]}》" for t, _, _ in policies[:3]], 18, step=30)
    b.list_page("/zwgk/zcjd/index.html", "政策解读", zw + [("政策解读", None)], jd_items)
    for (t, h, dd), (pt, ph, _) in zip(jd_items, policies):
        b.article(h, t, zw + [("政策解读", "/zwgk/zcjd/index.html")], dd, f"<p>{t}：政策背景、出台目的和重要举措。</p>",
                  related=[(f"政策原文：{pt}", ph)])
    plan_titles = [f"{nm}国土空间总体规划（2021-2035年）", f"{nm}“十四五”交通运输专项规划"]
    if "plan:十四五规划纲要" not in defects:
        plan_titles.insert(0, f"{nm}国民经济和社会发展第十四个五年规划和2035年远景目标纲要")
    reposted = (lookalikes.plant(b, "outline_repost", nm, "/zwgk/ghjh/", zw, "规划计划")
                if defects.get("plan:十四五规划纲要") == "repost" else [])
    for item, kind, word in (("plan:国土空间规划", "land_plan_draft", "国土空间"), ("plan:专项规划", "special_plan_draft", "专项规划")):
        if defects.get(item) == "draft":  # the plan replaced by its draft for comment
            plan_titles = [t for t in plan_titles if word not in t]
            reposted += lookalikes.plant(b, kind, nm, "/zwgk/ghjh/", zw, "规划计划")
    _column(b, "/zwgk/ghjh/", "规划计划", zw, plan_titles, 400 if stale else 90, step=40, extra=reposted)
    fin_titles = [f"{nm}2021年财政预算报告", f"{nm}2020年财政决算报告", f"{nm}2021年部门预算汇总"]
    if defects.get("budget:2021") == "lookalike":
        fin_titles = [t for t in fin_titles if "2021年" not in t]
    fin = _items(b, "/zwgk/czyjs/", fin_titles, 150, step=20)
    fin_extra = lookalikes.plant(b, "budget", nm, "/zwgk/czyjs/", zw, "财政预决算") if defects.get("budget:2021") == "lookalike" else []
    # A family whose lists page by script: the budgets and final accounts only behind the pager.
    bulletins = families.padding(b, "/zwgk/czyjs/", nm) if u.template in families.PAGED else []
    b.list_page("/zwgk/czyjs/index.html", "财政预决算", zw + [("财政预决算", None)],
                sorted(bulletins + fin + fin_extra, key=lambda x: x[2], reverse=True))
    for t, h, dd in bulletins:
        b.article(h, t, zw + [("财政预决算", "/zwgk/czyjs/index.html")], dd, f"<p>{t}：全县一般公共预算收支情况。</p>")
    for t, h, dd in fin:
        b.article(h, t, zw + [("财政预决算", "/zwgk/czyjs/index.html")], dd, f"<p>{t}全文见附件。</p>",
                  attachments=[("附件：报告全文.pdf", f"{h.rsplit('/', 1)[0]}/{h.rsplit('/', 1)[1][:-5]}.pdf")])
    debt = ("<p>2021年全区政府债务限额为35.6亿元，其中一般债务限额12.1亿元、专项债务限额23.5亿元；债务余额为31.2亿元。</p>"
            "<p>新增债券期限为10年，利率3.25%。偿还计划：按年度预算安排还本付息。</p>")
    debt += ("<p>偿还资金来源：一般债务由一般公共预算收入偿还，专项债务由对应项目收益和政府性基金收入偿还。</p>"
             if "debt:fields" not in defects else "")
    if "debt:fields" in defects:
        debt = debt.replace("，利率3.25%", "")
    _column(b, "/zwgk/zfzw/", "政府债务", zw, [f"{nm}2021年政府债务限额和余额情况"], 60, text=debt)
    about_hmhn = defects.get("hmhn") == "about"  # only a clean-up campaign's notice and meeting
    _column(b, "/zwgk/hmhn/", "惠民惠农", zw, [] if about_hmhn else ["2021年惠民惠农财政补贴资金发放情况公示", "2021年耕地地力保护补贴发放名单"],
            25, extra=lookalikes.plant(b, "hmhn_about", nm, "/zwgk/hmhn/", zw, "惠民惠农") if about_hmhn else ())
    _column(b, "/zwgk/yqfk/", "疫情防控", home, [f"{nm}新冠疫苗接种安排（第{n}期）" for n in range(6, 0, -1)],
            60 if stale else 3, step=5)
    _column(b, "/hdjl/hygz/", "回应关切", home, ["关于群众反映小区供水问题的回应", "关于学位分配问题的回应"], 40, step=60)
    _column(b, "/hdjl/wmly/", "网民留言", home, [f"关于{x}的留言（已答复）" for x in ("道路维修", "路灯损坏", "噪音扰民", "公交线路")],
            100 if stale else 15, step=12)
    _column(b, "/zwgk/xzzf/", "行政执法公示", zw, ["2021年行政处罚决定信息公示", "2021年行政许可决定信息公示"], 30, step=30)
    _column(b, "/zwgk/flfg/", "行政法规", zw, ["中华人民共和国政府信息公开条例", "优化营商环境条例"], 300, step=200)
    if defects.get("xmt") == "bulletin":
        b.list_page("/zwgk/xmt/index.html", "政务新媒体", zw + [("政务新媒体", None)],
                    lookalikes.plant(b, "new_media_bulletin", nm, "/zwgk/xmt/", zw, "政务新媒体"))
    xmt_links: list[str] = []
    xmt_body = "<h1>政务新媒体</h1><ul class=\"list\">" + "".join(
        f"<li>{b.a('/zwgk/xmt/index.html', 'http://outside.test/wechat', f'{nm}发布（{kind}）', xmt_links)}"
        f"<span>{fmt_date(b.d(300), b.date_style)}</span></li>" for kind in ("微信公众号", "微博", "抖音")) + "</ul>"
    if defects.get("xmt") != "bulletin":
        b.page("/zwgk/xmt/index.html", "政务新媒体", zw + [("政务新媒体", None)], xmt_body, kind="list", links=xmt_links)
    jc: list[tuple[str, str, dt.date]] = []
    if u.kind == "county":
        jc = _build_jc(b, defects)
    if u.kind == "municipal-government":
        issues = [f"{u.name}公报{y}年第{n}期" for y, n in ((2021, 2), (2021, 1), (2020, 4), (2020, 3))]
        stale_gb = "gb:政府公报" in defects  # a fresh subscription notice over stale issues
        _column(b, "/zwgk/zfgb/", "政府公报", home, issues, 200 if stale_gb else 50, step=90,
                extra=lookalikes.plant(b, "gazette_notice", nm, "/zwgk/zfgb/", home, "政府公报") if stale_gb else ())
    for name, path in blank:
        b.list_page(path + "index.html", name, zw + [(name, None)], [])
    _build_xxgk(b, defects, xxgk_root, zw, jc=jc)
    # Awkwardness: a redirect from an old URL, a robots-disallowed page, broken links.
    extra = [("旧版通知公告", "/old/tzgg.html"), ("后台管理", "/admin/login.html")]
    site.resources["/old/tzgg.html"] = Resource(301, b"", "text/html",
                                                headers={"Location": b.served("/zwgk/tzgg/index.html")})
    if "links:home" in defects:
        extra.append(("原通知公告（已失效）", "/zwgk/old-notice.html"))
    if "links:inner" in defects:
        first = b.served(notices[0][1])
        res = site.resources[first]
        doc = res.body.decode("utf-8").replace('<div class="footer">',
                                               '<p><a href="/zwgk/tzgg/missing.html">相关链接</a> <a href="/zwgk/report/error.html">统计报表</a></p><div class="footer">')
        res.body = doc.encode("utf-8")
        res.links += ["/zwgk/tzgg/missing.html", "/zwgk/report/error.html"]
        site.resources["/zwgk/report/error.html"] = Resource(500, "<h1>500 内部错误</h1>".encode(), "text/html; charset=utf-8")
    _home(b, news, notices, extra, dead_wenda=defects.get("link:政策问答") == "dead")


def _build_jc(b: Builder, defects: dict[str, str]) -> list[tuple[str, str, dt.date]]:
    domains = JC_DOMAINS[:-5] + JC_DOMAINS[-3:] if "jc:目录" in defects else JC_DOMAINS  # two domains short
    path = "/zwgk/jczw/"
    crumbs = [("首页", "/"), ("政务公开", None), ("基层政务公开标准目录", None)]
    items = [(f"{b.unit.short_name}{d}领域基层政务公开标准目录", f"{path}ml_{i + 1}.html", b.d(200 + i))
             for i, d in enumerate(domains)]
    b.list_page(path + "index.html", "基层政务公开标准目录", crumbs, items, per_page=30)
    for t, h, dd in items:
        b.article(h, t, crumbs[:-1] + [("基层政务公开标准目录", path + "index.html")], dd,
                  "<table><tr><th>序号</th><th>公开事项</th><th>公开内容</th><th>公开依据</th><th>公开时限</th>"
                  "<th>公开主体</th><th>公开渠道和载体</th><th>公开对象</th><th>公开方式</th><th>公开层级</th></tr>"
                  "<tr><td>1</td><td>政策文件</td><td>相关政策</td><td>《政府信息公开条例》</td><td>信息形成或者变更之日起20个工作日内</td>"
                  "<td>县级部门</td><td>政府网站</td><td>全社会</td><td>主动</td><td>县级</td></tr></table>")
    return items


GUIDE_TEXT = ("<p>一、本机关政府信息公开工作机构为{host}，办公地址：{addr}，办公时间：工作日上午8:30-12:00，下午14:30-17:30，"
              "联系电话：0753-{phone}，传真：0753-{phone}，电子邮箱：zwgk@example.gov.cn。</p>"
              "<p>二、政府信息的分类与编排体系、获取方式。申请人可通过在线申请、信函申请、当面申请等方式提出政府信息公开申请。</p>")
FEE_TEXT = "<p>三、收费标准：依照《政府信息公开信息处理费管理办法》，申请数量、频次明显超过合理范围的，可以收取信息处理费。</p>"
def _zl_name(defects: dict[str, str]) -> str:
    # 国办公开办函〔2019〕61号 renamed the 专栏 政府信息公开; some portals still call it 政务公开.
    return "政务公开" if defects.get("zl:名称") == "old_name" else "政府信息公开"


def _build_xxgk(b: Builder, defects: dict[str, str], root: str, parent: list[tuple[str, str | None]], *,
                jc: list[tuple[str, str, dt.date]] = ()) -> None:
    """The 政府信息公开 专栏 with its sub-columns (gkmlpt-like portals keep it under /gkmlpt/);
    `jc`: the county's 基层政务公开标准目录 items, a category of a full gkmlpt directory."""
    u = b.unit
    name_zl = _zl_name(defects)
    zl_crumbs = parent + [(name_zl, root + "index.html")]
    subs = [("政府信息公开指南", "zn/"), ("政府信息公开制度", "zd/"), ("法定主动公开内容", "fdzdgknr/"),
            ("政府信息公开年报", "nb/"), ("依申请公开", "ysqgk/")]
    # 专栏 index: links to each sub-column.
    links: list[str] = []
    body = f"<h1>{name_zl}</h1><ul class=\"zl-menu\">" + "".join(
        f"<li>{b.a(root + 'index.html', root + p + 'index.html', n, links)}</li>" for n, p in subs) + "</ul>"
    # A gkmlpt directory: the tree and the site id in window._CONFIG, lists behind a JSON API.
    gkml = (b.style.gkml_config or "json") if u.template == "gkmlpt" and (
        b.style.gkml_config or defects.get("zl:法定主动公开内容") == "js_only") else ""
    # 指南
    guide_empty = defects.get("zl:政府信息公开指南") == "empty"
    guide_items = [] if guide_empty else [(f"{u.name}政府信息公开指南", f"{root}zn/guide.html", b.d(120))]
    b.list_page(root + "zn/index.html", "政府信息公开指南", zl_crumbs + [("政府信息公开指南", None)], guide_items)
    if not guide_empty:
        text = GUIDE_TEXT.format(host=u.footer["host"], addr=f"{u.short_name or u.name}政务大楼", phone=u.footer["phone"])
        if "zl:指南:信息处理费" not in defects:
            text += FEE_TEXT
        b.article(guide_items[0][1], guide_items[0][0], zl_crumbs + [("政府信息公开指南", root + "zn/index.html")],
                  guide_items[0][2], text)
    _column(b, root + "zd/", "政府信息公开制度", zl_crumbs,
            ["政府信息公开保密审查制度", "政府信息公开申请办理制度"], 300, step=40,
            empty=defects.get("zl:政府信息公开制度") == "empty")
    fd_items = _items(b, root + "fdzdgknr/", ["机构职能", "领导信息", "权责清单", "人事信息"], 30, step=40)
    api: list[str] = []
    if gkml:
        # The JSON form lists the one category; the JavaScript literal is a fuller directory: the
        # 基层目录 too (long enough for several API pages) and a node that only links elsewhere.
        categories = [(101, "法定主动公开内容", fd_items)] + ([(102, "基层政务公开标准目录", list(jc))] if gkml == "js" and jc else [])
        script, api = families.gkml_directory(b, root, gkml, b.style.gkml_sid or GKML_SID, categories,
                                              links=[("政策解读", "/zwgk/zcjd/index.html")] if gkml == "js" else [])
        body += script
    b.page(root + "index.html", name_zl, parent + [(name_zl, None)], body, kind="list", links=links,
           meta=f'<meta name="ColumnName" content="{name_zl}">')
    b.site.resources[b.served(root + "index.html")].api_links = api
    js_only = defects.get("zl:法定主动公开内容") == "js_only"
    b.list_page(root + "fdzdgknr/index.html", "法定主动公开内容", zl_crumbs + [("法定主动公开内容", None)], fd_items, js_only=js_only)
    for t, h, dd in fd_items:
        b.article(h, t, zl_crumbs + [("法定主动公开内容", root + "fdzdgknr/index.html")], dd, f"<p>{t}。</p>")
    # 年报: governments by 03-31, departments by 01-31.
    reports = []
    lookalike_reports = []
    for year in (2019, 2020):
        state = defects.get(f"annual_report:{year}")
        if state in ("notice", "others_only"):
            lookalike_reports += lookalikes.annual_reports(
                b, state, year, root, zl_crumbs + [("政府信息公开年报", root + "nb/index.html")])
        if state in ("missing", "notice", "others_only"):
            continue
        if state == "late":
            published = dt.date(year + 1, 4, 20) if u.kind != "municipal-department" else dt.date(year + 1, 2, 20)
        else:
            published = dt.date(year + 1, 3, 20) if u.kind != "municipal-department" else dt.date(year + 1, 1, 22)
        reports.append((f"{u.name}{year}年政府信息公开工作年度报告", f"{root}nb/{year}.html", published))
    reports.sort(key=lambda r: r[2], reverse=True)
    b.list_page(root + "nb/index.html", "政府信息公开年报", zl_crumbs + [("政府信息公开年报", None)],
                sorted(reports + lookalike_reports, key=lambda r: r[2], reverse=True))
    numbers = {2019: report_numbers(b.rng)}
    carried = numbers[2019]["table3"]["carried_out"]
    if "annual_report:carryover" in defects:
        carried = [x + 1 for x in carried]
    numbers[2020] = report_numbers(b.rng, carried_in=carried)
    for t, h, dd in reports:
        year = int(t.split("年政府信息公开")[0][-4:])
        flaw = next((key.rsplit(":", 1)[1] for key in defects if key.startswith(f"annual_report:{year}:")), None)
        crumbs = zl_crumbs + [("政府信息公开年报", root + "nb/index.html")]
        if b.style.pdf_report and year == 2020:
            # Published as a PDF attachment, as many units do: the page itself holds no table.
            pdf_path = h[:-5] + ".pdf"
            b.site.resources[pdf_path] = Resource(200, report_pdf(u.name, year, numbers[year]), "application/pdf",
                                                  kind="attachment", title=pdf_path)
            b.article(h, t, crumbs, dd, "<p>报告全文见附件。</p>", attachments=[(f"附件：{t}.pdf", pdf_path)])
            continue
        body = report_html(u.name, year, numbers[year], flaw if flaw in FLAWS else None)
        body = body.split("</h1>", 1)[1]  # article() writes the title itself
        b.article(h, t, crumbs, dd, body)
    ysq = [("政府信息公开申请表", f"{root}ysqgk/form.html", b.d(400)), ("依申请公开办理流程", f"{root}ysqgk/flow.html", b.d(400))]
    if defects.get("zl:依申请公开") == "empty":
        ysq = []  # the column is there, with neither form nor procedure
    b.list_page(root + "ysqgk/index.html", "依申请公开", zl_crumbs + [("依申请公开", None)], ysq)
    for t, h, dd in ysq:
        b.article(h, t, zl_crumbs + [("依申请公开", root + "ysqgk/index.html")], dd,
                  f"<p>{t}：申请人可在线申请或下载申请表。</p>", attachments=[("申请表下载.pdf", "form.pdf")])
    if b.unit.kind == "municipal-department":
        b.columns.append(("依申请公开", root + "ysqgk/index.html"))


def _home(b: Builder, news: list, notices: list, extra: list[tuple[str, str]], dead_wenda: bool = False) -> None:
    u = b.unit
    path = u.base
    links: list[str] = []
    block = [(t, h, dd) for t, h, dd in sorted(news[:6] + notices[:4], key=lambda x: x[2], reverse=True)]
    items = "".join(f'<li>{b.a(path, h, t, links)}<span class="date">{fmt_date(dd, b.date_style)}</span></li>' for t, h, dd in block)
    # The State Council's platform at its real address: off-site, so never fetched, and the
    # rule (JD-003) checks the host it leads to.
    # `dead_wenda`: the label kept, the link leading to a page that is gone (a look-alike of the platform).
    outside = b.a(path, "/zcwd/index.html" if dead_wenda else "http://www.gov.cn/zhengce/wenda/", "国务院政策问答平台", links)
    ext = "".join(b.a(path, p, n, links) + " " for n, p in extra)
    body = (f'<div class="news"><h3>要闻</h3><ul class="news-block">{items}</ul></div>'
            f'<div class="links">{outside} {b.a(path, "/hdjl/wmly/index.html", "在线咨询", links)} {ext}</div>')
    b.page(path, "首页", [("首页", None)], body, kind="home", links=links)


# --- departments -----------------------------------------------------------------------

def _build_department(b: Builder, defects: dict[str, str]) -> None:
    u, base = b.unit, b.unit.base
    home = [("首页", "/"), ("政务公开", "/zwgk/"), (u.name, base)]
    b.columns = [("首页", "/"), (u.short_name, base)]
    cols: list[tuple[str, str]] = []
    nm = u.short_name.removeprefix("市")
    tz_titles = [f"{u.name}关于做好{x}工作的通知" for x in ("年度考核", "安全生产", "信息报送", "节假日值班")]
    tz_extra = []
    if u.id in PUBLIC_ENTERPRISE and defects.get("gqsy") == "repost":
        tz_extra = lookalikes.plant(b, "gqsy_repost", nm, base + "tzgg/", home, "通知公告")
    elif u.id in PUBLIC_ENTERPRISE:
        tz_titles.append(f"{nm}领域公共企事业单位信息公开工作情况")
    notices = _column(b, base + "tzgg/", "通知公告", home, tz_titles, 4, step=20, extra=tz_extra)
    cols.append(("通知公告", base + "tzgg/index.html"))
    p_titles = [f"{u.name}行政规范性文件管理办法", f"{u.name}2021年工作要点"]
    p_extra = []
    if u.id in MARKET_LEADS:
        p_titles += ["关于转发《市场准入负面清单（2020年版）》的通知", "建设高标准市场体系行动方案落实举措"]
        if defects.get("mkt:落实举措") == "repost":  # the national plan reposted instead of own measures
            p_titles.pop()
            p_extra = lookalikes.plant(b, "mkt_repost", nm, base + "zcwj/", home, "政策文件")
    policies = _column(b, base + "zcwj/", "政策文件", home, p_titles, 30, step=30, extra=p_extra)
    cols.append(("政策文件", base + "zcwj/index.html"))
    if defects.get("column:政策解读") == "empty":
        b.list_page(base + "zcjd/index.html", "政策解读", home + [("政策解读", None)], [])
    else:
        jd = _items(b, base + "zcjd/", [f"《{policies[0][0]}》政策解读"], 28)
        b.list_page(base + "zcjd/index.html", "政策解读", home + [("政策解读", None)], jd)
        b.article(jd[0][1], jd[0][0], home + [("政策解读", base + "zcjd/index.html")], jd[0][2],
                  "<p>解读：背景、目的和主要内容。</p>", related=[(f"政策原文：{policies[0][0]}", policies[0][1])])
    cols.append(("政策解读", base + "zcjd/index.html"))
    final_notice = defects.get("final:2020") == "notice"  # a notice and an older year instead of 2020's
    fin_titles = [] if final_notice else [f"{u.name}2020年部门决算"]
    if "budget:2021:部门预算" not in defects:
        fin_titles.insert(0, f"{u.name}2021年部门预算")
    _column(b, base + "czyjs/", "财政预决算", home, fin_titles, 140, step=100,
            extra=lookalikes.plant(b, "final_notice", nm, base + "czyjs/", home, "财政预决算") if final_notice else ())
    cols.append(("财政预决算", base + "czyjs/index.html"))
    if "column:法律法规" not in defects:
        _column(b, base + "flfg/", "法律法规", home, ["中华人民共和国政府信息公开条例", f"{nm}相关法律法规汇编"], 200, step=100)
        cols.append(("法律法规", base + "flfg/index.html"))
    if u.id in FINANCE_LEADS:
        debt = ("<p>2021年全市政府债务限额为412.3亿元，其中一般债务限额150.2亿元、专项债务限额262.1亿元；债务余额为"
                "389.5亿元。</p><p>新增债券期限为10年，利率3.25%。偿还计划：按年度预算安排还本付息。</p>"
                "<p>偿还资金来源：一般债务由一般公共预算收入偿还，专项债务由对应项目收益和政府性基金收入偿还。</p>")
        _column(b, base + "zfzw/", "政府债务", home, ["梅州市2021年政府债务限额和余额情况"], 60, text=debt)
        _column(b, base + "hmhn/", "惠民惠农", home, ["2021年全市惠民惠农财政补贴资金发放情况公示"], 25)
        cols += [("政府债务", base + "zfzw/index.html"), ("惠民惠农", base + "hmhn/index.html")]
    if u.id in HEALTH_LEADS:
        _column(b, base + "yqfk/", "疫情防控", home, [f"全市新冠疫苗接种安排（第{n}期）" for n in range(4, 0, -1)], 3, step=5)
        _column(b, base + "agws/", "爱国卫生", home, ["梅州市2021年爱国卫生运动工作方案"], 45)
        cols += [("疫情防控", base + "yqfk/index.html"), ("爱国卫生", base + "agws/index.html")]
    # Task 22 asks every department (市直各单位) to respond to public concerns.
    hygz_notice = defects.get("hygz") == "notice"  # the last response long ago, a fresh notice on top
    _column(b, base + "hygz/", "回应关切", home, [f"关于{nm}领域群众关切问题的回应"], 250 if hygz_notice else 50,
            extra=lookalikes.plant(b, "hygz_notice", nm, base + "hygz/", home, "回应关切") if hygz_notice else ())
    cols.append(("回应关切", base + "hygz/index.html"))
    if u.id in MARKET_LEADS:
        empty = defects.get("column:行政执法公示") == "empty"
        _column(b, base + "xzzf/", "行政执法公示", home, ["行政处罚决定信息公示", "行政检查结果公示"], 20, step=20, empty=empty)
        cols.append(("行政执法公示", base + "xzzf/index.html"))
    b.columns += cols
    _build_xxgk(b, defects, base + "xxgk/", home)
    links: list[str] = []
    news = sorted(notices, key=lambda x: x[2], reverse=True)[:5]
    items = "".join(f'<li>{b.a(base, h, t, links)}<span class="date">{fmt_date(dd, b.date_style)}</span></li>' for t, h, dd in news)
    if defects.get("link:咨询") == "phone_only":
        # A phone number printed as a link to a contact page: not a consultation channel.
        consult = b.a(base, base + "lxwm.html", f"咨询电话：0753-{u.footer['phone']}", links)
        b.article(base + "lxwm.html", "联系我们", home, b.d(300),
                  f"<p>地址：{html.escape(u.name)}办公楼</p><p>电话：0753-{u.footer['phone']}</p>",
                  lookalike="印成链接的咨询电话，不是咨询渠道")
    else:
        consult = b.a(base, "/hdjl/wmly/index.html", "咨询投诉", links)
    # the section's 政府信息公开 专栏, entered from its home page as on a portal
    zl = b.a(base, base + "xxgk/index.html", "政府信息公开", links)
    body = f'<h1>{html.escape(u.name)}</h1><ul class="news-block">{items}</ul><p>{consult} {zl}</p>'
    b.page(base, u.name, home[:-1] + [(u.name, None)], body, kind="home", links=links)
