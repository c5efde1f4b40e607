"""The database schema: the one module that knows table layouts, grown only through migrations."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import socket
import zlib
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils import Migrations

MIGRATIONS = Migrations("zwgk")


class DatabaseError(Exception):
    """A database file that cannot be opened or is not a zwgk database."""


@MIGRATIONS()
def m001_crawl_tables(db: sqlite_utils.Database) -> None:
    db["crawl_runs"].create(
        {
            "id": int,
            "spider": str,
            "started_at": str,
            "finished_at": str,
            # running | finished | interrupted | failed; a run left 'running' with no
            # finished_at was killed: its pages are complete rows, the run is not.
            "status": str,
            "finish_reason": str,
            "units": str,  # JSON list of unit ids
            "units_file": str,
            "settings": str,  # JSON of the politeness/limit settings in force
            "stats": str,  # JSON of Scrapy's stats at close
            "tool_version": str,
        },
        pk="id",
    )
    db["pages"].create(
        {
            "id": int,
            "crawl_id": int,
            "unit_id": str,
            "url": str,
            "final_url": str,
            "redirected": int,
            "status": int,  # HTTP status; NULL when no response (blocked, error)
            # ok | http_error | blocked (403/429/451) | blocked_robots | error | offsite_redirect
            "fetch_status": str,
            "error": str,
            "content_type": str,
            "fetched_at": str,
            "depth": int,
            "referer": str,
            "kind": str,  # home | list | article | attachment | other
            "title": str,
            "page_title": str,
            "pub_date": str,
            "pub_date_source": str,
            "written_date": str,
            "doc_number": str,
            "index_number": str,
            "column_path": str,  # JSON list
            "text": str,
            "text_truncated": int,
            "size": int,
            "encoding": str,
            "body_sha256": str,
            "content_sha256": str,  # hash of the extracted text: changes only when content does
            "site_code": str,
            "site_code_meta": str,
            "icp": str,
            "police_code": str,
            "conac": int,
            "meta": str,  # JSON object
            "list_items": str,  # JSON list of {title, url, date}
            "script_built": int,
            "rendered": int,
        },
        pk="id",
        foreign_keys=[("crawl_id", "crawl_runs", "id")],
    )
    db["pages"].create_index(["crawl_id", "unit_id", "url"], unique=True)
    db["pages"].create_index(["crawl_id", "url"])
    db["links"].create(
        {
            "crawl_id": int,
            "unit_id": str,
            "from_url": str,
            "to_url": str,
            "anchor": str,
            "attachment": str,
            "in_scope": int,
            "target_status": int,
            "target_fetch_status": str,
        },
        pk=("crawl_id", "unit_id", "from_url", "to_url"),
        foreign_keys=[("crawl_id", "crawl_runs", "id")],
    )
    db["links"].create_index(["crawl_id", "to_url"])
    # Raw bodies, content-addressed and compressed, so later stages can re-read a page
    # exactly as fetched without a new crawl.
    db["bodies"].create({"sha256": str, "size": int, "body": bytes}, pk="sha256")


@MIGRATIONS()
def m002_audit_tables(db: sqlite_utils.Database) -> None:
    db["audit_runs"].create(
        {
            "id": int,
            "crawl_id": int,
            "as_of": str,
            "rules_hash": str,  # SHA-256 of the rule set used: same crawl + as_of + hash => same findings
            "rules_count": int,
            "plan": str,
            "units": str,  # JSON list of unit ids audited
            "started_at": str,
            "finished_at": str,
            "status": str,  # running | finished; an audit killed mid-way stays 'running' with no findings
            "previous_audit_id": int,  # the audit this one is compared with (task 46 回头看)
            "tool_version": str,
        },
        pk="id",
        foreign_keys=[("crawl_id", "crawl_runs", "id")],
    )
    db["findings"].create(
        {
            "audit_id": int,
            "unit_id": str,
            "rule_id": str,
            "tasks": str,  # JSON list of plan task numbers
            "status": str,  # pass | fail | manual | unknown
            "severity": str,
            "title": str,
            "message": str,
            "detail": str,
            "evidence": str,  # JSON list of {url, fetched_at, status, excerpt}
            "looked_for": str,
            "looked_where": str,
            "count": int,
            # versus the previous audit: new | persisting (fail now) | resolved (fail before, pass now)
            "change": str,
        },
        pk=("audit_id", "unit_id", "rule_id"),
        foreign_keys=[("audit_id", "audit_runs", "id")],
    )
    db["findings"].create_index(["audit_id", "status"])
    db["unit_results"].create(
        {
            "audit_id": int,
            "unit_id": str,
            "reachable": int,
            "score": float,  # NULL when a veto applies
            "passed": int,
            "vetoes": str,  # JSON list of {id, title, rules}
            "deductions": str,  # JSON list of {id, title, rules, points, confirmed}
            "incomplete": str,  # JSON list of indicator ids left unjudged
            "counts": str,  # JSON {pass, fail, unknown, manual}
        },
        pk=("audit_id", "unit_id"),
        foreign_keys=[("audit_id", "audit_runs", "id")],
    )


@MIGRATIONS()
def m003_unit_results_names(db: sqlite_utils.Database) -> None:
    # Reports must not need the units file the audit used: keep who was audited with the result.
    db["unit_results"].add_column("unit_name", str)
    db["unit_results"].add_column("unit_kind", str)


@MIGRATIONS()
def m004_warc_location(db: sqlite_utils.Database) -> None:
    # Where each page's raw response sits in the crawl's WARC archive (evidence).
    db["pages"].add_column("warc_file", str)
    db["pages"].add_column("warc_offset", int)
    db["crawl_runs"].add_column("warc_file", str)


@MIGRATIONS()
def m005_resume_and_revisit(db: sqlite_utils.Database) -> None:
    # Who runs a crawl (a run left 'running' by a dead process was killed and can be resumed),
    # which earlier crawl an incremental crawl revisited, and each page's validators and
    # change versus that crawl.
    db["crawl_runs"].add_column("pid", int)
    db["crawl_runs"].add_column("host", str)
    db["crawl_runs"].add_column("resumed", int)  # times resumed after an interruption
    db["crawl_runs"].add_column("previous_crawl_id", int)
    db["pages"].add_column("etag", str)
    db["pages"].add_column("last_modified", str)
    # new | changed | unchanged (fetched again) | not_modified (304) | carried (not re-fetched)
    db["pages"].add_column("change", str)


def open_db(path: str | Path, *, create: bool = True) -> sqlite_utils.Database:
    """Open (and migrate) a zwgk database. WAL keeps readers and a crash from corrupting it."""
    path = Path(path)
    if not create and not path.exists():
        raise DatabaseError(f"database not found: {path}")
    if path.exists() and path.is_dir():
        raise DatabaseError(f"database path is a directory: {path}")
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        db = sqlite_utils.Database(path)
        db.execute("PRAGMA busy_timeout = 10000")
        db.enable_wal()
        MIGRATIONS.apply(db)
    except Exception as exc:  # sqlite3.DatabaseError for a non-SQLite file, etc.
        raise DatabaseError(f"cannot open database {path}: {exc}") from exc
    return db


def utcnow() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def start_crawl(
    db: sqlite_utils.Database,
    *,
    spider: str,
    units: list[str],
    units_file: str,
    settings: dict[str, Any],
    tool_version: str,
    previous_crawl_id: int | None = None,
) -> int:
    with db.atomic():
        table = db["crawl_runs"]
        table.insert(
            {
                "spider": spider,
                "started_at": utcnow(),
                "status": "running",
                "units": json.dumps(units, ensure_ascii=False),
                "units_file": units_file,
                "settings": json.dumps(settings, ensure_ascii=False, sort_keys=True, default=str),
                "tool_version": tool_version,
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "previous_crawl_id": previous_crawl_id,
            }
        )
        return int(table.last_pk)


def run_is_alive(run: dict) -> bool:
    """Whether the process that recorded a 'running' crawl still runs (on this host)."""
    if run.get("status") != "running":
        return False
    if run.get("host") and run["host"] != socket.gethostname():
        return True  # another machine's process: we cannot tell, so do not touch it
    if not run.get("pid"):
        return False
    try:
        os.kill(int(run["pid"]), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_state(run: dict) -> str:
    """running | killed (left 'running' by a dead process) | finished | interrupted."""
    if run.get("status") == "running" and not run_is_alive(run):
        return "killed"
    return run.get("status") or "unknown"


def resumable_crawl(db: sqlite_utils.Database, spider: str | None = None) -> dict | None:
    """The newest crawl that stopped before finishing (killed or interrupted), if it is the newest run."""
    rows = list(db.query("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1"))
    if not rows or run_state(rows[0]) not in ("killed", "interrupted"):
        return None
    if spider is not None and rows[0]["spider"] != spider:
        return None
    return rows[0]


def reopen_crawl(db: sqlite_utils.Database, crawl_id: int) -> None:
    """Mark a killed or interrupted run as running again, by this process."""
    with db.atomic():
        run = db["crawl_runs"].get(crawl_id)
        db["crawl_runs"].update(crawl_id, {
            "status": "running", "finished_at": None, "finish_reason": None,
            "pid": os.getpid(), "host": socket.gethostname(), "resumed": (run.get("resumed") or 0) + 1,
        })


def previous_finished_crawl(db: sqlite_utils.Database, units: list[str], before: int | None = None) -> int | None:
    """The newest finished crawl that covered all of `units` (the base of an incremental crawl)."""
    for run in db.query("SELECT id, units FROM crawl_runs WHERE status = 'finished' ORDER BY id DESC"):
        if before is not None and run["id"] >= before:
            continue
        if set(units) <= set(json.loads(run["units"] or "[]")):
            return run["id"]
    return None


def finish_crawl(
    db: sqlite_utils.Database, crawl_id: int, *, reason: str, stats: dict[str, Any]
) -> None:
    status = "finished" if reason == "finished" else "interrupted"
    with db.atomic():
        update_link_targets(db, crawl_id)
        db["crawl_runs"].update(
            crawl_id,
            {
                "finished_at": utcnow(),
                "status": status,
                "finish_reason": reason,
                "stats": json.dumps(stats, ensure_ascii=False, sort_keys=True, default=str),
            },
        )


def update_link_targets(db: sqlite_utils.Database, crawl_id: int) -> None:
    """Links learn the status of their target only once every page is stored."""
    db.execute(
        """
        UPDATE links SET
          target_status = (SELECT p.status FROM pages p WHERE p.crawl_id = links.crawl_id
                           AND p.unit_id = links.unit_id AND p.url = links.to_url),
          target_fetch_status = (SELECT p.fetch_status FROM pages p WHERE p.crawl_id = links.crawl_id
                           AND p.unit_id = links.unit_id AND p.url = links.to_url)
        WHERE crawl_id = ?
        """,
        [crawl_id],
    )


def store_body(db: sqlite_utils.Database, body: bytes) -> str:
    """Store a raw body once under its SHA-256; callers hold the transaction."""
    sha = hashlib.sha256(body).hexdigest()
    db["bodies"].insert(
        {"sha256": sha, "size": len(body), "body": zlib.compress(body, 6)},
        ignore=True,
    )
    return sha


def load_body(db: sqlite_utils.Database, sha256: str) -> bytes | None:
    rows = list(db.execute("SELECT body FROM bodies WHERE sha256 = ?", [sha256]).fetchall())
    return zlib.decompress(rows[0][0]) if rows else None


def latest_crawl_id(db: sqlite_utils.Database, *, finished_only: bool = False) -> int | None:
    where = "WHERE status = 'finished'" if finished_only else ""
    row = db.execute(f"SELECT max(id) FROM crawl_runs {where}").fetchone()
    return row[0] if row and row[0] is not None else None
