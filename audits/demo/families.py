"""CMS families of the sample world beyond the generic one: how each writes its lists, its
further list pages and its article metadata, as the real platforms do (crawler/cms.py reads them).

* TRS WCM (`trs`): articles at `…/YYYYMM/tYYYYMMDD_NNNNNN.html` with ArticleTitle / PubDate /
  ColumnName / ContentSource metas; a list's further pages `index_1.html … index_{n-1}.html`
  exist only in its pager script `createPageHTML(n, current, "index", "html")`.
* 大汉 Hanweb JCMS (`hanweb`): columns at `/col/colN/index.html`, articles at
  `/art/Y/M/D/art_N_ID.html`; a list's first record group is CDATA inside
  `<script type="text/xml"><datastore>`, the others come from a POST to
  `/module/web/jpage/dataproxy.jsp?startrecord=…&endrecord=…&perpage=…` (a bare datastore).
* 中国政府网-style 信息公开 table and 开普云 ucap tags (`govtable`): article metadata in a table of
  label cells (索引号, 主题分类, 发文机关, 成文日期, 标题, 发文字号, 发布日期) and the body in
  <ucaptitle>/<publishtime>/<ucapcontent>, with no ArticleTitle or PubDate meta.
* gkmlpt (Guangdong 政府信息公开目录): `window._CONFIG = {SID, TREE, …}` as JSON or as a JavaScript
  object literal; each category's list from `/gkmlpt/api/all/{id}?page=N&sid={SID}`, GKML_PAGE_SIZE
  articles a page.

Nothing here draws from the unit's random generator: a family changes how a unit's content is
written, never the content (so the same planted defects give the same findings).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from typing import TYPE_CHECKING
from urllib.parse import quote, urljoin, urlsplit

from audits.demo.model import Resource
from audits.demo.pages import fmt_date
from audits.demo.registry import stable_hash

if TYPE_CHECKING:
    from audits.demo.pages import Builder

Item = tuple[str, str, dt.date]  # (title, href, date)
PAGED = ("trs", "hanweb")  # families whose lists need their script pager for the further pages
DATAPROXY = "/module/web/jpage/dataproxy.jsp"
HANWEB_GROUP = 3  # jpage groupSize: pages of records per request
GKML_PAGE_SIZE = 10  # articles per gkmlpt API page (real directories use 10 to 20)
PADDING = 15  # further items of a paged family's 财政预决算, newer than its budgets


# --- paths ------------------------------------------------------------------------------------

_TRS_ARTICLE = re.compile(r"/t(\d{8})_\d+\.html$")


def served_path(b: Builder, path: str) -> str:
    """The served path of a logical one: TRS renumbers articles, Hanweb moves columns and articles."""
    if path in b.paths:
        return b.paths[path]
    if b.unit.template == "hanweb" and path.endswith("/index.html") and path != "/index.html":
        return f"/col/col{column_id(b, path[:-len('index.html')])}/index.html"
    return path


def column_id(b: Builder, directory: str) -> int:
    """A Hanweb column number, in the order columns are met (deterministic: the build order is)."""
    return b.column_ids.setdefault(directory, 1201 + 17 * len(b.column_ids))


def _register(b: Builder, list_path: str, items: list[Item]) -> None:
    """Give the articles a list names their family's URLs, before anything links to them."""
    col = column_id(b, list_path.rsplit("/", 1)[0] + "/")
    for _, href, date in items:
        if "://" in href:
            continue
        logical = urlsplit(urljoin("http://x" + list_path, href)).path
        if logical in b.paths or logical.endswith("/index.html") or not logical.endswith(".html"):
            continue
        b.serial += 1
        if b.unit.template == "trs":
            m = _TRS_ARTICLE.search(logical)
            if m:
                b.paths[logical] = logical[:m.start()] + f"/t{m.group(1)}_{2153000 + b.serial}.html"
        else:
            b.paths[logical] = f"/art/{date.year}/{date.month}/{date.day}/art_{col}_{3041200 + b.serial}.html"


def padding(b: Builder, path: str, name: str) -> list[Item]:
    """Fortnightly finance bulletins: enough newer items that a column's budgets and final accounts
    sit behind its pager (a crawler that ignored the pager would miss them)."""
    return [(f"{name}财政收支情况通报（2021年第{PADDING - k}期）", f"{path}{b.d(3 + 10 * k):%Y%m}/t{b.d(3 + 10 * k):%Y%m%d}_{50 + k}.html",
             b.d(3 + 10 * k)) for k in range(PADDING)]


