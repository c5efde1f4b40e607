"""政府信息公开工作年度报告: parse the six sections and tables 2–4, and check their arithmetic.

Pure functions over text. Formats: 国办公开办函〔2019〕60号 ("2019") and 〔2021〕30号 ("2021");
text from PDF/OCR/markdown is read by rules/annual_report_text.py (parse_text here delegates);
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
    ("refuse_5", ("确认或重新出",)),  # PDF text wraps "…重新出/具已获取信息"
    ("other_1", ("逾期不补正",)),
    ("other_2", ("缴纳费用",)),
    ("carried_out", ("结转下年度",)),
    ("total", ("（七）总计", "(七)总计", "（七）", "(七)")),
    ("other_3", ("3.其他", "3．其他", "3、其他")),
    ("other", ("其他处理",)),  # the 2019 format's single row
]
# Each format's fixed row order: the fallback for text rows whose label was lost or displaced.
_HEAD = ("new", "carried_in", "open", "partial", *(f"deny_{i}" for i in range(1, 9)),
         *(f"unable_{i}" for i in range(1, 4)), *(f"refuse_{i}" for i in range(1, 6)))
T3_ORDER = {"2021": (*_HEAD, "other_1", "other_2", "other_3", "total", "carried_out"),
            "2019": (*_HEAD, "other", "total", "carried_out")}
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
# Copying (30号: reports must not be 内容雷同). DATA, to move into the rule file that wires the
# check: the share of a report's prose (4-character shingles, tables and numbers removed) that
# also occurs in another report (the same unit's previous year, or another unit's) above which
# the report counts as copied; and the least prose (Chinese characters) worth comparing.
COPY_THRESHOLD = 0.8
COPY_MIN_CHARS = 200
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_NUM = re.compile(r"^-?\d+(?:\.\d+)?$")
_MARKERS = ("-", "—", "/", "－")  # explicit "none / not applicable" marks; a blank cell is not one
# Table 2 rows: (2021 cells, 2019 cells). 30号 and 60号 define no sum between table 2 cells
# (inspection-rules §5.3: 现行有效 = 上年 + 制发 − 废止 is only inferred, and spans two years),
# so table 2 is checked cell by cell only: filled, a number, non-negative, whole where it counts.
T2_ROWS = {"规章": (3, 3), "行政规范性文件": (3, 3), "规范性文件": (3, 3), "行政许可": (1, 3),
           "其他对外管理服务事项": (None, 3), "行政处罚": (1, 3), "行政强制": (1, 3),
           "行政事业性收费": (1, 2), "政府集中采购": (None, 2)}
T2_HEADERS = ("本年制发件数", "本年新制作数量", "本年处理决定数量", "上一年项目数量", "本年收费金额", "采购总金额")
T2_AMOUNTS = {("2021", "行政事业性收费", 0), ("2019", "政府集中采购", 1)}  # 万元 / 金额: decimals allowed
T2_SIGNED_2019 = {"行政许可", "其他对外管理服务事项", "行政处罚", "行政强制", "行政事业性收费"}  # col 1 本年增/减


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
    table3: dict[str, list[float | None]] = field(default_factory=dict)   # None: a blank (unfilled) cell
    table4: list[float | None] | None = None       # 15 cells: 复议, 未经复议起诉, 复议后起诉 × 5
    table2: dict[str, list[float | None]] = field(default_factory=dict)
    table2_raw: dict[str, list[str]] = field(default_factory=dict)       # the cells as written
    text: str = ""
    prose: str = ""                                # the narrative: the text without tables 2–4

    @property
    def trusted(self) -> bool:
        return self.source == "html"


def _number(cell: str) -> float | None:
    cell = cell.translate(_FULLWIDTH).replace(",", "").replace("，", "").strip()
    return float(cell) if _NUM.match(cell) else None


def _is_value(cell: str) -> bool:
    """A data cell: a number, or blank / a dash (a blank is kept as None, not 0)."""
    c = cell.translate(_FULLWIDTH).strip()
    return c == "" or c in _MARKERS or bool(_NUM.match(c.replace(",", "")))


def _row_key(label: str, *, last: bool = False) -> str | None:
    """The table-3 row a label names; with last=True, the one named latest in the text (a label just
    above a row of numbers is nearer the end of the text gathered since the previous row)."""
    label = re.sub(r"\s+", "", label)
    found = [(label.rfind(p), key) for key, phrases in T3_ROWS for p in phrases if p in label]
    if not found:
        return None
    return max(found, key=lambda f: f[0])[1] if last else found[0][1]


def version_hint(text: str) -> str | None:
    """The format a report follows, from words only one format uses."""
    compact = re.sub(r"\s+", "", text)
    if any(w in compact for w in ("本年制发件数", "本年废止件数", "逾期不补正", "缴纳费用")):
        return "2021"
    if "本年新制作数量" in compact or "本年新公开数量" in compact:
        return "2019"
    return None


# --- parsing ----------------------------------------------------------------------------

def parse_html(html: str) -> AnnualReport:
    soup = BeautifulSoup(html, "lxml")
    text = re.sub(r"\s+", " ", soup.get_text(" "))
    report = AnnualReport(source="html", text=text)
    tables = soup.find_all("table")
    for table in tables:
        rows = [[c.get_text("", strip=True) for c in tr.find_all(["td", "th"])] for tr in table.find_all("tr")]
        flat = "".join("".join(r) for r in rows)
        if "本年新收" in flat and not report.table3:
            _fill_table3(report, rows)
        elif "结果维持" in flat and report.table4 is None:
            # Data rows only, each cell in its place: a cell holding just &nbsp; is blank, not absent.
            cells = [v for r in rows if all(_is_value(v) for v in r) and any(_number(v) is not None for v in r)
                     for v in r]
            if len(cells) == 15:
                report.table4 = [_number(v) for v in cells]
        elif any(h in flat for h in T2_HEADERS):  # one table, or one per 第二十条 item
            _fill_table2(report, rows)
    for table in tables:
        table.decompose()
    report.prose = re.sub(r"\s+", " ", soup.get_text(" "))
    finish(report)
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


def table2_row(label: str) -> str | None:
    label = re.sub(r"[\s|｜]+", "", label)
    for name in T2_ROWS:
        if label.endswith(name) and len(label) <= len(name) + 6:  # a cell, not a sentence
            return name
    return None


def _fill_table2(report: AnnualReport, rows: list[list[str]]) -> None:
    for cells in rows:
        n = len(cells)
        while n and _is_value(cells[n - 1]):
            n -= 1
        name = table2_row("".join(cells[:n]))
        if name and n < len(cells) and name not in report.table2:
            add_table2(report, name, cells[n:])


def add_table2(report: AnnualReport, name: str, cells: list[str]) -> None:
    report.table2_raw[name] = [c.strip() for c in cells]
    report.table2[name] = [_number(c) for c in cells]


def parse_text(text: str) -> AnnualReport:
    """Reports extracted from PDF, OCR or converted Word files: see rules/annual_report_text.py."""
    from rules.annual_report_text import parse  # noqa: PLC0415  (that module builds on this one)

    return parse(text)


def finish(report: AnnualReport) -> None:
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
    others = _check_table4(report, bad) + _check_table2(report, bad)
    t3 = report.table3
    needed = {"new", "carried_in", "total", "carried_out"}
    if report.trusted and not t3 and "本年新收" not in report.text:
        # An HTML report with no trace of table 3: the table is missing, not unreadable.
        issues.append(Issue("AR.T3.00", "fail", "表三", "报告中没有“收到和处理政府信息公开申请情况”表"))
        return issues + others
    if not needed <= set(t3):
        missing = "、".join(sorted(needed - set(t3)))
        issues.append(Issue("AR.T3.00", "unknown", "表三", f"表三未能完整读取（缺少 {missing}），无法核对"))
        return issues + others + _check_prose(report, bad)
    return issues + _check_table3(report, bad) + others + _check_prose(report, bad)


_UNFILLED = "总计栏未填写（空白不等于0），无法核对"


def _check_table3(report: AnnualReport, bad: str) -> list[Issue]:
    t3, out = report.table3, []
    # An applicant column left blank means nobody of that kind applied (publishers do leave them
    # empty); a blank 总计 is a total not filled in, so no sum that needs it can pass or fail.
    results = [r for r in RESULT_ROWS if r in t3] + [r for r in ("other", "other_1", "other_2", "other_3") if r in t3]
    for col, name in enumerate(COLUMNS):
        def cells(rows: list[str] | tuple[str, ...]) -> list[float | None]:
            return [t3[r][col] if col == 6 else (t3[r][col] or 0.0) for r in rows]

        four = cells(("new", "carried_in", "total", "carried_out"))
        if None in four:
            out.append(Issue("AR.T3.01", "unknown", f"表三「{name}」列", "一+二 应等于 三（七）+四；" + _UNFILLED))
        elif four[0] + four[1] != four[2] + four[3]:
            out.append(Issue("AR.T3.01", bad, f"表三「{name}」列", "一+二 应等于 三（七）+四",
                             four[0] + four[1], four[2] + four[3]))
        if len(results) >= 19:
            parts, total = cells(results), cells(("total",))[0]
            if total is None or None in parts:
                out.append(Issue("AR.T3.02", "unknown", f"表三「{name}」列（七）总计",
                                 "（一）至（六）各项之和应等于（七）总计；" + _UNFILLED))
            elif sum(parts) != total:
                out.append(Issue("AR.T3.02", bad, f"表三「{name}」列（七）总计",
                                 "（一）至（六）各项之和应等于（七）总计", sum(parts), total))
    if len(results) < 19:
        # Too few result rows read to add them up: say so rather than skip the check silently.
        out.append(Issue("AR.T3.02", "unknown", "表三（一）至（六）结果行",
                         f"只读到 {len(results)} 个结果行（应为 19 个以上），无法核对各项之和"))
    blank = []
    for row, values in t3.items():
        if values[6] is None:
            blank.append(_row_label(row))
            continue
        summed = sum(x or 0.0 for x in values[:6])
        if summed != values[6] and any(x is not None for x in values[:6]):
            out.append(Issue("AR.T3.03", bad, f"表三「{_row_label(row)}」行",
                             "自然人与各类法人或其他组织之和应等于总计", summed, values[6]))
    if blank:
        out.append(Issue("AR.T3.03", "unknown", "表三「" + "」「".join(blank) + "」行", _UNFILLED))
    return out


def _check_table4(report: AnnualReport, bad: str) -> list[Issue]:
    if report.table4 is None:
        if report.trusted and "结果维持" not in report.text:
            return [Issue("AR.T4.00", "fail", "表四", "报告中没有“政府信息公开行政复议、行政诉讼情况”表")]
        return [Issue("AR.T4.00", "unknown", "表四", "表四未能读取，无法核对")]
    out = []
    for i, block in enumerate(("行政复议", "行政诉讼（未经复议直接起诉）", "行政诉讼（复议后起诉）")):
        cells = report.table4[i * 5:(i + 1) * 5]
        parts = [x or 0.0 for x in cells[:4]]
        if cells[4] is None:
            out.append(Issue("AR.T4.01", "unknown", f"表四「{block}」", _UNFILLED))
        elif sum(parts) != cells[4]:
            out.append(Issue("AR.T4.01", bad, f"表四「{block}」", "结果维持+结果纠正+其他结果+尚未审结 应等于总计",
                             sum(parts), cells[4]))
    return out


def _check_table2(report: AnnualReport, bad: str) -> list[Issue]:
    """AR.T2.01: each cell filled with a number (or an explicit 「/」「—」), non-negative, whole for counts."""
    out = []
    column = {"2021": 0, "2019": 1}.get(report.version or "")
    for name, raw in report.table2_raw.items():
        expected = T2_ROWS[name][column] if column is not None else None
        if expected is not None and len(raw) != expected:
            out.append(Issue("AR.T2.01", "unknown", f"表二「{name}」行",
                             f"应有{expected}个数据栏，读到{len(raw)}个，无法逐栏核对"))
            continue
        wrong = []
        for i, cell in enumerate(raw):
            value = _number(cell)
            if cell in _MARKERS:
                continue
            if value is None:
                wrong.append(f"第{i + 1}栏「{cell}」" + ("未填写" if cell == "" else "不是数字"))
            elif value < 0 and not (report.version in ("2019", None) and i == 1 and name in T2_SIGNED_2019):
                wrong.append(f"第{i + 1}栏为负数 {cell}")
            elif value != int(value) and not any(report.version in (v, None) and (n, c) == (name, i)
                                                 for v, n, c in T2_AMOUNTS):  # format unknown: either one's amounts
                wrong.append(f"第{i + 1}栏件数不是整数 {cell}")
        if wrong:
            out.append(Issue("AR.T2.01", bad, f"表二「{name}」行", "；".join(wrong)))
    return out


_N = r"\s*(\d+)\s*件"
_VERB = r"(?:答复|决定)?(?:的)?(?:为|共)?"
# Figures the narrative quotes, and the table cells each must equal. A figure is compared only
# when the prose states it unambiguously: every mention gives the same number, and a count
# followed by 「（含…」 (which may fold in the carried-over requests) is left alone.
PROSE_FIGURES: tuple[tuple[str, str, str], ...] = (
    # 「受理」 is not read: reports use it for new requests and for new plus carried-over ones alike.
    ("本年新收申请", r"(?:本年|全年)(?:共)?(?:新)?收到?(?:政府信息公开)?申请(?:数量)?(?:为|共)?" + _N + r"(?!\s*[（(]含)", "new"),
    ("上年结转申请", r"上年(?:度)?结转(?:的)?(?:政府信息公开)?(?:申请)?(?:数量)?" + _N, "carried_in"),
    ("予以公开", r"(?<!不)(?:予以公开|同意公开)" + _VERB + _N, "open"),
    ("予以公开及部分公开", r"(?:予以公开|同意公开)[及和与、]部分公开" + _VERB + _N, "open+partial"),
    ("部分公开", r"(?<!公开[及和与、])部分公开" + _VERB + _N, "partial"),
    ("不予公开", r"不予公开" + _VERB + _N, "deny"),
    ("无法提供", r"无法提供" + _VERB + _N, "unable"),
    ("不予处理", r"不予处理" + _VERB + _N, "refuse"),
    ("其他处理", r"其他处理" + _VERB + _N, "other"),
    # "N 件…行政复议" too, but never a number shared by both kinds ("行政复议和行政诉讼 N 件").
    ("行政复议", r"行政复议(?:案件)?(?:数)?(?:为|共)?" + _N + r"|(\d+)\s*件[^，。；,;\d件]{0,15}行政复议(?![和、与及]行政诉讼)",
     "t4:0"),
    ("行政诉讼", r"(?<![和、与及])行政诉讼(?:案件)?(?:数)?(?:为|共)?" + _N
     + r"|(\d+)\s*件(?:(?!行政复议)[^，。；,;\d件]){0,15}行政诉讼", "t4:1,2"),
)
_GROUPS = {"deny": [f"deny_{i}" for i in range(1, 9)], "unable": [f"unable_{i}" for i in range(1, 4)],
           "refuse": [f"refuse_{i}" for i in range(1, 6)], "open+partial": ["open", "partial"]}


def _table_figure(report: AnnualReport, what: str) -> float | None:
    """The table's 总计 for a prose figure; None when a cell it needs is missing or blank."""
    if what.startswith("t4:"):
        if report.table4 is None:
            return None
        cells = [report.table4[int(b) * 5 + 4] for b in what[3:].split(",")]
    else:
        rows = _GROUPS.get(what, [what])
        if what == "other":
            rows = ["other_1", "other_2", "other_3"] if report.version == "2021" else ["other"]
        if not all(r in report.table3 for r in rows):
            return None
        cells = [report.table3[r][6] for r in rows]
    return None if None in cells else sum(cells)


