"""Field readers for crawler/extract.py: dates, breadcrumbs, label/value pairs, titles, list rows.

Pure functions over an already parsed tree. Every walk is bounded (see short_text): real
pages nest ~40 deep, hostile ones thousands, and these run on every element.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Iterator
from urllib.parse import urldefrag, urljoin

from bs4 import CData, NavigableString, Tag

# --- text ----------------------------------------------------------------------------

_TEXT_STRING_TYPES = (NavigableString, CData)
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fa5，、《》“”（）〔〕])\s+(?=[\u4e00-\u9fa5，、《》“”（）〔〕])")


def clean(s: str) -> str:
    return re.sub(r"\s+", " ", s or "").strip()


def join_lines(s: str) -> str:
    """A title wrapped over lines (<br>, several <p>): no space between Chinese characters."""
    return _CJK_GAP.sub("", clean(s))


def text_nodes(tag: Tag, max_chars: int, max_nodes: int = 300) -> list[str] | None:
    """The tag's strings in order, or None once they pass `max_chars` characters or `max_nodes` nodes."""
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
    return parts


def named(tags: list[Tag], *names: str) -> list[Tag]:
    """The elements of `tags` (a page's elements in document order) with one of these names."""
    return [t for t in tags if t.name in names]


def select(tags: list[Tag], selector: str) -> Iterator[Tag]:
    """Elements matching one simple CSS selector (`#id`, `.class` or a tag name), in document
    order, as soupsieve matches them in an HTML document: case-sensitive id and class."""
    if selector.startswith("#"):
        ident = selector[1:]
        return (t for t in tags if t.name and t.get("id") == ident)
    if selector.startswith("."):
        cls = selector[1:]
        return (t for t in tags if t.name and cls in _classes(t))
    return (t for t in tags if t.name == selector)


def _classes(tag: Tag) -> list[str]:
    value = tag.get("class") or []
    return value.split() if isinstance(value, str) else value


def short_text(tag: Tag, max_chars: int, max_nodes: int = 300) -> str | None:
    """The tag's text, or None once it passes `max_chars` characters or `max_nodes` nodes.

    get_text() on every element is quadratic in nesting depth: a hostile page of 20,000
    nested <div>s took 80 s. Labels and breadcrumbs are short, so stop early."""
    parts = text_nodes(tag, max_chars, max_nodes)
    return None if parts is None else " ".join(parts)


# --- dates ---------------------------------------------------------------------------

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_FULLWIDTH = str.maketrans("０１２３４５６７８９／．－：", "0123456789/.-:")
_DATE_NUM = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?!\d)\s*日?")
_DATE_CN = re.compile(r"([〇零○Ｏ一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")
# A row's date cell holding only a month and day: "07-13", "[07/13]", "7月13日". With "/" or "."
# both are two digits: a pager's "1/5" or a size "1.5" is no date.
_MONTH_DAY = re.compile(r"^[\[【(（]?\s*(?:(\d{1,2})\s*(?:-|月)\s*(\d{1,2})\s*日?|(\d{2})[/.](\d{2}))\s*[\]】)）]?$")
_MONTH_DAY_ANY = re.compile(r"(?<![\d年])\d{1,2}\s*(?:[-/.]|月)\s*\d{1,2}(?!\d)")


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


def complete_year(month: int, day: int, anchor: dt.date, latest: dt.date) -> dt.date | None:
    """The date of a year-less month-day: the one nearest `anchor`, never after `latest`."""
    years = {anchor.year - 1, anchor.year, anchor.year + 1, latest.year, latest.year - 1}
    dates = [d for d in (_make_date(y, month, day) for y in years) if d and d <= latest]
    return min(dates, key=lambda d: (abs((d - anchor).days), -d.toordinal())) if dates else None


# --- breadcrumbs -----------------------------------------------------------------------

_BREADCRUMB_HINT = re.compile(r"position|location|crumb|dqwz|curpos|weizhi|path|nav-?path", re.I)
_BREADCRUMB_PREFIX = re.compile(
    r"^\s*(?:当前位置|您现在的位置是|您现在的位置|您现在所在的位置|您当前的位置|您当前所在位置|现在位置|所在位置|位置)\s*[:：]?\s*")
