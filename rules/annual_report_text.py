"""Annual reports as text: PDF extraction (pdfplumber), OCR, markdown-like conversions, antiword.

What such text does to the tables, and how each is read:
* a row is a line ending in seven values; in markdown rows a blank cell keeps its place (None);
* a label wraps around its line of numbers ("5.要求行政机关确认或重新出" / "1 0 0 0 0 0 1" /
  "具已获取信息"), is cut short, is displaced to other lines, or is lost: a line's own label is
  trusted first, else the row is the next one in the format's fixed order (T3_ORDER) after the
  last row whose label was read; text gathered since the previous row is used only when that
  order is not known;
* group labels printed vertically, one character per line (本/年/度/办/理/结/果), are such stray text;
* table 4 is the first 15 values after the section-4 heading; the 「五、」 heading may be missing.
Pure functions; the checks are in rules/annual_report.py.
"""

from __future__ import annotations

import re

from rules.annual_report import (_FULLWIDTH, T3_ORDER, AnnualReport, _is_value, _number, _row_key, add_table2, finish,
                                 table2_row, version_hint)

_VALUE = r"-?\d+(?:\.\d+)?|-|—|/"
_TRAILING = re.compile(r"((?:\s*[|｜]?\s*(?:" + _VALUE + r")\s*[|｜]?){7})\s*[|｜]?\s*$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_RULE = re.compile(r"[-|:\s]*")  # a markdown table rule, not a row of dashes
_PAGE = re.compile(r"^[-—–－]+\s*\d+\s*[-—–－]+$")  # "- 4 -", "— 5 —": a page number
_T4_HEADING = re.compile(r"^[#\s]*[一二三四五六七八九十]\s*[、.．][^\n]{0,16}行政复议[^\n]{0,12}行政诉讼", re.M)
_T2_START = re.compile(r"^[#\s]*[一二三四五六七八九十]\s*[、.．]\s*主动公开政府信息情况|第二十条", re.M)
_SECTION5 = re.compile(r"^[#\s]*五\s*[、.．]", re.M)


def parse(text: str) -> AnnualReport:
    text = text.translate(_FULLWIDTH)
    report = AnnualReport(source="text", text=re.sub(r"\s+", " ", text))
    lines = text.splitlines()
    _read_table3(report, lines, T3_ORDER.get(version_hint(text) or ""))
    _read_table2(report, lines)
    end = _read_table4(report, text)
    start = _T2_START.search(text)
    prose = text[:start.start()] + text[end:] if start and end > start.start() else text
    report.prose = "\n".join(s for s in prose.splitlines() if not s.lstrip().startswith("|") and _CJK.search(s))
    finish(report)
    return report


def _cells(line: str) -> tuple[str, list[str]] | None:
    """(label, values) of a table row: a markdown row's trailing value cells (a blank cell kept,
    padding after a full row dropped), or a plain line's trailing seven values."""
    if line.startswith(("|", "｜")):
        cells = [c.strip() for c in re.split(r"[|｜]", line.strip().strip("|｜"))]
        n = len(cells)
        while n and _is_value(cells[n - 1]):
            n -= 1
        run = cells[n:]
        while len(run) > 7 and run[-1] == "":
            run.pop()
        label = "".join(cells[:n])
    elif not _CJK.search(line):
        run, label = re.findall(_VALUE, line), ""
    else:
        m = _TRAILING.search(line)
        if not m:
            return None
        run, label = re.findall(_VALUE, m.group(1)), line[: m.start()]
    if len(run) < 7 or (not label and len(run) != 7) or all(_number(v) is None for v in run[-7:]):
        return None  # not a table-3 row (a label-less line of 15 is table 4)
    return label, run[-7:]


def _read_table3(report: AnnualReport, lines: list[str], order: tuple[str, ...] | None) -> None:
    pending = ""   # text since the previous row: wrapped, vertical or displaced label pieces
    last = None    # position in `order` of the last row whose place is known
    for line in lines:
        stripped = line.strip()
        if _RULE.fullmatch(stripped) or _PAGE.match(stripped):
            continue
        row = _cells(stripped)
        if row is None:
            if stripped:
                pending = (pending + stripped)[-120:]
            continue
        label, values = row
        key = _row_key(label)
        if key is None and order and last is not None:
            # Label lost or cut: the next row of the format (None after the last one).
            key = order[last + 1] if last + 1 < len(order) else None
        elif key is None:
            key = _row_key(pending + label, last=True)
        pending = ""
        if key is None or key in report.table3:
            last = None  # a repeated or unknown row: the order is no longer known
            continue
        report.table3[key] = [_number(v) for v in values]
        last = order.index(key) if order and key in order else None


def _read_table2(report: AnnualReport, lines: list[str]) -> None:
    for line in lines:
        stripped = line.strip()
        if stripped.startswith(("|", "｜")):
            cells = [c.strip() for c in re.split(r"[|｜]", stripped.strip("|｜"))]
            n = len(cells)
            while n and _is_value(cells[n - 1]):
                n -= 1
            label, values = "".join(cells[:n]), cells[n:]
        else:
            m = re.match(r"^(\D*?)\s*((?:(?:" + _VALUE + r")\s*)+)$", stripped)
            if not m:
                continue
            label, values = m.group(1), re.findall(_VALUE, m.group(2))
        name = table2_row(label) if label else None
        if name and values and name not in report.table2:
            add_table2(report, name, values)


def _read_table4(report: AnnualReport, text: str) -> int:
    """Table 4's 15 cells: the values after the section-4 heading, up to the first prose once 15
    are read (or the 「五、」 heading). Returns where the table ends in `text` (0: not found)."""
    heading = _T4_HEADING.search(text)
    if not heading:
        return 0
    values: list[float | None] = []
    pos = heading.end()
    for line in text[heading.end():].splitlines(keepends=True):
        stripped = line.strip()
        if _SECTION5.match(stripped) or (_CJK.search(stripped) and len(values) >= 15):
            break
        pos += len(line)
        if _CJK.search(stripped) or _PAGE.match(stripped) or _RULE.fullmatch(stripped):
            continue  # headers ("结果维持"…), page numbers, markdown rules
        if stripped.startswith(("|", "｜")):
            cells = [c.strip() for c in re.split(r"[|｜]", stripped.strip("|｜"))]
            if all(_is_value(c) for c in cells):
                values += [_number(c) for c in cells]
        else:
            values += [_number(v) for v in re.findall(_VALUE, stripped)]
    if len(values) == 15:
        report.table4 = values
    return pos
