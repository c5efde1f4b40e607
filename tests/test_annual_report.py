"""Annual reports: parse tables 2–4 and the six sections; find every planted inconsistency."""

import random

import pytest

from crawler.extract import decode_html
from audits.demo.annual import FLAWS, report_html, report_numbers
from rules.annual_report import (COPY_THRESHOLD, check, check_carryover, check_copy, parse_html, parse_text,
                                 prose_similarity)
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


# "copied" and "template" are flaws of two reports (AR-006: a year against the one before; AR-007:
# against other units' reports of the year): see
# test_a_copied_report_repeats_the_previous_years_narrative and tests/rulecases/cases/AR-006.yaml.
ONE_REPORT_FLAWS = [f for f in FLAWS if f not in ("copied", "template")]


def test_a_copied_report_repeats_the_previous_years_narrative():
    from rules.annual_report import prose_similarity

    n = report_numbers(random.Random(1))
    prose = {label: parse_html(html).prose for label, html in [
        ("2019", report_html("梅江区人民政府", 2019, n)), ("2020", report_html("梅江区人民政府", 2020, n)),
        ("copied", report_html("梅江区人民政府", 2020, n, flaw="copied"))]}
    assert prose_similarity(prose["copied"], prose["2019"]) > 0.8
    # the raw prose still shares the format's headings; the AR-006 matcher cuts those too
    assert prose_similarity(prose["2020"], prose["2019"]) < 0.5


@pytest.mark.parametrize("flaw", ONE_REPORT_FLAWS)
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
    from crawler.attachments import pdf_text
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
    from crawler.attachments import pdf_text

    assert pdf_text(body) == ""


def test_html_report_without_tables_fails_but_unreadable_text_is_unknown():
    issues = check(parse_html("<h2>三、收到和处理政府信息公开申请情况</h2><p>见图片。</p>"))
    assert {(i.code, i.status) for i in issues if i.code.startswith("AR.T")} == {("AR.T3.00", "fail"), ("AR.T4.00", "fail")}
    issues = check(parse_text("三、收到和处理政府信息公开申请情况\n（扫描件，无文字）"))
    assert {(i.code, i.status) for i in issues if i.code.startswith("AR.T")} == {("AR.T3.00", "unknown"), ("AR.T4.00", "unknown")}


def test_docx_report_is_read():
    import io

    import docx

    from crawler.attachments import attachment_text
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
    assert attachment_text(b"whatever", "http://h/x.doc", None) == ""  # not a Word file: no text


# --- blanks: a blank 总计 is unfilled, never 0 ---------------------------------------------

def _blank_last_cell(html, label):
    """The report with the 总计 cell of `label`'s row replaced by &nbsp; (as Word exports an empty cell)."""
    import re

    return re.sub(rf"({label}</td>(?:<td>\d+</td>){{6}})<td>\d+</td>", r"\1<td>&nbsp;</td>", html)


@pytest.mark.parametrize("seed", range(5))
def test_blank_total_cell_is_unfilled_not_zero(seed):
    numbers = report_numbers(random.Random(seed))
    report = parse_html(_blank_last_cell(report_html("甲", 2020, numbers), "四、结转下年度继续办理"))
    assert report.table3["carried_out"][6] is None
    issues = check(report)
    assert not [i for i in issues if i.status == "fail"]  # read as 0, the identity would fail when it is not 0
    assert ("AR.T3.01", "unknown", "表三「总计」列") in {(i.code, i.status, i.where) for i in issues}
    assert any(i.code == "AR.T3.03" and "结转下年度" in i.where and i.status == "unknown" for i in issues)
    previous = parse_html(report_html("甲", 2019, numbers))
    carry = check_carryover(report, previous)
    assert [(i.code, i.status) for i in carry if i.where == "表三「总计」列"] == [("AR.T3.04", "unknown")]


def test_blank_result_total_makes_the_result_sum_unknown():
    numbers = report_numbers(random.Random(7))
    report = parse_html(_blank_last_cell(report_html("甲", 2020, numbers), "2.重复申请"))
    issues = check(report)
    assert not [i for i in issues if i.status == "fail"]
    assert ("AR.T3.02", "unknown") in {(i.code, i.status) for i in issues if "「总计」列" in i.where}