def _check_prose(report: AnnualReport, bad: str) -> list[Issue]:
    """Totals quoted in the narrative must equal the tables'."""
    out = []
    # PDF text breaks lines inside words ("予以公开及部\n分公开"): no space between two Chinese characters.
    text = re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", "", report.text)
    for label, pattern, what in PROSE_FIGURES:
        found = [(m, float(next(g for g in m.groups() if g))) for m in re.finditer(pattern, text)]
        table = _table_figure(report, what)
        if not found or table is None or len({v for _, v in found}) > 1:
            continue
        m, stated = found[0]
        if stated != table:
            where = "三" if not what.startswith("t4") else "四"
            out.append(Issue("AR.T3.05", bad, f"正文「{m.group(0)}」", f"正文所述{label}数与表{where}总计不一致",
                             table, stated))
    return out


def check_carryover(previous: AnnualReport, current: AnnualReport) -> list[Issue]:
    """Last year's 结转下年度 must equal this year's 上年结转, column by column."""
    if "carried_out" not in previous.table3 or "carried_in" not in current.table3:
        return [Issue("AR.T3.04", "unknown", "表三", "相邻两年的结转数据未能读取，无法核对")]
    bad = "fail" if previous.trusted and current.trusted else "unknown"
    out = []
    for col, name in enumerate(COLUMNS):
        before, now = previous.table3["carried_out"][col], current.table3["carried_in"][col]
        if col == 6 and (before is None or now is None):
            out.append(Issue("AR.T3.04", "unknown", f"表三「{name}」列", _UNFILLED))
            continue
        if (before or 0.0) != (now or 0.0):
            out.append(Issue("AR.T3.04", bad, f"表三「{name}」列", "上一年度「结转下年度继续办理」应等于本年度「上年结转」",
                             before or 0.0, now or 0.0))
    return out


