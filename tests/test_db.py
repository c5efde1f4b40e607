import sqlite3

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


def test_open_db_knows_every_connection_this_process_has(tmp_path):
    """open_db's writability probe (open and close the file) would drop the POSIX locks of any
    other connection of this process to the file: it is skipped while one is open, the
    writer thread's (connect_again) included, and runs again once they are closed."""
    from crawler.store.schema import _open_in_this_process

    path = tmp_path / "z.db"
    store.open_db(path).close()
    assert not _open_in_this_process(path)
    writer = store.connect_again(path)
    assert _open_in_this_process(path)
    writer.close()
    assert not _open_in_this_process(path)
    db = store.open_db(path)
    assert _open_in_this_process(path)
    db.close()
    assert not _open_in_this_process(path)