def test_nbsp_cells_keep_their_place_in_table4():
    numbers = report_numbers(random.Random(1))
    t4 = numbers["table4"]
    t4[4] -= t4[0]
    t4[0] = 0  # left blank below: a blank part of a sum means none, as in table 3's applicant columns
    html = report_html("甲", 2020, numbers)
    row = "".join(f"<td>{v}</td>" for v in t4)
    # A block with nothing in it is written as zeros or as blanks; a blank total is unfilled.
    blank = [f"<td>{v}</td>" for v in t4]
    blank[5:10] = ["<td>&nbsp;</td>"] * 5
    blank[0] = "<td>&nbsp;</td>"
    html = html.replace(row, "".join(blank))
    report = parse_html(html)
    assert report.table4 is not None and len(report.table4) == 15
    assert report.table4[0] is None and report.table4[5:10] == [None] * 5
    assert report.table4[10:] == [float(x) for x in t4[10:]]
    issues = [i for i in check(report) if i.code.startswith("AR.T4")]
    assert [(i.code, i.status, i.where) for i in issues] == [("AR.T4.01", "unknown", "表四「行政诉讼（未经复议直接起诉）」")]


def test_markdown_blank_cell_keeps_its_place():
    text = "| 四、结转下年度继续办理 | 1 | 0 | 0 | 0 | 0 | 0 |  |\n| 1.属于国家秘密 | 4 | 0 | 0 | 0 | 0 | 0 | 4 |  |\n"
    report = parse_text(text)
    assert report.table3["carried_out"] == [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, None]
    assert report.table3["deny_1"] == [4.0, 0.0, 0.0, 0.0, 0.0, 0.0, 4.0]  # padding after a full row dropped


# --- text: wrapped, lost, displaced and vertical labels ------------------------------------------

HEAD = "二、主动公开政府信息情况\n信息内容 本年制发件数 本年废止件数 现行有效件数\n三、收到和处理政府信息公开申请情况\n"


def _text_table(numbers, quirk=lambda key, label, values: [f"{label} {values}"]):
    from audits.demo.annual import T3_LABELS

    lines = HEAD.splitlines()
    for key, label in T3_LABELS:
        lines += quirk(key, label, " ".join(str(v) for v in numbers["table3"][key]))
    t4 = numbers["table4"]
    lines += ["四、政府信息公开行政复议、行政诉讼情况", "行政复议 行政诉讼", "结果 结果 其他 尚未 总计",
              " ".join(str(v) for v in t4), "五、存在的主要问题及改进情况", "无。"]
    return "\n".join(lines)


def _assert_read(report, numbers):
    assert report.table3 == {k: [float(x) for x in v] for k, v in numbers["table3"].items()}
    assert report.table4 == [float(x) for x in numbers["table4"]]
    assert not [i for i in check(report) if i.code.startswith(("AR.T3", "AR.T4"))]


def test_label_wrapped_around_its_numbers():
    def wrap(key, label, values):
        if len(label) > 12:  # "5.要求行政机关确认或重新出" / numbers / "具已获取信息"
            return [label[:13], values, label[13:]]
        return [f"{label} {values}"]

    numbers = report_numbers(random.Random(2))
    _assert_read(parse_text(_text_table(numbers, wrap)), numbers)


def test_label_less_rows_take_the_format_order():
    def lose(key, label, values):
        if key in ("partial", "deny_2", "refuse_5", "other_1", "other_2"):
            return [f"| {' | '.join(values.split())} |"]  # markdown row, label lost
        return [f"{label} {values}"]

    numbers = report_numbers(random.Random(3))
    _assert_read(parse_text(_text_table(numbers, lose)), numbers)


def test_displaced_label_does_not_name_a_label_less_row():
    # The label printed above a label-less row belongs to a later row (PDF layout): order wins.
    def displace(key, label, values):
        if key == "deny_5":
            return ["1.本机关不掌握相关政", "府信息", values]
        return [f"{label} {values}"]

    numbers = report_numbers(random.Random(4))
    _assert_read(parse_text(_text_table(numbers, displace)), numbers)


def test_vertical_group_labels_one_character_per_line():
    def vertical(key, label, values):
        if key == "open":
            return ["三、", *"本年度办理结果", f"{label} {values}"]
        if key == "deny_1":
            return ["（三）不", "予公开", f"{label} {values}"]
        if key.startswith("deny_") and int(key[-1]) % 2:
            return [f"{'办理结果'[int(key[-1]) // 2]} {label} {values}"]  # a vertical character on the row's line
        return [f"{label} {values}"]

    numbers = report_numbers(random.Random(5))
    _assert_read(parse_text(_text_table(numbers, vertical)), numbers)


