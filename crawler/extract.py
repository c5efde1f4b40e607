"""Page extraction for Chinese government portals: pure functions from bytes to fields.

Contract: docs/page-conventions.md. Nothing here does I/O; every function tolerates
malformed input and returns empty fields rather than raising.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from functools import lru_cache
from urllib.parse import urldefrag, urljoin, urlsplit

from bs4 import BeautifulSoup, Tag
from bs4.builder import LXMLTreeBuilder
from charset_normalizer import from_bytes

from crawler.extract_fields import (
    LABELS,
    breadcrumb,
    breadcrumb_like,
    centred_bold_title,
    clean,
    labelled_fields,
    list_rows,
    named,
    parse_cn_date,
    select,
    short_text as _short_text,  # noqa: F401  (tests read it here)
    title_from_page_title,
)

_clean = clean  # parse_cn_date and _short_text are imported for the callers that read them here
from rules.model import FooterIds, LinkRecord, ListItem, PageContent

ATTACHMENT_EXTS = {"pdf", "doc", "docx", "xls", "xlsx", "wps", "et", "ofd", "zip", "rar", "7z", "txt", "csv"}
META_NAMES = ("SiteName", "SiteDomain", "SiteIDCode", "ColumnName", "ColumnType", "ColumnDescription",
              "ArticleTitle", "PubDate", "ContentSource", "Keywords", "Description")
_MAX_ANCHOR = 200


# --- encodings ---------------------------------------------------------------------

_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "gb_2312-80", "cp936", "euc-cn", "hz-gb-2312"}


def _norm_codec(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    if name in _GB_FAMILY:
        return "gb18030"  # superset: pages declared GB2312 routinely use GBK-only characters
    if name in ("utf8", "utf-8"):
        return "utf-8"
    try:
        import codecs

        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode with the declared charset, but only when the bytes agree with it."""
    if not body:
        return "", "utf-8"
    declared = []
    if content_type:
        m = re.search(r"charset\s*=\s*([^\s;]+)", content_type, re.I)
        if m:
            declared.append(_norm_codec(m.group(1)))
    m = _CHARSET_RE.search(body[:4096])
    if m:
        declared.append(_norm_codec(m.group(1).decode("ascii", "ignore")))
    if body.startswith(b"\xef\xbb\xbf"):
        declared.insert(0, "utf-8")
    tried = []
    for codec in [c for c in declared if c] + ["utf-8"]:
        if codec in tried:
            continue
        tried.append(codec)
        try:
            text = body.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        # A strict decode of GB18030 accepts almost any bytes; UTF-8 text read as GB18030
        # shows up as a run of rare characters. Prefer UTF-8 when it decodes cleanly.
        if codec == "gb18030" and _is_utf8(body):
            return body.decode("utf-8"), "utf-8"
        return text.lstrip("\ufeff"), codec
    best = from_bytes(body[:200_000]).best()
    if best is not None and best.encoding:
        codec = _norm_codec(best.encoding) or best.encoding
        return body.decode(codec, errors="replace"), codec
    return body.decode("utf-8", errors="replace"), "utf-8"


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return any(b >= 0x80 for b in body[:65536])


# --- identifiers ---------------------------------------------------------------------

_DOC_NO = re.compile(
    r"([\u4e00-\u9fa5]{1,12}[〔\[（(【]\s*(?:19|20)\d{2}\s*[〕\]）)】]\s*\d{1,5}\s*号)"
)
_SITE_CODE = re.compile(r"(?:政府)?网站标识码\s*[:：]?\s*((?:bm|BM)\d{8}|\d{10,12})")
_ICP = re.compile(r"([\u4e00-\u9fa5]ICP备\s*\d{6,10}号(?:\s*-\s*\d+)?)")
_POLICE = re.compile(r"([\u4e00-\u9fa5]公网安备\s*\d{14}\s*号?)")


def find_doc_number(text: str) -> str | None:
    m = _DOC_NO.search(text or "")
    return re.sub(r"\s+", "", m.group(1)) if m else None