# --- lists ------------------------------------------------------------------------------------

def list_page(b: Builder, path: str, name: str, crumbs: list[tuple[str, str | None]], items: list[Item], *,
              per_page: int) -> None:
    _register(b, path, items)
    if b.unit.template == "trs":
        _trs_list(b, path, name, crumbs, items, per_page)
    else:
        _hanweb_list(b, path, name, crumbs, items, max(1, per_page // 2))


# TRS's pager, as its templates include it: it writes the page links with document.write.
_TRS_PAGER_JS = ("<script>function createPageHTML(n,c,name,ext){if(n<=1)return;for(var i=0;i<n;i++){"
                 "document.write(i==c?'<span>'+(i+1)+'</span>':'<a href=\"'+(i?name+'_'+i:name)+'.'+ext+'\">'+(i+1)+'</a>');}}"
                 "</script>")


def _trs_list(b: Builder, path: str, name: str, crumbs, items: list[Item], per_page: int) -> None:
    chunks = [items[i:i + per_page] for i in range(0, len(items), per_page)] or [[]]
    pages = [path if n == 0 else path.replace("index.html", f"index_{n}.html") for n in range(len(chunks))]
    meta = f'<meta name="ColumnName" content="{html.escape(name)}">'
    for n, (here, chunk) in enumerate(zip(pages, chunks)):
        links: list[str] = []
        rows = "".join(f'<li>{b.a(here, h, t, links)}<span class="date">{fmt_date(dd, b.date_style)}</span></li>'
                       for t, h, dd in chunk)
        pager = f'<div class="page">{_TRS_PAGER_JS}<script>createPageHTML({len(chunks)}, {n}, "index", "html");</script></div>'
        links += [p for p in pages if p != here]  # what the pager script names (no anchor in the page)
        b.page(here, name, crumbs, f'<h1>{html.escape(name)}</h1><ul class="list">{rows}</ul>{pager}',
               kind="list", links=links, meta=meta)


def _hanweb_list(b: Builder, path: str, name: str, crumbs, items: list[Item], per_page: int) -> None:
    col = column_id(b, path.rsplit("/", 1)[0] + "/")
    unit_id = 4391241 + col
    step = per_page * HANWEB_GROUP
    links: list[str] = []

    def records(chunk: list[Item], here: str, out: list[str]) -> str:
        return "".join(f'<record><![CDATA[<li>{b.a(here, h, t, out, f" title={_attr(t)}")}'
                       f"<span>{fmt_date(dd, b.date_style)}</span></li>]]></record>" for t, h, dd in chunk)

    query = (f"page=1&appid=1&webid={20 + stable_hash('web', b.unit.id) % 80}&path=/&columnid={col}&unitid={unit_id}"
             f"&webname={quote(b.unit.name)}&permissiontype=0")
    store = (f'<div id="{unit_id}"><script type="text/xml"><datastore>'
             f'<nextgroup><![CDATA[<a href="{DATAPROXY}?{query}"></a>]]></nextgroup>'
             f"<recordset>{records(items[:step], path, links)}</recordset></datastore></script></div>"
             f"<script>$(document).ready(function(){{$('#{unit_id}').jpage({{dataStore: dataStore, perPage: {per_page}, "
             f"groupSize: {HANWEB_GROUP}, totalRecord: {len(items)}, proxyUrl: '{DATAPROXY}', barPosition: 'bottom'}});}});"
             "</script>")
    for start in range(step, len(items), step):
        end = min(start + step, len(items))
        # (the crawler also puts the column in the URL, so two columns' answers stay apart)
        url = f"{DATAPROXY}?startrecord={start + 1}&endrecord={end}&perpage={per_page}&columnid={col}&unitid={unit_id}"
        got: list[str] = []
        xml = (f'<?xml version="1.0" encoding="{"GBK" if b.unit.encoding == "gbk" else "UTF-8"}"?><datastore>'
               f"<totalrecord>{len(items)}</totalrecord><recordset>{records(items[start:end], path, got)}</recordset></datastore>")
        body, charset = b.encoded(xml)
        b.site.resources[url] = Resource(200, body, "text/xml" + (f";charset={charset}" if charset else ""), links=got,
                                         kind="list", title=name, column_path=[n for n, _ in crumbs])
        links.append(url)
    b.page(path, name, crumbs, f'<h1>{html.escape(name)}</h1>{store}', kind="list", links=links,
           meta=f'<meta name="ColumnName" content="{html.escape(name)}">')


def _attr(text: str) -> str:
    return '"' + html.escape(text) + '"'


# --- 信息公开 table + ucap ---------------------------------------------------------------------

def govtable_body(b: Builder, path: str, title: str, crumbs, date: dt.date, content: str, doc_number: str,
                  written: dt.date | None, issuer: str) -> str:
    index = f"{b.unit.footer['index_prefix']}/{date.year}-{stable_hash('index', b.unit.id, path) % 99999 + 1:05d}"
    cell = '<td class="label"><b>{}</b></td><td>{}</td>'.format
    table = ('<table class="xxgk-table"><tbody>'
             f"<tr>{cell('索 引 号：', index)}{cell('主题分类：', html.escape(crumbs[-1][0]))}</tr>"
             # the issuing unit, not the portal's operator: a department's report is the department's
             f"<tr>{cell('发文机关：', html.escape(issuer))}"
             f"{cell('成文日期：', fmt_date(written or date, b.date_style))}</tr>"
             f'<tr><td class="label"><b>标　　题：</b></td><td colspan="3">{html.escape(title)}</td></tr>'
             f"<tr>{cell('发文字号：', html.escape(doc_number))}{cell('发布日期：', fmt_date(date, b.date_style))}</tr>"
             "</tbody></table>")
    return (f'{table}<div class="article"><ucaptitle>{html.escape(title)}</ucaptitle>'
            f"<publishtime>{date.isoformat()}</publishtime><ucapcontent>{content}</ucapcontent></div>")


# --- gkmlpt -----------------------------------------------------------------------------------

def gkml_directory(b: Builder, root: str, fmt: str, sid: str, categories: list[tuple[int, str, list[Item]]],
                   links: list[tuple[str, str]] = ()) -> tuple[str, list[str]]:
    """The directory page's window._CONFIG script (`fmt` json or js) and the first API page of each
    category; every API page is written into the site. `links`: tree nodes that only link elsewhere
    (jump_url), which have no list."""
    api: list[str] = []
    for cid, name, items in categories:
        pages = [items[i:i + GKML_PAGE_SIZE] for i in range(0, len(items), GKML_PAGE_SIZE)] or [[]]
        urls = [f"{root}api/all/{cid}?page={n}&sid={sid}" for n in range(1, len(pages) + 1)]
        for n, (url, chunk) in enumerate(zip(urls, pages)):
            articles = [{"id": cid * 100 + n * GKML_PAGE_SIZE + i, "title": t, "url": h, "created_at": f"{dd.isoformat()} 09:30:00"}
                        for i, (t, h, dd) in enumerate(chunk)]
            payload = json.dumps({"classify": {"post_count": len(items)}, "total": len(items), "articles": articles},
                                 ensure_ascii=False).encode()
            # Page 1 names the further pages for the ground truth: a crawler requests them from its `total`.
            b.site.resources[url] = Resource(200, payload, "application/json; charset=utf-8", kind="list", title=name,
                                             links=[h for _, h, _ in chunk] + (urls[1:] if n == 0 else []))
        api.append(urls[0])
    if fmt == "json":
        tree = json.dumps([{"id": cid, "name": name, "children": [], "post_count": len(items)}
                           for cid, name, items in categories], ensure_ascii=False)
        return f"<script>window._CONFIG = {{\"SID\": \"{sid}\", \"TREE\": {tree}, \"SERVICE_AREA_ID\": 1}};</script>", api
    # A JavaScript object literal: unquoted keys, single quotes, trailing commas, a nested tree.
    leaves = "".join(f"\n        {{id: {cid}, name: '{name}', children: [], post_count: {len(items)},}},"
                     for cid, name, items in categories)
    jumps = "".join(f"\n        {{id: {900 + i}, name: '{name}', jump_url: '{url}',}}," for i, (name, url) in enumerate(links))
    return ("<script>\nwindow._CONFIG = {\n"
            f"    SID: '{sid}',\n    TREE: [{{id: 1, name: '政府信息公开目录', children: [{leaves}{jumps}\n    ],}},],\n"
            "    SERVICE_AREA_ID: 1,\n    IS_SEARCH: false,\n};\n</script>"), api
