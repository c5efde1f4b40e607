import sqlite3
import subprocess
import sys

import pytest

from crawler import store


def test_migrations_create_tables_and_are_idempotent(tmp_path):
    path = tmp_path / "z.db"
    db = store.open_db(path)
    assert {"crawl_runs", "pages", "links", "bodies"} <= set(db.table_names())
    applied = [m.name for m in store.schema.MIGRATIONS.applied(db)]
    db.close()
    db = store.open_db(path)
    assert [m.name for m in store.schema.MIGRATIONS.applied(db)] == applied
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_bodies_are_content_addressed(tmp_db):
    with tmp_db.atomic():
        a = store.store_body(tmp_db, b"<html>x</html>")
        b = store.store_body(tmp_db, b"<html>x</html>")
    assert a == b
    assert tmp_db["bodies"].count == 1
    assert store.load_body(tmp_db, a) == b"<html>x</html>"


def test_crawl_run_lifecycle_fills_link_status(tmp_db):
    cid = store.start_crawl(tmp_db, spider="portals", units=["u"], units_file="f", settings={}, tool_version="t")
    assert tmp_db["crawl_runs"].get(cid)["status"] == "running"
    tmp_db["pages"].insert({"crawl_id": cid, "unit_id": "u", "url": "http://a/x", "status": 404, "fetch_status": "http_error"})
    tmp_db["links"].insert({"crawl_id": cid, "unit_id": "u", "from_url": "http://a/", "to_url": "http://a/x", "in_scope": 1})
    store.finish_crawl(tmp_db, cid, reason="finished", stats={"n": 1})
    run = tmp_db["crawl_runs"].get(cid)
    assert run["status"] == "finished" and run["finished_at"]
    link = next(tmp_db["links"].rows)
    assert link["target_status"] == 404 and link["target_fetch_status"] == "http_error"


@pytest.mark.parametrize("sqlite", ["current", "before 3.33"])
def test_link_targets_come_from_the_same_crawl_and_unit_only(tmp_db, sqlite, monkeypatch):
    """A link learns its target's status from the page of its own crawl and unit; a target
    nobody stored stays unknown (NULL), even when another unit or crawl stored that URL.
    (SQLite before 3.33 has no UPDATE … FROM: the same answer the older way.)"""
    if sqlite != "current":
        monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 31, 1))
    old = store.start_crawl(tmp_db, spider="portals", units=["u", "v"], units_file="f", settings={}, tool_version="t")
    cid = store.start_crawl(tmp_db, spider="portals", units=["u", "v"], units_file="f", settings={}, tool_version="t")
    tmp_db["pages"].insert_all([
        {"crawl_id": cid, "unit_id": "u", "url": "http://a/ok", "status": 200, "fetch_status": "ok"},
        {"crawl_id": cid, "unit_id": "v", "url": "http://a/gone", "status": 200, "fetch_status": "ok"},
        {"crawl_id": old, "unit_id": "u", "url": "http://a/gone", "status": 200, "fetch_status": "ok"}])
    tmp_db["links"].insert_all([
        {"crawl_id": cid, "unit_id": "u", "from_url": "http://a/", "to_url": to, "in_scope": 1}
        for to in ("http://a/ok", "http://a/gone")])
    store.finish_crawl(tmp_db, cid, reason="finished", stats={})
    targets = {r["to_url"]: (r["target_status"], r["target_fetch_status"]) for r in tmp_db["links"].rows}
    assert targets == {"http://a/ok": (200, "ok"), "http://a/gone": (None, None)}


def test_interrupted_crawl_is_marked(tmp_db):
    cid = store.start_crawl(tmp_db, spider="portals", units=[], units_file="f", settings={}, tool_version="t")
    store.finish_crawl(tmp_db, cid, reason="shutdown", stats={})
    assert tmp_db["crawl_runs"].get(cid)["status"] == "interrupted"


def test_not_a_database_is_a_clear_error(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello, this is not sqlite" * 100)
    with pytest.raises(store.DatabaseError, match="cannot open database"):
        store.open_db(bad)
    with pytest.raises(store.DatabaseError, match="not found"):
        store.open_db(tmp_path / "missing.db", create=False)


def test_unique_page_per_unit_and_url(tmp_db):
    tmp_db["pages"].insert({"crawl_id": 1, "unit_id": "u", "url": "http://a/"})
    with pytest.raises(sqlite3.IntegrityError):
        tmp_db["pages"].insert({"crawl_id": 1, "unit_id": "u", "url": "http://a/"})


_SHARED_RANGE = 0x40000002  # SQLite's lock bytes (os_unix.c: PENDING_BYTE + 2, 510 bytes)


def _other_process_can_lock_exclusively(path) -> bool:
    """What SQLite in another process sees when it asks "am I the last connection?" (it takes
    an exclusive lock on the shared range before it checkpoints and deletes the WAL)."""
    code = ("import fcntl, os, sys\n"
            "fd = os.open(sys.argv[1], os.O_RDWR)\n"
            f"try: fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 510, {_SHARED_RANGE}, 0)\n"
            "except OSError: sys.exit(1)\n")
    return subprocess.run([sys.executable, "-c", code, str(path)]).returncode == 0


@pytest.mark.parametrize("held_by", ["sqlite3.connect", "open_db(readonly=True)", "connect_again"])
def test_open_db_never_drops_the_locks_of_this_process_s_other_connections(tmp_path, held_by):
    """Closing any descriptor of a file drops every POSIX lock the process holds on it. A
    writability probe that opened and closed the database file itself let another process
    believe it was the last connection, checkpoint and delete the WAL under a connection
    still open here, which then read "database disk image is malformed" (a resumed crawl's
    test did, 1 run in 5-10). No connection of this process may lose its lock to open_db,
    whoever opened it."""
    path = tmp_path / "z.db"
    db = store.open_db(path)
    db["t"].insert({"x": 1})
    db.close()
    held = {"sqlite3.connect": lambda: sqlite3.connect(path),
            "open_db(readonly=True)": lambda: store.open_db(path, readonly=True).conn,
            "connect_again": lambda: store.connect_again(path).conn}[held_by]()
    assert held.execute("SELECT count(*) FROM t").fetchone()[0] == 1
    assert not _other_process_can_lock_exclusively(path)  # the connection's lock, as SQLite keeps it
    store.open_db(path).close()
    store.open_db(path, readonly=True).close()
    assert not _other_process_can_lock_exclusively(path), "open_db dropped another connection's lock"
    held.close()
    assert _other_process_can_lock_exclusively(path)  # the check itself can pass


def test_open_db_while_another_process_writes(tmp_path):
    """The writability probe takes the write lock without waiting: another process holding it
    (a crawl writing while an audit starts) means the file is writable, not an error."""
    path = tmp_path / "z.db"
    store.open_db(path).close()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sqlite3, sys, time\n"
        "con = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "con.execute('BEGIN IMMEDIATE')\n"
        "print('holding', flush=True)\n"
        "sys.stdin.readline()\n"), str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "holding\n"
        db = store.open_db(path)
        db.close()
    finally:
        holder.communicate("done\n", timeout=30)
    assert holder.returncode == 0