# --- the extractor -------------------------------------------------------------------

_ENP_DATE = re.compile(r"<!--enpproperty.*?<date>([^<]{8,30})</date>", re.S)
_FILL_SCRIPT = re.compile(r"ajax|fetch\(|XMLHttpRequest|\$\.get|\$\.post|getJSON|\.json|innerHTML|appendChild|template", re.I)
_MAIN_SELECTORS = ("#zoom", ".article-content", ".TRS_Editor", "ucapcontent", ".news_cont_d_wrap", ".tyxxy_main",
                   ".content", "article", "#content", ".article", ".main")
_LIST_HINT = re.compile(r"list", re.I)


def extract(body: bytes, url: str, content_type: str | None = None, *, max_text_chars: int = 100_000,
            fetch_date: dt.date | None = None) -> PageContent:
    """`fetch_date` (default today) completes year-less list dates ("07-13"): never later."""
    try:
        return _extract(body, url, content_type, max_text_chars, fetch_date or dt.date.today())
    except Exception:  # crawled content is hostile or broken; a page must never crash the crawl
        return PageContent(encoding="utf-8")


def _extract(body: bytes, url: str, content_type: str | None, max_text_chars: int, fetch_date: dt.date) -> PageContent:
    html, encoding = decode_html(body or b"", content_type)
    if not html.strip() or "\x00" in html[:1000]:
        return PageContent(encoding=encoding)
    if "<datastore" in html[:2_000_000]:
        html = _unwrap_datastore(html)
    soup = _ShallowSoup(html, builder=_HTMLBuilder)
    # Every element once, in document order: bs4's find_all/select walk the whole tree and
    # test each element in Python per call, and a page was walked a dozen times (a third of
    # the extraction's time); the readers below filter this list instead.
    tags = [node for node in soup.descendants if isinstance(node, Tag)]
    base = url
    base_tag = next((t for t in tags if t.name == "base" and t.get("href") is not None), None)
    if base_tag is not None:
        base = urljoin(url, base_tag["href"])

    meta = {}
    for tag in named(tags, "meta"):
        name = tag.get("name") or tag.get("property") or ""
        for wanted in META_NAMES:
            if name.lower() == wanted.lower() and tag.get("content") is not None:
                meta[wanted] = _clean(tag["content"])

    page_title = _clean(soup.title.get_text()) if soup.title else ""
    flat = soup.get_text(" ")
    links = _links(tags, base)
    footer = _footer(tags, flat, meta)
    column_path = breadcrumb(tags)
    labelled = labelled_fields(tags, flat)
    script_built = _script_built(tags)

    for junk in named(tags, "script", "style", "noscript", "template"):
        if junk.name:  # not already gone inside another
            junk.decompose()
    tags = [t for t in tags if t.name]  # decompose() empties the names of everything it removed
    main = None
    for sel in _MAIN_SELECTORS:
        main = next(select(tags, sel), None)
        if main is not None and len(main.get_text(strip=True)) > 20:
            break
        main = None
    if main is None:
        main = soup.body or soup
        for noise in main.find_all(["nav", "header", "footer"]):
            noise.decompose()
        tags = [t for t in tags if t.name]
    text = _clean(main.get_text(" "))[:max_text_chars]

    pub_date, source = None, None
    if meta.get("PubDate"):
        pub_date, source = parse_cn_date(meta["PubDate"]), "meta:PubDate"
    if pub_date is None:
        for label in LABELS["pub"]:
            if labelled.get(label):
                pub_date = parse_cn_date(labelled[label])
                if pub_date:
                    source = f"label:{label}"
                    break
    if pub_date is None:
        m = _ENP_DATE.search(html)  # TRS/enorth CMS keep the article date in a comment
        if m and parse_cn_date(m.group(1)):
            pub_date, source = parse_cn_date(m.group(1)), "cms:enpproperty"
    written = parse_cn_date(labelled.get("成文日期", "") or labelled.get("成文时间", ""))
    if pub_date is None and written is not None:
        pub_date, source = written, "label:成文日期"

    doc_number = None
    for label in LABELS["doc"]:
        if labelled.get(label):
            doc_number = find_doc_number(labelled[label]) or _clean(labelled[label])[:60] or None
            break
    if doc_number is None:
        doc_number = find_doc_number(text[:600])
    index_number = (labelled.get("索引号", "").split() or [""])[0][:60] or None
    # The first name only: a label read from running text runs on into the next words.
    publisher, publisher_label = next(((labelled[label].split()[0], label) for label in LABELS["publisher"]
                                       if labelled.get(label, "").split()), (None, None))
    if publisher is None and meta.get("ContentSource", "").strip():
        publisher, publisher_label = meta["ContentSource"].split()[0], "meta:ContentSource"

    list_items = [ListItem(title=t, url=u, date=d) for t, u, d in list_rows(tags, base, pub_date, fetch_date)]
    path = urlsplit(url).path
    is_list = script_built or (_has_list_container(tags) and not meta.get("ArticleTitle")) or \
        (len(list_items) >= 3 and pub_date is None)  # an article with its own date keeps a dated sidebar
    if pub_date is None and not is_list:
        # Dateline near the top of the body: "2024年05月17日08:59 来源：…". Not on a list
        # page: there the first date is its first row's.
        pub_date = parse_cn_date(text[:300])
        source = "text" if pub_date else None
    if path in ("", "/") or re.fullmatch(r"/index\.(?:s?html?|jsp|php|aspx?)", path):
        kind = "home"
    elif is_list:
        kind = "list"
    elif meta.get("ArticleTitle") or (pub_date and len(text) > 50) or (
            pub_date and any(labelled.get(label) for label in LABELS["title"])):
        # (a 信息公开 table naming the document and its date is an article however short its body)
        kind = "article"
    else:
        kind = "other"

    title = meta.get("ArticleTitle") or ""
    if not title and kind == "list":  # a column page is named by its column
        title = (column_path[-1] if len(column_path) >= 2 else "") or meta.get("ColumnName", "")
    for label in LABELS["title"]:
        title = title or labelled.get(label, "")
    if not title:
        for sel in ("h1", ".article-title", "ucaptitle", ".title", "h2"):
            for node in itertools.islice(select(tags, sel), 5):
                candidate = _clean(node.get_text())
                # a "title" block that is really a breadcrumb or a logo is not the title
                if len(candidate) >= 4 and not breadcrumb_like(candidate):
                    title = candidate
                    break
            if title:
                break
    # <title> unless it is only the site name, then a centred bold first paragraph
    title = title or title_from_page_title(page_title, meta.get("SiteName", "")) or centred_bold_title(main) or page_title
    title = title[:300]

    return PageContent(
        encoding=encoding, title=title, page_title=page_title, text=text, text_truncated=len(text) >= max_text_chars,
        column_path=tuple(column_path), pub_date=pub_date, pub_date_source=source if pub_date else None,
        written_date=written, doc_number=doc_number, index_number=index_number, kind=kind, links=tuple(links),
        list_items=tuple(list_items), site_code=footer.site_code, site_code_meta=footer.site_code_meta, icp=footer.icp,
        police_code=footer.police, conac=footer.conac, meta=meta, script_built=script_built,
        publisher=publisher[:100] if publisher else None, publisher_label=publisher_label,
    )


