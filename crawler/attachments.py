"""Text of downloaded attachments (PDF, DOCX, legacy .doc/.wps), as rules/annual_report.py reads it.

Every function takes crawled bytes and returns text, or "" when the file cannot be read:
a broken, scanned or encrypted file, or a missing converter, is "unknown" to the audit,
never a crash. Legacy Word files go through a maintained external converter (Debian's
antiword; LibreOffice headless if it happens to be installed), never a hand-written parser.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
import tempfile

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 2_000_000
MAX_PDF_PAGES = 80  # an annual report is a few dozen pages; anything longer is not one
CONVERT_TIMEOUT = 60  # seconds; a converter stuck on a hostile file must not stall the audit
ANTIWORD = "antiword"
SOFFICE = ("soffice", "libreoffice")
LEGACY_WORD_TYPES = ("msword", "kswps", "wps-office", "ms-works")
_warned_missing = False


def pdf_text(body: bytes) -> str:
    """Text of a PDF, page by page; empty when it cannot be read (scanned, encrypted, broken)."""
    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(body)) as pdf:
            return "\n".join((p.extract_text() or "") for p in pdf.pages[:MAX_PDF_PAGES])[:MAX_TEXT_CHARS]
    except Exception:  # crawled bytes: any parser error means "cannot be read", not a crash
        return ""


def docx_text(body: bytes) -> str:
    """Paragraphs, then each table row as one line of cells, as parse_text expects."""
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


def doc_text(body: bytes, *, antiword: str = ANTIWORD, soffice: tuple[str, ...] = SOFFICE,
             timeout: float = CONVERT_TIMEOUT) -> str:
    """Text of a Word 97–2003 .doc (or a WPS .wps saved in that format) via antiword, else LibreOffice."""
    if not body:
        return ""
    tool = shutil.which(antiword)
    office = next((found for name in soffice if (found := shutil.which(name))), None)
    if tool is None and office is None:
        _warn_missing(antiword)
        return ""
    with tempfile.TemporaryDirectory(prefix="zwgk-doc-") as tmp:
        # The file name is ours, never taken from the crawled URL.
        source = os.path.join(tmp, "attachment.doc")
        with open(source, "wb") as f:
            f.write(body)
        if tool is not None:
            text = _run([tool, "-m", "UTF-8.txt", "-w", "0", source], timeout)
            if text.strip():
                return text[:MAX_TEXT_CHARS]
        if office is not None:
            return _soffice_text(office, source, tmp, timeout)[:MAX_TEXT_CHARS]
    return ""


def _run(argv: list[str], timeout: float) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        logger.warning("attachment converter %s failed: %s", argv[0], exc)
        return ""
    if done.returncode != 0:  # not a Word file, or one it cannot read: the report stays unknown
        return ""
    return done.stdout.decode("utf-8", errors="replace")


def _soffice_text(office: str, source: str, tmp: str, timeout: float) -> str:
    out = os.path.join(tmp, "out")
    # A private profile: a user's running LibreOffice (or a stale lock) must not block the conversion.
    profile = "file://" + os.path.join(tmp, "profile")
    _run([office, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "txt:Text (encoded):UTF8",
          "--outdir", out, source], timeout)
    try:
        with open(os.path.join(out, "attachment.txt"), encoding="utf-8", errors="replace") as f:
            return f.read(MAX_TEXT_CHARS)
    except OSError:
        return ""


def _warn_missing(antiword: str) -> None:
    global _warned_missing
    if not _warned_missing:
        _warned_missing = True
        logger.warning("no .doc/.wps converter (%s or LibreOffice) is installed: such reports are left unknown",
                       antiword)


def attachment_text(body: bytes, url: str, content_type: str | None) -> str:
    kind = (content_type or "").lower()
    path = url.lower().split("?", 1)[0].split("#", 1)[0]
    if "pdf" in kind or path.endswith(".pdf"):
        return pdf_text(body)
    if "officedocument.wordprocessingml" in kind or path.endswith(".docx"):
        return docx_text(body)
    if any(t in kind for t in LEGACY_WORD_TYPES) or path.endswith((".doc", ".wps")):
        return doc_text(body)
    return ""
