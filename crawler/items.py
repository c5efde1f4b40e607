"""What the spiders hand to the pipeline: one PageItem per fetched (or refused) URL."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PageItem:
    unit_id: str
    url: str
    fetch_status: str  # a key of rules.model.FETCH_STATUS_LABELS
    fetched_at: str
    final_url: str | None = None
    redirected: bool = False
    status: int | None = None
    error: str | None = None
    content_type: str | None = None
    depth: int = 0
    referer: str | None = None
    kind: str = "other"
    title: str = ""
    page_title: str = ""
    pub_date: str | None = None
    pub_date_source: str | None = None
    written_date: str | None = None
    doc_number: str | None = None
    index_number: str | None = None
    column_path: list[str] = field(default_factory=list)
    text: str = ""
    text_truncated: bool = False
    size: int = 0
    encoding: str | None = None
    body: bytes | None = None  # stored content-addressed by the pipeline, then dropped
    content_sha256: str | None = None
    site_code: str | None = None
    site_code_meta: str | None = None
    icp: str | None = None
    police_code: str | None = None
    conac: bool = False
    meta: dict[str, str] = field(default_factory=dict)
    list_items: list[dict] = field(default_factory=list)
    script_built: bool = False
    rendered: bool = False
    # (to_url, anchor, attachment_ext, in_scope)
    links: list[tuple[str, str, str | None, bool]] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None
    change: str | None = None  # versus the previous crawl: new | changed | unchanged


@dataclass
class ReusedPageItem:
    """A page of the previous crawl reused as is: copied (with its links) into this run."""

    unit_id: str
    url: str
    source_page_id: int
    change: str  # not_modified (revalidated now) | carried (not requested)
    fetched_at: str | None  # now for not_modified; the original date for carried