_DATASTORE_SCRIPT = re.compile(r"<script[^>]*>\s*(<datastore>.*?</datastore>)\s*</script>", re.S | re.I)
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)


def _unwrap_datastore(html: str) -> str:
    """大汉 Hanweb lists keep their rows as CDATA records inside <script type="text/xml"><datastore>
    (or, from the pager's dataproxy.jsp, as bare XML): an HTML parser sees none of them, so the
    records are written out as a plain <ul> where the datastore was."""
    def records(xml: str) -> str:
        return '<ul class="datastore list">' + "".join(_RECORD.findall(xml)) + "</ul>"

    out = _DATASTORE_SCRIPT.sub(lambda m: records(m.group(1)), html)
    if out == html and "<record" in html:  # a bare datastore document
        out = "<html><body>" + records(html) + "</body></html>"
    return out


# A path from the root, or a host ("//host", "scheme://host"): urljoin then reads only the
# base's scheme and host. ("//" alone, or "http://" with no host, takes the base's path.)
_ROOTED = re.compile(r"/(?!/)|(?:[A-Za-z][A-Za-z0-9+.\-]*:)?//[^/?#]")
_REMOVED = re.compile(r"[\t\r\n]")  # urlsplit deletes these first: "//\t?x" is "//?x" to it


def resolve_link(base: str, href: str) -> tuple[str, str] | None:
    """(absolute http(s) URL without its fragment, file extension or "") of `href` on a page
    at `base`; None for another scheme or a URL that does not parse.

    Cached: most links of a site are the same navigation on every page, and one rooted at
    "/" or naming its host resolves the same on any page of the site: those are cached per
    site (scheme and host), the others per page."""
    if _ROOTED.match(href) and not _REMOVED.search(href):
        origin = _origin(base)
        return _resolve(origin, href) if origin is not None else None
    return _resolve(base, href)


