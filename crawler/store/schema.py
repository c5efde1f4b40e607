"""The database schema: the one module that knows table layouts, grown only through migrations."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Iterator

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
            "fetch_status": str,  # a rules.vocab.FETCH_STATUSES word
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


@MIGRATIONS()
def m006_finding_legal_basis(db: sqlite_utils.Database) -> None:
    # A finding carries the rule's legal basis, so the report and the export can cite it.
    db["findings"].add_column("legal_basis", str)  # JSON list


@MIGRATIONS()
def m007_finding_coverage(db: sqlite_utils.Database) -> None:
    # How fully the rule checks each task it serves, so the ledger can say 部分核查 / 代理指标.
    db["findings"].add_column("coverage", str)  # JSON {task: full | partial | proxy}


@MIGRATIONS()
def m008_page_publisher(db: sqlite_utils.Database) -> None:
    # Who the page says issued it (发布机构/发文机关/来源): the document layer resolves it to a unit.
    db["pages"].add_column("publisher", str)
    db["pages"].add_column("publisher_label", str)


@MIGRATIONS()
def m009_documents(db: sqlite_utils.Database) -> None:
    # The document layer's verdict on each article and attachment an audit read: what it is,
    # the year it is about, who issued it, and why (so an auditor can dispute it).
    db["documents"].create(
        {
            "audit_id": int,
            "unit_id": str,
            "url": str,
            "doc_type": str,  # a rules/doctypes.yaml id, NULL when none matched
            "about": int,  # about another document (notice, bulletin, repost…), not the document
            "subject_year": int,
            "issuer": str,  # a unit id, 'other' (another body) or NULL (the page does not say)
            "issuer_text": str,
            "why": str,  # JSON list of the signals
        },
        pk=("audit_id", "unit_id", "url"),
        foreign_keys=[("audit_id", "audit_runs", "id")],
    )


@MIGRATIONS()
def m010_unattended(db: sqlite_utils.Database) -> None:
    # Outage guard: how many units a crawl reached, and whether most failed at network level
    # (then the crawl says more about our network than about the portals).
    db["crawl_runs"].add_column("units_reached", int)
    db["crawl_runs"].add_column("units_network_failed", int)
    db["crawl_runs"].add_column("degraded", int)
    # The audit the published report shows (at most one is marked).
    db["audit_runs"].add_column("published", int)
    # A unit neither vetoed nor scored: its site could not be judged (outage, too few probes).
    db["unit_results"].add_column("undetermined", int)


@MIGRATIONS()
def m011_finding_remedy(db: sqlite_utils.Database) -> None:
    # The rule's 整改建议 as it stood when the audit ran: a later edit of the rule file must not
    # rewrite what an earlier report told a unit to do.
    db["findings"].add_column("remedy", str)


def open_db(path: str | Path, *, create: bool = True, readonly: bool = False) -> sqlite_utils.Database:
    """Open a zwgk database.

    Writing (the default): migrate it, in WAL mode (readers and a crash cannot corrupt it);
    a new or empty file becomes a zwgk database, any other file is refused. `readonly`:
    never write, never migrate (findings, report, export, crawls, audits, evidence verify).
    `create=False`: the file must exist."""
    path = Path(path)
    if (readonly or not create) and not path.exists():
        raise DatabaseError(f"{path}: database not found")
    if path.exists() and path.is_dir():
        raise DatabaseError(f"{path}: is a directory, not a database")
    if readonly:
        return _open_readonly_checked(path)
    if path.exists() and path.stat().st_size > 0:
        _check_zwgk(path, _connect_ro(path))
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(f"{folder}: cannot create the database folder: {exc.strerror}") from None
    if not _dir_writable(folder):
        raise DatabaseError(f"{folder}: folder is not writable (SQLite keeps its journal beside the database)")
    db = None
    try:
        db = sqlite_utils.Database(path)
        db.execute("PRAGMA busy_timeout = 10000")
        db.enable_wal()
        MIGRATIONS.apply(db)
        _probe_writable(db)
    except Exception as exc:  # sqlite3.DatabaseError for a non-SQLite file, etc.
        if db is not None:
            db.close()
        if isinstance(exc, sqlite3.OperationalError):
            raise DatabaseError(_why_unwritable(path, exc)) from None
        raise DatabaseError(f"{path}: cannot open database: {exc}") from exc
    return db


def _probe_writable(db: sqlite_utils.Database) -> None:
    """A read-only file must fail here, in one line, not half-way through a crawl or an audit
    (SQLite opens a write-protected file read-only without a word, and a migrated database
    is not written on open). Probed through SQLite, never by opening the file ourselves:
    closing any descriptor of a file drops every POSIX lock this process holds on it, its
    other connections' included; another process then believes it is the last one and
    checkpoints and deletes the WAL under them (SQLite, "How To Corrupt An SQLite Database
    File" 2.2). SQLite shares its descriptors per file and closes them only when safe."""
    db.execute("PRAGMA busy_timeout = 0")
    try:
        # SQLite turns BEGIN IMMEDIATE on a read-only file into a read transaction; a write
        # statement (that changes nothing) is refused with "attempt to write a readonly database".
        db.conn.execute("BEGIN IMMEDIATE")
        db.conn.execute("UPDATE _sqlite_migrations SET name = name WHERE 0")
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc):
            raise
        # Another process holds the write lock: the file is being written, so it is writable.
    finally:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
    db.execute("PRAGMA busy_timeout = 10000")


