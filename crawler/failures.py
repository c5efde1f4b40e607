"""What a request that got no usable response is recorded as (a rules.vocab.FETCH_STATUSES word)."""

from __future__ import annotations

from OpenSSL import SSL
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from twisted.internet import defer, error
from twisted.web.client import ResponseNeverReceived

from crawler.middlewares import OffsiteForUnit
from rules.model import PageRecord


def classify_failure(exc: BaseException) -> str:
    """The page status recorded for a request that got no usable response.

    Each status says what happened, so audits can tell a broken link (the site's fault:
    http_error, redirect_loop, error) from a page nobody could judge (timeout, too_large,
    blocked, tls_error)."""
    text = str(exc)
    if isinstance(exc, OffsiteForUnit):
        return "offsite_redirect"
    if isinstance(exc, IgnoreRequest):
        if "robots.txt" in text:
            return "blocked_robots"
        if "max redirections" in text:
            return "redirect_loop"
        if "DOWNLOAD_MAXSIZE" in text:
            return "too_large"  # a compressed body (gzip bomb) beyond the limit once inflated
        return "error"
    causes = list(_causes(exc))
    if any(isinstance(c, SSL.Error) for c in causes):
        return "tls_error"
    if any(isinstance(c, DownloadCancelledError) for c in causes):
        # Scrapy's HTTP handler cancels a download only for DOWNLOAD_MAXSIZE (a declared
        # or a received size beyond it); a timeout is DownloadTimeoutError.
        return "too_large"
    if any(isinstance(c, (DownloadTimeoutError, TimeoutError, defer.TimeoutError, error.TimeoutError))
           for c in causes):
        return "timeout"
    return "error"


def failed_page(request, exc: BaseException, unit_id: str, *, home: bool, fetched_at: str) -> PageRecord:
    """The record of a request that got no usable response, under the URL first asked for."""
    original = request.meta.get("redirect_urls", [request.url])[0]
    return PageRecord(
        unit_id=unit_id,
        url=original,
        final_url=request.url,
        redirected=original != request.url,
        fetch_status=classify_failure(exc),
        kind="home" if home else "other",
        error=f"{type(exc).__name__}: {exc}"[:500],
        fetched_at=fetched_at,
        depth=request.meta.get("depth", 0),
        referer=(request.headers.get(b"Referer") or b"").decode("latin-1") or None,
    )


def closed_before_answer(exc: BaseException) -> bool:
    """The connection closed before any response: what a keep-alive connection the server
    had already dropped gives the next request sent on it. Twisted resends a GET on a new
    connection by itself, never a POST."""
    for cause in _causes(exc):
        if isinstance(cause, ResponseNeverReceived):
            reasons = [getattr(r, "value", None) for r in cause.reasons or []]
            return bool(reasons) and all(isinstance(r, (error.ConnectionDone, error.ConnectionLost))
                                         for r in reasons)
    return False


def _causes(exc: BaseException):
    """The exception, its __cause__ chain and the failures Twisted wraps (ResponseNeverReceived…)."""
    stack, seen = [exc], set()
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        stack.append(e.__cause__)
        stack.append(e.__context__)
        for reason in getattr(e, "reasons", None) or []:
            stack.append(getattr(reason, "value", None))
