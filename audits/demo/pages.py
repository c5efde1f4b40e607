"""Page writing for the sample portals: one unit's HTML in its template and encoding, with
every emitted link recorded for the ground truth."""

from __future__ import annotations

import datetime as dt
import html
import posixpath
import random
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from audits.demo.model import Resource, SampleUnit, Site
from audits.demo.registry import Style


def fmt_date(d: dt.date, style: str) -> str:
    return {
        "iso": d.isoformat(),
        "slash": f"{d.year}/{d.month}/{d.day}",
        "cn": f"{d.year}年{d.month:02d}月{d.day:02d}日",
        "dot": f"{d.year}.{d.month:02d}.{d.day:02d}",
    }[style]


@dataclass
class Builder:
    """Writes one unit's pages into its site, recording every link it emits."""

    world_as_of: dt.date
    site: Site
    unit: SampleUnit
    rng: random.Random
    style: Style
    columns: list[tuple[str, str]] = field(default_factory=list)  # (name, path) for the nav
    # The builders write every unit in one URL layout (the cms one); a CMS family with URLs of
    # its own (TRS article ids, Hanweb /col/ and /art/) maps each such logical path to the
    # path it is served at (audits/demo/families.py).
    paths: dict[str, str] = field(default_factory=dict)
    column_ids: dict[str, int] = field(default_factory=dict)
    serial: int = 0

    def served(self, path: str) -> str:
        """Where the page written at logical `path` is served."""
        if self.unit.template not in ("trs", "hanweb"):
            return path
        from audits.demo import families

        return families.served_path(self, path)

    @property
    def date_style(self) -> str:
        return self.style.date_style

    def d(self, days_ago: int) -> dt.date:
        return self.world_as_of - dt.timedelta(days=days_ago)

    # -- low level ---------------------------------------------------------------
    def page(self, path: str, title: str, crumbs: list[tuple[str, str | None]], body: str, *, kind: str,
             links: list[str], pub_date: dt.date | None = None, meta: str = "", script_built: bool = False,
             extra_links: list[tuple[str, str]] = ()) -> None:
        u = self.unit
        nav = "".join(self.a(path, p, n, links) for n, p in self.columns)
        crumb_html = " &gt; ".join(self.a(path, p, n, links) if p else f"<span>{html.escape(n)}</span>" for n, p in crumbs)
        crumb_cls = "location" if u.template == "gkmlpt" else "position"
        prefix = "您现在的位置： " if u.template == "gkmlpt" else "当前位置："
        extra = "".join(self.a(path, p, n, links) for n, p in extra_links)
        footer = self.footer_html(path, links)
        charset = {"gbk": "gbk", "gb2312-but-utf8": "gb2312"}.get(u.encoding, "utf-8")
        site_meta = f'<meta name="SiteIDCode" content="{u.footer["site_code"]}">' if u.footer.get("site_code_meta") else ""
        doc = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="{charset}">'
               f"<title>{html.escape(title)} - {html.escape(u.name)}</title>{site_meta}{meta}</head><body>"
               f'<div class="header"><h2 class="site-name">{html.escape(u.name)}</h2><div class="nav">{nav}{extra}</div></div>'
               f'<div class="{crumb_cls}">{prefix}{crumb_html}</div><div class="main">{body}</div>{footer}</body></html>')
        self.put(path, doc, kind=kind, title=title, links=links, pub_date=pub_date,
                 column_path=[n for n, _ in crumbs], script_built=script_built)

    def put(self, path: str, doc: str, **truth) -> None:
        enc = self.unit.encoding
        if enc == "gbk":
            # a character GBK lacks (a rare one in a unit's name) becomes a character reference
            body, ctype = doc.encode("gbk", errors="xmlcharrefreplace"), "text/html; charset=GBK"
        elif enc == "gb2312-but-utf8":
            body, ctype = doc.encode("utf-8"), "text/html"  # the meta says gb2312; the bytes are UTF-8
        else:
            body, ctype = doc.encode("utf-8"), "text/html; charset=utf-8"
        self.site.resources[self.served(path)] = Resource(200, body, ctype, **truth)

    def encoded(self, doc: str) -> tuple[bytes, str]:
        """`doc` in the unit's encoding, and the charset to declare (None: declare none)."""
        if self.unit.encoding == "gbk":
            return doc.encode("gbk", errors="xmlcharrefreplace"), "GBK"
        return doc.encode("utf-8"), None if self.unit.encoding == "gb2312-but-utf8" else "utf-8"

    def a(self, here: str, target: str, text: str, links: list[str], attrs: str = "") -> str:
        """An anchor; `target` may be relative to `here` (both logical paths). The served path is recorded."""
        href = target
        if "://" in target:
            links.append(target)
        else:
            logical = urlsplit(urljoin("http://x" + here, target)).path
            served = self.served(logical)
            links.append(served)
            if target.startswith("/"):
                href = served
            elif self.unit.template == "hanweb":
                href = served  # Hanweb writes root-relative links (its pages live elsewhere than their logical path)
            elif served != logical:
                rel = posixpath.relpath(served, posixpath.dirname(self.served(here)))
                href = "./" + rel if target.startswith("./") and not rel.startswith(".") else rel
        return f'<a href="{html.escape(href)}"{attrs}>{html.escape(text)}</a>'

    def footer_html(self, here: str, links: list[str]) -> str:
        f = self.unit.footer
        parts = [f"主办：{html.escape(f['host'])}　联系电话：0753-{f['phone']}"]
        if f.get("site_code"):
            sep = "" if f.get("no_colon") else "："
            parts.append(f"网站标识码{sep}{f['site_code']}")
        if f.get("icp"):
            parts.append(self.a(here, "http://outside.test/beian", f["icp"], links))
        if f.get("police"):
            parts.append(self.a(here, "http://outside.test/gongan", f"粤公网安备 {f['police'][5:-1]}号", links))
        if f.get("conac"):
            parts.append(self.a(here, "http://outside.test/conac?method=show&id=1",
                                "", links).replace("></a>", '><img src="http://dcs.conac.cn/image/red.png" alt="党政机关"></a>'))
        return f'<div class="footer">{"　".join(parts)}</div>'

    # -- page kinds ----------------------------------------------------------------
    def list_page(self, path: str, name: str, crumbs: list[tuple[str, str | None]],
                  items: list[tuple[str, str, dt.date]], *, per_page: int = 10, js_only: bool = False,
                  table_rows: bool | None = None) -> None:
        """A column: list pages with dated items, paginated; `items` are (title, href, date)."""
        table_rows = self.unit.template == "gkmlpt" if table_rows is None else table_rows
        meta = f'<meta name="ColumnName" content="{html.escape(name)}">'
        if self.unit.template in ("trs", "hanweb") and not js_only:
            from audits.demo import families  # lists whose further pages a script pager loads

            return families.list_page(self, path, name, crumbs, items, per_page=per_page)
        if js_only:
            links: list[str] = []
            data = path.rsplit("/", 1)[0] + "/list.json"
            body = (f'<h1>{html.escape(name)}</h1><ul class="list" id="list"></ul>'
                    f"<script>fetch('list.json').then(function(r){{return r.json()}}).then(function(d){{"
                    f"document.getElementById('list').innerHTML=d.map(function(x){{return '<li><a href=\"'+x.url+'\">'"
                    f"+x.title+'</a><span class=\"date\">'+x.date+'</span></li>'}}).join('')}});</script>")
            self.page(path, name, crumbs, body, kind="list", links=links, meta=meta, script_built=True)
            # What a browser finds once the script ran (the ground truth of a rendered crawl).
            self.site.resources[path].rendered_links = [h for _, h, _ in items]
            payload = "[" + ",".join(f'{{"title":"{t}","url":"{h}","date":"{dd}"}}' for t, h, dd in items) + "]"
            self.site.resources[data] = Resource(200, payload.encode(), "application/json", kind="other")
            return
        chunks = [items[i:i + per_page] for i in range(0, len(items), per_page)] or [[]]
        for n, chunk in enumerate(chunks, 1):
            here = path if n == 1 else path.replace("index.html", f"index_{n}.html")
            links = []
            if table_rows:
                rows = "".join(f"<tr><td>{self.a(here, h, t, links)}</td><td>{fmt_date(dd, self.date_style)}</td></tr>"
                               for t, h, dd in chunk)
                listing = f'<table class="list">{rows}</table>'
            else:
                rows = "".join(f'<li>{self.a(here, h, t, links)}<span class="date">{fmt_date(dd, self.date_style)}</span></li>'
                               for t, h, dd in chunk)
                listing = f'<ul class="list">{rows}</ul>'
            pager = ""
            if n < len(chunks):
                pager = '<div class="page">' + self.a(here, f"index_{n + 1}.html", "下一页", links) + "</div>"
            self.page(here, name, crumbs, f"<h1>{html.escape(name)}</h1>{listing}{pager}", kind="list", links=links, meta=meta)

    def article(self, path: str, title: str, crumbs: list[tuple[str, str | None]], date: dt.date, text: str, *,
                doc_number: str = "", attachments: list[tuple[str, str]] = (), related: list[tuple[str, str]] = (),
                written: dt.date | None = None, issuer: str = "", lookalike: str = "") -> None:
        """`issuer`: the body whose document this is when it is not the unit's own (a repost, a
        department's report on the city portal); `lookalike`: what a look-alike page imitates,
        for the ground truth (a pass must never cite it)."""
        links: list[str] = []
        source = issuer or self.unit.name
        meta = (f'<meta name="ArticleTitle" content="{html.escape(title)}">'
                f'<meta name="PubDate" content="{date.isoformat()} 09:30"><meta name="ContentSource" content="{html.escape(source)}">')
        if self.unit.template in ("trs", "hanweb"):
            meta += f'<meta name="ColumnName" content="{html.escape(crumbs[-1][0])}">'
        if self.unit.template == "govtable":
            # The metadata is the information table families.govtable_body writes; of the metas only
            # ArticleTitle, which 《政府网站发展指引》 asks of every page (the date is the table's).
            meta, info = f'<meta name="ArticleTitle" content="{html.escape(title)}">', ""
        elif self.unit.template == "gkmlpt":
            written = written or date
            info = ("<table class=\"xxgk-meta\">"
                    f"<tr><td>索引号：</td><td>{self.unit.footer['index_prefix']}/{date.year}-{self.rng.randint(1, 99999):05d}</td><td>分类：</td><td>{html.escape(crumbs[-1][0])}</td></tr>"
                    f"<tr><td>发布机构：</td><td>{html.escape(source)}</td><td>成文日期：</td><td>{fmt_date(written, self.date_style)}</td></tr>"
                    f"<tr><td>名称：</td><td>{html.escape(title)}</td><td>文号：</td><td>{html.escape(doc_number)}</td></tr>"
                    f"<tr><td>发布日期：</td><td>{fmt_date(date, self.date_style)}</td><td>主题词：</td><td></td></tr></table>")
        else:
            info = f'<div class="info">发布时间：{fmt_date(date, self.date_style)} 09:30　来源：{html.escape(issuer or self.unit.footer["host"])}</div>'
        att = "".join(f"<p>{self.a(path, h, n, links)}</p>" for n, h in attachments)
        rel = "".join(f"<p>{self.a(path, h, n, links)}</p>" for n, h in related)
        num = f"<p>{html.escape(doc_number)}</p>" if doc_number and self.unit.template in ("cms", "trs", "hanweb") else ""
        if self.unit.template == "govtable":
            from audits.demo import families

            body = families.govtable_body(self, path, title, crumbs, date, text + att + rel, doc_number, written, source)
        elif self.unit.template == "trs":
            body = f'<h1>{html.escape(title)}</h1>{info}<div class="TRS_Editor">{num}{text}{att}{rel}</div>'
        else:
            body = f'<h1>{html.escape(title)}</h1>{info}<div id="zoom">{num}{text}{att}{rel}</div>'
        self.page(path, title, crumbs, body, kind="article", links=links, pub_date=date, meta=meta)
        self.site.resources[self.served(path)].lookalike = lookalike
        for _, h in attachments:
            target = self.served(urlsplit(urljoin("http://x" + path, h)).path)
            if target.endswith(".pdf") and target not in self.site.resources:
                self.site.resources[target] = Resource(200, b"%PDF-1.4\n% sample attachment\n%%EOF\n", "application/pdf",
                                                       kind="attachment", title=target)
