"""The report opened from disk in headless Chromium: it renders, sorts, filters, runs no crawled
script, puts the worst unit and what to fix first, prints its notice on A4, and its charts read."""

import re

import pytest

from reports.context import build_context
from reports.render import render_report
from tests.test_report_actions import BASIS, REMEDIES, ranked_db, site  # noqa: F401  (fixtures)
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
    assert names() == ["乙县", "甲县"]  # worst first: the vetoed unit
    page.locator("#ranking-table th", has_text="得分").click()  # ascending: vetoed (-1) first
    assert names() == ["乙县", "甲县"]
    page.locator("#ranking-table th", has_text="得分").click()  # descending
    assert names() == ["甲县", "乙县"]
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


def test_worst_unit_is_ranked_first(browser, site, tmp_path):  # noqa: F811
    page = browser.new_page()
    page.goto(site.as_uri())
    names = page.locator("#ranking-table tbody tr td:nth-child(2)").all_inner_texts()
    assert names[:3] == ["戊县", "丙县", "丁局"]
    page.screenshot(path=str(tmp_path / "ranking.png"), full_page=True)
    print(f"screenshot: {tmp_path / 'ranking.png'}")


def test_action_box_is_the_first_thing_on_a_unit_page(browser, site, tmp_path):  # noqa: F811
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto((site.parent / "units" / "unit-c.html").as_uri())
    box = page.locator("#action")
    assert box.is_visible()
    assert box.bounding_box()["y"] < page.locator("#inspection").bounding_box()["y"]
    assert box.bounding_box()["y"] < 900  # on the first screen
    first = page.locator("#action .action-item").first
    text = first.inner_text()
    assert BASIS[0] in text and REMEDIES["PLAN-001"] in text and "2021-12-25" in text
    assert page.locator("#findings details.passes").get_attribute("open") is None  # passes folded
    page.screenshot(path=str(tmp_path / "unit-action.png"))
    print(f"screenshot: {tmp_path / 'unit-action.png'}")


def test_notice_prints_on_a4(browser, site, tmp_path):  # noqa: F811
    page = browser.new_page()
    page.goto((site.parent / "units" / "notice-c.html").as_uri())
    page.emulate_media(media="print")
    assert page.locator("#feedback").is_visible()
    assert not page.locator(".noprint").is_visible()
    pdf = page.pdf(path=str(tmp_path / "notice.pdf"), prefer_css_page_size=True)
    sizes = {tuple(round(float(x)) for x in m) for m in re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)}
    assert sizes == {(595, 842)}, sizes  # A4 portrait, in points, on every page
    page.screenshot(path=str(tmp_path / "notice.png"), full_page=True)
    print(f"screenshot: {tmp_path / 'notice.png'}, pdf: {tmp_path / 'notice.pdf'}")


def test_chart_labels_are_legible(browser, site):  # noqa: F811
    page = browser.new_page()
    page.goto(site.as_uri())
    sizes = page.eval_on_selector_all("#charts svg text", "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert sizes and min(sizes) >= 11, sizes
    labels = page.locator("#charts figure").first.locator("text.label").all_text_contents()
    assert labels == ["戊县", "丙县", "丁局", "己县"]  # full names, worst first
    values = page.locator("#charts figure").nth(1).locator("text.value").all_text_contents()
    assert values and all(v.endswith("个单位") for v in values)
    tasks = page.locator("#charts figure").nth(1).locator("text.label").all_text_contents()
    assert tasks and all(t.startswith("任务") for t in tasks)  # numbers and names, not bare ticks
