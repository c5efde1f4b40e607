"""Audit runs: evaluate every applicable rule for every unit over one stored crawl."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor

import sqlite_utils

from audits.scoring import Scheme, load_scheme, score_unit
from crawler import __version__, store
from crawler.units import Unit
from rules.engine import evaluate_unit
from rules.loader import Rule
from rules.matchers import spec_matchers
from rules.matchers.copying import own_narratives
from rules.model import Finding, UnitInfo
from rules.vocab import FINDING_STATUSES, NETWORK_FAILURE_STATUSES, UNREACHABLE_STATUSES

# What a finding says when an outage on our side, not the portal, kept us from judging it.
OUTAGE_DETAIL = "网络故障，本次抓取无法访问"


# Below this many stored pages one process is faster: a worker costs ~1 s to start.
PARALLEL_FROM_PAGES = 20_000


class AuditError(Exception):
    """An audit that cannot run on this data (no such crawl, nothing crawled)."""


def rules_hash(rules: Sequence[Rule]) -> str:
    payload = [dataclasses.asdict(r) | {"path": ""} for r in sorted(rules, key=lambda r: r.id)]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


def run_audit(
    db: sqlite_utils.Database,
    *,
    crawl_id: int,
    as_of: dt.date,
    units: Sequence[Unit],
    rules: Sequence[Rule],
    plan=None,
    plan_name: str = "",
    scheme: Scheme | None = None,
    jobs: int = 0,
) -> int:
    """Store an audit run and its findings; all findings land in one transaction.

    Units are independent: with `jobs` > 1 (0: one per CPU when the crawl is large) they are
    evaluated in worker processes that read the database; only this process writes."""
    crawl = store.crawl_run(db, crawl_id)
    if crawl is None:
        raise AuditError(f"no crawl run {crawl_id} in this database")
    crawled = store.crawled_units(db, crawl_id)
    crawl_units = json.loads(crawl["units"] or "[]")
    audited = [u for u in units if u.id in crawl_units or u.id in crawled]
    if not audited:
        raise AuditError(f"crawl run {crawl_id} covers none of the given units")
    finished = crawl["status"] == "finished"
    degraded = bool(crawl.get("degraded"))
    homes = store.home_statuses(db, crawl_id)
    workers = _workers(db, crawl_id, jobs, len(audited))
    scheme = scheme or load_scheme()
    previous = store.latest_audit_id(db)
    audit_id = store.insert_audit(db, {
        "crawl_id": crawl_id,
        "as_of": as_of.isoformat(),
        "rules_hash": rules_hash(rules),
        "rules_count": len(rules),
        "plan": plan_name,
        "units": json.dumps([u.id for u in audited]),
        "previous_audit_id": previous,
        "tool_version": __version__,
    })
    try:
        _audit_units(db, audit_id, previous, crawl_id, audited, tuple(u.info for u in units), rules, as_of, plan,
                     finished, workers, scheme, degraded, homes)
    except BaseException:
        # Ctrl-C, SIGTERM or a crash: say so instead of leaving a run 'running' forever.
        store.set_audit_state(db, audit_id, "interrupted")
        raise
    return audit_id


def _audit_units(db, audit_id, previous, crawl_id, audited, registry, rules, as_of, plan, finished, workers, scheme,
                 degraded, homes) -> None:
    """`registry`: every unit of the registry, against which documents' issuers are resolved."""
    before = store.previous_statuses(db, previous)
    findings: list[Finding] = []
    documents = []
    results = []
    # Rules comparing units (AR-007) run once every unit's own reports are read: a second pass
    # over each unit's report pages, with every other unit's report narratives at hand.
    local, across = split_rules(rules)
    evaluated = list(_evaluate_units(db, crawl_id, audited, registry, local, as_of, plan, finished, workers,
                                     gather=bool(across)))
    peers = tuple(n for *_, narratives in evaluated for n in narratives)
    for (unit_findings, _, _, view, _) in evaluated:
        if view is not None:
            unit_findings += evaluate_unit(across, dataclasses.replace(view, peer_reports=peers), as_of, plan)
    for unit, (unit_findings, reachable, unit_documents, _, _) in zip(audited, evaluated):
        documents.extend((unit.id, d) for d in unit_documents)
        home = homes.get(unit.id)
        outage = degraded and not reachable and home in NETWORK_FAILURE_STATUSES
        if outage:
            # The crawl failed for most units at network level: this unit's failure says
            # nothing about its portal. Nothing is judged, nothing vetoed.
            unit_findings = [f if f.status == "manual" else dataclasses.replace(
                f, status="unknown", message=OUTAGE_DETAIL, detail=OUTAGE_DETAIL, count=None)
                for f in unit_findings]
        probes = (0 if outage or home not in UNREACHABLE_STATUSES
                  else store.failed_probes(db, unit.id, crawl_id, UNREACHABLE_STATUSES)) if not reachable else None
        findings.extend(dataclasses.replace(f, change=change_of(f.status, before.get((f.unit, f.rule))))
                        if previous is not None else f for f in unit_findings)
        by_rule = {f.rule: {"status": f.status, "count": f.count} for f in unit_findings}
        score = score_unit(scheme, unit.id, by_rule, reachable=reachable, probes=probes)
        counts = {k: sum(f.status == k for f in unit_findings) for k in FINDING_STATUSES}
        results.append({
            "unit_id": unit.id,
            "unit_name": unit.name,
            "unit_kind": unit.kind,
            "reachable": int(reachable),
            "score": score.score,
            "passed": int(score.passed),
            "vetoes": json.dumps(score.vetoes, ensure_ascii=False),
            "deductions": json.dumps(score.deductions, ensure_ascii=False),
            "incomplete": json.dumps(score.incomplete),
            "counts": json.dumps(counts),
            "undetermined": int(score.undetermined),
        })
    store.save_audit_results(db, audit_id, sorted(findings, key=lambda f: (f.unit, f.rule)), results, documents)
    return audit_id


