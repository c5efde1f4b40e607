"""Field-by-field accuracy of extract() on the real pages of shared/real, against truth.json.

truth.json is what a person reading each page found (SOURCES.md section D). The per-field
table is recorded in REPORT and printed by tests/conftest.py at the end of the run.
"""

import datetime as dt
import json

import pytest

from crawler.extract import extract
from tests.conftest import SHARED

REAL = SHARED / "real"
TRUTH = REAL / "truth.json"
MIN_ACCURACY = 0.95
# Lines of the summary table; conftest's pytest_terminal_summary prints them.
REPORT: list[str] = []

# truth key -> how to read the same field from what extract() returns (a PageContent)
FIELDS = {
    "title": lambda e: e.title,
    "pub_date": lambda e: e.pub_date,
    "written_date": lambda e: e.written_date,
    "doc_number": lambda e: e.doc_number,
    "index_number": lambda e: e.index_number,
    "column_path": lambda e: list(e.column_path),  # truth.json writes a list
    "site_code": lambda e: e.footer.site_code,
    "site_code_meta": lambda e: e.footer.site_code_meta,
    "icp": lambda e: e.footer.icp,
    "police": lambda e: e.footer.police,
    "conac": lambda e: e.footer.conac,
    "kind": lambda e: e.kind,
    "list_items": lambda e: len(e.list_items),
}


def _norm(value):
    """One form for both sides: dates as ISO text, absent (None, "", []) as None."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if value in (None, "", []):
        return None
    return value


def _html_pages() -> dict:
    truth = json.loads(TRUTH.read_text(encoding="utf-8"))
    return {name: entry for name, entry in truth.items()
            if not name.startswith("_") and "annual_report" not in entry and name.endswith((".html", ".htm"))}


def test_real_pages_field_accuracy():
    if not TRUTH.exists():
        pytest.skip("shared/real/truth.json is not beside the repository")
    pages = _html_pages()
    assert pages, "truth.json lists no HTML page"
    right = {f: 0 for f in FIELDS}
    total = {f: 0 for f in FIELDS}
    misses = []
    for name, want in sorted(pages.items()):
        url = want["url_used"].split()[0]
        e = extract((REAL / name).read_bytes(), url)
        for key, read in FIELDS.items():
            if key not in want:  # the reader did not record this field for the page
                continue
            total[key] += 1
            got, expected = _norm(read(e)), _norm(want[key])
            if got == expected:
                right[key] += 1
            else:
                misses.append(f"{name}: {key}: got {got!r}, want {expected!r}")
    REPORT.clear()
    REPORT.append(f"real-page extraction accuracy ({len(pages)} pages of shared/real/truth.json)")
    for key in FIELDS:
        if total[key]:
            REPORT.append(f"  {key:<15} {right[key]:>2}/{total[key]:<2} {100 * right[key] / total[key]:5.1f}%")
    REPORT.extend(f"  MISS {m}" for m in misses)
    low = [k for k in FIELDS if total[k] and right[k] / total[k] < MIN_ACCURACY]
    assert not low, f"fields below {MIN_ACCURACY:.0%}: {low}\n" + "\n".join(misses)
