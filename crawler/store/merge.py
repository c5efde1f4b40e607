"""Join the parts of a distributed crawl (one SQLite file per process) into one crawl run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import sqlite_utils

from crawler.store import crawls, schema


class MergeError(Exception):
    """A part that cannot be merged; the message names the file."""


def merge_parts(target: sqlite_utils.Database, target_path: Path, parts: list[Path], outage_share: float = 0.5) -> int:
    """Copy the newest crawl run of every part into one new run of `target`; returns its id.

    Pages, links and bodies are copied; each part's WARC archives are copied beside the
    target database and the pages repointed, so `zwgk evidence verify` works on the result.
    """
    runs = []
    for path in parts:
        if path.resolve() == target_path.resolve():
            raise MergeError(f"{path}: a part cannot also be the target")
        part = schema.open_db(path, create=False)  # migrates an older part to the same schema
        try:
            crawl_id = crawls.latest_crawl_id(part)
            if crawl_id is None:
                raise MergeError(f"{path}: no crawl run to merge")
            runs.append((path, part["crawl_runs"].get(crawl_id)))
        finally:
            part.close()
    spiders = {run["spider"] for _, run in runs}
    if len(spiders) > 1:
        raise MergeError(f"the parts come from different spiders: {', '.join(sorted(spiders))}")
    units = sorted({u for _, run in runs for u in json.loads(run["units"] or "[]")})
    first = runs[0][1]
    states = [crawls.run_state(run) for _, run in runs]
    warc_dir = target_path.resolve().parent / "warc"
    warc_dir.mkdir(parents=True, exist_ok=True)
    page_cols = [c for c in target["pages"].columns_dict if c not in ("id", "crawl_id", "warc_file")]
    cols = ", ".join(page_cols)
    with target.atomic():
        new_id = crawls.start_crawl(target, spider=first["spider"], units=units, units_file=first["units_file"],
                                   settings=json.loads(first["settings"] or "{}"), tool_version=first["tool_version"])
        target["crawl_runs"].update(new_id, {"started_at": min(run["started_at"] for _, run in runs)})
    for k, (path, run) in enumerate(runs, 1):
        part_warc_dir = (crawls.resolve_warc(path.resolve().parent, run["warc_file"]).parent
                         if run["warc_file"] else None)
        target.execute("ATTACH DATABASE ? AS part", [str(path)])
        try:
            with target.atomic():
                names = [r[0] for r in target.execute(
                    "SELECT DISTINCT warc_file FROM part.pages WHERE crawl_id = ? AND warc_file IS NOT NULL",
                    [run["id"]])]
                renamed = {}
                for i, name in enumerate(names):
                    src = part_warc_dir / Path(name).name if part_warc_dir else None
                    new_name = f"crawl-{new_id}-part{k}-{i}.warc.gz"
                    if src is not None and src.exists():
                        shutil.copyfile(src, warc_dir / new_name)
                    renamed[name] = new_name
                target.execute(
                    "INSERT OR IGNORE INTO bodies SELECT * FROM part.bodies WHERE sha256 IN "
                    "(SELECT body_sha256 FROM part.pages WHERE crawl_id = ?)", [run["id"]])
                target.execute(
                    f"INSERT OR IGNORE INTO pages (crawl_id, warc_file, {cols}) "
                    f"SELECT ?, warc_file, {cols} FROM part.pages WHERE crawl_id = ?", [new_id, run["id"]])
                for old, new in renamed.items():
                    # Earlier parts' rows already carry their new names: this matches this part's only.
                    target.execute("UPDATE pages SET warc_file = ? WHERE crawl_id = ? AND warc_file = ?",
                                   [new, new_id, old])
                target.execute(
                    "INSERT OR IGNORE INTO links (crawl_id, unit_id, from_url, to_url, anchor, attachment, in_scope) "
                    "SELECT ?, unit_id, from_url, to_url, anchor, attachment, in_scope FROM part.links "
                    "WHERE crawl_id = ?", [new_id, run["id"]])
        finally:
            target.execute("DETACH DATABASE part")
    with target.atomic():
        crawls.update_link_targets(target, new_id)
        finished = all(state == "finished" for state in states)
        target["crawl_runs"].update(new_id, {
            "status": "finished" if finished else "interrupted",
            "finish_reason": "merged" if finished else "merged from unfinished parts",
            "finished_at": max((run["finished_at"] or "") for _, run in runs) or schema.utcnow(),
            "warc_file": f"warc/crawl-{new_id}-part1-0.warc.gz",  # relative to the database
            **crawls.reach_of(target, new_id, outage_share),
            "stats": json.dumps({"merged_from": [{"file": str(p), "crawl_id": r["id"], "state": s}
                                                 for (p, r), s in zip(runs, states)]}, ensure_ascii=False),
        })
    return new_id