# "/" only between words: a date (2021/07/13) or a URL in a crumb block is no separator
_CRUMB_SEP = r"(?:->|-&gt;|>>|&gt;&gt;|>|&gt;|»|›|→|＞|〉|(?<=[\u4e00-\u9fa5\s])/(?=[\u4e00-\u9fa5\s]))"
_CRUMB_SPLIT = re.compile(rf"\s*{_CRUMB_SEP}\s*")
_HOME_CRUMB = re.compile(rf"^(?:网站)?首页\s*{_CRUMB_SEP}")  # a crumb trail in a block with no telling class
_HOME_WORD = re.compile(r"^(?:网站)?首页|^主页$|^home$", re.I)
_CRUMB_JUNK = re.compile(r"\s*(?:字号|【|打印|\|).*$")


def breadcrumb_like(text: str) -> bool:
    return bool(_CRUMB_SPLIT.search(text))


def breadcrumb(tags: list[Tag]) -> list[str]:
    found: list[tuple[Tag, list[str]]] = []
    for tag in named(tags, "div", "p", "span", "nav", "ol", "ul", "td"):
        ident = " ".join(tag.get("class", []) or []) + " " + (tag.get("id") or "")
        raw = short_text(tag, 200, max_nodes=120)
        text = clean(raw) if raw else ""
        if not text or len(text) > 200:
            continue
        prefixed = bool(_BREADCRUMB_PREFIX.match(text))
        if prefixed or _BREADCRUMB_HINT.search(ident) or _HOME_CRUMB.match(text):
            found.append((tag, _crumbs(tag, text, prefixed)))
            if len(found) >= 40:
                break
    for i, (tag, parts) in enumerate(found):
        if not parts:
            continue
        # find_all is pre-order: a nested candidate comes right after its container and
        # holds the trail without the container's other text
        if i + 1 < len(found) and found[i + 1][1] and any(p is tag for p in found[i + 1][0].parents):
            continue
        return parts
    return []


def _crumbs(tag: Tag, text: str, prefixed: bool) -> list[str]:
    body = _BREADCRUMB_PREFIX.sub("", text)
    if _CRUMB_SPLIT.search(body):
        pieces = _CRUMB_SPLIT.split(body)
    else:
        # no separator text: one crumb per <li>, else per text node (AngularJS/Vue trails)
        items = tag.find_all("li", limit=12)
        if len(items) >= 2:
            pieces = [short_text(li, 40, max_nodes=20) or "" for li in items]
        else:
            pieces = text_nodes(tag, 200, max_nodes=120) or []
        pieces = [_BREADCRUMB_PREFIX.sub("", clean(p)) for p in pieces]
        pieces = [p for p in pieces if p]
        if not pieces or any(len(p) > 30 for p in pieces) or not (prefixed or _HOME_WORD.match(pieces[0])):
            return []
    parts = [clean(_CRUMB_JUNK.sub("", p)) for p in pieces if p.strip()]
    parts = [p for p in parts if p]
    if len(parts) >= 2 or (parts and prefixed):
        return parts[:10]
    return []


# --- label / value pairs ----------------------------------------------------------------

LABELS = {
    "pub": ("发布日期", "发布时间", "公开日期", "发文日期", "日期", "时间"),
    "written": ("成文日期", "成文时间"),
    "doc": ("文号", "发文字号"),
    "index": ("索引号",),
    "title": ("标题", "名称", "公文名称", "文件名称"),
    # who issued or published it, most specific first (来源 is often the site itself: 本网)
    "publisher": ("发布机构", "发文机关", "发文单位", "发布单位", "办文部门", "信息来源", "来源"),
}
# Other labels of metadata blocks: never the value of the label before them.
_OTHER_LABELS = ("主题分类", "分类", "主题词",
                 "有效性", "生效日期", "废止日期", "体裁分类", "组配分类", "所属主题", "作者", "浏览次数", "点击数", "公开方式",
                 "公开范围", "时效", "文件编号", "有效期")
_WANTED = tuple(label for group in LABELS.values() for label in group)
_ALL_LABELS = frozenset(_WANTED + _OTHER_LABELS)
_TITLE_LABELS = frozenset(LABELS["title"])


def _spaced(label: str) -> str:
    return r"\s*".join(map(re.escape, label))  # 索　引　号, 索 引 号 (U+3000, U+2002, spaces)


_LABEL_AT_START = re.compile(
    r"^(" + "|".join(_spaced(x) for x in sorted(_WANTED, key=len, reverse=True)) + r")\s*(?:[:：]\s*(.*)|$)", re.S)
