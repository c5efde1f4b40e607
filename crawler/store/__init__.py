"""The database: schema, migrations and every query, used by every stage.

It lives in the crawler package because the crawl is the first stage that writes; the
audit and the report import it from here, and nothing here imports a later stage.
"""

from crawler.store.crawls import (
    crawl_limits, crawl_run, crawled_units, page_count, finish_crawl, latest_crawl_id, list_crawls, previous_finished_crawl, reopen_crawl, resumable_crawl,
    run_is_alive, run_state, start_crawl, unit_page_counts, update_link_targets, warc_rows,
    failed_probes, home_statuses, reach_of, resolve_warc, set_crawl_state,
)
from crawler.store.findings import (
    audit_counts, audit_run, default_audit_id, list_audits, publish_audit, set_audit_state, finished_audit_ids, insert_audit, latest_audit_id, load_findings, previous_statuses,
    save_audit_results, set_evidence, unit_results,
)
from crawler.store.pages import (
    copy_page, insert_pages, load_body, load_unit_pages, page_body_ref, page_from_row, page_links, page_row,
    replayable_pages, store_body, StoredPage, units_with_script_lists_read,
)
from crawler.store.schema import DatabaseError, connect_again, db_file, open_db, utcnow, write_transaction

__all__ = [
    "DatabaseError", "StoredPage", "audit_counts", "connect_again", "audit_run", "copy_page", "crawl_limits", "crawl_run", "crawled_units", "db_file", "page_count", "finish_crawl", "finished_audit_ids",
    "insert_audit", "insert_pages", "latest_audit_id", "latest_crawl_id", "list_crawls", "load_body", "load_findings",
    "load_unit_pages", "open_db", "page_body_ref", "page_from_row", "page_links", "page_row", "previous_finished_crawl",
    "previous_statuses", "reopen_crawl", "replayable_pages", "resumable_crawl", "run_is_alive", "run_state",
    "save_audit_results", "set_evidence", "start_crawl", "store_body", "unit_page_counts", "unit_results",
    "units_with_script_lists_read", "update_link_targets", "utcnow", "warc_rows",
    "default_audit_id", "failed_probes", "home_statuses", "list_audits", "publish_audit", "reach_of", "resolve_warc",
    "set_audit_state", "set_crawl_state", "write_transaction",
]
