"""One crawl on several processes of this machine, without Redis: the units split by site.

A site (host:port) is one politeness slot, so all its requests stay in one process: two
processes would each allow it CONCURRENT_REQUESTS_PER_DOMAIN and their own delay. Units
are grouped by the sites they may fetch (the departments inside the city portal go with
the city), and the groups dealt to the processes largest first, weighed by the pages each
unit had in the previous crawl (by unit count on a first crawl).

Every part writes the same crawl run of the same database (WAL; each batch one IMMEDIATE
transaction, crawler/writer.py) and reads the previous crawl there, so revisiting works
as in one process. This process starts and finishes the run; each part stores its pages,
its own WARC archive (crawl-N-sK.warc.gz) and, at its end, its Scrapy stats and finish
reason in a file that this process adds up.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from multiprocessing.connection import wait
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence
from urllib.parse import urlsplit

from crawler import __version__, store
from crawler.extraction_pool import usable_cpus
from crawler.units import Unit

if TYPE_CHECKING:
    from scrapy.settings import Settings

logger = logging.getLogger(__name__)

# "A large crawl", on which `--jobs 0` (the default) uses every CPU: this many sites, or
# this many pages in the previous crawl of the same units. Below it one process keeps up
# (a polite crawl of a few sites waits on their delays, not on the CPU).
PARALLEL_FROM_SITES = 20
PARALLEL_FROM_PAGES = 20_000


def site_groups(units: Sequence[Unit]) -> list[list[Unit]]:
    """Units that may fetch from the same site, together (registry order kept in each)."""
    parent = list(range(len(units)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(key: str, i: int, owners: dict[str, int]) -> None:
        if key in owners:
            parent[find(i)] = find(owners[key])
        else:
            owners[key] = i

    slots: dict[str, int] = {}
    domains: dict[str, int] = {}
    for i, unit in enumerate(units):
        for url in unit.start_urls:
            join(urlsplit(url).netloc.lower(), i, slots)
        for domain in unit.allowed_domains:
            join(domain.lower(), i, domains)
    for i, unit in enumerate(units):
        # A start host, or an allowed domain, at or under a domain another unit may fetch:
        # both may fetch that host (a department allowed jyj.meizhou.gov.cn, the city
        # meizhou.gov.cn).
        names = [urlsplit(url).netloc.lower() for url in unit.start_urls]
        names += [urlsplit(url).hostname or "" for url in unit.start_urls]
        names += [d.lower() for d in unit.allowed_domains]
        for name in names:
            labels = name.split(".")
            for key in {name} | {".".join(labels[k:]) for k in range(len(labels))}:
                if key in domains:
                    parent[find(i)] = find(domains[key])
    groups: dict[int, list[Unit]] = {}
    for i, unit in enumerate(units):
        groups.setdefault(find(i), []).append(unit)
    return list(groups.values())


def deal(groups: list[list[Unit]], jobs: int, pages: dict[str, int]) -> list[list[Unit]]:
    """The groups dealt to `jobs` parts, heaviest first to the lightest part."""
    known = sorted(pages.values())
    default = known[len(known) // 2] if known else 1  # a unit new since the last crawl: a typical one

    def weight(group: list[Unit]) -> int:
        return sum(max(1, pages.get(u.id, default)) for u in group)

    parts: list[list[Unit]] = [[] for _ in range(jobs)]
    loads = [0] * jobs
    for group in sorted(groups, key=lambda g: (-weight(g), g[0].id)):
        k = min(range(jobs), key=lambda j: (loads[j], j))
        parts[k].extend(group)
        loads[k] += weight(group)
    return [p for p in parts if p]


def plan_crawl(settings: Settings, db_path: Path, units_file: Path, unit_ids: list[str], spider: str,
               jobs: int, resume_id: int | None) -> tuple[list[Unit], list[list[Unit]]]:
    """The crawl's units (registry order) and its parts (one list of units each, in registry
    order); no parts: one process."""
    from scrapy.spiderloader import get_spider_loader

    spider_cls = get_spider_loader(settings).load(spider)
    _, units = spider_cls.check_arguments(settings, str(units_file), ",".join(unit_ids) or None)
    groups = site_groups(units)
    pages = _previous_pages(db_path, [u.id for u in units], resume_id)
    if jobs == 0:
        large = len(groups) >= PARALLEL_FROM_SITES or sum(pages.values()) >= PARALLEL_FROM_PAGES
        jobs = usable_cpus() if large else 1
    jobs = min(jobs, len(groups))
    rank = {u.id: i for i, u in enumerate(units)}
    parts = [sorted(part, key=lambda u: rank[u.id]) for part in deal(groups, jobs, pages)] if jobs > 1 else []
    return units, parts


def _previous_pages(db_path: Path, unit_ids: list[str], resume_id: int | None) -> dict[str, int]:
    """Pages per unit in the newest finished crawl of these units (also under --full: sizes only)."""
    if not db_path.exists() or db_path.stat().st_size == 0:
        return {}
    db = store.open_db(db_path, readonly=True)
    try:
        previous = store.previous_finished_crawl(db, unit_ids, before=resume_id)
        if previous is None:
            return {}
        return {unit: pages for unit, pages, _, _ in store.unit_page_counts(db, previous)}
    finally:
        db.close()


def run_sharded(settings: Settings, *, db_path: Path, units_file: Path, spider: str, units: list[Unit],
                shards: list[list[Unit]],
                overrides: dict, verbose: bool, resume_id: int | None,
                log_setup: Callable[[], None] | None) -> int:
    """Start (or resume) one crawl run, crawl each part in a process of its own, finish the run."""
    from crawler.pipelines import archive_dir, recorded_settings, relative_to

    warc_dir = archive_dir(settings)
    db = store.open_db(db_path)
    try:
        if resume_id is not None:
            store.reopen_crawl(db, resume_id)
            crawl_id = resume_id
        else:
            ids = [u.id for u in units]
            incremental = settings.getbool("ZWGK_INCREMENTAL", True)
            crawl_id = store.start_crawl(
                db, spider=spider, units=ids, units_file=str(units_file),
                settings=recorded_settings(settings) | {"ZWGK_CRAWL_PROCESSES": len(shards)},
                tool_version=__version__,
                previous_crawl_id=store.previous_finished_crawl(db, ids) if incremental else None)
            db["crawl_runs"].update(crawl_id, {"warc_file": relative_to(warc_dir / part_archive(crawl_id, 0, 1),
                                                                        db_path)})
    finally:
        db.close()
    logger.info("crawl run %s: %d processes, units split by site: %s", crawl_id, len(shards),
                "; ".join(",".join(u.id for u in shard) for shard in shards))
    spare = max(0, usable_cpus() - len(shards)) // len(shards)  # CPUs left over: extraction workers
    outbox = Path(tempfile.mkdtemp(prefix="zwgk-parts-"))
    ctx = multiprocessing.get_context("spawn")  # never fork a process that may hold threads
    procs = []
    stops = 0

    def on_signal(signum, frame) -> None:
        # The first signal stops each part gracefully (once: a part ignores any later
        # SIGTERM, as systemd may send one too); a second one here kills them.
        nonlocal stops
        stops += 1
        for proc in procs:
            _stop(proc, force=stops > 1)

    handlers = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for k, shard in enumerate(shards, 1):
            part = {**overrides, "ZWGK_CRAWL_PART": f"{crawl_id}:{k}", "ZWGK_PART_STATS": str(outbox / f"{k}.json"),
                    "ZWGK_PROGRESS": "off"}  # this process shows the progress of all
            part.setdefault("ZWGK_EXTRACT_WORKERS", str(spare))
            proc = ctx.Process(target=_part, name=f"zwgk-crawl-{k}", daemon=False, args=(
                str(db_path), str(units_file), spider, [u.id for u in shard], part, verbose, os.getpid(), log_setup,
                str(outbox)))
            proc.start()
            procs.append(proc)
            if stops:  # a signal came while the parts were starting: this one stops too
                _stop(proc, force=stops > 1)
        _wait(procs, db_path, crawl_id, len(units), settings.get("ZWGK_PROGRESS", "auto"))
    except BaseException:
        for proc in procs:  # could not start them all: none is left crawling (the run is resumable)
            _stop(proc, force=True)
            proc.join()
        shutil.rmtree(outbox, ignore_errors=True)
        raise
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    reports = [_read_report(outbox / f"{k}.json") for k in range(1, len(shards) + 1)]
    shutil.rmtree(outbox, ignore_errors=True)
    for k, (proc, report) in enumerate(zip(procs, reports), 1):
        if report is None and stops:
            # Stopped before its spider opened (it then has nothing to report) or killed by a
            # second signal: the run is interrupted anyway, and resumable.
            logger.info("crawl process %d stopped without a report (exit code %s)", k, proc.exitcode)
        elif report is None:
            logger.error("crawl process %d (units %s) ended without finishing (exit code %s); "
                         "`zwgk crawl --resume` finishes the run", k, ",".join(u.id for u in shards[k - 1]),
                         proc.exitcode)
    reason = finish_reason([r["reason"] if r else None for r in reports], stopped=bool(stops))
    stats = merge_stats([r["stats"] for r in reports if r]) | {
        "zwgk/crawl_processes": len(shards), "zwgk/crawl_processes_reported": sum(r is not None for r in reports),
        "finish_reason": reason}
    db = store.open_db(db_path)
    try:
        store.finish_crawl(db, crawl_id, reason=reason, stats=stats,
                           outage_share=settings.getfloat("ZWGK_OUTAGE_SHARE", 0.5))
    finally:
        db.close()
    logger.info("crawl run %s %s (%s)", crawl_id, "finished" if reason == "finished" else "interrupted", reason)
    return crawl_id


def _stop(proc, force: bool) -> None:
    if proc.exitcode is None and proc.pid is not None:
        try:
            os.kill(proc.pid, signal.SIGKILL if force else signal.SIGTERM)
        except ProcessLookupError:
            pass


def part_archive(crawl_id: int, resumed: int, k: int) -> str:
    """The WARC archive of part `k` (a resumed run's parts start new ones: the old may end torn)."""
    return f"crawl-{crawl_id}{f'-r{resumed}' if resumed else ''}-s{k}.warc.gz"


def finish_reason(reasons: list[str | None], stopped: bool) -> str:
    """The run's reason from its parts': finished only when every part finished."""
    if stopped or "shutdown" in reasons:
        return "shutdown"  # as Scrapy says for a stop by signal: the run is interrupted, resumable
    if all(r == "finished" for r in reasons):
        return "finished"
    return next((r for r in reasons if r not in (None, "finished")), "crawl_process_failed")


def merge_stats(parts: list[dict]) -> dict:
    """The parts' Scrapy stats as one crawl's: counts added, times and maxima the widest."""
    out: dict = {}
    for stats in parts:
        for key, value in stats.items():
            if key not in out:
                out[key] = value
            elif key.endswith("start_time"):
                out[key] = min(out[key], value)
            elif key.endswith(("finish_time", "elapsed_time_seconds")) or "max" in key:
                out[key] = max(out[key], value)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                out[key] = out[key] + value
    return out


def _read_report(path: Path) -> dict | None:
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return report if isinstance(report, dict) and "reason" in report else None


def _wait(procs, db_path: Path, crawl_id: int, n_units: int, mode: str) -> None:
    """Until every part has ended, with the progress of all of them (as ProgressReporter)."""
    live = mode == "on" or (mode == "auto" and sys.stderr.isatty())
    interval = 1.0 if live else 30.0
    started = last = time.monotonic()
    while alive := [p for p in procs if p.exitcode is None]:
        wait([p.sentinel for p in alive], timeout=0.5)
        if mode != "off" and time.monotonic() - last >= interval:
            last = time.monotonic()
            _progress(db_path, crawl_id, n_units, len(alive), started, live, end="")
    if mode != "off":
        _progress(db_path, crawl_id, n_units, 0, started, live, end="\n")


def _progress(db_path: Path, crawl_id: int, n_units: int, running: int, started: float, live: bool,
              end: str) -> None:
    try:
        db = store.open_db(db_path, readonly=True)
        try:
            pages, units, problems = db.execute(
                "SELECT count(*), count(DISTINCT unit_id), coalesce(sum(fetch_status != 'ok'), 0) "
                "FROM pages WHERE crawl_id = ?", [crawl_id]).fetchone()
        finally:
            db.close()
    except Exception:  # progress is a courtesy: a busy database must not stop the crawl
        return
    text = (f"pages {pages} | units reached {units}/{n_units} | not ok {problems} | "
            f"processes {running} | {time.monotonic() - started:.0f}s")
    if live:
        sys.stderr.write("\r" + text + "  " + end)
        sys.stderr.flush()
    else:
        logger.info("progress: %s", text)


def _part(db_path: str, units_file: str, spider: str, unit_ids: list[str], overrides: dict, verbose: bool,
          parent: int, log_setup: Callable[[], None] | None, outbox: str) -> None:
    """One part of the crawl (a spawned process)."""
    os.setsid()  # Ctrl-C on the terminal reaches the parent only, which stops each part once
    threading.Thread(target=_stop_with_parent, args=(parent, outbox), daemon=True).start()
    if log_setup is not None:
        log_setup()
    from crawler.runner import crawl_settings, start_scrapy

    start_scrapy(crawl_settings(Path(db_path), Path(units_file), overrides, verbose), spider, Path(units_file),
                 unit_ids, stop_once=True)
    if os.getppid() != parent:
        shutil.rmtree(outbox, ignore_errors=True)  # nobody will read the reports


# A part whose parent died gets this long to stop gracefully (in-flight downloads, the last
# batch), then ends at once: a `--resume` started meanwhile must not meet it still crawling.
ORPHAN_GRACE_SECONDS = 10.0


def _stop_with_parent(parent: int, outbox: str) -> None:
    # A part outliving its parent (kill -9, OOM) would write into a run that `--resume`
    # may be finishing: it stops as on SIGTERM; stored batches are whole transactions.
    while os.getppid() == parent:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(ORPHAN_GRACE_SECONDS)
    shutil.rmtree(outbox, ignore_errors=True)
    os._exit(1)
