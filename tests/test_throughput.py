"""Many polite sites at once (crawler/scheduling.py) and extraction off the reactor
(crawler/extraction_pool.py): the order changes, politeness and content do not."""

import asyncio
import datetime as dt
import logging
import os
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy import Request
from scrapy.core.downloader import Slot
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector

from bench.sitegen import generate
from crawler import store
from crawler.extract import extract
from crawler.extraction_pool import ExtractionPool, worker_count
from crawler.scheduling import SiteDownloader, SiteScheduler
from crawler.spiders.portals import PortalSpider
from tests.conftest import REPO


class _Dupes:
    def __init__(self):
        self.seen = set()

    def request_seen(self, request):
        if request.url in self.seen:
            return True
        self.seen.add(request.url)
        return False

    def log(self, request, spider):
        pass


def _scheduler(slots: dict[str, Slot]) -> SiteScheduler:
    downloader = SimpleNamespace(slots=slots, get_slot_key=lambda r: r.meta["download_slot"])
    crawler = SimpleNamespace(engine=SimpleNamespace(downloader=downloader), stats=MemoryStatsCollector(
        SimpleNamespace(settings=Settings())))
    scheduler = SiteScheduler(crawler, _Dupes())
    scheduler.spider = None
    scheduler._wake_at = lambda due, now: scheduler.__dict__.setdefault("woken", []).append(due - now)
    return scheduler


def _req(site: str, path: str, priority: int = 0) -> Request:
    return Request(f"http://{site}/{path}", meta={"download_slot": site}, priority=priority)


def test_a_later_sites_start_page_is_not_held_behind_a_delayed_site():
    # Site a was just sent a request (1 s delay); its 30 links queued first must not keep
    # site b's start page waiting: b is served, a's links wait for a's delay.
    a = Slot(concurrency=2, delay=1.0, jitter=0.5)
    a.lastseen = 10**9  # just now, by any monotonic clock
    scheduler = _scheduler({"a": a})
    for i in range(30):
        assert scheduler.enqueue_request(_req("a", f"page{i}"))
    assert scheduler.enqueue_request(_req("b", ""))
    assert not scheduler.enqueue_request(_req("b", ""))  # duplicates still filtered
    assert scheduler.next_request().url == "http://b/"
    assert scheduler.next_request() is None  # a's delay has not run out: nothing to hand out
    assert scheduler.has_pending_requests() and len(scheduler) == 30
    assert scheduler.woken  # the engine is asked again when a's delay runs out


def test_sites_are_served_in_turn_and_breadth_first_within_a_site():
    scheduler = _scheduler({})  # no slot yet: nothing sent to either site
    scheduler.enqueue_request(_req("a", "deep", priority=-2))
    scheduler.enqueue_request(_req("a", "near", priority=-1))
    scheduler.enqueue_request(_req("b", "x"))
    got = [scheduler.next_request().url for _ in range(3)]
    assert got == ["http://a/near", "http://b/x", "http://a/deep"]
    assert scheduler.next_request() is None and not scheduler.has_pending_requests()


def test_a_site_with_a_request_parked_or_its_concurrency_used_gets_no_more():
    busy = Slot(concurrency=2, delay=0.0, jitter=0.0)
    busy.active = {object(), object()}
    parked = Slot(concurrency=2, delay=0.0, jitter=0.0)
    parked.queue.append(object())
    scheduler = _scheduler({"busy": busy, "parked": parked})
    scheduler.enqueue_request(_req("busy", "1"))
    scheduler.enqueue_request(_req("parked", "1"))
    assert scheduler.next_request() is None
    busy.active = set()
    assert scheduler.next_request().url == "http://busy/1"


def test_requests_parked_for_a_delay_do_not_fill_the_global_limit():
    downloader = SiteDownloader.__new__(SiteDownloader)
    downloader.total_concurrency = 2
    slot = Slot(concurrency=2, delay=1.0, jitter=0.5)
    slot.queue.extend([object(), object()])
    downloader.slots = {"a": slot}
    downloader.active = {object(), object()}  # both parked: nothing on the wire
    assert not downloader.needs_backout()
    downloader.active |= {object(), object()}  # two in flight
    assert downloader.needs_backout()
    robots = Request("http://127.0.0.1:8001/robots.txt")
    assert downloader.get_slot_key(robots) == "127.0.0.1:8001"  # its site's slot, port included