@lru_cache(maxsize=1024)
def _origin(base: str) -> str | None:
    try:
        parts = urlsplit(base)
    except ValueError:
        return None  # (urljoin would fail on this base for every link too)
    return f"{parts.scheme}://{parts.netloc}/"


@lru_cache(maxsize=8192)
def _resolve(base: str, href: str) -> tuple[str, str] | None:
    try:
        absolute = urldefrag(urljoin(base, href))[0]
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    ext = parts.path.rsplit(".", 1)[-1].lower() if "." in parts.path.rsplit("/", 1)[-1] else ""
    return absolute, ext


def _links(tags: list[Tag], base: str) -> list[LinkRecord]:
    out, seen = [], set()
    for a in tags:
        if a.name != "a" or a.get("href") is None:
            continue
        href = a["href"].strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        resolved = resolve_link(base, href)
        if resolved is None:
            continue
        absolute, ext = resolved
        text = _clean(a.get_text(" "))
        if not text:
            img = a.find("img")
            if isinstance(img, Tag):
                text = _clean(img.get("alt") or img.get("title") or "")
        text = text or _clean(a.get("title") or "")
        key = (absolute, text)
        if key in seen:
            continue
        seen.add(key)
        out.append(LinkRecord(absolute, text[:_MAX_ANCHOR], ext if ext in ATTACHMENT_EXTS else None))
    return out


def _footer(tags: list[Tag], flat: str, meta: dict[str, str]) -> FooterIds:
    text = flat.replace("\u3000", " ").replace("\xa0", " ")
    site = _SITE_CODE.search(text)
    icp = _ICP.search(text)
    police = _POLICE.search(text)
    conac = False
    for tag in named(tags, "a", "img", "script"):
        ref = tag.get("href") or tag.get("src") or ""
        if "conac.cn" in ref:
            conac = True
            break
    return FooterIds(
        site_code=site.group(1) if site else None,
        site_code_meta=meta.get("SiteIDCode") or None,
        icp=re.sub(r"\s+", "", icp.group(1)) if icp else None,
        police=re.sub(r"\s+", "", police.group(1)) if police else None,
        conac=conac,
    )


# Real portal pages nest at most ~40 deep; hostile or broken ones nest thousands deep, and
# every tree heuristic (CSS selectors, labels, breadcrumbs) then costs depth x elements:
# 20,000 nested <div>s took 5 s of reactor time, long enough to starve other downloads'
# timeouts. Elements deeper than this are dropped while parsing, their content kept.
MAX_TREE_DEPTH = 100
# kept even when too deep: links are evidence; raw-text elements must not leak code into text
_KEEP_WHEN_DEEP = frozenset({"a", "script", "style", "title", "iframe"})
_NORMAL, _DROPPED, _KEPT_DEEP = 0, 1, 2


