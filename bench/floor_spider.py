"""Scrapy's floor on this machine: a spider that only follows links (LinkExtractor), stores
nothing and parses nothing else. No crawler built on Scrapy can be faster per process."""

import scrapy
from scrapy.linkextractors import LinkExtractor


class FloorSpider(scrapy.Spider):
    name = "floor"

    def __init__(self, start: str = "", **kwargs):
        super().__init__(**kwargs)
        self.start_urls = [start]
        self.links = LinkExtractor()

    def parse(self, response):
        for link in self.links.extract_links(response):
            yield scrapy.Request(link.url, callback=self.parse)
