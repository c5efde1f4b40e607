"""政府信息公开工作年度报告: parse the six sections and tables 2–4, and check their arithmetic.

Pure functions over text. Formats: 国办公开办函〔2019〕60号 ("2019") and 〔2021〕30号 ("2021");
row and column names: ../shared/reference/inspection-rules.md §5. Reports read from HTML
tables are trusted cell by cell; text from OCR or PDF extraction is not, so an arithmetic
mismatch found there is reported as 'unknown', never as 'fail'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup

COLUMNS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
# Table 3 rows, most specific phrase first: a row label is matched against these in order.
T3_ROWS: list[tuple[str, tuple[str, ...]]] = [
    ("new", ("本年新收",)),
    ("carried_in", ("上年结转",)),
    ("partial", ("部分公开",)),
    ("open", ("予以公开",)),
    ("deny_1", ("国家秘密",)),
    ("deny_2", ("法律行政法规禁止",)),
    ("deny_3", ("三安全一稳定",)),
    ("deny_4", ("第三方合法权益",)),
    ("deny_5", ("三类内部事务",)),
    ("deny_6", ("四类过程性",)),
    ("deny_7", ("行政执法案卷",)),
    ("deny_8", ("行政查询事项",)),
    ("unable_1", ("不掌握相关政府信息",)),
    ("unable_2", ("没有现成信息",)),
    ("unable_3", ("补正后申请内容仍不明确",)),
    ("refuse_1", ("信访举报投诉",)),
    ("refuse_2", ("重复申请",)),
    ("refuse_3", ("公开出版物",)),
    ("refuse_4", ("大量反复申请",)),
    ("refuse_5", ("确认或重新出具",)),
    ("other_1", ("逾期不补正",)),
    ("other_2", ("缴纳费用",)),
    ("carried_out", ("结转下年度",)),
    ("total", ("（七）总计", "(七)总计", "（七）", "(七)")),
    ("other_3", ("3.其他", "3．其他", "3、其他")),
    ("other", ("其他处理",)),  # the 2019 format's single row
]
RESULT_ROWS = ("open", "partial", *(f"deny_{i}" for i in range(1, 9)), *(f"unable_{i}" for i in range(1, 4)),
               *(f"refuse_{i}" for i in range(1, 6)))
SECTIONS = (
    ("一", "总体情况", r"一\s*[、.．]\s*总体情况"),
    ("二", "主动公开政府信息情况", r"二\s*[、.．]\s*主动公开政府信息情况"),
    ("三", "收到和处理政府信息公开申请情况", r"三\s*[、.．]\s*收到和处理政府信息公开申请情况"),
    ("四", "政府信息公开行政复议、行政诉讼情况", r"四\s*[、.．]\s*政府信息公开行政复议\s*[、和]\s*行政诉讼情况"),
    ("五", "存在的主要问题及改进情况", r"五\s*[、.．]\s*(?:政府信息公开工作)?存在的主要问题及改进情况"),
    ("六", "其他需要报告的事项", r"六\s*[、.．]\s*其他需要报告的事项"),
)
PLACEHOLDERS = (r"统计期限自\s*至", r"[XＸ×]{2,}\s*年", r"\d{4}\s*年\s*[XＸ×]+\s*月", r"（\s*）件", r"填写")
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_NUM = re.compile(r"^-?\d+(?:\.\d+)?$")


@dataclass(frozen=True)
class Issue:
    code: str          # e.g. AR.T3.01
    status: str        # fail | unknown
    where: str         # the cell, row or section, in Chinese
    message: str
    expected: float | None = None
    actual: float | None = None


@dataclass
class AnnualReport:
    source: str                                    # html | text
    version: str | None = None                     # 2019 | 2021 | None (pre-2019 or unreadable)
    sections: dict[str, bool] = field(default_factory=dict)
    table3: dict[str, list[float | None]] = field(default_factory=dict)
    table4: list[float | None] | None = None       # 15 cells: 复议, 未经复议起诉, 复议后起诉 × 5
    table2: dict[str, list[float | None]] = field(default_factory=dict)
    text: str = ""

    @property
    def trusted(self) -> bool:
        return self.source == "html"


def _number(cell: str) -> float | None:
    cell = cell.translate(_FULLWIDTH).replace(",", "").replace("，", "").strip()
    return float(cell) if _NUM.match(cell) else None


def _is_value(cell: str) -> bool:
    """A data cell: a number, or blank / a dash (a blank is kept as None, not 0)."""
    c = cell.translate(_FULLWIDTH).strip()
    return c == "" or c in ("-", "—", "/", "－") or bool(_NUM.match(c.replace(",", "")))


def _row_key(label: str) -> str | None:
    label = re.sub(r"\s+", "", label)
    for key, phrases in T3_ROWS:
        if any(p in label for p in phrases):
            return key
    return None


# --- parsing ----------------------------------------------------------------------------

def parse_html(html: str) -> AnnualReport:
    soup = BeautifulSoup(html, "lxml")
    text = re.sub(r"\s+", " ", soup.get_text(" "))
    report = AnnualReport(source="html", text=text)
    for table in soup.find_all("table"):
        rows = [[c.get_text("", strip=True) for c in tr.find_all(["td", "th"])] for tr in table.find_all("tr")]
        flat = "".join("".join(r) for r in rows)
        if "本年新收" in flat and not report.table3:
            _fill_table3(report, rows)
        elif "结果维持" in flat and report.table4 is None:
            numbers = [v for r in rows for v in r if _is_value(v) and v.strip()]
            if len(numbers) == 15:
                report.table4 = [_number(v) for v in numbers]
        elif ("本年制发件数" in flat or "本年新制作数量" in flat) and not report.table2:
            _fill_table2(report, rows)
    _finish(report)
    return report


def _fill_table3(report: AnnualReport, rows: list[list[str]]) -> None:
    for cells in rows:
        if len(cells) < 8:
            continue
        values, label = cells[-7:], cells[:-7]
        if not all(_is_value(v) for v in values):
            continue
        key = _row_key("".join(label))
        if key and key not in report.table3:
            report.table3[key] = [_number(v) for v in values]


def _fill_table2(report: AnnualReport, rows: list[list[str]]) -> None:
    for cells in rows:
        values = [c for c in cells if _is_value(c) and c.strip()]
        label = "".join(c for c in cells if not _is_value(c))
        for name in ("规章", "行政规范性文件", "规范性文件", "行政许可", "行政处罚", "行政强制", "行政事业性收费"):
            if label.endswith(name) and values and name not in report.table2:
                report.table2[name] = [_number(v) for v in values]
                break


_TRAILING = re.compile(r"((?:\s*[|｜]?\s*(?:-?\d+(?:\.\d+)?|-|—|/)\s*[|｜]?){7})\s*[|｜]?\s*$")


def parse_text(text: str) -> AnnualReport:
    """Reports extracted from PDF or OCR: table rows are lines ending in seven values."""
    text = text.translate(_FULLWIDTH)
    report = AnnualReport(source="text", text=re.sub(r"\s+", " ", text))
    pending = ""
    for line in text.splitlines():
        stripped = line.strip().strip("|")
        if re.fullmatch(r"[-|:\s]*", stripped):
            continue  # a markdown table rule, not a row of dashes
        m = _TRAILING.search(stripped)
        if not m:
            if stripped:
                pending = (pending + stripped)[-80:]
            continue
        values = re.findall(r"-?\d+(?:\.\d+)?|-|—|/", m.group(1))[-7:]
        own = stripped[: m.start()]
        # A wrapped label continues on this line; a header line above must not name the row.
        key = _row_key(own) or _row_key(pending + own)
        pending = ""
        if key and key not in report.table3:
            report.table3[key] = [_number(v) for v in values]
    # Table 4 in text: the numbers between section 四 and section 五.
    m = re.search(r"四\s*[、.．]\s*政府信息公开行政复议.*?(?=五\s*[、.．])", text, re.S)
    if m:
        body = re.sub(r"[^\n]*[\u4e00-\u9fa5][^\n]*\n", "\n", m.group(0))  # drop heading/label lines
        numbers = re.findall(r"(?<![\d.])\d+(?![\d.])", body)
        if len(numbers) == 15:
            report.table4 = [float(n) for n in numbers]
    _finish(report)
    return report


def _finish(report: AnnualReport) -> None:
    text = report.text
    # Word-exported HTML and PDF text put spaces and breaks inside headings.
    compact = re.sub(r"\s+", "", text)
    report.sections = {no: bool(re.search(pattern.replace(r"\s*", ""), compact)) for no, _, pattern in SECTIONS}
    if "本年制发件数" in text or "本年废止件数" in text or {"other_1", "other_2", "other_3"} & set(report.table3):
        report.version = "2021"
    elif "本年新制作数量" in text or "other" in report.table3:
        report.version = "2019"


# --- checks -----------------------------------------------------------------------------

def check(report: AnnualReport) -> list[Issue]:
    """Every inconsistency found; empty when the report is consistent (or unreadable: see status)."""
    issues: list[Issue] = []
    bad = "fail" if report.trusted else "unknown"
    for no, title, _ in SECTIONS:
        if not report.sections.get(no):
            issues.append(Issue("AR.SEC", "fail" if report.trusted else "unknown", f"第{no}部分",
                                f"缺少规定的第{no}部分「{title}」（或标题不规范）"))
    for pattern in PLACEHOLDERS:
        m = re.search(pattern, report.text)
        if m:
            issues.append(Issue("AR.PLACEHOLDER", bad, "正文", f"留有未填写的占位内容「{m.group(0)}」"))
    t3 = report.table3
    needed = {"new", "carried_in", "total", "carried_out"}
    if report.trusted and not t3 and "本年新收" not in report.text:
        # An HTML report with no trace of table 3: the table is missing, not unreadable.
        issues.append(Issue("AR.T3.00", "fail", "表三", "报告中没有“收到和处理政府信息公开申请情况”表"))
        return issues + _check_table4(report, bad)
    if not needed <= set(t3):
        missing = "、".join(sorted(needed - set(t3)))
        issues.append(Issue("AR.T3.00", "unknown", "表三", f"表三未能完整读取（缺少 {missing}），无法核对"))
        return issues + _check_table4(report, bad)

    def v(row: str, col: int) -> float:
        return t3[row][col] or 0.0

    for col, name in enumerate(COLUMNS):
        left = v("new", col) + v("carried_in", col)
        right = v("total", col) + v("carried_out", col)
        if left != right:
            issues.append(Issue("AR.T3.01", bad, f"表三「{name}」列", "一+二 应等于 三（七）+四", left, right))
        results = [r for r in RESULT_ROWS if r in t3] + [r for r in ("other", "other_1", "other_2", "other_3") if r in t3]
        if len(results) >= 19:
            summed = sum(v(r, col) for r in results)
            if summed != v("total", col):
                issues.append(Issue("AR.T3.02", bad, f"表三「{name}」列（七）总计",
                                    "（一）至（六）各项之和应等于（七）总计", summed, v("total", col)))
    for row, values in t3.items():
        if all(x is None for x in values[:6]):
            continue
        summed = sum(x or 0.0 for x in values[:6])
        if values[6] is not None and summed != values[6]:
            issues.append(Issue("AR.T3.03", bad, f"表三「{_row_label(row)}」行",
                                "自然人与各类法人或其他组织之和应等于总计", summed, values[6]))
    issues += _check_table4(report, bad)
    issues += _check_prose(report, bad)
    return issues


def _check_table4(report: AnnualReport, bad: str) -> list[Issue]:
    if report.table4 is None:
        if report.trusted and "结果维持" not in report.text:
            return [Issue("AR.T4.00", "fail", "表四", "报告中没有“政府信息公开行政复议、行政诉讼情况”表")]
        return [Issue("AR.T4.00", "unknown", "表四", "表四未能读取，无法核对")]
    out = []
    for i, block in enumerate(("行政复议", "行政诉讼（未经复议直接起诉）", "行政诉讼（复议后起诉）")):
        cells = [x or 0.0 for x in report.table4[i * 5:(i + 1) * 5]]
        if sum(cells[:4]) != cells[4]:
            out.append(Issue("AR.T4.01", bad, f"表四「{block}」", "结果维持+结果纠正+其他结果+尚未审结 应等于总计",
                             sum(cells[:4]), cells[4]))
    return out


def _check_prose(report: AnnualReport, bad: str) -> list[Issue]:
    """Totals quoted in the narrative must equal the table's."""
    out = []
    for key, pattern, label in (("new", r"(?:本年|全年)(?:共)?(?:新)?收到?(?:政府信息公开)?申请\s*(\d+)\s*件", "本年新收申请"),
                                ("carried_in", r"上年结转(?:政府信息公开申请)?\s*(\d+)\s*件", "上年结转申请")):
        m = re.search(pattern, report.text)
        if m and report.table3.get(key) and report.table3[key][6] is not None:
            stated, table = float(m.group(1)), report.table3[key][6]
            if stated != table:
                out.append(Issue("AR.T3.05", bad, f"正文「{m.group(0)}」", f"正文所述{label}数与表三总计不一致", table, stated))
    return out


def check_carryover(previous: AnnualReport, current: AnnualReport) -> list[Issue]:
    """Last year's 结转下年度 must equal this year's 上年结转, column by column."""
    if "carried_out" not in previous.table3 or "carried_in" not in current.table3:
        return [Issue("AR.T3.04", "unknown", "表三", "相邻两年的结转数据未能读取，无法核对")]
    bad = "fail" if previous.trusted and current.trusted else "unknown"
    out = []
    for col, name in enumerate(COLUMNS):
        before, now = previous.table3["carried_out"][col] or 0.0, current.table3["carried_in"][col] or 0.0
        if before != now:
            out.append(Issue("AR.T3.04", bad, f"表三「{name}」列", "上一年度「结转下年度继续办理」应等于本年度「上年结转」",
                             before, now))
    return out


def _row_label(key: str) -> str:
    for k, phrases in T3_ROWS:
        if k == key:
            return phrases[0]
    return key
