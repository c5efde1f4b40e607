"""Read stored crawls as the rules see them; the audit stage's only view of the crawl."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict

import sqlite_utils

from audits.db import load_body
from crawler.extract import decode_html
from rules.model import LinkRecord, ListEntry, PageRecord, UnitInfo, UnitPages

# Pages whose tables rules read (annual reports); their HTML is loaded from the stored body.
NEEDS_HTML = re.compile(r"政府信息公开.{0,6}年度?报告|政府信息公开年报")
MAX_HTML_CHARS = 2_000_000
MAX_PDF_PAGES = 80  # an annual report is a few dozen pages; anything longer is not one


def docx_text(body: bytes) -> str:
    """Paragraphs, then each table row as one line of cells, as parse_text expects."""
    import io

    import docx

    try:
        document = docx.Document(io.BytesIO(body))
    except Exception:  # not a .docx, or a damaged one
        return ""
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            cells: list[str] = []
            for cell in row.cells:  # merged cells repeat: keep each once
                if not cells or cell.text != cells[-1] or cell.text.strip().isdigit():
                    cells.append(cell.text.strip())
            lines.append(" ".join(c for c in cells if c != ""))
    return "\n".join(lines)[:MAX_HTML_CHARS]


def attachment_text(body: bytes, url: str, content_type: str | None) -> str:
    kind = (content_type or "").lower()
    if "pdf" in kind or url.lower().endswith(".pdf"):
        return pdf_text(body)
    if "officedocument.wordprocessingml" in kind or url.lower().endswith(".docx"):
        return docx_text(body)
    return ""  # .doc/.wps: no well-kept reader in pure Python; the report stays 'unknown'


def pdf_text(body: bytes) -> str:
    """Text of a PDF, page by page; empty when it cannot be read (scanned, encrypted, broken)."""
    import io

    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(body)) as pdf:
            return "\n".join((p.extract_text() or "") for p in pdf.pages[:MAX_PDF_PAGES])[:MAX_HTML_CHARS]
    except Exception:  # crawled bytes: any parser error means "cannot be read", not a crash
        return ""


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def load_unit_pages(db: sqlite_utils.Database, crawl_id: int, unit: UnitInfo, *, finished: bool) -> UnitPages:
    links: dict[str, list[LinkRecord]] = defaultdict(list)
    make = LinkRecord._make
    # Navigation repeats the same links on every page: one record per distinct link is
    # shared by all pages that carry it (a quarter less time, far less memory at scale).
    shared: dict[tuple, LinkRecord] = {}
    for row in db.execute(
        """SELECT from_url, to_url, COALESCE(anchor, ''), attachment, in_scope != 0, target_status,
                  target_fetch_status
           FROM links WHERE crawl_id = ? AND unit_id = ?""",
        [crawl_id, unit.id],
    ):
        key = row[1:]
        record = shared.get(key)
        if record is None:
            record = shared[key] = make(key)
        links[row[0]].append(record)
    attachments = {
        r[0]: (r[1], r[2])
        for r in db.execute(
            """SELECT url, body_sha256, content_type FROM pages WHERE crawl_id = ? AND unit_id = ?
               AND kind = 'attachment' AND body_sha256 IS NOT NULL
               AND (url LIKE '%.pdf' OR url LIKE '%.docx' OR content_type LIKE '%pdf%' OR content_type LIKE '%wordprocessingml%')""",
            [crawl_id, unit.id],
        )
    }
    pages = []
    cursor = db.execute(
        """SELECT url, fetch_status, status, fetched_at, final_url, kind, title, text, pub_date, column_path,
                  doc_number, content_type, site_code, site_code_meta, icp, police_code, conac, meta,
                  list_items, script_built, rendered, body_sha256
           FROM pages WHERE crawl_id = ? AND unit_id = ? ORDER BY id""",
        [crawl_id, unit.id],
    )
    names = [d[0] for d in cursor.description]
    for values in cursor:
        row = dict(zip(names, values))
        items = tuple(
            ListEntry(i.get("title", ""), i.get("url", ""), _date(i.get("date")))
            for i in json.loads(row["list_items"] or "[]")
        )
        html = report_text = ""
        if row["kind"] == "article" and row["body_sha256"] and NEEDS_HTML.search(row["title"] or ""):
            body = load_body(db, row["body_sha256"])
            if body:
                html = decode_html(body, row["content_type"])[0][:MAX_HTML_CHARS]
            if "本年新收" not in html:  # no table 3 on the page: the report is in an attachment
                for link in links.get(row["url"], ()):
                    if link.to_url in attachments:
                        sha, ctype = attachments[link.to_url]
                        report_text = attachment_text(load_body(db, sha) or b"", link.to_url, ctype)
                        if report_text:
                            break
        pages.append(
            PageRecord(
                url=row["url"],
                fetch_status=row["fetch_status"],
                status=row["status"],
                fetched_at=row["fetched_at"] or "",
                final_url=row["final_url"],
                kind=row["kind"] or "other",
                title=row["title"] or "",
                text=row["text"] or "",
                pub_date=_date(row["pub_date"]),
                column_path=tuple(json.loads(row["column_path"] or "[]")),
                doc_number=row["doc_number"],
                content_type=row["content_type"],
                site_code=row["site_code"],
                site_code_meta=row["site_code_meta"],
                icp=row["icp"],
                police_code=row["police_code"],
                conac=bool(row["conac"]),
                meta=json.loads(row["meta"] or "{}"),
                list_items=items,
                links=tuple(links.get(row["url"], ())),
                script_built=bool(row["script_built"]),
                rendered=bool(row["rendered"]),
                html=html,
                attachment_text=report_text,
            )
        )
    return UnitPages(unit=unit, pages=tuple(pages), crawl_finished=finished)
