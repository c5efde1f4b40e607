"""What the spiders hand to the pipeline: a fetched (or refused) page, or a stored one reused."""

from __future__ import annotations

from dataclasses import dataclass

from rules.model import PageRecord


@dataclass
class FetchedPage:
    """A page as the crawl saw it, and the raw body the pipeline stores content-addressed."""

    page: PageRecord
    body: bytes | None = None

    @property
    def unit_id(self) -> str:
        return self.page.unit_id


@dataclass
class ReusedPageItem:
    """A page of the previous crawl reused as is: copied (with its links) into this run."""

    unit_id: str
    url: str
    source_page_id: int
    change: str  # not_modified (revalidated now) | carried (not requested)
    fetched_at: str | None  # now for not_modified; the original date for carried