def test_2019_format_order_has_one_other_row():
    from audits.demo.annual import T3_LABELS

    numbers = report_numbers(random.Random(6))
    t3 = numbers["table3"]
    t3["other"] = [a + b + c for a, b, c in zip(t3.pop("other_1"), t3.pop("other_2"), t3.pop("other_3"))]
    labels = [(k, lbl) for k, lbl in T3_LABELS if not k.startswith("other_")]
    labels.insert(20, ("other", "（六）其他处理"))
    lines = ["信息内容 本年新制作数量 本年新公开数量 对外公开总数量"]
    for key, label in labels:
        values = " ".join(str(v) for v in t3[key])
        lines.append(values if key in ("refuse_5", "other") else f"{label} {values}")
    report = parse_text("\n".join(lines))
    assert report.version == "2019"
    assert report.table3 == {k: [float(x) for x in v] for k, v in t3.items()}
    assert not [i for i in check(report) if i.code.startswith("AR.T3")]


def test_label_less_row_without_a_known_order_is_not_guessed():
    # No word tells the format: after 「5.要求…」 the next row may be 2019's single row or 2021's first.
    report = parse_text("一、本年新收政府信息公开申请数量 1 0 0 0 0 0 1\n5.要求行政机关确认或重新出具已获取信息 0 0 0 0 0 0 0\n"
                        "0 0 0 0 0 0 0\n")
    assert set(report.table3) == {"new", "refuse_5"}


def test_table4_without_a_following_section_five_heading():
    numbers = report_numbers(random.Random(8))
    text = _text_table(numbers).replace("五、存在的主要问题及改进情况\n", "") + "\n（一）2024 年存在问题的改进情况\n- 6 -\n一是提升质量。"
    report = parse_text(text)
    assert report.table4 == [float(x) for x in numbers["table4"]]
    blocks = "\n".join(["### 行政复议", *[" ".join(map(str, numbers["table4"][i:i + 5])) + "\n### 行政诉讼"
                                         for i in (0, 5, 10)]])
    report = parse_text("三、政府信息公开行政复议、行政诉讼情况\n- 7 -\n" + blocks + "\n（一）主要问题\n")
    assert report.table4 == [float(x) for x in numbers["table4"]]  # renumbered heading, split blocks, page number


# --- real reports, newly read ----------------------------------------------------------------

def _truth(name):
    import json

    return json.loads(real_text("truth.json"))[name]["annual_report"]


def _assert_consistent_real(report, truth):
    assert report.version == truth["version"]
    assert len(report.table3) == 25
    assert report.table4 == [float(x) for x in truth["t4_cells"]]
    issues = check(report)
    assert not [i for i in issues if i.status == "fail"]
    # Consistent tables: nothing invented; what remains is what the extraction lost (said as unknown).
    assert not [i for i in issues if i.code.startswith(("AR.T3", "AR.T4"))]
    return issues


def test_real_huaian_pdfplumber_text_is_read_and_consistent():
    name = "js_huaian_gov_2024_annual_report_pdfplumber.txt"
    report = parse_text(real_text(name).decode("utf-8"))
    assert report.table3["refuse_5"] == [1.0, 0, 0, 0, 0, 0, 1.0]  # label wrapped around its numbers
    assert report.table3["partial"][6] == 454.0 and report.table3["other_1"][6] == 71.0
    assert report.table2["行政事业性收费"] == [96171.6]
    assert _assert_consistent_real(report, _truth(name)) == []


def test_real_huaian_pdf_through_pdfplumber():
    from crawler.attachments import pdf_text

    report = parse_text(pdf_text(real_text("js_huaian_gov_2024_annual_report.pdf")))
    assert _assert_consistent_real(report, _truth("js_huaian_gov_2024_annual_report_pdfplumber.txt")) == []


def test_real_shanghai_office_markdown_text_is_read_and_consistent():
    name = "sh_gov_office_2025_annual_report_pdf_extract.txt"
    report = parse_text(real_text(name).decode("utf-8"))
    assert report.table3["partial"][6] == 2.0  # label-less row
    assert report.table3["refuse_5"][6] == 0.0 and report.table3["other_1"][6] == 43.0  # labels lost or cut
    issues = _assert_consistent_real(report, _truth(name))
    # Section 五's heading is absent from the extract, and table 2's 规章 rows lost a cell: unknown, said.
    assert {(i.code, i.status) for i in issues} == {("AR.SEC", "unknown"), ("AR.T2.01", "unknown")}