def _evaluate(db, crawl_id, info, registry, finished, rules, as_of, plan, gather: bool = False) -> tuple:
    """A unit's findings, whether it was reachable, the documents the audit read on its site and,
    with `gather`, its home and annual-report pages (for rules comparing units) and its own
    reports' narratives (what other units' are compared with)."""
    needs = page_needs(rules) | ({"report_sources"} if gather else set())
    unit_pages = store.load_unit_pages(db, crawl_id, info, finished=finished, needs=needs, registry=registry)
    findings = evaluate_unit(list(rules), unit_pages, as_of, plan)
    view, narratives = None, ()
    if gather:
        docs = unit_pages.documents
        view = dataclasses.replace(unit_pages, pages=tuple(
            p for p in unit_pages.pages if p.kind == "home" or getattr(docs.get(p.url), "doc_type", None) == "年度报告"))
        narratives = own_narratives(view)
    return findings, unit_pages.reachable, list(unit_pages.documents.values()), view, narratives


def split_rules(rules: Sequence[Rule]) -> tuple[list[Rule], list[Rule]]:
    """(rules judged on one unit's pages, rules that also need other units' reports)."""
    across = [r for r in rules if r.evidence and any("peer_reports" in m.needs for m in spec_matchers(r.evidence))
              and _compares_peers(r.evidence)]
    return [r for r in rules if r not in across], across


def _compares_peers(spec) -> bool:
    """Whether a rule's evidence asks for a comparison with other units (`peers: true`)."""
    if isinstance(spec, dict):
        return bool(spec.get("peers")) or any(_compares_peers(v) for v in spec.values())
    if isinstance(spec, list):
        return any(_compares_peers(v) for v in spec)
    return False


def page_needs(rules: Sequence[Rule]) -> frozenset[str]:
    """What the rules' matchers declare they need loaded beyond the stored page rows."""
    return frozenset(n for r in rules if r.evidence for m in spec_matchers(r.evidence) for n in m.needs)

def _workers(db: sqlite_utils.Database, crawl_id: int, jobs: int, n_units: int) -> int:
    if jobs < 0:
        raise AuditError(f"--jobs must be 0 (automatic) or more, got {jobs}")
    if not store.db_file(db):
        return 1
    if jobs == 0:
        jobs = usable_cpus() if store.page_count(db, crawl_id) >= PARALLEL_FROM_PAGES else 1
    return max(1, min(jobs, n_units))


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # what this process may use, not the host's count
    except AttributeError:
        return os.cpu_count() or 1


def _evaluate_units(db, crawl_id, units, registry, rules, as_of, plan, finished,
                    workers, gather: bool = False) -> Iterator[tuple]:
    """_evaluate's answer per unit, in the order of `units`."""
    if workers <= 1:
        for unit in units:
            yield _evaluate(db, crawl_id, unit.info, registry, finished, rules, as_of, plan, gather)
        return
    # spawn, not fork: under `zwgk run` this process has run Scrapy's threads, and forking a
    # threaded process can copy a held lock into the child
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_start,
                             initargs=(os.getpid(), store.db_file(db), list(rules), plan, finished, as_of,
                                       registry)) as pool:
        yield from pool.map(_worker_evaluate, [(crawl_id, u.info, gather) for u in units])


_WORKER: dict = {}


def _exit_with_parent(parent: int) -> None:
    # A pool's workers outlive a parent killed with -9 (blocked on its queue forever).
    # An audit killed by cron's timeout or the OOM killer must not leave them behind.
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(1)


def _worker_start(parent: int, path: str, rules, plan, finished: bool, as_of: dt.date, registry) -> None:
    # `parent` is passed in, not read here: the parent may already be dead by now
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    # read-only: a worker can never write, so a killed audit still leaves no partial findings
    db = store.open_db(path, readonly=True)
    _WORKER.update(db=db, rules=rules, plan=plan, finished=finished, as_of=as_of, registry=registry)


def _worker_evaluate(job: tuple[int, UnitInfo, bool]) -> tuple:
    crawl_id, info, gather = job
    w = _WORKER
    return _evaluate(w["db"], crawl_id, info, w["registry"], w["finished"], w["rules"], w["as_of"], w["plan"], gather)


def change_of(status: str, previous: str | None) -> str | None:
    if status == "fail":
        return "persisting" if previous == "fail" else "new"
    if status == "pass" and previous == "fail":
        return "resolved"
    return None