def test_the_portal_spider_uses_them_unless_the_crawl_is_distributed():
    settings = Settings()
    PortalSpider.update_settings(settings)
    assert settings["SCHEDULER"] == "crawler.scheduling.SiteScheduler"
    assert settings["DOWNLOADER"] == "crawler.scheduling.SiteDownloader"
    settings = Settings({"ZWGK_REDIS_URL": "redis://127.0.0.1:1/0"})
    PortalSpider.update_settings(settings)
    assert "scrapy_redis" not in str(settings["SCHEDULER"]) and settings["SCHEDULER"] != "crawler.scheduling.SiteScheduler"


def test_worker_count():
    assert worker_count("0") == 0 and worker_count(3) == 3
    assert worker_count("auto") >= 0
    with pytest.raises(ValueError, match="ZWGK_EXTRACT_WORKERS"):
        worker_count("many")


def test_the_pool_extracts_exactly_what_extract_does(tmp_path):
    generate(tmp_path, 30)  # portal-like pages: lists, dates, breadcrumbs, footer IDs
    files = sorted(tmp_path.rglob("*.html"))
    assert len(files) > 20
    pages = [p.read_bytes() for p in files] + [b"", "第一页".encode("gb18030")]
    pages.append("<html><head><title>标题</title></head><body>".encode() + b"<div>" * 5000 + b"x")
    when = dt.date(2021, 12, 20)
    pool = ExtractionPool(1)

    async def run():
        return [await pool.extract(body, "http://example.gov.cn/a/index.html", "text/html; charset=utf-8",
                                   max_text_chars=100_000, fetch_date=when) for body in pages]

    try:
        # On a thread of its own: with the browser tests on, Playwright's sync API keeps an
        # event loop running on this one, and asyncio.run() refuses to start another.
        with ThreadPoolExecutor(1) as thread:
            pooled = thread.submit(asyncio.run, run()).result()
    finally:
        pool.close()
    inline = [extract(body, "http://example.gov.cn/a/index.html", "text/html; charset=utf-8",
                      max_text_chars=100_000, fetch_date=when) for body in pages]
    assert pooled == inline
    assert any(c.list_items for c in inline) and any(c.footer.site_code for c in inline if c.footer)


def test_workers_do_not_outlive_a_crawl_killed_with_sigkill():
    script = (
        "import asyncio, datetime, os, signal\n"
        "from crawler.extraction_pool import ExtractionPool\n"
        "pool = ExtractionPool(1)\n"
        "asyncio.run(pool.extract(b'<html><title>x</title></html>', 'http://a.gov.cn/', None,"
        " max_text_chars=100, fetch_date=datetime.date(2021, 1, 1)))\n"
        "print(*pool.executor._processes, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    workers = [int(p) for p in proc.stdout.split()]
    assert proc.returncode == -9 and workers, proc.stderr[-2000:]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in workers):
        time.sleep(0.2)
    assert not any(Path(f"/proc/{p}").exists() for p in workers)


# --- the writer thread (crawler/writer.py) ---------------------------------------------------

def _batch(n0: int, n: int):
    from crawler.items import FetchedPage
    from rules.model import LinkRecord, PageRecord

    return [FetchedPage(PageRecord(url=f"http://a.test/{i}.html", unit_id="u", status=200, content_type="text/html",
                                   fetched_at="2021-12-01T00:00:00+00:00",
                                   links=(LinkRecord(f"http://a.test/{i + 1}.html", "下一篇", None),)),
                        body=f"<html>{i}</html>".encode()) for i in range(n0, n0 + n)]


def _writer_db(tmp_path):
    from crawler.warc import WarcArchive

    path = tmp_path / "w.db"
    db = store.open_db(path)
    cid = store.start_crawl(db, spider="portals", units=["u"], units_file="f", settings={}, tool_version="t")
    return path, db, cid, WarcArchive(tmp_path / "w.warc.gz")


def test_the_writer_commits_each_batch_as_it_goes(tmp_path):
    """Another process sees every batch once written (a kill -9 keeps them), each with its
    bodies, links and WARC records; the reactor's own connection stays usable meanwhile."""
    from crawler.writer import BatchWriter

    path, db, cid, warc = _writer_db(tmp_path)
    writer = BatchWriter(path, cid, warc, max_body=10_000)
    writer.submit(_batch(0, 5))
    deadline = time.monotonic() + 10
    seen = 0
    while time.monotonic() < deadline and seen < 5:
        con = sqlite3.connect(path)  # as another process reads it (WAL)
        seen = con.execute("SELECT count(*) FROM pages").fetchone()[0]
        con.close()
        time.sleep(0.02)
    assert seen == 5  # before close()
    writer.submit(_batch(5, 3))
    writer.close()
    warc.close()
    rows = list(db.query("SELECT url, body_sha256, warc_offset FROM pages ORDER BY id"))
    assert [r["url"] for r in rows] == [f"http://a.test/{i}.html" for i in range(8)]
    assert all(r["body_sha256"] and r["warc_offset"] is not None for r in rows)
    assert db.execute("SELECT count(*) FROM links").fetchone()[0] == 8
    assert store.load_body(db, rows[3]["body_sha256"]) == b"<html>3</html>"
    db.close()


