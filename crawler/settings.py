"""Scrapy settings for the zwgk crawler. Our own settings share the ZWGK_ prefix.

Defaults are polite: government portals are slow and shared, and an auditor that
hammers them becomes the problem it reports.
"""

from crawler import __version__

BOT_NAME = "zwgk"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"  # our `crawl` checks -a units= / -a unit= before starting

# Identify ourselves honestly so site operators can tell who is crawling and why.
USER_AGENT = f"zwgk/{__version__} (政务公开 compliance checker; +https://github.com/zwgk/zwgk)"
ROBOTSTXT_OBEY = True

# Per-site politeness: few parallel requests per site, AutoThrottle adapts the delay to
# the site's latency. The download slot is the site's host:port (set by the spiders).
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
# Each delay varies by ±50% so requests do not land in lockstep (Scrapy 2.19 name; older
# Scrapy ignores it and randomizes by default, with the same ±50%).
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
# Bodies beyond this are cut off by Scrapy (crawled content is untrusted).
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
DEPTH_LIMIT = 6
DEPTH_PRIORITY = 1  # breadth-first: columns near the home page first
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy >= 2.19: an HTTP server that runs posted Python code, its token in ~/ (off, as telnet)
REMOTE_CONTROL_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

# The same URL may belong to two units (the city office and a department share a host);
# each unit's crawl must see it, so the unit is part of the request fingerprint.
REQUEST_FINGERPRINTER_CLASS = "crawler.fingerprint.UnitRequestFingerprinter"

DOWNLOADER_MIDDLEWARES = {
    # Off: the spiders set no allowed_domains, so Scrapy's offsite check passed every request
    # and only cost time per request; UnitScopeMiddleware is the scope guard (per unit:
    # host, port and path). HttpAuth: zwgk never sends credentials.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
    # Byte counts of every request and response, rebuilt from the headers for Scrapy's stats
    # (downloader/*), which nothing here reads.
    "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
    # Before robots.txt (100) so an out-of-scope URL is never fetched, not even its robots.txt.
    "crawler.middlewares.UnitScopeMiddleware": 50,
    # Serves pages already stored (resumed run, previous crawl) without a request.
    "crawler.revisit.RevisitMiddleware": 60,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.RobotsTxtMiddleware": 100,  # fixed for concurrent waiters (see the class)
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.RedirectEveryURLMiddleware": 600,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.QuickMetaRefreshMiddleware": 580,
}
SPIDER_MIDDLEWARES = {
    # A developer aid (warns once when a spider copies response.meta into new requests; the
    # spiders build fresh meta), one more async generator per page and per request.
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
# Scrapy's collector wraps every attribute read in a Python-level deprecation check (about
# 27 reads per page); this one reads plainly.
STATS_CLASS = "crawler.extensions.PlainStatsCollector"
ADDONS = {
    "crawler.addons.BrowserRendering": 0,
    "crawler.distributed.DistributedCrawl": 10,
}
ITEM_PIPELINES = {
    "crawler.pipelines.SQLitePipeline": 300,
}
EXTENSIONS = {
    "scrapy.extensions.logstats.LogStats": None,  # ProgressReporter logs the progress (per unit, too)
    "crawler.extensions.ScrapyLogLevel": 0,
    "crawler.extensions.ProgressReporter": 500,
    "crawler.distributed.RedisKeysJanitor": 510,  # only with ZWGK_REDIS_URL
    "crawler.distributed.WaitForSharedWork": 520,  # only with ZWGK_REDIS_URL
}

# --- zwgk settings -------------------------------------------------------------
ZWGK_DB_PATH = "zwgk.db"            # SQLite file the crawl writes to
ZWGK_UNITS_FILE = ""                 # units registry; empty = the shipped Meizhou registry
ZWGK_MAX_PAGES_PER_UNIT = 2000       # stop scheduling a unit's requests beyond this
ZWGK_MAX_QUERY_VARIANTS = 100       # URLs per path that differ only in the query (calendar/pagination traps)
ZWGK_MAX_TEXT_CHARS = 100_000        # extracted text stored per page
ZWGK_MAX_STORED_BODY = 5 * 1024 * 1024   # raw bodies larger than this are not kept
ZWGK_BATCH_SIZE = 100                # pages per write transaction
ZWGK_WARC_DIR = ""                   # raw responses, one WARC per crawl; empty = "warc/" beside the database
ZWGK_INCREMENTAL = True              # revisit the newest finished crawl of the same units (conditional GETs)
ZWGK_REVISIT_AFTER_DAYS = 30         # articles/attachments fetched more recently are carried over unrequested; 0 = always request
ZWGK_RESUME_CRAWL = 0                # id of a killed/interrupted run to finish (zwgk crawl --resume)
ZWGK_RENDER = "auto"                 # auto: render script-built lists and units' `render` URLs in Chromium | off
ZWGK_MAX_LIST_PAGES = 30           # pages of one list read through its script pager (TRS, Hanweb, gkmlpt API)
ZWGK_GKML_API = True                 # read gkmlpt lists from their JSON API (exact; no browser)
ZWGK_CHROMIUM = "/usr/bin/chromium"  # Debian's Chromium; Playwright's own browser download cannot work here
ZWGK_REDIS_URL = ""                  # redis://host:6379/0 : share one crawl between processes (scrapy-redis)
ZWGK_REDIS_JOB = ""                  # name shared by the processes of one crawl; empty = today's date
# A crawl in which more than this share of the units' home pages failed at network level
# (refused, reset, DNS, timeout, TLS) is 'degraded': an outage on our side is likelier than
# that many portals down at once, so `zwgk run` does not publish its audit.
ZWGK_OUTAGE_SHARE = 0.5
ZWGK_PROGRESS = "auto"               # auto (a live line on a TTY) | on | off
