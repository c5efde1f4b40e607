"""What a rule sees (a unit's stored pages) and what it returns (a result with evidence).

Pure data: built by the audit stage from the database, never by doing I/O here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

STATUSES = ("pass", "fail", "manual", "unknown")
SEVERITIES = ("high", "medium", "low")


# What each page status means in a finding. A link is broken (错链) only when the site is
# at fault; a page we could not judge (slow, refused to us, oversized) makes a check
# 'unknown' rather than a failure.
FETCH_STATUS_LABELS = {
    "ok": "正常",
    "http_error": "HTTP 错误",
    "error": "连接失败",
    "redirect_loop": "重定向循环",
    "tls_error": "HTTPS 证书/握手错误",
    "timeout": "超时",
    "too_large": "内容超过大小上限",
    "blocked": "拒绝访问（403/429）",
    "blocked_robots": "robots.txt 禁止抓取",
    "offsite_redirect": "重定向到本单位范围以外",
}
def why_not_fetched(page: "PageRecord | None", what: str = "首页") -> str:
    if page is None:
        return f"本次抓取没有该单位的{what}"
    return f"{what}未取得（{FETCH_STATUS_LABELS.get(page.fetch_status, page.fetch_status)}）"


BROKEN_STATUSES = frozenset({"http_error", "error", "redirect_loop", "tls_error"})
UNDETERMINED_STATUSES = frozenset({"timeout", "too_large", "blocked"})


class LinkRecord(NamedTuple):
    # A named tuple, not a dataclass: an audit of 100k pages builds millions of these.
    to_url: str
    anchor: str
    attachment: str | None = None
    in_scope: bool = True
    target_status: int | None = None
    target_fetch_status: str | None = None


@dataclass(frozen=True)
class ListEntry:
    title: str
    url: str
    date: dt.date | None


@dataclass(frozen=True)
class PageRecord:
    url: str
    fetch_status: str = "ok"  # a key of FETCH_STATUS_LABELS
    status: int | None = 200
    fetched_at: str = ""
    final_url: str | None = None
    kind: str = "other"  # home | list | article | attachment | other
    title: str = ""
    text: str = ""
    pub_date: dt.date | None = None
    column_path: tuple[str, ...] = ()
    doc_number: str | None = None
    content_type: str | None = None
    site_code: str | None = None
    site_code_meta: str | None = None
    icp: str | None = None
    police_code: str | None = None
    conac: bool = False
    meta: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    list_items: tuple[ListEntry, ...] = ()
    links: tuple[LinkRecord, ...] = ()
    script_built: bool = False
    rendered: bool = False
    # The page's HTML, kept only where a rule reads tables (annual reports); bounded by the audit.
    html: str = field(default="", repr=False, compare=False)
    # Text of the page's PDF attachment, for reports published as PDF (extracted by the audit).
    attachment_text: str = field(default="", repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.fetch_status == "ok"

    @property
    def column(self) -> str:
        """The column this page belongs to (or is): last breadcrumb item, else ColumnName meta."""
        if self.column_path:
            return self.column_path[-1]
        return self.meta.get("ColumnName", "")

    @property
    def newest_item_date(self) -> dt.date | None:
        dates = [i.date for i in self.list_items if i.date]
        return max(dates) if dates else None


@dataclass(frozen=True)
class UnitInfo:
    id: str
    name: str
    kind: str
    acts_for: tuple[str, ...] = ()  # units whose plan duties this unit's site carries


@dataclass(frozen=True)
class UnitPages:
    """Everything one unit's crawl stored, as the rules see it."""

    unit: UnitInfo
    pages: tuple[PageRecord, ...]
    crawl_finished: bool = True

    @cached_property  # rules ask for it often; pages never change once loaded
    def home(self) -> PageRecord | None:
        return next((p for p in self.pages if p.kind == "home"), None)

    @property
    def reachable(self) -> bool:
        home = self.home
        return home is not None and home.ok


@dataclass(frozen=True)
class Evidence:
    url: str
    fetched_at: str = ""
    status: int | None = None
    excerpt: str = ""

    def as_dict(self) -> dict:
        return {"url": self.url, "fetched_at": self.fetched_at, "status": self.status, "excerpt": self.excerpt}


@dataclass(frozen=True)
class Result:
    """A matcher's verdict. `looked_for`/`looked_where` explain a fail or unknown."""

    status: str  # pass | fail | unknown
    detail: str = ""
    evidence: tuple[Evidence, ...] = ()
    looked_for: str = ""
    looked_where: str = ""
    count: int | None = None  # how many offending items, where a deduction is per item

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"bad status {self.status!r}")


def evidence_of(page: PageRecord, excerpt: str = "") -> Evidence:
    return Evidence(url=page.url, fetched_at=page.fetched_at, status=page.status, excerpt=excerpt[:300])