# --- copying ----------------------------------------------------------------------------

def _shingles(prose: str, k: int = 4) -> set[str]:
    chars = "".join(re.findall(r"[\u4e00-\u9fff]", prose))  # no numbers, punctuation or spacing
    return {chars[i:i + k] for i in range(len(chars) - k + 1)}


def prose_similarity(prose: str, other: str) -> float:
    """The share of `prose`'s 4-character shingles that also occur in `other` (0..1): how much of
    this report repeats the other. Asymmetric on purpose: copying last year's text and adding a
    paragraph still counts as copying."""
    mine, theirs = _shingles(prose), _shingles(other)
    return len(mine & theirs) / len(mine) if mine and theirs else 0.0


def check_copy(report: AnnualReport, other: AnnualReport, threshold: float = COPY_THRESHOLD) -> list[Issue]:
    """AR.COPY: `report`'s narrative repeats `other`'s (last year's, or another unit's) beyond the threshold.
    Numbers are left out, so changing only the figures and the year does not make a report new. Prose
    is plain text even in PDF/OCR reports (their errors only lower the score), so this is a fail."""
    if min(len(re.findall(r"[\u4e00-\u9fff]", r.prose)) for r in (report, other)) < COPY_MIN_CHARS:
        return []
    share = prose_similarity(report.prose, other.prose)
    if share < threshold:
        return []
    return [Issue("AR.COPY", "fail", "正文", f"正文与另一份年度报告雷同（{share:.0%} 重复，阈值 {threshold:.0%}）",
                  threshold, round(share, 3))]


def _row_label(key: str) -> str:
    for k, phrases in T3_ROWS:
        if k == key:
            return phrases[0]
    return key
