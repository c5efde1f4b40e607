"""Scrapy add-on: the browser download handler, installed only when rendering is on; the
browser's scope guard."""

from __future__ import annotations

import logging

from crawler.units import url_in_scope

logger = logging.getLogger(__name__)

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class BrowserRendering:
    """ZWGK_RENDER=auto (default) routes requests marked `playwright` through scrapy-playwright,
    launching Debian's Chromium (ZWGK_CHROMIUM): a Playwright browser download cannot work on
    these machines. Requests without the mark use Scrapy's plain HTTP handler."""

    def update_settings(self, settings) -> None:
        if str(settings.get("ZWGK_RENDER", "auto")).lower() in ("off", "0", "false", "no"):
            return
        handler = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
        settings.set("DOWNLOAD_HANDLERS", {"http": handler, "https": handler}, priority="addon")
        settings.set("PLAYWRIGHT_BROWSER_TYPE", "chromium", priority="addon")
        settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", {
            "executable_path": settings.get("ZWGK_CHROMIUM", "/usr/bin/chromium"),
            "headless": True,
            "args": CHROMIUM_ARGS,
        }, priority="addon")
        settings.set("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT", 30_000, priority="addon")
        settings.set("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT", 4, priority="addon")


async def stay_in_scope(page, request) -> None:
    """The browser may fetch scripts and data only inside the unit's scope."""
    domains, paths = request.meta["zwgk_scope"]

    async def route(r):
        if url_in_scope(r.request.url, domains, paths):
            await r.continue_()
        else:
            logger.debug("render: blocked %s outside the unit's scope", r.request.url)
            # Counted into the crawl stats by parse_page (the response shares this meta).
            request.meta["zwgk_render_blocked"] = request.meta.get("zwgk_render_blocked", 0) + 1
            await r.abort()

    await page.route("**/*", route)
