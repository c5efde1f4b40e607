"""The report opened from disk in headless Chromium: it renders, sorts, filters, runs no crawled script."""

import pytest

from reports.context import build_context
from reports.render import render_report
from tests.test_reports import EVIL, audit_db  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
def report(audit_db, tmp_path):  # noqa: F811
    return render_report(build_context(audit_db), tmp_path / "site")


def test_index_renders_sorts_and_filters(browser, report, tmp_path):
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(report.as_uri())
    assert page.locator("#units-count").inner_text() == "2"
    names = lambda: page.locator("#ranking-table tbody tr:not(.hidden) td:nth-child(2)").all_inner_texts()  # noqa: E731
    assert names() == ["甲县", "乙县"]
    page.locator("#ranking-table th", has_text="得分").click()  # ascending: vetoed (-1) first
    assert names() == ["乙县", "甲县"]
    page.select_option("#filter-verdict", "合格")
    assert names() == ["甲县"]
    page.screenshot(path=str(tmp_path / "index.png"), full_page=True)
    assert (tmp_path / "index.png").stat().st_size > 1000
    assert errors == []


def test_unit_page_shows_crawled_markup_as_text_and_runs_no_script(browser, report, tmp_path):
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto((report.parent / "units" / "unit-a.html").as_uri())
    assert EVIL in page.locator("#findings").inner_text()
    assert page.locator("#inspection .status-fail").count() == 1
    page.select_option("#filter-status", "pass")
    assert page.locator(".finding:not(.hidden)").count() == 1
    page.screenshot(path=str(tmp_path / "unit.png"), full_page=True)
    assert dialogs == []  # neither <script>alert</script> nor onerror ran