def test_a_batch_the_writer_cannot_store_stops_it_whole(tmp_path):
    """A failed batch leaves none of its pages (one transaction), later batches are not
    half-written, and the failure is raised to the pipeline rather than lost."""
    from crawler.writer import BatchWriter, StoreFailed

    path, db, cid, warc = _writer_db(tmp_path)
    writer = BatchWriter(path, cid, warc, max_body=10_000)
    writer.submit(_batch(0, 2))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and db.execute("SELECT count(*) FROM pages").fetchone()[0] < 2:
        time.sleep(0.02)
    db.execute("DROP TABLE links")  # the next batch's links cannot be stored
    writer.submit(_batch(2, 2))
    with pytest.raises(StoreFailed, match="links"):
        for _ in range(200):
            time.sleep(0.02)
            writer.submit(_batch(100, 1))
    with pytest.raises(StoreFailed):
        writer.close()
    warc.close()
    assert [r[0] for r in db.execute("SELECT url FROM pages ORDER BY id")] == ["http://a.test/0.html", "http://a.test/1.html"]
    db.close()


def _refresh_results(body: bytes, encoding_header: str):
    """(ours, Scrapy's) MetaRefreshMiddleware answers for one HTML response."""
    from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler

    from crawler.middlewares import QuickMetaRefreshMiddleware

    crawler = get_crawler(settings_dict={"METAREFRESH_ENABLED": True})
    request = Request("http://www.example.gov.cn/old/")
    response = HtmlResponse(request.url, body=body, request=request,
                            headers={"Content-Type": f"text/html; charset={encoding_header}"})
    ours = QuickMetaRefreshMiddleware.from_crawler(crawler).process_response(request, response)
    theirs = MetaRefreshMiddleware.from_crawler(crawler).process_response(request, response)
    return ours, theirs, response


@pytest.mark.parametrize("encoding,before", [
    ("utf-8", ""), ("gbk", ""), ("utf-16", ""),
    # 2,000 characters (6,000 bytes) before it: within the 4,096 characters Scrapy reads
    ("utf-8", "栏" * 2000),
    # escapes that decode to nothing: 3,000 pairs (18,000 bytes) are no characters at all
    ("iso-2022-jp", "\x1b$B\x1b(B" * 3000),
    ("cp500", ""),  # EBCDIC: no ASCII bytes
])
def test_a_meta_refresh_is_followed_in_any_encoding(encoding, before):
    page = (f'<html><head><title>Meizhou</title>{before}<META HTTP-EQUIV="Refresh" CONTENT="0; URL=/zwgk/index.html">'
            '</head><body>...</body></html>')
    if encoding in ("utf-8", "gbk", "utf-16"):
        page = page.replace("Meizhou", "梅州市人民政府")
    body = page.encode("latin-1") if encoding == "iso-2022-jp" else page.encode(encoding)
    ours, theirs, _ = _refresh_results(body, encoding)
    assert isinstance(ours, Request) and ours.url == "http://www.example.gov.cn/zwgk/index.html"
    assert ours.url == theirs.url


@pytest.mark.parametrize("page", [
    "<html><head><title>政务公开</title></head><body>" + "信息公开" * 3000 + "</body></html>",
    # the word in the text only, and a refresh beyond the first 4,096 characters: Scrapy ignores both
    "<html><body><p>refresh 刷新</p></body></html>",
    "<html><body>" + "栏" * 5000 + '<meta http-equiv="refresh" content="0;url=/x.html"></body></html>',
])
def test_a_page_without_a_meta_refresh_is_passed_on_as_scrapy_does(page):
    ours, theirs, response = _refresh_results(page.encode("gbk"), "gbk")
    assert ours is response and theirs is response


# --- extraction shortcuts: the same answers as the long way ----------------------------------

