"""Page extraction for Chinese government portals: pure functions from bytes to fields.

Contract: docs/page-conventions.md. Nothing here does I/O; every function tolerates
malformed input and returns empty fields rather than raising.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urldefrag, urljoin, urlsplit

from bs4 import BeautifulSoup, CData, NavigableString, Tag
from charset_normalizer import from_bytes

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


# --- dates -------------------------------------------------------------------------

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_FULLWIDTH = str.maketrans("０１２３４５６７８９／．－：", "0123456789/.-:")
_DATE_NUM = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?!\d)\s*日?")
_DATE_CN = re.compile(r"([〇零○Ｏ一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")


def _cn_number(s: str) -> int | None:
    if not s:
        return None
    if "十" in s:
        tens, _, ones = s.partition("十")
        t = _CN_DIGITS.get(tens, None) if tens else 1
        o = _CN_DIGITS.get(ones, None) if ones else 0
        return None if t is None or o is None else t * 10 + o
    return _CN_DIGITS.get(s) if len(s) == 1 else None


def _make_date(y: int, m: int, d: int) -> dt.date | None:
    if not 1990 <= y <= 2100:
        return None
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def parse_cn_date(text: str) -> dt.date | None:
    """The first full date (year, month, day) in `text`; None when there is none.

    A month-day without a year ("07-13") is never completed with a guessed year.
    """
    if not text:
        return None
    text = text.translate(_FULLWIDTH)
    m = _DATE_NUM.search(text)
    cn = _DATE_CN.search(text)
    if cn and (not m or cn.start() < m.start()):
        year = int("".join(str(_CN_DIGITS[c]) for c in cn.group(1)))
        month, day = _cn_number(cn.group(2)), _cn_number(cn.group(3))
        if month and day:
            found = _make_date(year, month, day)
            if found:
                return found
    while m:
        found = _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if found:
            return found
        m = _DATE_NUM.search(text, m.end())
    return None


# --- identifiers ---------------------------------------------------------------------

_DOC_NO = re.compile(
    r"([\u4e00-\u9fa5]{1,12}[〔\[（(【]\s*(?:19|20)\d{2}\s*[〕\]）)】]\s*\d{1,5}\s*号)"
)
_SITE_CODE = re.compile(r"(?:政府)?网站标识码\s*[:：]?\s*((?:bm|BM)\d{8}|\d{10,12})")
_ICP = re.compile(r"([\u4e00-\u9fa5]ICP备\s*\d{6,10}号(?:\s*-\s*\d+)?)")
_POLICE = re.compile(r"([\u4e00-\u9fa5]公网安备\s*\d{14}\s*号?)")
_LABELS = {
    "pub": ("发布日期", "发布时间", "公开日期", "发文日期", "日期", "时间"),
    "written": ("成文日期", "成文时间"),
    "doc": ("文号", "发文字号"),
    "index": ("索引号",),
}


def find_doc_number(text: str) -> str | None:
    m = _DOC_NO.search(text or "")
    return re.sub(r"\s+", "", m.group(1)) if m else None


# --- the extractor -------------------------------------------------------------------

_BREADCRUMB_HINT = re.compile(r"position|location|crumb|dqwz|curpos|weizhi|path|nav-?path", re.I)
_BREADCRUMB_PREFIX = re.compile(r"^\s*(?:当前位置|您现在的位置|您当前的位置|现在位置|所在位置|位置)\s*[:：]?\s*")
_CRUMB_SPLIT = re.compile(r"\s*(?:>>?|&gt;|»|›|→|＞|〉)\s*")
_CRUMB_JUNK = re.compile(r"\s*(?:字号|【|打印|\|).*$")
_ENP_DATE = re.compile(r"<!--enpproperty.*?<date>([^<]{8,30})</date>", re.S)
_FILL_SCRIPT = re.compile(r"ajax|fetch\(|XMLHttpRequest|\$\.get|\$\.post|getJSON|\.json|innerHTML|appendChild|template", re.I)
_MAIN_SELECTORS = ("#zoom", ".article-content", ".TRS_Editor", "ucapcontent", ".news_cont_d_wrap", ".tyxxy_main",
                   ".content", "article", "#content", ".article", ".main")
_LIST_HINT = re.compile(r"list", re.I)
_TITLE_SUFFIX = re.compile(r"\s*[-_|｜—]+\s*[^-_|｜—]{2,40}$")


def _clean(s: str) -> str:
    return re.sub(r"\s+", " ", s or "").strip()


def extract(body: bytes, url: str, content_type: str | None = None, *, max_text_chars: int = 100_000) -> PageContent:
    try:
        return _extract(body, url, content_type, max_text_chars)
    except Exception:  # crawled content is hostile or broken; a page must never crash the crawl
        return PageContent(encoding="utf-8")


def _extract(body: bytes, url: str, content_type: str | None, max_text_chars: int) -> PageContent:
    html, encoding = decode_html(body or b"", content_type)
    if not html.strip() or "\x00" in html[:1000]:
        return PageContent(encoding=encoding)
    soup = _ShallowSoup(html, "lxml")
    base = url
    base_tag = soup.find("base", href=True)
    if isinstance(base_tag, Tag):
        base = urljoin(url, base_tag["href"])

    meta = {}
    for tag in soup.find_all("meta"):
        name = tag.get("name") or tag.get("property") or ""
        for wanted in META_NAMES:
            if name.lower() == wanted.lower() and tag.get("content") is not None:
                meta[wanted] = _clean(tag["content"])

    page_title = _clean(soup.title.get_text()) if soup.title else ""
    links = _links(soup, base)
    footer = _footer(soup, meta)
    column_path = _breadcrumb(soup)
    labelled = _labelled_fields(soup)
    script_built = _script_built(soup)

    for junk in soup(["script", "style", "noscript", "template"]):
        junk.decompose()
    main = None
    for sel in _MAIN_SELECTORS:
        main = soup.select_one(sel)
        if main is not None and len(main.get_text(strip=True)) > 20:
            break
        main = None
    if main is None:
        main = soup.body or soup
        for noise in main.find_all(["nav", "header", "footer"]):
            noise.decompose()
    text = _clean(main.get_text(" "))[:max_text_chars]

    title = meta.get("ArticleTitle") or ""
    if not title:
        for sel in ("h1", ".article-title", "ucaptitle", ".title", "h2"):
            for node in soup.select(sel)[:5]:
                candidate = _clean(node.get_text())
                # a "title" block that is really a breadcrumb or a logo is not the title
                if len(candidate) >= 4 and not _CRUMB_SPLIT.search(candidate):
                    title = candidate
                    break
            if title:
                break
    if not title:
        title = _TITLE_SUFFIX.sub("", page_title) or page_title
    title = title[:300]

    pub_date, source = None, None
    if meta.get("PubDate"):
        pub_date, source = parse_cn_date(meta["PubDate"]), "meta:PubDate"
    if pub_date is None:
        for label in _LABELS["pub"]:
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
    for label in _LABELS["doc"]:
        if labelled.get(label):
            doc_number = find_doc_number(labelled[label]) or _clean(labelled[label])[:60] or None
            break
    if doc_number is None:
        doc_number = find_doc_number(text[:600])
    index_number = _clean(labelled.get("索引号", ""))[:60] or None

    list_items = _list_items(soup, base)
    if pub_date is None and len(list_items) < 3 and not script_built:
        # Dateline near the top of the body: "2024年05月17日08:59 来源：…"
        pub_date = parse_cn_date(text[:300])
        source = "text" if pub_date else None
    path = urlsplit(url).path
    if path in ("", "/") or re.fullmatch(r"/index\.(?:s?html?|jsp|php|aspx?)", path):
        kind = "home"
    elif len(list_items) >= 3 or script_built or (_has_list_container(soup) and not meta.get("ArticleTitle")):
        kind = "list"
    elif meta.get("ArticleTitle") or (pub_date and len(text) > 50):
        kind = "article"
    else:
        kind = "other"

    return PageContent(
        encoding=encoding, title=title, page_title=page_title, text=text, text_truncated=len(text) >= max_text_chars,
        column_path=tuple(column_path), pub_date=pub_date, pub_date_source=source if pub_date else None,
        written_date=written, doc_number=doc_number, index_number=index_number, kind=kind, links=tuple(links),
        list_items=tuple(list_items), site_code=footer.site_code, site_code_meta=footer.site_code_meta, icp=footer.icp,
        police_code=footer.police, conac=footer.conac, meta=meta, script_built=script_built,
    )


def _links(soup: BeautifulSoup, base: str) -> list[LinkRecord]:
    out, seen = [], set()
    for a in soup.find_all("a", href=True):
        href = a["href"].strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        try:
            absolute = urldefrag(urljoin(base, href))[0]
            parts = urlsplit(absolute)
        except ValueError:
            continue
        if parts.scheme not in ("http", "https"):
            continue
        text = _clean(a.get_text(" "))
        if not text:
            img = a.find("img")
            if isinstance(img, Tag):
                text = _clean(img.get("alt") or img.get("title") or "")
        text = text or _clean(a.get("title") or "")
        ext = parts.path.rsplit(".", 1)[-1].lower() if "." in parts.path.rsplit("/", 1)[-1] else ""
        key = (absolute, text)
        if key in seen:
            continue
        seen.add(key)
        out.append(LinkRecord(absolute, text[:_MAX_ANCHOR], ext if ext in ATTACHMENT_EXTS else None))
    return out


def _footer(soup: BeautifulSoup, meta: dict[str, str]) -> FooterIds:
    text = soup.get_text(" ").replace("\u3000", " ").replace("\xa0", " ")
    site = _SITE_CODE.search(text)
    icp = _ICP.search(text)
    police = _POLICE.search(text)
    conac = False
    for tag in soup.find_all(["a", "img", "script"]):
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


_TEXT_STRING_TYPES = (NavigableString, CData)

# Real portal pages nest at most ~40 deep; hostile or broken ones nest thousands deep, and
# every tree heuristic (CSS selectors, labels, breadcrumbs) then costs depth x elements:
# 20,000 nested <div>s took 5 s of reactor time, long enough to starve other downloads'
# timeouts. Elements deeper than this are dropped while parsing, their content kept.
MAX_TREE_DEPTH = 100
# kept even when too deep: links are evidence; raw-text elements must not leak code into text
_KEEP_WHEN_DEEP = frozenset({"a", "script", "style", "title", "iframe"})
_NORMAL, _DROPPED, _KEPT_DEEP = 0, 1, 2


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


def _short_text(tag: Tag, max_chars: int, max_nodes: int = 300) -> str | None:
    """The tag's text, or None once it passes `max_chars` characters or `max_nodes` nodes.

    get_text() on every element is quadratic in nesting depth: a hostile page of 20,000
    nested <div>s took 80 s. Labels and breadcrumbs are short, so stop early."""
    parts: list[str] = []
    size = 0
    stack = list(reversed(tag.contents))  # .descendants is O(depth) per call: walk .contents
    visited = 0
    while stack:
        node = stack.pop()
        visited += 1
        if visited > max_nodes:
            return None
        if isinstance(node, Tag):
            stack.extend(reversed(node.contents))
        elif type(node) in _TEXT_STRING_TYPES:  # as get_text(): not comments, <script>, <style>
            parts.append(str(node))
            size += len(node)
            if size > max_chars * 4:  # before whitespace is collapsed
                return None
    return " ".join(parts)


def _breadcrumb(soup: BeautifulSoup) -> list[str]:
    candidates = []
    for tag in soup.find_all(["div", "p", "span", "nav", "ol", "ul", "td"]):
        ident = " ".join(tag.get("class", []) or []) + " " + (tag.get("id") or "")
        raw = _short_text(tag, 200, max_nodes=120)
        text = _clean(raw) if raw else ""
        if not text or len(text) > 200:
            continue
        if _BREADCRUMB_HINT.search(ident) or _BREADCRUMB_PREFIX.match(text):
            candidates.append(text)
    for text in candidates:
        if not (_BREADCRUMB_PREFIX.match(text) or _CRUMB_SPLIT.search(text)):
            continue
        parts = [_CRUMB_JUNK.sub("", p) for p in _CRUMB_SPLIT.split(_BREADCRUMB_PREFIX.sub("", text))]
        parts = [_clean(p) for p in parts if p.strip()]
        if len(parts) >= 2 or (parts and _BREADCRUMB_PREFIX.match(text)):
            return parts[:10]
    return []


def _labelled_fields(soup: BeautifulSoup) -> dict[str, str]:
    """Values of labels such as 发布日期：… in text, table cells or spans."""
    labels = [label for group in _LABELS.values() for label in group]
    found: dict[str, str] = {}
    # Table/span layout: <td>成文日期：</td><td>2021-07-13</td>
    for tag in soup.find_all(["td", "th", "span", "b", "strong", "label", "dt", "em", "li", "p", "div"]):
        raw = _short_text(tag, 20, max_nodes=20)
        own = _clean(raw) if raw is not None else ""
        if not own or len(own) > 20:
            continue
        key = own.rstrip(":： ").replace(" ", "")
        if key in labels and key not in found:
            sib = tag.find_next_sibling()
            sib_text = _short_text(sib, 120) if isinstance(sib, Tag) else None
            value = _clean(sib_text) if sib_text else ""
            if not value and tag.next_sibling and isinstance(tag.next_sibling, str):
                value = _clean(tag.next_sibling)
            if value:
                found[key] = value[:120]
    # Inline layout: 发布时间：2021-07-13 10:20 来源：…
    flat = soup.get_text(" ").replace("\u3000", " ")
    for label in labels:
        if label in found:
            continue
        m = re.search(rf"{label}\s*[:：]\s*([^\s].{{0,60}})", flat)
        if m:
            found[label] = m.group(1)
    return found


def _date_near(node: Tag) -> dt.date | None:
    for child in node.find_all(string=True):
        d = parse_cn_date(str(child))
        if d:
            return d
    return None


def _list_items(soup: BeautifulSoup, base: str) -> list[ListItem]:
    """Rows that hold one link and a date: the items of a list page or a home-page block."""
    items, seen = [], set()
    for row in soup.find_all(["li", "tr", "dd"]):
        # Cheap test first: most rows (navigation) hold no date at all. A date inside any
        # one string of the row is also in the joined text, so this drops no item.
        joined = _short_text(row, 400, max_nodes=80)
        if joined is not None and parse_cn_date(joined) is None:
            continue
        anchors = [a for a in row.find_all("a", href=True) if _clean(a.get_text())]
        if not anchors or len(anchors) > 2:
            continue
        if row.find(["li", "tr"]):  # an outer row: its inner rows are the items
            continue
        date = _date_near(row)
        if date is None:
            continue
        a = anchors[0]
        href = a["href"].strip()
        if href.startswith(("javascript:", "#")):
            continue
        url = urldefrag(urljoin(base, href))[0]
        title = _clean(a.get("title") or a.get_text(" "))
        if (url, title) in seen:
            continue
        seen.add((url, title))
        items.append(ListItem(title=title[:300], url=url, date=date))
    return items


def _has_list_container(soup: BeautifulSoup) -> bool:
    """A ul/ol/table marked as a list: a column page, even when it holds no item (空白栏目)."""
    for tag in soup.find_all(["ul", "ol", "table", "tbody"]):
        ident = " ".join(tag.get("class", []) or []) + " " + (tag.get("id") or "")
        if re.search(r"(?:^|[\s_-])(?:list|lists|news-?list|article-?list)(?:$|[\s_-])", ident.strip(), re.I):
            return True
    return False


def _script_built(soup: BeautifulSoup) -> bool:
    scripts = soup.find_all("script")
    # Only a page whose scripts fetch or write content can fill an empty list.
    if not any(s.get("src") and "list" in s["src"].lower() or _FILL_SCRIPT.search(s.get_text() or "") for s in scripts):
        return False
    for tag in soup.find_all(["ul", "ol", "div", "table", "tbody"]):
        ident = " ".join(tag.get("class", []) or []) + " " + (tag.get("id") or "")
        if (tag.name in ("ul", "ol", "tbody", "table") or ident.strip().lower().endswith("list")) and \
                _LIST_HINT.search(ident) and not tag.find(["li", "a", "tr"]) and not _clean(tag.get_text()):
            return True
    return False
