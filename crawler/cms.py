"""What the common portal CMS families put in a page that a static crawl must read itself.

Pure functions from a page's text to the further URLs (or form posts) its scripts would
load: a browser is the fallback, not the first resort, wherever the data is in the page.

* Guangdong 政府信息公开目录 (gkmlpt): `window._CONFIG = {SID, TREE, …}` names the site id and
  the category tree, written as JSON or as a JavaScript object literal; each category's list
  is read from `/gkmlpt/api/all/{category}?page=N&sid={SID}` page by page until `total`.
* TRS WCM: `createPageHTML(total, current, "index", "html")` writes the pager; further pages
  are `index_1.html … index_{total-1}.html` beside the first.
* 大汉 Hanweb JCMS: a list's records sit in `<script type="text/xml"><datastore>`, and the
  pager posts to `/module/web/jpage/dataproxy.jsp?startrecord=…&endrecord=…&perpage=…` with
  the query of the datastore's `<nextgroup>` link as form data.
"""

from __future__ import annotations

import html
import math
import re
from urllib.parse import parse_qsl, quote, urljoin, urlsplit

import chompjs

# --- gkmlpt ---------------------------------------------------------------------------

_GKML_CONFIG = re.compile(r"_CONFIG\s*=\s*(\{)", re.S)


def gkml_config(text: str) -> tuple[str, list[dict]] | None:
    """(site id, leaf categories) of a gkmlpt directory page, or None when it has none."""
    m = _GKML_CONFIG.search(text)
    if not m:
        return None
    try:
        config = chompjs.parse_js_object(text[m.start(1):m.start(1) + 2_000_000])
    except ValueError:
        return None
    if not isinstance(config, dict) or not config.get("SID") or not isinstance(config.get("TREE"), list):
        return None
    return str(config["SID"]), gkml_leaves(config["TREE"])


def gkml_leaves(nodes) -> list[dict]:
    """Leaf categories: no children and no jump_url (an external link, not a list)."""
    out = []
    for node in nodes if isinstance(nodes, list) else []:
        if not isinstance(node, dict) or "id" not in node:
            continue
        children = node.get("children") or []
        if children:
            out.extend(gkml_leaves(children))
        elif not node.get("jump_url"):
            out.append(node)
    return out


def gkml_api_url(base: str, category, sid: str, page: int = 1) -> str:
    return urljoin(base, f"api/all/{category}?page={page}&sid={sid}")


def gkml_more_pages(api_url: str, data: dict, max_pages: int) -> tuple[list[str], bool]:
    """The further pages of a category after its first (page=2…), and whether `max_pages` cut them.

    The page size is what the first page returned; `total` counts the category's articles."""
    articles = data.get("articles") or []
    try:
        total = int(data.get("total") or 0)
    except (TypeError, ValueError):
        return [], False
    if not articles or total <= len(articles):
        return [], False
    pages = math.ceil(total / len(articles))
    last = min(pages, max_pages)
    return [re.sub(r"([?&])page=\d+", rf"\g<1>page={n}", api_url) for n in range(2, last + 1)], pages > last


# --- TRS WCM --------------------------------------------------------------------------

_TRS_PAGER = re.compile(r"""createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*["']([\w-]+)["']\s*,\s*["'](\w+)["']""")
# The same pager written out inline: `var countPage=56` … `"index"+"_"+i+"."+"html"`.
_TRS_COUNT = re.compile(r"""countPage\s*=\s*(\d+)""")
_TRS_INLINE = re.compile(r"""["']([\w-]+)["']\s*\+\s*["']_["']\s*\+\s*\w+\s*\+\s*["']\.["']\s*\+\s*["'](\w+)""")


def trs_pager_urls(text: str, url: str, max_pages: int) -> tuple[list[str], bool]:
    """Further pages of a TRS list (index_1.html …), and whether `max_pages` cut them."""
    m = _TRS_PAGER.search(text)
    if m:
        total, name, ext = int(m.group(1)), m.group(3), m.group(4)
    else:
        count, inline = _TRS_COUNT.search(text), _TRS_INLINE.search(text)
        if not count or not inline:
            return [], False
        total, name, ext = int(count.group(1)), inline.group(1), inline.group(2)
    last = min(total, max_pages)
    return [urljoin(url, f"{name}_{n}.{ext}") for n in range(1, last)], total > last


# --- Hanweb JCMS ----------------------------------------------------------------------

_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>\s*</nextgroup>", re.S | re.I)
_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.I)
_TOTAL = re.compile(r"""totalRecord\s*[:=]\s*["']?(\d+)""", re.I)
_PER_PAGE = re.compile(r"""perPage\s*[:=]\s*["']?(\d+)""", re.I)
_GROUP_SIZE = re.compile(r"""groupSize\s*[:=]\s*["']?(\d+)""", re.I)
DATAPROXY = "/module/web/jpage/dataproxy.jsp"


def hanweb_pages(text: str, url: str, max_pages: int) -> tuple[list[tuple[str, dict[str, str]]], bool]:
    """The posts that fetch a Hanweb list's further record groups: (URL, form data) each,
    and whether `max_pages` cut them. The first group is in the page itself."""
    group = _NEXTGROUP.search(text)
    total = _TOTAL.search(text)
    if not group or not total:
        return [], False
    href = _HREF.search(group.group(1))
    if not href:
        return [], False
    target = urlsplit(urljoin(url, html.unescape(href.group(1))))
    if not target.path.endswith("dataproxy.jsp"):
        return [], False
    form = dict(parse_qsl(target.query, keep_blank_values=True))
    form.pop("page", None)
    per_page = int(_PER_PAGE.search(text).group(1)) if _PER_PAGE.search(text) else 15
    # jpage fetches `groupSize` pages' records per request (3 by default).
    group_size = int(_GROUP_SIZE.search(text).group(1)) if _GROUP_SIZE.search(text) else 3
    step = max(1, per_page * group_size)
    records = int(total.group(1))
    # The column goes into the URL as well as the form: each column's record groups are then
    # distinct pages (stored, de-duplicated and revisited by URL), and the server reads the
    # parameter either way.
    base = f"{target.scheme}://{target.netloc}{target.path}"
    column = "".join(f"&{k}={quote(form[k])}" for k in ("columnid", "unitid") if form.get(k))
    posts = []
    start = step + 1
    while start <= records and len(posts) + 1 < max_pages:
        end = min(start + step - 1, records)
        posts.append((f"{base}?startrecord={start}&endrecord={end}&perpage={per_page}{column}", form))
        start = end + 1
    return posts, start <= records
