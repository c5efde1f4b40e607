"""What the portal spiders read off a response besides its extracted content."""

from __future__ import annotations

from scrapy.http import Response, TextResponse

from crawler.extract import decode_html

HTML_TYPES = ("text/html", "application/xhtml")


def _has_script_pager(body: bytes) -> bool:
    """A list whose further pages only its script names (TRS, Hanweb): stored links do not hold
    them, so a replayed copy of the page must be parsed again."""
    return any(marker in body for marker in (b"createPageHTML", b"countPage", b"<nextgroup"))


def _page_text(response: Response) -> str:
    """The page decoded as extraction decodes it: by what its bytes are, not by a charset it
    declares wrongly (Scrapy's response.text trusts a <meta charset="gb2312"> on UTF-8 bytes)."""
    content_type = response.headers.get(b"Content-Type", b"").decode("latin-1") or None
    return decode_html(response.body, content_type)[0]


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1")[:200] if value else None


def _is_html(response: Response, content_type: str | None) -> bool:
    if content_type:
        return content_type.lower().startswith(HTML_TYPES)
    # No Content-Type: sniff, as browsers do.
    return isinstance(response, TextResponse) or response.body[:512].lstrip().lower().startswith((b"<!doctype html", b"<html"))
