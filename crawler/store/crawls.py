"""Crawl runs: started, finished, killed, resumed; the base of an incremental crawl."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from pathlib import Path
from typing import Any

import sqlite_utils

from crawler.store.schema import utcnow
from rules.vocab import CRAWL_LIMITS, NETWORK_FAILURE_STATUSES, PAGE_CHANGES


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
    db: sqlite_utils.Database, crawl_id: int, *, reason: str, stats: dict[str, Any], outage_share: float = 0.5
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
            } | reach_of(db, crawl_id, outage_share),
        )


def home_statuses(db: sqlite_utils.Database, crawl_id: int) -> dict[str, str]:
    """Each unit's home page fetch status in a crawl: 'ok' when any of its home pages was
    fetched, else the first one's status. A unit the crawl never reached has no entry."""
    out: dict[str, str] = {}
    for unit_id, status in db.execute(
            "SELECT unit_id, fetch_status FROM pages WHERE crawl_id = ? AND kind = 'home' ORDER BY id", [crawl_id]):
        if out.get(unit_id) != "ok":
            out[unit_id] = "ok" if status == "ok" else out.get(unit_id, status or "")
    return out


def reach_of(db: sqlite_utils.Database, crawl_id: int, outage_share: float) -> dict[str, int]:
    """How many units a crawl reached, how many failed at network level, and whether those
    were more than `outage_share` of them: then the crawl is 'degraded' (most likely our
    network, not the portals) and must not be published as the portals' state."""
    run = crawl_run(db, crawl_id) or {}
    units = json.loads(run.get("units") or "[]")
    homes = home_statuses(db, crawl_id)
    reached = sum(homes.get(u) == "ok" for u in units)
    failed = sum(homes.get(u) in NETWORK_FAILURE_STATUSES for u in units)
    return {"units_reached": reached, "units_network_failed": failed,
            "degraded": int(bool(units) and failed / len(units) > outage_share)}


def failed_probes(db: sqlite_utils.Database, unit_id: str, crawl_id: int, statuses: frozenset[str]) -> int:
    """Consecutive crawls up to `crawl_id` whose home page of the unit failed with one of
    `statuses`: the probes behind a 站点无法访问 verdict. Degraded crawls (an outage on our
    side) neither count nor break the series."""
    count = 0
    rows = db.execute(
        """SELECT p.crawl_id, p.fetch_status, COALESCE(c.degraded, 0) FROM pages p
           JOIN crawl_runs c ON c.id = p.crawl_id
           WHERE p.unit_id = ? AND p.kind = 'home' AND p.crawl_id <= ? ORDER BY p.crawl_id DESC, p.id""",
        [unit_id, crawl_id]).fetchall()
    by_crawl: dict[int, list[str]] = {}
    for cid, status, degraded in rows:
        if not degraded:
            by_crawl.setdefault(cid, []).append(status or "")
    for cid in sorted(by_crawl, reverse=True):
        found = by_crawl[cid]
        if "ok" in found or found[0] not in statuses:
            break
        count += 1
    return count


def update_link_targets(db: sqlite_utils.Database, crawl_id: int) -> None:
    """Links learn the status of their target only once every page is stored. One join
    (UPDATE … FROM), not two lookups per link: a crawl has ~35 links per page. A link with
    no stored target keeps NULL (links are always inserted without a target status)."""
    if sqlite3.sqlite_version_info < (3, 33):  # no UPDATE … FROM before SQLite 3.33 (2020)
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
        return
    db.execute(
        """
        UPDATE links SET target_status = p.status, target_fetch_status = p.fetch_status
        FROM pages p
        WHERE links.crawl_id = ? AND p.crawl_id = links.crawl_id AND p.unit_id = links.unit_id
          AND p.url = links.to_url
        """,
        [crawl_id],
    )


def set_crawl_state(db: sqlite_utils.Database, crawl_id: int, status: str, reason: str) -> None:
    with db.atomic():
        db["crawl_runs"].update(crawl_id, {"status": status, "finish_reason": reason, "finished_at": utcnow()})


