"""Many polite sites at once: N loopback sites of about 20 pages, each answering after 50 ms,
crawled with zwgk's own polite defaults (2 requests per site, 1 s delay, AutoThrottle), all
together versus one alone. Ideal: together takes as long as one alone, since politeness is
per site and the machine mostly waits.

    python bench/polite.py [--sites 60,200] [--pages 24]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from audits.demo.server import LoopbackHTTPServer  # noqa: E402
from bench.sitegen import generate  # noqa: E402

PY = sys.executable
LATENCY = 0.05
# zwgk's polite defaults (crawler/settings.py) stay as they are; only what the bench
# cannot use is off (a browser, a previous crawl to revisit).
POLITE = ["-s", "ZWGK_RENDER=off", "-s", "ZWGK_INCREMENTAL=False", "-s", "LOG_LEVEL=WARNING"]


def serve_sites(root: Path, n: int) -> list[LoopbackHTTPServer]:
    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(root), **kw)

        def log_message(self, *a):
            pass

        def do_GET(self):
            time.sleep(LATENCY)
            super().do_GET()

    servers = []
    for _ in range(n):
        server = LoopbackHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    return servers


def crawl(units: Path, db: Path, measure) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and pages stored of one `zwgk crawl`."""
    for stale in db.parent.glob(db.name + "*"):
        stale.unlink()
    secs, _, _, cpu = measure([PY, "-m", "audits.cli", "crawl", "--units", str(units), "--db", str(db), *POLITE],
                              cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    con = sqlite3.connect(db)
    pages = con.execute("SELECT count(*) FROM pages WHERE fetch_status = 'ok'").fetchone()[0]
    con.close()
    return secs, cpu, pages


def bench_polite(work: Path, counts: list[int], site_pages: int, line, measure, units_file) -> None:
    root = work / "polite-site"
    if not root.exists():
        generate(root, site_pages)
    servers = serve_sites(root, max(counts))
    sites = [(f"site{i}", f"站点{i}", s.server_address[1]) for i, s in enumerate(servers)]
    try:
        # "/" and "/index.html" are two URLs of each site: its page count is what one crawl stores.
        alone, _, per_site = crawl(units_file(work / "polite-1.yaml", sites[:1]), work / "polite-1.db", measure)
        line(f"polite sites: one alone ({LATENCY * 1000:.0f} ms latency, default politeness): "
             f"{per_site} pages in {alone:.1f} s")
        for n in counts:
            secs, cpu, pages = crawl(units_file(work / f"polite-{n}.yaml", sites[:n]), work / f"polite-{n}.db",
                                     measure)
            complete = "every page stored" if pages == n * per_site else f"MISSING {n * per_site - pages} pages"
            line(f"polite sites: {n} together: {pages} pages in {secs:.1f} s = {secs / alone:.2f}x one alone "
                 f"(target <= 1.5x), {pages / secs:.0f} pages/s, {complete}, CPU {cpu:.1f} s")
    finally:
        for server in servers:
            server.shutdown()


def main() -> None:
    from bench.run import line, measure, units_file

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", default="60,200")
    parser.add_argument("--pages", type=int, default=24, help="size passed to the site generator (about 20 pages)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "zwgk-bench")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    bench_polite(args.work, [int(n) for n in args.sites.split(",")], args.pages, line, measure, units_file)


if __name__ == "__main__":
    main()
