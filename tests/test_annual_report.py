"""Annual reports: parse tables 2–4 and the six sections; find every planted inconsistency."""

import random

import pytest

from crawler.extract import decode_html
from audits.demo.annual import FLAWS, report_html, report_numbers
from rules.annual_report import check, check_carryover, parse_html, parse_text
from tests.conftest import SHARED

REAL = SHARED / "real"
EXPECTED_CODE = {"identity": "AR.T3.01", "result_sum": "AR.T3.02", "row_sum": "AR.T3.03", "table4": "AR.T4.01",
                 "prose": "AR.T3.05", "placeholder": "AR.PLACEHOLDER", "section": "AR.SEC"}
# A wrong 总计 cell of one row also breaks the 总计 column's result sum: both are reported.
ALSO = {"row_sum": {"AR.T3.02"}}


def real_text(name):
    path = REAL / name
    if not path.exists():
        pytest.skip("shared/real is not beside the repository")
    return path.read_bytes()


@pytest.mark.parametrize("seed", range(20))
def test_consistent_sample_reports_have_no_issue(seed):
    numbers = report_numbers(random.Random(seed))
    report = parse_html(report_html("梅江区人民政府", 2020, numbers))
    assert report.version == "2021"
    assert len(report.table3) == 25
    assert report.table3["total"] == [float(x) for x in numbers["table3"]["total"]]
    assert report.table4 == [float(x) for x in numbers["table4"]]
    assert check(report) == []


@pytest.mark.parametrize("flaw", FLAWS)
@pytest.mark.parametrize("seed", range(5))
def test_every_planted_flaw_is_found_and_named(flaw, seed):
    report = parse_html(report_html("梅江区人民政府", 2020, report_numbers(random.Random(seed)), flaw=flaw))
    issues = check(report)
    codes = {i.code for i in issues}
    assert EXPECTED_CODE[flaw] in codes
    assert codes <= {EXPECTED_CODE[flaw]} | ALSO.get(flaw, set())
    assert all(i.status == "fail" for i in issues)
    if flaw in ("identity", "result_sum", "row_sum", "table4", "prose"):
        issue = issues[0]
        assert issue.expected is not None and issue.actual is not None and issue.expected != issue.actual
        assert issue.where  # names the cell


def test_carryover_across_years():
    rng = random.Random(3)
    first = report_numbers(rng)
    second = report_numbers(rng, carried_in=first["table3"]["carried_out"])
    a = parse_html(report_html("甲", 2019, first))
    b = parse_html(report_html("甲", 2020, second))
    assert check_carryover(a, b) == []
    broken = report_numbers(random.Random(4), carried_in=[x + 1 for x in first["table3"]["carried_out"]])
    issues = check_carryover(a, parse_html(report_html("甲", 2020, broken)))
    assert issues and issues[0].code == "AR.T3.04" and issues[0].status == "fail"


def test_real_html_report_parses_into_complete_tables():
    html, _ = decode_html(real_text("js_shuyang_fgj_2023_annual_report_article_collector_wrapped.html"))
    report = parse_html(html)
    assert report.version == "2021"
    assert len(report.table3) == 25
    assert report.table3["new"] == [26.0, None, None, None, None, None, 26.0]  # blank cells stay blank, not 0
    assert report.table3["total"][6] == 26.0 and report.table3["carried_out"][6] == 0.0
    assert report.table4 == [0.0, 0.0, 0.0, 1.0, 1.0] + [0.0] * 10
    assert report.table2["规范性文件"] == [8.0, 0.0, 18.0]
    issues = check(report)
    # Its section 五 is titled 存在的主要问题及整改措施: a real deviation from the format.
    assert [(i.code, i.where) for i in issues] == [("AR.SEC", "第五部分")]