def connect_again(path: str | Path) -> sqlite_utils.Database:
    """Another connection to a database this process has already opened with open_db (the
    crawl's writer thread has its own): no checks or migrations, they ran once."""
    db = sqlite_utils.Database(Path(path))
    db.execute("PRAGMA busy_timeout = 10000")
    return db


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A transaction that takes the write lock first (BEGIN IMMEDIATE), waiting busy_timeout
    for it. Several crawl processes write one database (crawler/shards.py): a deferred
    transaction that read before writing cannot wait, SQLite fails it at once with
    SQLITE_BUSY when another process committed in between."""
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


def _why_unwritable(path: Path, exc: Exception) -> str:
    text = str(exc)
    if "readonly" in text or "read-only" in text:
        return f"{path}: database is read-only (zwgk needs to write it)"
    if "unable to open" in text:
        return f"{path.parent}: folder is not writable (SQLite keeps its journal beside the database)"
    return f"{path}: cannot write the database: {text}"


def _connect_ro(path: Path) -> sqlite3.Connection:
    # mode=ro needs the -shm file of a WAL database; in a read-only folder where it cannot
    # be created, immutable=1 reads the file as it is (nobody can be writing it there).
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.DatabaseError as exc:
        if "unable to open" not in str(exc) or os.access(path.parent, os.W_OK | os.X_OK) and _dir_writable(path.parent):
            raise DatabaseError(f"{path}: not a zwgk database (cannot open database: {exc})") from None
    return sqlite3.connect(path.resolve().as_uri() + "?immutable=1", uri=True)


def _dir_writable(folder: Path) -> bool:
    # os.access is always true for root; try it (an immutable folder refuses even root)
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def _check_zwgk(path: Path, conn: sqlite3.Connection) -> None:
    """Refuse a file that is not a zwgk database (another application's, or not SQLite)."""
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        zwgk = "_sqlite_migrations" in tables and conn.execute(
            "SELECT count(*) FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATIONS.name]).fetchone()[0] > 0
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{path}: not a zwgk database (cannot open database: {exc})") from None
    finally:
        conn.close()
    if tables and not zwgk:
        raise DatabaseError(f"{path}: not a zwgk database")


def _open_readonly_checked(path: Path) -> sqlite_utils.Database:
    conn = _connect_ro(path)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError:
        conn.close()
        raise DatabaseError(f"{path}: not a zwgk database") from None
    if "_sqlite_migrations" not in tables:
        conn.close()
        raise DatabaseError(f"{path}: not a zwgk database")
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA busy_timeout = 10000")
    if not [m for m in MIGRATIONS.applied(db)]:
        db.close()
        raise DatabaseError(f"{path}: not a zwgk database")
    if MIGRATIONS.pending(db):
        db.close()
        raise DatabaseError(f"{path}: written by an older zwgk; a writing command (crawl, audit, run) "
                            "upgrades it first")
    return db


def utcnow() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def db_file(db: sqlite_utils.Database) -> str:
    """The database's file ('' for an in-memory database)."""
    return db.execute("PRAGMA database_list").fetchone()[2] or ""
