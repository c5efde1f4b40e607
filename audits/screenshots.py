"""Screenshots as evidence: the archived page, drawn in Chromium, for every page that decides
a 'fail' or a task-28 inspection item. Drawn from the stored body (what was fetched), with
scripts off and every network request refused; files are named by their own SHA-256."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from pathlib import Path

import sqlite_utils

from crawler import store
from crawler.extract import decode_html
from rules.plan import INSPECTION_TASK

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

    crawl_id = store.audit_run(db, audit_id)["crawl_id"]
    wanted = [f for f in store.load_findings(db, audit_id)
              if f.evidence and (f.status == "fail" or INSPECTION_TASK in f.tasks)]
    if not wanted:
        return 0
    out_dir.mkdir(parents=True, exist_ok=True)
    shots: dict[str, str | None] = {}  # body sha256 -> screenshot path
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
        context.route("**/*", lambda route: route.abort())  # the archive only: nothing is fetched
        try:
            changed = []
            for finding in wanted:
                evidence = []
                for item in finding.evidence:
                    sha, content_type = store.page_body_ref(db, crawl_id, finding.unit, item.url)
                    if sha and "html" in (content_type or "html"):
                        if sha not in shots:
                            shots[sha] = _draw(context, store.load_body(db, sha) or b"", content_type, out_dir)
                        if shots[sha]:
                            item = dataclasses.replace(item, screenshot=shots[sha])
                    evidence.append(item)
                if any(e.screenshot for e in evidence):
                    changed.append(dataclasses.replace(finding, evidence=tuple(evidence)))
            store.set_evidence(db, audit_id, changed)
        finally:
            browser.close()
    return len(changed)


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