BASES = ["http://www.meizhou.gov.cn/zwgk/zfjg/sczj/", "https://www.gdmx.gov.cn/a/b/c.html?x=1#f",
         "http://user@127.0.0.1:8080/p;params?q", "https://www.x.gov.cn", "http://[::1]:80/x/", "http://[::1/x",
         "ftp://files.example/dir/", "http://www.x.gov.cn/../a/./b/"]
HREFS = ["/col1/index.html", "/", "//cdn.example/f.pdf", "/a/../b/./c.doc?x=1#top", "t20211213_1.html",
         "./t2021.html", "../up/x.xlsx", "?page=2", "http://other.gov.cn/x.PDF", "HTTPS://www.x.gov.cn/y",
         "https:relative/path", "http:/a", "/%E4%B8%AD%E6%96%87/文件.docx", "/x#", "mailto:a@b", "ftp://f/x",
         "http://[::1", "/a b/c .pdf", "\\\\server\\share", "/dir.v2/file", "//", "/./..", "//?q=1", "http://", "https://",
         "http:///x", "///x", "//host", "//host?q", "/;p", ";p", "", "#f", "HTTP://X.GOV.CN",
         "//\t?x", "http://\t?x", "//\t#top", "/\tx", "//\nhost/x", "\x01//x"]


def test_resolved_links_are_what_urljoin_gives():
    """resolve_link caches root-relative and absolute links per site: for every base and link
    it answers what urljoin on that very page gives (None: not http(s), or not a URL).
    (Fails with "//" or "http://" cached per site: urljoin takes the base's path for those.)"""
    from crawler.extract import _resolve, resolve_link

    slow = _resolve.__wrapped__  # the uncached reading of the link against this very page

    for _ in range(2):  # the second time from the cache
        for base in BASES:
            for href in HREFS:
                assert resolve_link(base, href) == slow(base, href), (base, href)


def test_the_lean_builder_builds_the_tree_bs4_builds():
    """crawler.extract._HTMLBuilder skips bs4's namespace work: the tree must be the same,
    namespaced names included."""
    from bs4 import BeautifulSoup

    from crawler.extract import _HTMLBuilder

    docs = [
        '<html><head><meta charset="gbk"><title>标题</title></head><body class="a  b" id=x>'
        '<p class="c d">一<br>二<a href="/x" class=" e ">链接</a></p><img src=1.png alt=""></body></html>',
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        '<use xlink:href="#i"/></svg><p {odd}="1" data-x=\'2\' data-x="3">x</p><{tag}>y</{tag}>',
        '<table><tr><td rel="a b" headers="h1 h2">1<td>2</table><!-- c --><script>var a="<p>";</script>',
        "<div>" * 150 + "deep" + "</div>" * 150,
    ]
    for doc in docs:
        assert str(BeautifulSoup(doc, builder=_HTMLBuilder)) == str(BeautifulSoup(doc, "lxml"))
        lean = BeautifulSoup(doc, builder=_HTMLBuilder)
        full = BeautifulSoup(doc, "lxml")
        assert [(t.name, t.attrs, t.prefix, t.namespace) for t in lean.find_all(True)] == \
               [(t.name, t.attrs, t.prefix, t.namespace) for t in full.find_all(True)]


@pytest.mark.parametrize("root, log_level, expected", [
    (logging.INFO, "INFO", logging.INFO),       # the CLI with a log file (it takes INFO)
    (logging.INFO, "WARNING", logging.INFO),    # -s LOG_LEVEL=WARNING: the log file still gets INFO
    (logging.NOTSET, "INFO", logging.INFO),     # `scrapy crawl`: Scrapy's handler at LOG_LEVEL
    (logging.DEBUG, "DEBUG", logging.DEBUG),    # -v: every record
])
def test_scrapy_records_no_handler_takes_are_not_built(root, log_level, expected):
    """Scrapy puts its logger at DEBUG: two records per page built only to be dropped.
    ScrapyLogLevel raises it to the lowest level a handler takes, never above."""
    from crawler.extensions import ScrapyLogLevel

    root_logger, scrapy_logger = logging.getLogger(), logging.getLogger("scrapy")
    saved = root_logger.level, scrapy_logger.level
    try:
        root_logger.setLevel(root)
        scrapy_logger.setLevel(logging.DEBUG)
        ScrapyLogLevel.from_crawler(SimpleNamespace(settings=Settings({"LOG_LEVEL": log_level})))
        assert scrapy_logger.level == expected
    finally:
        root_logger.setLevel(saved[0])
        scrapy_logger.setLevel(saved[1])
