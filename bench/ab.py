"""Interleaved A/B of the crawl's cost: this tree against an earlier revision, on one site.

One crawl's CPU figure moves by a fifth between runs on a shared VM (steal time, noisy
neighbours), more than most changes save: comparing two revisions means running them in
turn, several times, and comparing medians. Both revisions run with this venv; the earlier
one is extracted with `git archive` (the repository itself is not touched).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import statistics
import subprocess
import tarfile
from io import BytesIO
from pathlib import Path


def _extract_revision(repo: Path, rev: str, into: Path) -> Path:
    try:
        full = subprocess.run(["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
                              capture_output=True, text=True, check=True).stdout.strip()
        archive = subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", full],
                                 capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        raise SystemExit(f"bench ab: {rev!r} is not a commit of {repo}") from None
    target = into / full[:10]
    if not target.exists():
        partial = into / f"{full[:10]}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(partial, filter="data")
        partial.rename(target)
    return target


def bench_ab(repo: Path, work: Path, server_url_units: Path, rev: str, runs: int, line, measure, py: str,
             crawl_args: list[str]) -> None:
    """`runs` rounds of (before, after) crawls of the site in `server_url_units`; one line per
    crawl, then the medians of CPU seconds per 1,000 pages and of pages per second."""
    if runs < 1:
        raise SystemExit("bench ab: --ab-runs must be at least 1")
    before = _extract_revision(repo, rev, work)
    sides = {f"before ({before.name})": before, "after (this tree)": repo}
    cpu_per_k: dict[str, list[float]] = {name: [] for name in sides}
    rates: dict[str, list[float]] = {name: [] for name in sides}
    for round_no in range(1, runs + 1):
        for name, tree in sides.items():
            out = work / ("ab-" + name.split()[0])
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir()
            db = out / "zwgk.db"
            secs, rss, _, cpu = measure([py, "-m", "audits.cli", "crawl", "--units", str(server_url_units),
                                         "--db", str(db), *crawl_args], cwd=tree,
                                        env={**os.environ, "PYTHONPATH": str(tree)})
            con = sqlite3.connect(db)
            try:
                pages = con.execute("SELECT count(*) FROM pages").fetchone()[0]
            finally:
                con.close()
            if not pages:
                raise SystemExit(f"bench ab: the {name} crawl stored no page")
            cpu_per_k[name].append(1000 * cpu / pages)
            rates[name].append(pages / secs)
            line(f"ab {name} round {round_no}: {pages} pages in {secs:.1f} s = {pages / secs:.0f} pages/s, "
                 f"CPU {1000 * cpu / pages:.2f} s per 1,000 pages, peak RSS {rss:.0f} MB")
    (b_name, a_name) = sides
    b_cpu, a_cpu = statistics.median(cpu_per_k[b_name]), statistics.median(cpu_per_k[a_name])
    b_rate, a_rate = statistics.median(rates[b_name]), statistics.median(rates[a_name])
    line(f"ab median of {runs}: CPU per 1,000 pages {b_cpu:.2f} -> {a_cpu:.2f} s ({100 * (a_cpu / b_cpu - 1):+.1f}%), "
         f"pages/s {b_rate:.0f} -> {a_rate:.0f} ({a_rate / b_rate:.2f}x)")