class _HTMLBuilder(LXMLTreeBuilder):
    """bs4's lxml HTML builder without its XML namespace work, which lxml's HTML parser never
    needs: bs4 copied every element's attributes twice, one Python call per attribute,
    looking for namespaces (a tenth of the parse). The same tree; anything namespaced (a
    "{uri}name" tag or attribute, an nsmap) still goes the whole way."""

    def start(self, tag, attrib, nsmap={}):  # type: ignore[no-untyped-def]  # noqa: B006 (bs4's signature)
        if nsmap or len(self.nsmaps) > 1 or tag[:1] == "{" or any(k[:1] == "{" for k in attrib):
            return super().start(tag, attrib, nsmap)
        attrs = self.attribute_dict_class()
        dict.update(attrs, attrib)  # str values: XMLAttributeDict.__setitem__ would keep them as they are
        self.soup.handle_starttag(tag, None, None, attrs, namespaces=self.active_namespace_prefixes[-1])

    def end(self, tag):  # type: ignore[no-untyped-def]
        if len(self.nsmaps) > 1 or tag[:1] == "{":
            return super().end(tag)
        self.soup.endData()
        self.soup.handle_endtag(tag, None)


class _ShallowSoup(BeautifulSoup):
    """BeautifulSoup that drops start/end tags nested deeper than MAX_TREE_DEPTH.

    Done while parsing because bs4's unwrap() walks every ancestor per moved child and is
    itself quadratic on such a tree, and lxml's own tree parser silently truncates the
    document at depth 256 (2048 with huge_tree), losing everything after the deep part.
    lxml's parser target calls start/end balanced, so a stack pairs each end with its start.
    """

    def reset(self) -> None:
        super().reset()
        self._open: list[int] = []
        self._kept_deep = False  # inside the one element kept below the limit
        self.dropped = 0

    def handle_starttag(self, name, *args, **kwargs):  # type: ignore[no-untyped-def]
        if len(self.tagStack) > MAX_TREE_DEPTH:  # tagStack includes the soup itself
            if name in _KEEP_WHEN_DEEP and not self._kept_deep:
                self._open.append(_KEPT_DEEP)
                self._kept_deep = True
                return super().handle_starttag(name, *args, **kwargs)
            self.endData()  # text before and after stays two strings, as with the tag
            self._open.append(_DROPPED)
            self.dropped += 1
            return None
        self._open.append(_NORMAL)
        return super().handle_starttag(name, *args, **kwargs)

    def handle_endtag(self, name, nsprefix=None):  # type: ignore[no-untyped-def]
        state = self._open.pop() if self._open else _NORMAL
        if state == _DROPPED:
            self.endData()
            return
        if state == _KEPT_DEEP:
            self._kept_deep = False
        super().handle_endtag(name, nsprefix)


def _has_list_container(tags: list[Tag]) -> bool:
    """A ul/ol/table marked as a list: a column page, even when it holds no item (空白栏目)."""
    for tag in named(tags, "ul", "ol", "table", "tbody"):
        ident = " ".join(tag.get("class", []) or []) + " " + (tag.get("id") or "")
        if re.search(r"(?:^|[\s_-])(?:list|lists|news-?list|article-?list)(?:$|[\s_-])", ident.strip(), re.I):
            return True
    return False


def _script_built(tags: list[Tag]) -> bool:
    scripts = named(tags, "script")
    # Only a page whose scripts fetch or write content can fill an empty list.
    if not any(s.get("src") and "list" in s["src"].lower() or _FILL_SCRIPT.search(s.get_text() or "") for s in scripts):
        return False
    for tag in named(tags, "ul", "ol", "div", "table", "tbody"):
        ident = " ".join(tag.get("class", []) or []) + " " + (tag.get("id") or "")
        if (tag.name in ("ul", "ol", "tbody", "table") or ident.strip().lower().endswith("list")) and \
                _LIST_HINT.search(ident) and not tag.find(["li", "a", "tr"]) and not _clean(tag.get_text()):
            return True
    return False
