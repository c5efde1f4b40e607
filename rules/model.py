"""The records every stage exchanges, each defined once: a page, a unit's pages, a finding.

Pure data. Extraction fills a PageContent, the crawl stores it as a PageRecord, the audit
reads the same PageRecord back and turns it into Findings, which the report shows.
Adding a page fact: a field on PageContent, its extraction, and a column migration in
crawler/store/schema.py; nothing copies fields by hand in between.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from rules.vocab import CRAWL_LIMITS, FETCH_STATUSES, FINDING_CHANGES, FINDING_STATUSES


def why_not_fetched(page: "PageRecord | None", what: str = "首页") -> str:
    if page is None:
        return f"本次抓取没有该单位的{what}"
    return f"{what}未取得（{FETCH_STATUSES.get(page.fetch_status, page.fetch_status)}）"


class LinkRecord(NamedTuple):
    # A named tuple, not a dataclass: an audit of 100k pages builds millions of these.
    to_url: str
    anchor: str
    attachment: str | None = None  # file extension when the target is a document
    in_scope: bool = True  # inside the unit's allowed domains and paths (set by the crawl)
    target_status: int | None = None  # known once the crawl finished
    target_fetch_status: str | None = None


@dataclass(frozen=True)
class ListItem:
    title: str
    url: str
    date: dt.date | None


@dataclass(frozen=True)
class FooterIds:
    site_code: str | None = None
    site_code_meta: str | None = None
    icp: str | None = None
    police: str | None = None
    conac: bool = False


@dataclass(frozen=True, kw_only=True)
class PageContent:
    """What extraction reads from one page's bytes (crawler/extract.py)."""

    kind: str = "other"  # a PAGE_KINDS word; 'home' is decided by the crawl
    title: str = ""
    page_title: str = ""  # the <title> as written
    text: str = ""
    text_truncated: bool = False
    encoding: str | None = None
    column_path: tuple[str, ...] = ()
    pub_date: dt.date | None = None
    pub_date_source: str | None = None
    written_date: dt.date | None = None
    doc_number: str | None = None
    index_number: str | None = None
    publisher: str | None = None  # 发布机构 / 发文机关 / 来源 as the page states it
    publisher_label: str | None = None  # which: a 发布机构/发文机关 names the issuer, a 来源 often the portal
    site_code: str | None = None
    site_code_meta: str | None = None
    icp: str | None = None
    police_code: str | None = None
    conac: bool = False
    meta: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    list_items: tuple[ListItem, ...] = ()
    links: tuple[LinkRecord, ...] = ()
    script_built: bool = False

    @property
    def footer(self) -> FooterIds:
        return FooterIds(self.site_code, self.site_code_meta, self.icp, self.police_code, self.conac)

    @property
    def attachments(self) -> list[LinkRecord]:
        return [link for link in self.links if link.attachment]

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


