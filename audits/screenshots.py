"""Screenshots as evidence: the archived page, drawn in Chromium, for every page that decides
a 'fail' or a task-28 inspection item. Drawn from the stored body (what was fetched), with
scripts off and every network request refused; files are named by their own SHA-256."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import sqlite_utils

from audits.db import load_body
from crawler.extract import decode_html

logger = logging.getLogger(__name__)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MAX_HEIGHT = 6000  # px: a full page, but not an endless one


def chromium_available(path: str) -> bool:
    return Path(path).exists()


def capture_screenshots(db: sqlite_utils.Database, audit_id: int, out_dir: Path, chromium: str) -> int:
    """Add a `screenshot` (path relative to out_dir's parent) to the evidence of the audit's
    fail findings and task-28 findings. Returns how many findings gained one."""
    from playwright.sync_api import sync_playwright

    crawl_id = db.execute("SELECT crawl_id FROM audit_runs WHERE id = ?", [audit_id]).fetchone()[0]
    rows = list(db.query(
        "SELECT unit_id, rule_id, tasks, status, evidence FROM findings WHERE audit_id = ? AND evidence != '[]'",
        [audit_id]))
    wanted = [r for r in rows if r["status"] == "fail" or 28 in json.loads(r["tasks"])]
    if not wanted:
        return 0
    out_dir.mkdir(parents=True, exist_ok=True)
    shots: dict[str, str | None] = {}  # body sha256 -> screenshot path
    updated = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
        context.route("**/*", lambda route: route.abort())  # the archive only: nothing is fetched
        try:
            changes = []
            for row in wanted:
                evidence = json.loads(row["evidence"])
                changed = False
                for item in evidence:
                    page = db.execute(
                        "SELECT body_sha256, content_type FROM pages WHERE crawl_id = ? AND unit_id = ? AND url = ?",
                        [crawl_id, row["unit_id"], item["url"]]).fetchone()
                    if not page or not page[0] or "html" not in (page[1] or "html"):
                        continue
                    if page[0] not in shots:
                        shots[page[0]] = _draw(context, load_body(db, page[0]) or b"", page[1], out_dir)
                    if shots[page[0]]:
                        item["screenshot"] = shots[page[0]]
                        changed = True
                if changed:
                    changes.append((json.dumps(evidence, ensure_ascii=False), audit_id, row["unit_id"], row["rule_id"]))
            with db.atomic():
                for change in changes:
                    db.execute("UPDATE findings SET evidence = ? WHERE audit_id = ? AND unit_id = ? AND rule_id = ?", change)
            updated = len(changes)
        finally:
            browser.close()
    return updated


def _draw(context, body: bytes, content_type: str | None, out_dir: Path) -> str | None:
    html, _ = decode_html(body, content_type)
    page = context.new_page()
    try:
        page.set_content(html, wait_until="domcontentloaded", timeout=15_000)
        height = min(MAX_HEIGHT, page.evaluate("document.documentElement.scrollHeight") or 900)
        page.set_viewport_size({"width": 1280, "height": max(600, int(height))})
        png = page.screenshot(type="png")
    except Exception as exc:  # a page that cannot be drawn keeps its evidence without a picture
        logger.warning("screenshot failed: %s", exc)
        return None
    finally:
        page.close()
    name = hashlib.sha256(png).hexdigest() + ".png"
    (out_dir / name).write_bytes(png)
    return f"{out_dir.name}/{name}"
