"""The baseline: a Scrapy spider as a tutorial writes it (CrawlSpider + LinkExtractor,
BeautifulSoup for the text, one sqlite3 INSERT + COMMIT per page). Same politeness
settings as zwgk in the benchmark; run with `scrapy runspider`."""

import sqlite3
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from scrapy.linkextractors import LinkExtractor
from scrapy.spiders import CrawlSpider, Rule


class NaiveSpider(CrawlSpider):
    name = "naive"

    def __init__(self, start: str = "", db: str = "naive.db", **kwargs):
        self.start_urls = [start]
        self.allowed_domains = [urlsplit(start).hostname]
        self.rules = (Rule(LinkExtractor(), callback="parse_item", follow=True),)
        super().__init__(**kwargs)
        self.con = sqlite3.connect(db)
        self.con.execute("CREATE TABLE IF NOT EXISTS pages (url TEXT, status INT, title TEXT, text TEXT)")

    def parse_start_url(self, response, **kwargs):
        return self.parse_item(response)

    def parse_item(self, response):
        soup = BeautifulSoup(response.text, "html.parser")
        title = soup.title.get_text() if soup.title else ""
        self.con.execute("INSERT INTO pages VALUES (?, ?, ?, ?)",
                         (response.url, response.status, title, soup.get_text(" ")))
        self.con.commit()
        return None

    def closed(self, reason):
        self.con.close()