def test_real_stcsm_label_less_rows_and_blank_total():
    report = parse_text(real_text("sh_stcsm_2024_annual_report_pdf_extract.txt").decode("utf-8"))
    assert len(report.table3) == 25
    assert report.table3["carried_out"] == [1.0, 0, 0, 0, 0, 0, None]  # 总计 left blank: unfilled, not 0
    assert report.table3["deny_5"][6] == 1.0 and report.table3["unable_1"][6] == 4.0  # by the format's order
    assert report.table4 == [1.0, 0, 0, 0, 1.0] + [0.0] * 10  # heading numbered 三 in this report
    codes = {i.code for i in check(report) if i.code.startswith(("AR.T3", "AR.T4"))}
    assert codes == {"AR.T3.01", "AR.T3.03"}  # only the blank 总计 cell: everything else adds up


# --- prose figures and table 2 ---------------------------------------------------------------

def _with_prose(numbers, sentence):
    return report_html("甲", 2020, numbers).replace("<h2>二、", f"<p>{sentence}</p><h2>二、", 1)


def _prose_issues(html):
    return [i for i in check(parse_html(html)) if i.code == "AR.T3.05"]


def test_prose_figures_beyond_new_and_carried_are_compared():
    numbers = report_numbers(random.Random(9))
    t3, t4 = numbers["table3"], numbers["table4"]
    deny = sum(t3[f"deny_{i}"][6] for i in range(1, 9))
    right = (f"予以公开{t3['open'][6]}件，部分公开{t3['partial'][6]}件，不予公开{deny}件。"
             f"政府信息公开行政复议{t4[4]}件，行政诉讼{t4[9] + t4[14]}件。")
    assert _prose_issues(_with_prose(numbers, right)) == []
    for wrong, what in ((f"予以公开{t3['open'][6] + 1}件", "予以公开"), (f"部分公开{t3['partial'][6] + 2}件", "部分公开"),
                        (f"不予公开答复{deny + 1}件", "不予公开"), (f"行政复议{t4[4] + 1}件", "行政复议"),
                        (f"行政诉讼案件{t4[9] + t4[14] + 3}件", "行政诉讼")):
        issues = _prose_issues(_with_prose(numbers, wrong + "。"))
        assert len(issues) == 1 and what in issues[0].message and issues[0].status == "fail", wrong
        assert issues[0].expected != issues[0].actual


def test_prose_figures_read_only_when_unambiguous():
    numbers = report_numbers(random.Random(10))
    t3 = numbers["table3"]
    both = t3["open"][6] + t3["partial"][6]
    for sentence in (
        f"予以公开及部分公开{both}件。",                       # a joint figure is not 部分公开
        f"予以公开{t3['open'][6]}件，去年予以公开{t3['open'][6] + 4}件。",  # two figures: which is this year's?
        f"全年共受理政府信息公开申请{t3['new'][6] + t3['carried_in'][6]}件。",  # 受理 may include carried-over ones
        f"本年收到申请{t3['new'][6] + 3}件（含上年结转{t3['carried_in'][6]}件）。",
        "2件涉及政府信息公开的行政复议和行政诉讼已审结。",  # the number spans both kinds
    ):
        assert _prose_issues(_with_prose(numbers, sentence)) == [], sentence
    issues = _prose_issues(_with_prose(numbers, f"予以公开和部分公开{both + 1}件。"))
    assert len(issues) == 1 and "予以公开及部分公开" in issues[0].message


def test_prose_broken_across_pdf_lines_is_read():
    text = ("一、总体情况\n本年共收到政府信息公开申请 5 件，有 1 件涉及政府信息公开工作的行政复\n议。\n"
            "一、本年新收政府信息公开申请数量 5 0 0 0 0 0 5\n二、上年结转政府信息公开申请数量 0 0 0 0 0 0 0\n"
            "四、政府信息公开行政复议、行政诉讼情况\n" + " ".join(["0"] * 15) + "\n五、存在的主要问题及改进情况\n")
    issues = [i for i in check(parse_text(text)) if i.code == "AR.T3.05"]
    assert [(i.status, i.expected, i.actual) for i in issues] == [("unknown", 0.0, 1.0)]


def _t2(rows):
    cells = "".join(f"<tr><td>{name}</td>" + "".join(f"<td>{c}</td>" for c in values) + "</tr>" for name, values in rows)
    return ("<h2>二、主动公开政府信息情况</h2><table><tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td>"
            f"<td>现行有效件数</td></tr>{cells}</table>")


