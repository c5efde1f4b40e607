"""Pages, links and raw bodies: written by the crawl, read back by every later stage.

A PageRecord (rules/model.py) maps to a `pages` row field by field, by name: nothing here
lists the page's facts, so a new fact needs only its field and a column migration.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import sqlite_utils

from crawler.attachments import attachment_text
from crawler.extract import decode_html
from crawler.store.crawls import crawl_limits
from rules.model import LinkRecord, ListItem, PageRecord, UnitInfo, UnitPages

# Held by the record but not in the `pages` row: links have their own table; html and
# attachment text are read from the stored body when a rule needs them.
_NOT_IN_ROW = ("links", "html", "attachment_text")
_FIELDS = {f.name: f.type for f in dataclasses.fields(PageRecord) if f.name not in _NOT_IN_ROW}
PAGE_COLUMNS = tuple(_FIELDS)
_DATES = {name for name, kind in _FIELDS.items() if kind.startswith("dt.date")}
_BOOLS = {name for name, kind in _FIELDS.items() if kind == "bool"}
_JSON = {name for name, kind in _FIELDS.items() if kind.startswith(("tuple", "dict"))}
_NULLABLE = {name for name, kind in _FIELDS.items() if kind.endswith("| None")}

# Pages whose tables rules read (annual reports); their HTML is loaded from the stored body.
NEEDS_HTML = re.compile(r"政府信息公开.{0,6}年度?报告|政府信息公开年报")
MAX_HTML_CHARS = 2_000_000


def _encode(name: str, value):
    if name in _DATES:
        return value.isoformat() if value else None
    if name in _BOOLS:
        return int(value)
    if name == "list_items":
        return json.dumps([{"title": i.title, "url": i.url, "date": i.date.isoformat() if i.date else None}
                           for i in value], ensure_ascii=False)
    if name in _JSON:
        return json.dumps(list(value) if isinstance(value, tuple) else value, ensure_ascii=False)
    return value


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _decode(name: str, value):
    if name in _DATES:
        return _date(value)
    if name in _BOOLS:
        return bool(value)
    if name == "list_items":
        return tuple(ListItem(i.get("title", ""), i.get("url", ""), _date(i.get("date")))
                     for i in json.loads(value or "[]"))
    if name == "meta":
        return json.loads(value or "{}")
    if name in _JSON:
        return tuple(json.loads(value or "[]"))
    return value


def page_row(page: PageRecord) -> dict:
    """The `pages` row of a record (without crawl_id and the archive location)."""
    return {name: _encode(name, getattr(page, name)) for name in PAGE_COLUMNS}


def page_from_row(row: dict, cls: type[PageRecord] = PageRecord, **extra) -> PageRecord:
    """A record from a `pages` row (any subset of its columns; NULLs take the field's default)."""
    values = {k: _decode(k, v) for k, v in row.items() if k in _FIELDS and (v is not None or k in _NULLABLE)}
    return cls(**values, **extra)


@dataclass(frozen=True, kw_only=True)
class StoredPage(PageRecord):
    """A page as stored by an earlier crawl (or an earlier session of this one), with its row id."""

    id: int
    crawl_id: int


# --- bodies -----------------------------------------------------------------------

def store_body(db: sqlite_utils.Database, body: bytes) -> str:
    """Store a raw body once under its SHA-256; callers hold the transaction."""
    sha = hashlib.sha256(body).hexdigest()
    # Plain SQL: sqlite-utils' insert() looked the table and view names up again for every body.
    if db.conn.execute("SELECT 1 FROM bodies WHERE sha256 = ?", [sha]).fetchone() is None:
        db.conn.execute("INSERT OR IGNORE INTO bodies (sha256, size, body) VALUES (?, ?, ?)",
                        [sha, len(body), zlib.compress(body, 6)])
    return sha


def load_body(db: sqlite_utils.Database, sha256: str) -> bytes | None:
    rows = list(db.execute("SELECT body FROM bodies WHERE sha256 = ?", [sha256]).fetchall())
    return zlib.decompress(rows[0][0]) if rows else None


# --- the crawl writes -----------------------------------------------------------------

# The crawl's inserts, written out once: sqlite_utils' insert_all re-derives columns and
# converts every value in Python, and links are most of a crawl's rows (~40 per page).
_STORED_EXTRA = ("crawl_id", "body_sha256", "warc_file", "warc_offset")
_PAGE_INSERT_COLUMNS = PAGE_COLUMNS + _STORED_EXTRA
_PAGE_INSERT_SET = frozenset(_PAGE_INSERT_COLUMNS)
_INSERT_PAGE = (f"INSERT OR REPLACE INTO pages ({', '.join(_PAGE_INSERT_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(_PAGE_INSERT_COLUMNS))})")
_INSERT_LINK = ("INSERT OR IGNORE INTO links (crawl_id, unit_id, from_url, to_url, anchor, attachment, in_scope) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)")


def insert_pages(db: sqlite_utils.Database, crawl_id: int, rows: list[tuple[dict, PageRecord]]) -> None:
    """Store pages (row: page_row() plus body and archive columns) and their links; the
    caller holds the transaction. A URL re-recorded in the same run (a retry) keeps one row."""
    pages, links = [], []
    for row, page in rows:
        row = row | {"crawl_id": crawl_id}
        if row.keys() - _PAGE_INSERT_SET:  # a column nobody stores would be lost without a word
            raise ValueError(f"pages has no column {sorted(row.keys() - _PAGE_INSERT_SET)}")
        pages.append(tuple(row.get(c) for c in _PAGE_INSERT_COLUMNS))
        links.extend((crawl_id, page.unit_id, page.url, link.to_url, link.anchor, link.attachment, int(link.in_scope))
                     for link in page.links)
    db.conn.executemany(_INSERT_PAGE, pages)
    db.conn.executemany(_INSERT_LINK, links)


def copy_page(db: sqlite_utils.Database, crawl_id: int, source_page_id: int, unit_id: str, url: str,
              change: str, fetched_at: str | None) -> None:
    """Copy a page of an earlier crawl, and its links, into this run (caller's transaction)."""
    cols = ", ".join(c for c in db["pages"].columns_dict if c not in ("id", "crawl_id", "fetched_at", "change"))
    db.execute(
        f"INSERT OR REPLACE INTO pages (crawl_id, fetched_at, change, {cols}) "
        f"SELECT ?, COALESCE(?, fetched_at), ?, {cols} FROM pages WHERE id = ?",
        [crawl_id, fetched_at, change, source_page_id],
    )
    db.execute(
        """INSERT OR IGNORE INTO links (crawl_id, unit_id, from_url, to_url, anchor, attachment, in_scope)
           SELECT ?, unit_id, from_url, to_url, anchor, attachment, in_scope FROM links
           WHERE crawl_id = (SELECT crawl_id FROM pages WHERE id = ?) AND unit_id = ? AND from_url = ?""",
        [crawl_id, source_page_id, unit_id, url],
    )


# --- what an earlier crawl stored (resume, revisit) -----------------------------------------

REVISIT_COLUMNS = ("unit_id", "url", "final_url", "status", "fetch_status", "kind", "content_type", "body_sha256",
                   "content_sha256", "etag", "last_modified", "fetched_at", "script_built", "rendered")


def replayable_pages(db: sqlite_utils.Database, crawl_id: int) -> Iterator[StoredPage]:
    """Pages worth replaying: an answer was received and (for HTML) its body is kept.
    Failures (timeouts, resets…) are fetched again."""
    cursor = db.execute(
        f"SELECT id, {', '.join(REVISIT_COLUMNS)} FROM pages WHERE crawl_id = ? "
        "AND fetch_status IN ('ok', 'http_error', 'blocked')", [crawl_id])
    for page_id, *values in cursor:
        page = page_from_row(dict(zip(REVISIT_COLUMNS, values)), StoredPage, id=page_id, crawl_id=crawl_id)
        if page.body_sha256 is None and page.kind != "attachment":
            continue
        yield page


def page_links(db: sqlite_utils.Database, crawl_id: int, unit_id: str, url: str) -> list[tuple[str, int]]:
    return [(r[0], r[1]) for r in db.execute(
        "SELECT to_url, in_scope FROM links WHERE crawl_id = ? AND unit_id = ? AND from_url = ?",
        [crawl_id, unit_id, url])]


def page_body_ref(db: sqlite_utils.Database, crawl_id: int, unit_id: str, url: str) -> tuple[str | None, str | None]:
    """(body sha256, content type) of one stored page, or (None, None): the unit's own, else the
    same URL as another unit's crawl stored it (a finding comparing units cites the other's page)."""
    row = db.execute("SELECT body_sha256, content_type FROM pages WHERE crawl_id = ? AND url = ? "
                     "ORDER BY unit_id = ? DESC LIMIT 1", [crawl_id, url, unit_id]).fetchone()
    return (row[0], row[1]) if row else (None, None)


# --- the audit reads ---------------------------------------------------------------------

AUDIT_COLUMNS = tuple(c for c in PAGE_COLUMNS if c not in ("unit_id", "page_title", "error", "depth", "referer", "etag",
                                                           "last_modified", "change", "content_sha256"))


def _unit_links(db: sqlite_utils.Database, crawl_id: int, unit_id: str) -> dict[str, list[LinkRecord]]:
    links: dict[str, list[LinkRecord]] = defaultdict(list)
    make = LinkRecord._make
    # Navigation repeats the same links on every page: one record per distinct link is
    # shared by all pages that carry it (a quarter less time, far less memory at scale).
    shared: dict[tuple, LinkRecord] = {}
    for row in db.execute(
        """SELECT from_url, to_url, COALESCE(anchor, ''), attachment, in_scope != 0, target_status,
                  target_fetch_status
           FROM links WHERE crawl_id = ? AND unit_id = ?""",
        [crawl_id, unit_id],
    ):
        key = row[1:]
        record = shared.get(key)
        if record is None:
            record = shared[key] = make(key)
        links[row[0]].append(record)
    return links


def _readable_attachments(db: sqlite_utils.Database, crawl_id: int, unit_id: str) -> dict[str, tuple[str, str]]:
    return {
        r[0]: (r[1], r[2])
        for r in db.execute(
            """SELECT url, body_sha256, content_type FROM pages WHERE crawl_id = ? AND unit_id = ?
               AND kind = 'attachment' AND body_sha256 IS NOT NULL
               AND (url LIKE '%.pdf' OR url LIKE '%.docx' OR url LIKE '%.doc' OR url LIKE '%.wps'
                    OR content_type LIKE '%pdf%' OR content_type LIKE '%word%' OR content_type LIKE '%wps%')""",
            [crawl_id, unit_id],
        )
    }


def _report_sources(db, page: PageRecord, links: Iterable[LinkRecord], attachments) -> dict:
    """The HTML of an annual-report page, or the text of its attachment when its tables are there."""
    html = report_text = ""
    body = load_body(db, page.body_sha256) if page.body_sha256 else None
    if body:
        html = decode_html(body, page.content_type)[0][:MAX_HTML_CHARS]
    if "本年新收" not in html:  # no table 3 on the page: the report is in an attachment
        for link in links:
            if link.to_url in attachments:
                sha, ctype = attachments[link.to_url]
                report_text = attachment_text(load_body(db, sha) or b"", link.to_url, ctype)
                if report_text:
                    break
    return {"html": html, "attachment_text": report_text}


def load_unit_pages(db: sqlite_utils.Database, crawl_id: int, unit: UnitInfo, *, finished: bool,
                    needs: frozenset[str] = frozenset({"report_sources"}),
                    registry: tuple[UnitInfo, ...] = ()) -> UnitPages:
    """Everything one unit's crawl stored, as the rules see it; `needs` (declared by the
    matchers) says which facts beyond the stored row to load."""
    links = _unit_links(db, crawl_id, unit.id)
    attachments = _readable_attachments(db, crawl_id, unit.id)
    pages = []
    # By URL, not by the order pages were stored: that is the crawl's (two requests at a time),
    # and a matcher that cites the first pages it finds must cite the same ones every time.
    cursor = db.execute(f"SELECT {', '.join(AUDIT_COLUMNS)} FROM pages WHERE crawl_id = ? AND unit_id = ? ORDER BY url",
                        [crawl_id, unit.id])
    for values in cursor:
        row = dict(zip(AUDIT_COLUMNS, values))
        page_links = tuple(links.get(row["url"], ()))
        page = page_from_row(row, links=page_links)
        if ("report_sources" in needs and page.kind == "article" and page.body_sha256
                and NEEDS_HTML.search(page.title)):
            page = dataclasses.replace(page, **_report_sources(db, page, page_links, attachments))
        pages.append(page)
    limits = crawl_limits(db, crawl_id).get(unit.id, ())
    return UnitPages(unit=unit, pages=tuple(pages), crawl_finished=finished, limits=limits, registry=registry)


def units_with_script_lists_read(db: sqlite_utils.Database) -> set[str]:
    """Units some of whose script-built lists were read: rendered in a browser, or through the
    gkmlpt JSON API (the sample world's ground truth drops its js_only defects there)."""
    return {r[0] for r in db.execute(
        "SELECT DISTINCT unit_id FROM pages WHERE rendered = 1 OR url LIKE '%/gkmlpt/api/%'")}