def latest_crawl_id(db: sqlite_utils.Database, *, finished_only: bool = False) -> int | None:
    where = "WHERE status = 'finished'" if finished_only else ""
    row = db.execute(f"SELECT max(id) FROM crawl_runs {where}").fetchone()
    return row[0] if row and row[0] is not None else None


def crawl_run(db: sqlite_utils.Database, crawl_id: int) -> dict | None:
    rows = list(db.query("SELECT * FROM crawl_runs WHERE id = ?", [crawl_id]))
    return rows[0] if rows else None


def unit_page_counts(db: sqlite_utils.Database, crawl_id: int) -> list[tuple[str, int, int, int]]:
    """(unit id, pages, fetched ok, not ok) per unit of a crawl."""
    return [tuple(r) for r in db.execute(
        """SELECT unit_id, count(*), sum(fetch_status = 'ok'), sum(fetch_status != 'ok')
           FROM pages WHERE crawl_id = ? GROUP BY unit_id ORDER BY unit_id""", [crawl_id])]


def list_crawls(db: sqlite_utils.Database) -> list[dict]:
    """Every crawl run, newest first, with its state, page count and page changes (in PAGE_CHANGES order)."""
    out = []
    for run in db.query("SELECT * FROM crawl_runs ORDER BY id DESC"):
        pages = db.execute("SELECT count(*) FROM pages WHERE crawl_id = ?", [run["id"]]).fetchone()[0]
        counts = dict(db.execute("SELECT change, count(*) FROM pages WHERE crawl_id = ? AND change IS NOT NULL "
                                 "GROUP BY change", [run["id"]]).fetchall())
        changes = [(k, counts[k]) for k in PAGE_CHANGES if k in counts]
        out.append(run | {"state": run_state(run), "pages": pages, "changes": changes})
    return out


def resolve_warc(db_dir: Path, stored: str) -> Path:
    """Where a stored archive path points. New runs store it relative to the database's
    folder; an absolute one (older runs) is looked up by file name in warc/ beside the
    database first, so a database copied with its warc/ folder checks its own copy."""
    path = Path(stored)
    if not path.is_absolute():
        return db_dir / path
    beside = db_dir / "warc" / path.name
    return beside if beside.exists() or not path.exists() else path


def warc_rows(db: sqlite_utils.Database, crawl_id: int) -> tuple[str | None, list[tuple[str, int, str, str]]]:
    """The crawl's archive path, and (archive file name, offset, URL, body sha256) for every
    archived response its pages point to: its own archive, a resumed session's (crawl-N-rK),
    or an earlier crawl's (pages reused by an incremental crawl)."""
    run = crawl_run(db, crawl_id)
    if not run or not run.get("warc_file"):
        return None, []
    default = os.path.basename(run["warc_file"])
    rows = [tuple(r) for r in db.execute(
        "SELECT COALESCE(warc_file, ?), warc_offset, COALESCE(final_url, url), body_sha256 "
        "FROM pages WHERE crawl_id = ? AND warc_offset IS NOT NULL", [default, crawl_id])]
    return run["warc_file"], rows


def crawled_units(db: sqlite_utils.Database, crawl_id: int) -> set[str]:
    return {r[0] for r in db.execute("SELECT DISTINCT unit_id FROM pages WHERE crawl_id = ?", [crawl_id])}


def page_count(db: sqlite_utils.Database, crawl_id: int) -> int:
    return db.execute("SELECT count(*) FROM pages WHERE crawl_id = ?", [crawl_id]).fetchone()[0]


def crawl_limits(db: sqlite_utils.Database, crawl_id: int) -> dict[str, tuple[str, ...]]:
    """Per unit, the CRAWL_LIMITS its crawl ran into (read from the crawl's stats)."""
    run = crawl_run(db, crawl_id)
    stats = json.loads((run or {}).get("stats") or "{}")
    out: dict[str, list[str]] = {}
    for key, value in stats.items():
        parts = key.split("/")
        if len(parts) == 3 and parts[0] == "zwgk" and parts[1] in CRAWL_LIMITS and value:
            out.setdefault(parts[2], []).append(parts[1])
    return {unit: tuple(sorted(reasons)) for unit, reasons in out.items()}
