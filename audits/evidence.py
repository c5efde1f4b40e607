"""Evidence checks: re-hash every archived response of a crawl against the database."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from crawler import store
from crawler.warc import iter_payloads


class EvidenceError(Exception):
    """Nothing to verify (no crawl, or no archive recorded for it)."""


def verify_crawl(db: sqlite_utils.Database, crawl_id: int, db_dir: Path) -> tuple[list[str], list[str], int, list[Path]]:
    """(problems, notes, responses checked, archives checked) for one crawl's WARC archives.

    The archives are the ones beside this database (`db_dir`), wherever the crawl wrote
    them: a copied database is checked against its own copy of the evidence."""
    warc_file, rows = store.warc_rows(db, crawl_id)
    if not warc_file:
        raise EvidenceError(f"no WARC archive recorded for crawl {crawl_id}")
    warc_dir = store.resolve_warc(db_dir, warc_file).parent
    by_file: dict[str, list] = {}
    for name, offset, url, sha in rows:
        by_file.setdefault(name, []).append((offset, url, sha))
    problems: list[str] = []
    notes: list[str] = []
    checked = []
    for name in sorted(by_file):
        warc = warc_dir / Path(name).name  # a bare file name, never a path from the data
        checked.append(warc)
        problems.extend(_verify_archive(db, warc, by_file[name], notes))
    return problems, notes, len(rows), checked


def _verify_archive(db, warc: Path, expected: list, notes: list) -> list[str]:
    """Problems with one WARC file against the page rows pointing into it; notes for harmless oddities."""
    if not warc.exists():
        return [f"MISSING archive {warc}"]
    # Records are matched by offset, and by URL when the file was rewritten (offsets moved).
    by_offset = {offset: (url, sha) for offset, url, sha in expected}
    by_url: dict[str, set[str]] = {}
    for _, url, sha in expected:
        by_url.setdefault(url, set()).add(sha)
    problems, seen_urls, seen_offsets = [], set(), set()
    try:
        for offset, url, sha in iter_payloads(warc):
            seen_urls.add(url)
            seen_offsets.add(offset)
            want = by_offset.get(offset)
            if want and want[0] == url:
                if want[1] != sha:
                    problems.append(f"ALTERED {url}: payload sha256 {sha[:16]}… ≠ database {want[1][:16]}…")
            elif sha not in by_url.get(url, set()) and store.load_body(db, sha) is None:
                # (A page fetched twice, static then rendered, keeps both records; the
                # first one's body is still in `bodies`.)
                problems.append(f"ALTERED {url}: payload sha256 {sha[:16]}… matches no stored response")
    except Exception as exc:  # a truncated or corrupted archive is itself evidence of tampering…
        if all(o in seen_offsets for o in by_offset):
            # …unless every record the database points to was read: then it is the tail a
            # killed crawl was writing when it died, which no page refers to.
            notes.append(f"NOTE {warc.name}: unreadable after its last referenced record "
                         f"(a crawl killed while writing): {type(exc).__name__}")
        else:
            problems.append(f"UNREADABLE {warc}: {type(exc).__name__}: {exc}")
    for url in sorted(set(by_url) - seen_urls):
        problems.append(f"MISSING record for {url}")
    return problems