_ANY_LABEL = "|".join(_spaced(x) for x in sorted(_ALL_LABELS, key=len, reverse=True))
_NEXT_LABEL = re.compile(rf"\s+(?:{_ANY_LABEL})\s*[:：]")
_LABEL_LIKE = re.compile(rf"^(?:(?:{_ANY_LABEL})\s*(?:[:：]|$)|[\u4e00-\u9fa5]{{2,6}}\s*[:：]\s*$)")
_EMPTY_VALUES = frozenset({"无", "暂无", "—", "-", "--", "——", "/", "／", "空", "null", "none"})


def _value(raw: str) -> str:
    """A label's value, or "" when it is empty, a placeholder (无, —) or the next label."""
    value = clean(raw).lstrip(":：").strip()
    value = _NEXT_LABEL.split(value, maxsplit=1)[0].strip()
    if value.lower() in _EMPTY_VALUES or _LABEL_LIKE.match(value):
        return ""
    return value[:120]


def _value_after(tag: Tag) -> str:
    """The value in the text node or element right after a label element."""
    node = tag.next_sibling
    for _ in range(6):
        if node is None:
            return ""
        if isinstance(node, Tag):
            if node.name in ("br", "script", "style"):
                node = node.next_sibling
                continue
            return _value(short_text(node, 120) or "")
        if type(node) in _TEXT_STRING_TYPES and str(node).strip(" \t\r\n\xa0\u3000:："):
            return _value(str(node))
        node = node.next_sibling
    return ""


_BLOCKS = frozenset({"div", "p", "li"})


def _has_value_slot(tag: Tag) -> bool:
    """An element inside the label element, after the label, meant for the value: <span>索引号：<span></span></span>."""
    for child in tag.find_all(True, recursive=False, limit=8):
        if child.name != "br" and not _LABEL_AT_START.match(clean(short_text(child, 40, max_nodes=20) or "")):
            return True
    return False


def labelled_fields(tags: list[Tag], flat: str) -> dict[str, str]:
    """Values of labels such as 发布日期：… in text, table cells, spans or <strong>/<b> + text.
    `flat` is the page's text (get_text(" "))."""
    found: dict[str, str] = {}
    for tag in named(tags, "td", "th", "span", "b", "strong", "label", "dt", "em", "li", "p", "div"):
        raw = short_text(tag, 160, max_nodes=30)
        own = clean(raw) if raw is not None else ""
        if not own or len(own) > 160:
            continue
        m = _LABEL_AT_START.match(own)
        if not m:
            continue
        key = re.sub(r"\s+", "", m.group(1))
        if found.get(key):
            continue
        if key in _TITLE_LABELS and tag.name not in ("td", "th", "dt"):
            continue  # a title only from a metadata table: 标题： in running text is anything
        rest = m.group(2)
        if rest and rest.strip():
            value = _value(rest)
        elif _has_value_slot(tag) or (tag.name in _BLOCKS and tag.find(True) is not None):
            value = ""  # the value belonged inside this element, and it is empty
        else:
            value = _value_after(tag)
        found[key] = found.get(key) or value
    # Inline layout: 发布时间：2021-07-13 10:20 来源：… Not for a label already seen empty in
    # its own element: the flat text would hand it the next element's text.
    flat = flat.replace("\u3000", " ")
    for label in _WANTED:
        if label in found or label in _TITLE_LABELS:  # 名称 inside 单位名称：… is no title
            continue
        m = re.search(rf"{_spaced(label)}\s*[:：]\s*([^\s].{{0,60}})", flat)
        if m and _value(m.group(1)):
            found[label] = _value(m.group(1))
    return {k: v for k, v in found.items() if v}


# --- titles ------------------------------------------------------------------------------

_TITLE_SEP = re.compile(r"\s*(?:[_|｜]+|——|—|--|\s-\s|(?<!\d)-(?!\d))\s*")
_SITE_LIKE = re.compile(r"(?:人民政府|政府|门户网站|网站|政府网|官网|门户|信息网|中国[\u4e00-\u9fa5]{0,10}网)$")


def title_from_page_title(page_title: str, site_name: str = "") -> str:
    """<title> minus the site name (标题-站点, 站点-栏目, 栏目_站点); "" when it is only the site name."""
    parts = [p.strip() for p in _TITLE_SEP.split(page_title) if p.strip()]
    site = [p for p in parts if (site_name and (p in site_name or site_name in p)) or _SITE_LIKE.search(p)]
    rest = [p for p in parts if p not in site]
    if not rest:
        return "" if site else page_title
    return max(rest, key=len) if site else parts[0]