def test_real_ocr_report_is_read_and_consistent():
    report = parse_text(real_text("js_shuyang_county_2025_annual_report_ocr.txt").decode("utf-8"))
    assert len(report.table3) == 25
    assert report.table3["new"][6] == 713.0 and report.table3["carried_out"][6] == 31.0
    assert report.table4[:5] == [27.0, 10.0, 9.0, 15.0, 61.0]
    assert check(report) == []


@pytest.mark.parametrize("name", ["sh_stcsm_2024_annual_report_pdf_extract.txt",
                                  "cn_annual_report_section3_pdf_extract_fragment.txt"])
def test_pdf_extracts_never_give_a_false_fail(name):
    report = parse_text(real_text(name).decode("utf-8"))
    issues = check(report)
    assert issues, "what cannot be read is said"
    assert all(i.status == "unknown" for i in issues)


def test_wrapped_pdf_label_is_joined():
    report = parse_text(real_text("cn_annual_report_section3_pdf_extract_fragment.txt").decode("utf-8"))
    assert report.table3["partial"] == [447.0, 7.0, 0.0, 0.0, 0.0, 0.0, 454.0]
    assert report.table3["new"][6] == 3119.0


def test_text_mismatch_is_unknown_not_fail():
    text = "三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量 1 0 0 0 0 0 1\n二、上年结转政府信息公开申请数量 0 0 0 0 0 0 0\n" \
           "（七）总计 5 0 0 0 0 0 5\n四、结转下年度继续办理 0 0 0 0 0 0 0\n"
    issues = [i for i in check(parse_text(text)) if i.code == "AR.T3.01"]
    assert issues and all(i.status == "unknown" for i in issues)


def test_pdf_report_is_read_through_pdfplumber():
    from audits.store import pdf_text
    from audits.demo.annual import report_pdf

    numbers = report_numbers(random.Random(11))
    body = report_pdf("平远县人民政府", 2020, numbers)
    assert body == report_pdf("平远县人民政府", 2020, numbers)  # deterministic bytes
    report = parse_text(pdf_text(body))
    assert report.table3["total"] == [float(x) for x in numbers["table3"]["total"]]
    assert all(report.sections.values())
    assert check(report) == []


@pytest.mark.parametrize("body", [b"", b"%PDF-1.4 broken", b"not a pdf at all" * 100])
def test_unreadable_pdf_is_empty_text_not_a_crash(body):
    from audits.store import pdf_text

    assert pdf_text(body) == ""


def test_html_report_without_tables_fails_but_unreadable_text_is_unknown():
    issues = check(parse_html("<h2>三、收到和处理政府信息公开申请情况</h2><p>见图片。</p>"))
    assert {(i.code, i.status) for i in issues if i.code.startswith("AR.T")} == {("AR.T3.00", "fail"), ("AR.T4.00", "fail")}
    issues = check(parse_text("三、收到和处理政府信息公开申请情况\n（扫描件，无文字）"))
    assert {(i.code, i.status) for i in issues if i.code.startswith("AR.T")} == {("AR.T3.00", "unknown"), ("AR.T4.00", "unknown")}


def test_docx_report_is_read():
    import io

    import docx

    from audits.store import attachment_text
    from audits.demo.annual import T3_LABELS

    numbers = report_numbers(random.Random(12))
    document = docx.Document()
    for heading in ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况"):
        document.add_paragraph(heading)
    table = document.add_table(rows=0, cols=8)
    for key, label in T3_LABELS:
        cells = table.add_row().cells
        cells[0].text = label
        for i, value in enumerate(numbers["table3"][key], 1):
            cells[i].text = str(value)
    buffer = io.BytesIO()
    document.save(buffer)
    text = attachment_text(buffer.getvalue(), "http://h/nb/2020.docx", None)
    report = parse_text(text)
    assert report.table3["total"] == [float(x) for x in numbers["table3"]["total"]]
    assert not [i for i in check(report) if i.code.startswith("AR.T3")]
    assert attachment_text(b"not a zip", "http://h/x.docx", None) == ""
    assert attachment_text(b"whatever", "http://h/x.doc", None) == ""  # legacy .doc is not read
