"""The 台账 ledger (plan task 45): one row per unit × plan task, for spreadsheet users."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from reports.context import SEVERITY_LABELS, ReportContext, beijing_time, conclusion_of, task_conclusion
from reports.render import safe_url
from rules.vocab import COVERAGE_LEVELS, SEVERITIES

COLUMNS = ("单位代码", "单位名称", "任务", "任务内容", "结论", "严重程度", "检查规则", "问题说明", "法律依据",
           "整改建议", "证据网址", "整改期限", "整改情况")
_conclusion = conclusion_of  # the name tests/test_coverage.py knows
EVIDENCE_COL, DEADLINE_COL = COLUMNS.index("证据网址"), COLUMNS.index("整改期限")


def ledger_rows(ctx: ReportContext, deadline: str | dt.date | None = None) -> list[tuple]:
    """`deadline` (整改期限) goes only on rows with something to rectify (不符合), as a date."""
    due = dt.date.fromisoformat(deadline) if isinstance(deadline, str) and deadline else deadline or None
    texts = {t.number: t.text for t in ctx.tasks}
    rows = []
    for unit in sorted(ctx.units, key=lambda u: u.id):
        for number, findings in unit.by_task_all():
            problems = sorted((f for f in findings if f.status in ("fail", "unknown")),
                              key=lambda f: (f.status != "fail", SEVERITIES.index(f.severity)))
            fails = [f for f in problems if f.status == "fail"]
            evidence = next((e.url for f in problems + findings for e in f.evidence), "")
            rows.append((
                unit.id,
                unit.name,
                number,
                texts.get(number, ""),
                task_conclusion(number, findings),
                SEVERITY_LABELS[fails[0].severity] if fails else "",
                " ".join(f.rule for f in findings),
                "；".join(f"{f.rule} {f.message}" for f in problems),
                "；".join(dict.fromkeys(b for f in fails for b in f.legal_basis)),
                "；".join(f"{f.rule} {f.remedy}" for f in fails if f.remedy),
                evidence,
                due if fails else None,
                "",  # filled in by the unit: what was rectified
            ))
    return rows


def summary_rows(ctx: ReportContext, rows: list[tuple]) -> list[tuple]:
    """The 概况 sheet: which audit this is, then each unit's counts of task conclusions."""
    audit = ctx.audit
    head = [("检查编号", audit.get("id")), ("检查基准日", audit.get("as_of")),
            ("规则集哈希", audit.get("rules_hash") or ""), ("检查完成时间（北京时间）", beijing_time(audit.get("finished_at"))),
            ("单位数", len(ctx.units)), ()]
    labels = ("不符合", "无法判断", "需人工核查", COVERAGE_LEVELS["partial"], COVERAGE_LEVELS["proxy"], "符合")
    table = [("单位代码", "单位名称", "网站检查结论", "网站得分", *labels, "任务数")]
    for unit in ctx.units:  # worst first, as ranked in the report
        mine = [r[4] for r in rows if r[0] == unit.id]
        table.append((unit.id, unit.name, unit.verdict, unit.score, *(mine.count(x) for x in labels), len(mine)))
    return head + table


def write_csv(rows: list[tuple], path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:  # BOM: Excel opens UTF-8 CSV correctly
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows(rows)


def write_xlsx(rows: list[tuple], path: Path, title: str = "政务公开重点任务台账",
               summary: list[tuple] | None = None) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDDDDD")
    fills = {"不符合": "F8D7DA", "无法判断": "FFF3CD", "需人工核查": "DCE6F8"}
    for row in rows:
        ws.append(row)
        cells = ws[ws.max_row]
        for cell in cells:
            if cell.data_type == "f":  # crawled text never becomes a formula
                cell.data_type = "s"
        fill = fills.get(row[4])
        if fill:
            cells[4].fill = PatternFill("solid", fgColor=fill)
        url = row[EVIDENCE_COL]
        if url and safe_url(url) == url:  # only http(s) evidence is clickable
            cells[EVIDENCE_COL].hyperlink = url
            cells[EVIDENCE_COL].style = "Hyperlink"
        if row[DEADLINE_COL]:
            cells[DEADLINE_COL].number_format = "yyyy-mm-dd"
    widths = (12, 18, 6, 40, 10, 8, 16, 50, 30, 50, 40, 12, 24)
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    _print_a4_landscape(ws)
    ws.print_title_rows = "1:1"  # the header repeats on every printed page
    if summary:
        sheet = wb.create_sheet("概况", 0)
        for line in summary:
            sheet.append(line)
        for cell in sheet["A"]:
            cell.font = Font(bold=True)
        for i, w in enumerate((26, 20, 14, 10, 8, 10, 12, 10, 10, 8, 8), 1):
            sheet.column_dimensions[get_column_letter(i)].width = w
        _print_a4_landscape(sheet)
        wb.active = 1  # open on the ledger itself
    wb.properties.title = title
    wb.save(path)


def _print_a4_landscape(ws) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1  # all columns on the page's width, as many pages down as needed
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True