def _is_centred(tag: Tag) -> bool:
    style = (tag.get("style") or "").replace(" ", "").lower()
    return (tag.get("align") or "").lower() == "center" or "text-align:center" in style or \
        (tag.parent is not None and tag.parent.name == "center")


def _is_bold(tag: Tag) -> bool:
    if "font-weight:bold" in (tag.get("style") or "").replace(" ", "").lower():
        return True
    strings = [s for s in tag.find_all(string=True, limit=20) if type(s) in _TEXT_STRING_TYPES and s.strip()]
    if not strings:
        return False
    for s in strings:
        node, bold = s.parent, False
        for _ in range(6):  # up to the paragraph
            if node is None or node is tag:
                break
            style = (node.get("style") or "").replace(" ", "").lower()
            if node.name in ("b", "strong") or "font-weight:bold" in style or "font-weight:700" in style:
                bold = True
                break
            node = node.parent
        if not bold:
            return False
    return True


def centred_bold_title(main: Tag) -> str:
    """A document title set as the first centred bold paragraph(s) of the body."""
    lines: list[str] = []
    for p in main.find_all("p", limit=8):
        text = clean(short_text(p, 120, max_nodes=30) or "")
        if not text:
            if lines:
                break
            continue
        if not (_is_centred(p) and _is_bold(p)):
            break
        lines.append(text)
    title = join_lines(" ".join(lines))
    return title if 4 <= len(title) <= 150 else ""


# --- list rows ---------------------------------------------------------------------------


def _date_near(node: Tag) -> dt.date | None:
    for child in node.find_all(string=True, limit=60):
        d = parse_cn_date(str(child))
        if d:
            return d
    return None


def _month_day_near(node: Tag) -> tuple[int, int] | None:
    for child in node.find_all(string=True, limit=60):
        m = _MONTH_DAY.match(str(child).translate(_FULLWIDTH).strip())
        if m:
            month, day = (int(g) for g in (m.group(1, 2) if m.group(1) else m.group(3, 4)))
            if 1 <= month <= 12 and 1 <= day <= 31:
                return month, day
    return None


def list_rows(tags: list[Tag], base: str, page_date: dt.date | None,
              latest: dt.date) -> list[tuple[str, str, dt.date]]:
    """(title, url, date) of rows holding one link and a date: list pages, home-page blocks.

    A row dated by month and day only ("07-13", home pages and some lists) takes its year
    from the nearest fully dated row of the same list, else the page's own date, else the
    fetch date; never a date after the fetch date."""
    rows: list[list] = []  # [parent, title, url, date, month_day]
    seen = set()
    for row in named(tags, "li", "tr", "dd"):
        # Cheap test first: most rows (navigation) hold no date at all. A date inside any
        # one string of the row is also in the joined text, so this drops no item.
        joined = short_text(row, 400, max_nodes=80)
        if joined is not None and parse_cn_date(joined) is None and not _MONTH_DAY_ANY.search(joined):
            continue
        anchors = [a for a in row.find_all("a", href=True) if clean(a.get_text())]
        if not anchors or len(anchors) > 2:
            continue
        if row.find(["li", "tr"]):  # an outer row: its inner rows are the items
            continue
        date = _date_near(row)
        month_day = None if date else _month_day_near(row)
        if date is None and month_day is None:
            continue
        a = anchors[0]
        href = a["href"].strip()
        if href.startswith(("javascript:", "#")):
            continue
        url = urldefrag(urljoin(base, href))[0]
        title = clean(a.get("title") or a.get_text(" "))
        if (url, title) in seen:
            continue
        seen.add((url, title))
        rows.append([row.parent, title[:300], url, date, month_day])
    dated: dict[int, list[int]] = {}  # list (parent element) -> positions of its fully dated rows
    for i, row in enumerate(rows):
        if row[3] is not None:
            dated.setdefault(id(row[0]), []).append(i)
    out = []
    for i, (parent, title, url, date, month_day) in enumerate(rows):
        if date is None:
            near = dated.get(id(parent), [])
            k = bisect.bisect(near, i)
            nearest = min(near[max(k - 1, 0):k + 1], key=lambda j: abs(j - i), default=None)
            anchor = rows[nearest][3] if nearest is not None else (page_date or latest)
            date = complete_year(month_day[0], month_day[1], anchor, latest)
            if date is None:
                continue
        out.append((title, url, date))
    return out