def test_table2_cells_are_non_negative_whole_numbers():
    ok = [("规章", ["0", "0", "3"]), ("行政规范性文件", ["2", "/", "20"]), ("行政许可", ["1200"]),
          ("行政事业性收费", ["4068.208"])]  # 万元: an amount may have decimals
    assert [i for i in check(parse_html(_t2(ok))) if i.code == "AR.T2.01"] == []
    bad = [("规章", ["-1", "0", "3"]), ("行政规范性文件", ["2.5", "1", "20"]), ("行政许可", ["&nbsp;"])]
    issues = {i.where: i for i in check(parse_html(_t2(bad))) if i.code == "AR.T2.01"}
    assert set(issues) == {"表二「规章」行", "表二「行政规范性文件」行", "表二「行政许可」行"}
    assert all(i.status == "fail" for i in issues.values())
    assert "负数" in issues["表二「规章」行"].message and "整数" in issues["表二「行政规范性文件」行"].message
    assert "未填写" in issues["表二「行政许可」行"].message  # blank is not 0
    text = "信息内容 本年制发件数 本年废止件数 现行有效件数\n规章 -1 0 3\n行政规范性文件 2 1\n"
    issues = [(i.where, i.status) for i in check(parse_text(text)) if i.code == "AR.T2.01"]
    assert issues == [("表二「规章」行", "unknown"), ("表二「行政规范性文件」行", "unknown")]  # text: never fail


def test_table2_2019_change_column_may_be_negative():
    html = ("<table><tr><td>信息内容</td><td>上一年项目数量</td><td>本年增/减</td><td>处理决定数量</td></tr>"
            "<tr><td>行政许可</td><td>30</td><td>-2</td><td>900</td></tr></table>"
            "<table><tr><td>信息内容</td><td>本年新制作数量</td><td>本年新公开数量</td><td>对外公开总数量</td></tr>"
            "<tr><td>规章</td><td>0</td><td>0</td><td>0</td></tr></table>")
    report = parse_html(html)
    assert report.version == "2019"
    assert report.table2["行政许可"] == [30.0, -2.0, 900.0]
    assert [i for i in check(report) if i.code == "AR.T2.01"] == []


# --- copying -----------------------------------------------------------------------------------

PROSE = ("本机关坚持以人民为中心，围绕重点领域推进政务公开，及时发布政策文件并做好解读，"
         "规范依申请公开办理流程，加强政府网站和政务新媒体管理，强化监督考核。") * 3


def _prose_report(year, body, extra=""):
    return parse_html(f"<h2>一、总体情况</h2><p>{year}年，{body}{extra}</p><table><tr><td>本年新收</td><td>{year}</td>"
                      "</tr></table><h2>五、存在的主要问题及改进情况</h2><p>解读形式较为单一。</p>")


def test_similarity_ignores_numbers_and_tables():
    a = "2023年本机关主动公开信息1200条，召开新闻发布会12场，群众满意度持续提升。"
    b = "2024年本机关主动公开信息1350条，召开新闻发布会15场，群众满意度持续提升。"
    assert prose_similarity(a, b) == 1.0
    assert prose_similarity(a, "深入推进基层政务公开标准化规范化建设，完善公开目录。") < 0.2
    assert prose_similarity("", a) == 0.0
    # Tables are not prose: the same figures in table cells do not make two reports alike.
    assert "本年新收" not in _prose_report(2023, PROSE).prose


def test_copied_report_is_a_finding_and_a_rewritten_one_is_not():
    last_year = _prose_report(2023, PROSE)
    copied = _prose_report(2024, PROSE, "新增一段：全年未收取信息处理费。")  # copied, one sentence added
    issues = check_copy(copied, last_year)
    assert [(i.code, i.status) for i in issues] == [("AR.COPY", "fail")]
    assert issues[0].actual >= COPY_THRESHOLD
    rewritten = _prose_report(2024, "今年聚焦营商环境，集成发布惠企政策，开展阅办联动，针对申请量增长的压力组织"
                                    "专题培训，编写典型案例，强化类案指导。" * 4)
    assert check_copy(rewritten, last_year) == []
    assert check_copy(_prose_report(2024, "内容较少。"), _prose_report(2023, "内容较少。")) == []  # too short to judge


def test_real_reports_of_different_units_are_not_copies():
    names = ["js_huaian_gov_2024_annual_report_pdfplumber.txt", "sh_gov_office_2025_annual_report_pdf_extract.txt",
             "sh_stcsm_2024_annual_report_pdf_extract.txt"]
    reports = [parse_text(real_text(n).decode("utf-8")) for n in names]
    for a in reports:
        for b in reports:
            if a is not b:
                assert check_copy(a, b) == []
    # The same report a year on, with every figure and the place name changed, is still a copy.
    import re

    text = real_text(names[0]).decode("utf-8")
    again = parse_text(re.sub(r"\d+", lambda m: str(int(m.group(0)) + 1), text).replace("淮安市", "宿迁市"))
    assert [i.code for i in check_copy(again, reports[0])] == ["AR.COPY"]
