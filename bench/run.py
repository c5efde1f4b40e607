"""zwgk benchmarks: one line per result, peers measured in the same run.

    python bench/run.py [--pages 5000] [--audit-pages 100000] [--only crawl,jobs,peers,recrawl,audit,concurrency,polite]
    python bench/run.py --only ab --ab-base REV [--ab-runs 3]

* crawl throughput and peak RSS of zwgk on a generated site served by nginx (Debian),
  beside a naive Scrapy spider, LinkChecker and `wget --spider -r` on the same site;
* `zwgk crawl --jobs 2` versus one process, on the same site served as 4 sites;
* an unchanged re-crawl versus the first crawl;
* an audit of 100k stored pages (time, peak RSS);
* many units at once with per-site latency: total time versus the slowest site and the sum;
* many polite sites at once (bench/polite.py): N = 60 and 200 loopback sites versus one alone;
* `--only ab`: this tree against an earlier revision, crawls interleaved, medians (bench/ab.py).

Needs nginx, linkchecker and wget (`apt-get install nginx linkchecker wget`). Nothing here
is a test: the numbers go into the README.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.sitegen import generate  # noqa: E402
from audits.run import usable_cpus  # noqa: E402
from audits.demo.server import LoopbackHTTPServer  # noqa: E402

PY = sys.executable
# The same request concurrency for every crawler: the site is ours, on loopback.
CONCURRENCY = 16
ZWGK_FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", f"CONCURRENT_REQUESTS={CONCURRENCY}",
             "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={CONCURRENCY}", "-s", "DEPTH_LIMIT=0", "-s", "RETRY_TIMES=0",
             "-s", "ZWGK_MAX_PAGES_PER_UNIT=1000000", "-s", "ZWGK_RENDER=off", "-s", "LOG_LEVEL=WARNING"]


def line(text: str) -> None:
    print(text, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tree_rss_kb(pid: int) -> dict[int, int]:
    """VmRSS (kB) of a process and all its descendants, from /proc."""
    out, stack = {}, [pid]
    while stack:
        p = stack.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            out[p] = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
            for task in Path(f"/proc/{p}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, StopIteration, ValueError):
            continue
    return out


def measure(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> tuple[float, float, str, float]:
    """Wall seconds, peak RSS (MB) of the command's whole process tree (sampled every 0.1 s;
    for zwgk: the crawl process plus its extraction workers), its output, and the CPU seconds
    (user + system) of the command and every descendant it waited for."""
    out = tempfile.TemporaryFile()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    peak = [0]

    def sample():
        while proc.poll() is None:
            peak[0] = max(peak[0], sum(_tree_rss_kb(proc.pid).values()))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    proc.wait()
    elapsed = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    sampler.join()
    out.seek(0)
    text = out.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])}… failed ({proc.returncode}):\n{text[-3000:]}")
    return elapsed, peak[0] / 1024, text, cpu


class Nginx:
    """nginx serving `root` on 127.0.0.1: `port`, and on `sites - 1` more ports (the same
    pages as other sites: other politeness slots, for the several-processes benchmark)."""

    def __init__(self, root: Path, work: Path, sites: int = 1):
        self.root, self.work, self.port = root, work, free_port()
        self.ports = [self.port] + [free_port() for _ in range(sites - 1)]

    def __enter__(self) -> Nginx:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            raise SystemExit("nginx is missing: apt-get install nginx")
        self.work.mkdir(parents=True, exist_ok=True)
        conf = self.work / "nginx.conf"
        user = "user root;" if os.geteuid() == 0 else ""
        conf.write_text(f"""
{user}
worker_processes 2;
daemon off;
pid {self.work}/nginx.pid;
error_log {self.work}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  types {{ text/html html; text/plain txt; }}
  default_type application/octet-stream;
  client_body_temp_path {self.work}/body; proxy_temp_path {self.work}/proxy;
  fastcgi_temp_path {self.work}/fcgi; uwsgi_temp_path {self.work}/uwsgi; scgi_temp_path {self.work}/scgi;
  # LinkChecker caps itself at 10 requests/s per host unless the server sends this header.
  server {{ {" ".join(f"listen 127.0.0.1:{p};" for p in self.ports)} root {self.root}; add_header LinkChecker allow; }}
}}
""")
        self.proc = subprocess.Popen([nginx, "-p", str(self.work), "-e", str(self.work / "error.log"), "-c", str(conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise SystemExit(f"nginx did not start: {(self.work / 'error.log').read_text()[-500:]}")

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


def units_file(path: Path, sites: list[tuple[str, str, int]]) -> Path:
    """A units registry for local benchmark sites: (id, name, port)."""
    lines = ["allow_local: true", "units:"]
    for uid, name, port in sites:
        lines += [f"  - id: {uid}", f"    name: {name}", "    kind: county",
                  f"    start_urls: ['http://127.0.0.1:{port}/']", f"    allowed_domains: ['127.0.0.1:{port}']"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def zwgk_crawl(units: Path, db: Path, *extra: str) -> tuple[float, float, int, float]:
    secs, rss, _, cpu = measure([PY, "-m", "audits.cli", "crawl", "--units", str(units), "--db", str(db), *ZWGK_FAST,
                            *extra], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    con = sqlite3.connect(db)
    pages = con.execute("SELECT count(*) FROM pages WHERE crawl_id = (SELECT max(id) FROM crawl_runs)").fetchone()[0]
    con.close()
    return secs, rss, pages, cpu


def per_k(cpu: float, pages: int) -> str:
    """CPU seconds per 1,000 pages: the cost, comparable across machines."""
    return f"CPU {1000 * cpu / pages:.1f} s per 1,000 pages" if pages else "CPU n/a"


def zwgk_two_processes(units: Path, work: Path) -> tuple[float, int]:
    """Two crawl processes sharing one crawl through a local redis-server, then merged."""
    port = free_port()
    redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no"], stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    parts = [work / f"part{i}.db" for i in (1, 2)]
    merged = work / "merged.db"
    for stale in [*work.glob("part*.db*"), *work.glob("merged.db*")]:
        stale.unlink()
    try:
        started = time.perf_counter()
        procs = [subprocess.Popen([PY, "-m", "audits.cli", "crawl", "--units", str(units), "--db", str(part),
                                   "--redis", f"redis://127.0.0.1:{port}/0", "--job", f"bench-{time.time()}",
                                   *ZWGK_FAST], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL) for part in parts]
        if any(p.wait() != 0 for p in procs):
            raise SystemExit("a distributed crawl process failed")
        subprocess.run([PY, "-m", "audits.cli", "merge", "--into", str(merged), *map(str, parts)], cwd=REPO, env=env,
                       check=True, stdout=subprocess.DEVNULL)
        secs = time.perf_counter() - started
    finally:
        redis.terminate()
    con = sqlite3.connect(merged)
    pages = con.execute("SELECT count(*) FROM pages").fetchone()[0]
    con.close()
    return secs, pages


def bench_crawl(args, work: Path) -> None:
    site = work / "site"
    if not site.exists():
        generate(site, args.pages)
    with Nginx(site, work / "nginx", sites=SPLIT_SITES) as server:
        units = units_file(work / "units.yaml", [("meijiang", "基准县人民政府", server.port)])
        db = work / "zwgk.db"
        for stale in work.glob("zwgk.db*"):
            stale.unlink()
        shutil.rmtree(work / "warc", ignore_errors=True)
        results = {}
        secs, rss, pages, cpu = zwgk_crawl(units, db)
        results["zwgk"] = pages / secs
        line(f"crawl zwgk: {pages} pages in {secs:.1f} s = {pages / secs:.0f} pages/s, peak RSS {rss:.0f} MB, "
             f"{per_k(cpu, pages)}")

        if "jobs" in args.only:
            bench_jobs(server, work, args.pages)

        if "recrawl" in args.only:
            secs2, rss2, pages2, _ = zwgk_crawl(units, db)
            line(f"recrawl zwgk (unchanged site): {pages2} pages in {secs2:.1f} s = {100 * secs2 / secs:.0f}% of the "
                 f"first crawl's time (target <= 20%), peak RSS {rss2:.0f} MB")
            secs3, _, pages3, _ = zwgk_crawl(units, db, "-s", "ZWGK_REVISIT_AFTER_DAYS=0")
            line(f"recrawl zwgk, every page revalidated (ZWGK_REVISIT_AFTER_DAYS=0): {pages3} pages in {secs3:.1f} s "
                 f"= {100 * secs3 / secs:.0f}% of the first crawl's time")

        if "peers" not in args.only:
            return
        naive_db = work / "naive.db"
        naive_db.unlink(missing_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
        secs, rss, _, cpu = measure([PY, "-m", "scrapy", "runspider", str(REPO / "bench" / "naive_spider.py"),
                                "-a", f"start={server.url}", "-a", f"db={naive_db}",
                                "-s", f"CONCURRENT_REQUESTS={CONCURRENCY}",
                                "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={CONCURRENCY}", "-s", "ROBOTSTXT_OBEY=True",
                                "-s", "DEPTH_LIMIT=0", "-s", "RETRY_TIMES=0", "-s", "LOG_LEVEL=WARNING",
                                "-s", "TELNETCONSOLE_ENABLED=False"], cwd=work, env=env)
        con = sqlite3.connect(naive_db)
        pages = con.execute("SELECT count(*) FROM pages").fetchone()[0]
        con.close()
        results["naive"] = pages / secs
        line(f"crawl naive Scrapy spider: {pages} pages in {secs:.1f} s = {pages / secs:.0f} pages/s, "
             f"peak RSS {rss:.0f} MB, {per_k(cpu, pages)}")

        secs, rss, text, cpu = measure([PY, "-m", "scrapy", "runspider", str(REPO / "bench" / "floor_spider.py"),
                                   "-a", f"start={server.url}", "-s", f"CONCURRENT_REQUESTS={CONCURRENCY}",
                                   "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={CONCURRENCY}", "-s", "ROBOTSTXT_OBEY=True",
                                   "-s", "LOG_LEVEL=INFO", "-s", "TELNETCONSOLE_ENABLED=False"], cwd=work, env=env)
        m = re.search(r"'response_received_count': (\d+)", text)
        pages = int(m.group(1)) - 1 if m else 0  # minus robots.txt
        results["floor"] = pages / secs
        line(f"crawl Scrapy floor (follow links only, store nothing): {pages} pages in {secs:.1f} s = "
             f"{pages / secs:.0f} pages/s, peak RSS {rss:.0f} MB, {per_k(cpu, pages)}")

        if shutil.which("redis-server"):
            secs, pages = zwgk_two_processes(units, work)
            results["zwgk-2proc"] = pages / secs
            line(f"crawl zwgk, 2 processes (scrapy-redis) + merge: {pages} pages in {secs:.1f} s = "
                 f"{pages / secs:.0f} pages/s")

        if shutil.which("linkchecker"):
            # Its best: no rate limit (the server allows it), the same number of threads.
            config = work / "linkcheckerrc"
            config.write_text("[checking]\nmaxrequestspersecond=100000\nthreads=%d\n" % CONCURRENCY)
            secs, rss, text, cpu = measure(["linkchecker", "--config", str(config), "--threads", str(CONCURRENCY),
                                       "--recursion-level", "-1", "--no-warnings", "--no-status", "-o", "text",
                                       server.url], cwd=work)
            m = re.search(r"(\d+) links? in (\d+) URLs? checked", text)
            urls = int(m.group(2)) if m else 0
            results["linkchecker"] = urls / secs
            line(f"crawl LinkChecker ({CONCURRENCY} threads): {urls} URLs in {secs:.1f} s = {urls / secs:.0f} URLs/s, "
                 f"peak RSS {rss:.0f} MB, {per_k(cpu, urls)}")
        else:
            line("crawl LinkChecker: not installed (apt-get install linkchecker)")
        spider_dir = work / "wget"
        shutil.rmtree(spider_dir, ignore_errors=True)
        secs, rss, text, cpu = measure(["wget", "--spider", "-r", "-l", "inf", "-np", "-nd", "-e", "robots=on",
                                   "--no-verbose", "-P", str(spider_dir), server.url], cwd=work)
        m = re.search(r"Downloaded: (\d+) files", text)
        urls = int(m.group(1)) if m else 0
        results["wget"] = urls / secs
        line(f"crawl wget --spider -r: {urls} URLs in {secs:.1f} s = {urls / secs:.0f} URLs/s, peak RSS {rss:.0f} MB, "
             f"{per_k(cpu, urls)}")
        for ours in ("zwgk", "zwgk-2proc"):
            for peer, target in (("naive", 2), ("linkchecker", 1.5), ("floor", 0.9), ("wget", None)):
                if ours in results and results.get(peer):
                    ratio = results[ours] / results[peer]
                    goal = f" (target >= {target}x)" if target else ""
                    line(f"ratio {ours} / {peer}: {ratio:.2f}x{goal}")


# The several-processes benchmark: the site served as this many sites, a share of it each.
SPLIT_SITES = 4


def bench_jobs(server: Nginx, work: Path, pages: int) -> None:
    """`zwgk crawl --jobs 2` against one process on the same sites: the site served on
    SPLIT_SITES ports (a unit each, pages/SPLIT_SITES pages each, so the same total)."""
    units = units_file(work / "units-split.yaml", [(f"site{i}", f"基准站点{i}", port)
                                                   for i, port in enumerate(server.ports)])
    per_unit = ["-s", f"ZWGK_MAX_PAGES_PER_UNIT={pages // SPLIT_SITES}"]
    rates = {}
    for jobs in ("1", "2"):
        db = work / f"split-{jobs}.db"
        for stale in work.glob(f"split-{jobs}.db*"):
            stale.unlink()
        secs, rss, stored, cpu = zwgk_crawl(units, db, "--jobs", jobs, *per_unit)
        rates[jobs] = stored / secs
        line(f"crawl zwgk --jobs {jobs}, {SPLIT_SITES} sites: {stored} pages in {secs:.1f} s = {stored / secs:.0f} "
             f"pages/s, peak RSS {rss:.0f} MB, {per_k(cpu, stored)}")
    line(f"ratio zwgk --jobs 2 / one process ({SPLIT_SITES} sites): {rates['2'] / rates['1']:.2f}x")


def bench_audit(args, work: Path) -> None:
    """Audit `audit_pages` stored pages: the generated site's crawl copied across units."""
    src = work / "zwgk.db"
    if not src.exists():
        raise SystemExit("run the crawl benchmark first (it makes the pages the audit copies)")
    db_path = work / "audit.db"
    for stale in work.glob("audit.db*"):
        stale.unlink()
    shutil.copyfile(src, db_path)
    con = sqlite3.connect(db_path)
    first = con.execute("SELECT min(id) FROM crawl_runs").fetchone()[0]
    per_unit = con.execute("SELECT count(*) FROM pages WHERE crawl_id = ?", [first]).fetchone()[0]
    from crawler.units import load_units

    registry = [u for u in load_units() if u.kind == "county" or u.kind == "municipal-department"]
    n_units = min(len(registry), -(-args.audit_pages // per_unit))
    chosen = registry[:n_units]
    cols = [r[1] for r in con.execute("PRAGMA table_info(pages)") if r[1] not in ("id", "crawl_id", "unit_id")]
    cur = con.execute("INSERT INTO crawl_runs (spider, started_at, finished_at, status, units, units_file, settings, "
                      "tool_version) SELECT spider, started_at, finished_at, 'finished', ?, '', settings, tool_version "
                      "FROM crawl_runs WHERE id = ?", [json.dumps([u.id for u in chosen]), first])
    crawl_id = cur.lastrowid
    for unit in chosen:
        con.execute(f"INSERT INTO pages (crawl_id, unit_id, {', '.join(cols)}) SELECT ?, ?, {', '.join(cols)} "
                    "FROM pages WHERE crawl_id = ?", [crawl_id, unit.id, first])
        con.execute("INSERT INTO links (crawl_id, unit_id, from_url, to_url, anchor, attachment, in_scope, "
                    "target_status, target_fetch_status) SELECT ?, ?, from_url, to_url, anchor, attachment, in_scope, "
                    "target_status, target_fetch_status FROM links WHERE crawl_id = ?", [crawl_id, unit.id, first])
    con.commit()
    total = con.execute("SELECT count(*) FROM pages WHERE crawl_id = ?", [crawl_id]).fetchone()[0]
    links = con.execute("SELECT count(*) FROM links WHERE crawl_id = ?", [crawl_id]).fetchone()[0]
    con.close()
    for jobs in ("1", "0"):  # one process, then the default: one worker per CPU
        secs, rss, text, _ = measure([PY, "-m", "audits.cli", "audit", "--db", str(db_path), "--crawl", str(crawl_id),
                                   "--as-of", "2021-12-20", "--screenshots", "off", "--jobs", jobs], cwd=REPO,
                                  env={**os.environ, "PYTHONPATH": str(REPO)})
        how = "one process" if jobs == "1" else f"default --jobs ({min(usable_cpus(), n_units)} workers)"
        line(f"audit, {how}: {total} stored pages ({links} links, {n_units} units) in {secs:.1f} s (target < 10 s), "
             f"peak RSS {rss:.0f} MB (target < 300 MB)")


class SlowSite(LoopbackHTTPServer):
    pass


def bench_concurrency(args, work: Path) -> None:
    """Politeness on, several sites with different latencies: all at once ≈ the slowest one."""
    latencies = [0.02, 0.05, 0.08, 0.12, 0.16, 0.2]
    servers, sites = [], []
    for i, latency in enumerate(latencies):
        root = work / f"slow{i}"
        if not root.exists():
            generate(root, args.site_pages)

        class Handler(SimpleHTTPRequestHandler):
            delay = latency
            directory_root = str(root)

            def __init__(self, *a, **kw):
                super().__init__(*a, directory=self.directory_root, **kw)

            def log_message(self, *a):
                pass

            def do_GET(self):
                time.sleep(self.delay)
                super().do_GET()

        server = SlowSite(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        sites.append((f"site{i}", f"站点{i}", server.server_address[1]))
    # Polite settings, scaled to loopback: AutoThrottle on, 2 requests per site at a time.
    polite = ["-s", "AUTOTHROTTLE_ENABLED=True", "-s", "AUTOTHROTTLE_START_DELAY=0.05", "-s", "DOWNLOAD_DELAY=0.05",
              "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2", "-s", "DEPTH_LIMIT=0", "-s", "ZWGK_RENDER=off",
              "-s", "LOG_LEVEL=WARNING", "-s", "ZWGK_INCREMENTAL=False"]
    try:
        alone = []
        for uid, name, port in sites:
            units = units_file(work / f"{uid}.yaml", [(uid, name, port)])
            db = work / f"{uid}.db"
            for stale in work.glob(f"{uid}.db*"):
                stale.unlink()
            secs, _, _, _ = measure([PY, "-m", "audits.cli", "crawl", "--units", str(units), "--db", str(db), *polite],
                                 cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
            alone.append(secs)
        units = units_file(work / "all.yaml", sites)
        db = work / "all.db"
        for stale in work.glob("all.db*"):
            stale.unlink()
        together, _, _, _ = measure([PY, "-m", "audits.cli", "crawl", "--units", str(units), "--db", str(db), *polite],
                                 cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
        line(f"concurrency: {len(sites)} sites (latency {latencies[0] * 1000:.0f}–{latencies[-1] * 1000:.0f} ms, "
             f"{args.site_pages} pages each), politeness on: together {together:.1f} s; slowest alone "
             f"{max(alone):.1f} s; sum alone {sum(alone):.1f} s; together / slowest = {together / max(alone):.2f}")
    finally:
        for server in servers:
            server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description="zwgk benchmarks")
    parser.add_argument("--pages", type=int, default=5000, help="size of the generated site")
    parser.add_argument("--audit-pages", type=int, default=100_000)
    parser.add_argument("--site-pages", type=int, default=60, help="pages per site in the concurrency benchmark")
    parser.add_argument("--polite-sites", default="60,200", help="site counts of the many-polite-sites benchmark")
    parser.add_argument("--only", default="crawl,jobs,peers,recrawl,audit,concurrency,polite")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "zwgk-bench")
    parser.add_argument("--ab-base", help="with --only ab: the revision to compare this tree with")
    parser.add_argument("--ab-runs", type=int, default=3, help="with --only ab: rounds of (before, after)")
    args = parser.parse_args()
    args.only = set(args.only.split(","))
    args.work.mkdir(parents=True, exist_ok=True)
    line(f"zwgk bench: {os.cpu_count()} CPUs, site of {args.pages} pages, work dir {args.work}")
    if args.only & {"crawl", "jobs", "peers", "recrawl"}:
        bench_crawl(args, args.work)
    if "audit" in args.only:
        bench_audit(args, args.work)
    if "concurrency" in args.only:
        bench_concurrency(args, args.work)
    if "polite" in args.only:
        from bench.polite import bench_polite

        bench_polite(args.work, [int(n) for n in args.polite_sites.split(",")], 24, line, measure, units_file)
    if "ab" in args.only:
        bench_ab_crawl(args)


def bench_ab_crawl(args) -> None:
    from bench.ab import bench_ab

    if not args.ab_base:
        raise SystemExit("bench ab: give the revision to compare with: --ab-base REV")
    site = args.work / "site"
    if not site.exists():
        generate(site, args.pages)
    with Nginx(site, args.work / "nginx") as server:
        units = units_file(args.work / "units.yaml", [("meijiang", "基准县人民政府", server.port)])
        bench_ab(REPO, args.work, units, args.ab_base, args.ab_runs, line, measure, PY, ZWGK_FAST)


if __name__ == "__main__":
    main()