@dataclass(frozen=True, kw_only=True)
class PageRecord(PageContent):
    """One fetched (or refused) URL of one unit: its content plus how it was fetched.

    The crawl writes it (crawler/store), the audit reads it back; `links` live in their own
    table, `html` and `attachment_text` are filled by the audit only for pages a matcher
    reads tables from."""

    url: str
    unit_id: str = ""
    fetch_status: str = "ok"  # a FETCH_STATUSES word
    status: int | None = None  # HTTP status; None when no answer came (refused, failed, not fetched)
    error: str | None = None
    fetched_at: str = ""
    final_url: str | None = None
    redirected: bool = False
    content_type: str | None = None
    depth: int = 0
    referer: str | None = None
    size: int = 0
    rendered: bool = False
    body_sha256: str | None = None
    content_sha256: str | None = None  # hash of the extracted text: changes only when content does
    etag: str | None = None
    last_modified: str | None = None
    change: str | None = None  # a PAGE_CHANGES word, versus the crawl this one revisited
    html: str = field(default="", repr=False, compare=False)
    attachment_text: str = field(default="", repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.fetch_status == "ok"


@dataclass(frozen=True)
class UnitInfo:
    id: str
    name: str
    kind: str
    acts_for: tuple[str, ...] = ()  # units whose plan duties this unit's site carries
    names: tuple[str, ...] = ()  # other names (short name, aliases), to recognise its documents


@dataclass(frozen=True)
class UnitPages:
    """Everything one unit's crawl stored, as the rules see it."""

    unit: UnitInfo
    pages: tuple[PageRecord, ...]
    crawl_finished: bool = True
    limits: tuple[str, ...] = ()  # CRAWL_LIMITS words: why this unit's crawl may have missed pages
    registry: tuple[UnitInfo, ...] = ()  # every audited unit: issuers are resolved against them
    # Other units' annual-report narratives, (unit id, year, url, title, narrative), for rules that
    # compare across units (AR-007); the audit gathers them from every unit's own reports first.
    peer_reports: tuple[tuple[str, int, str, str, str], ...] = ()

    @cached_property
    def documents(self) -> dict:
        """url -> Document (rules/documents.py) for each article and attachment fetched."""
        from rules.documents import classify  # noqa: PLC0415  (documents imports this module)

        registry = self.registry or (self.unit,)
        return {p.url: classify(p, self.unit, registry) for p in self.pages
                if p.ok and p.kind in ("article", "attachment")}

    @property
    def incomplete_because(self) -> str:
        """Why a page not found may still exist on the site ('' when the crawl was complete)."""
        reasons = [CRAWL_LIMITS.get(k, k) for k in self.limits]
        if not self.crawl_finished:
            reasons.insert(0, "本次抓取未正常结束")
        return "；".join(reasons)

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
    screenshot: str | None = None  # the archived page drawn, relative to the database's folder

    def as_dict(self) -> dict:
        out = {"url": self.url, "fetched_at": self.fetched_at, "status": self.status, "excerpt": self.excerpt}
        return out | ({"screenshot": self.screenshot} if self.screenshot else {})

    @classmethod
    def from_dict(cls, d: dict) -> Evidence:
        return cls(d.get("url", ""), d.get("fetched_at", ""), d.get("status"), d.get("excerpt", ""),
                   d.get("screenshot"))


@dataclass(frozen=True)
class Result:
    """A matcher's verdict. `looked_for`/`looked_where` explain a fail or unknown."""

    status: str  # pass | fail | unknown
    detail: str = ""
    evidence: tuple[Evidence, ...] = ()
    looked_for: str = ""
    looked_where: str = ""
    count: int | None = None  # how many offending items, where a deduction is per item
    # A fail that says "not found" (as opposed to evidence of a fault): an incomplete crawl
    # cannot prove an absence, so the engine turns it into unknown.
    not_found: bool = False

    def __post_init__(self) -> None:
        if self.status not in FINDING_STATUSES:
            raise ValueError(f"bad status {self.status!r}")


def evidence_of(page: PageRecord, excerpt: str = "") -> Evidence:
    return Evidence(url=page.url, fetched_at=page.fetched_at, status=page.status, excerpt=excerpt[:300])


@dataclass(frozen=True)
class Finding:
    """One rule's verdict for one unit: stored by the audit, shown by the report, exported."""

    unit: str
    rule: str
    tasks: tuple[int, ...]
    status: str  # a FINDING_STATUSES word
    severity: str
    title: str
    message: str
    detail: str = ""
    evidence: tuple[Evidence, ...] = ()
    looked_for: str = ""
    looked_where: str = ""
    count: int | None = None  # offending items, where a deduction is per item
    legal_basis: tuple[str, ...] = ()
    change: str | None = None  # a FINDING_CHANGES word, versus the previous audit
    # How fully the rule checks each of its tasks (COVERAGE_LEVELS): a pass of a partial or
    # proxy check is not a 符合 for the task.
    coverage: dict[int, str] = field(default_factory=dict, hash=False)
    remedy: str = ""  # the rule's 整改建议

    @property
    def status_label(self) -> str:
        return FINDING_STATUSES.get(self.status, self.status)

    @property
    def change_label(self) -> str:
        return FINDING_CHANGES.get(self.change or "", "")
