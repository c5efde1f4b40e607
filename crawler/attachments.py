"""Text of document attachments (PDF, Word), for rules that read an annual report's tables."""

from __future__ import annotations

MAX_TEXT_CHARS = 2_000_000
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
    return "\n".join(lines)[:MAX_TEXT_CHARS]


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
            return "\n".join((p.extract_text() or "") for p in pdf.pages[:MAX_PDF_PAGES])[:MAX_TEXT_CHARS]
    except Exception:  # crawled bytes: any parser error means "cannot be read", not a crash
        return ""
