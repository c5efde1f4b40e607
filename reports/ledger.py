"""The 台账 ledger (plan task 45): one row per unit × plan task, for spreadsheet users."""

from __future__ import annotations

import csv
from pathlib import Path

from reports.context import ReportContext
from rules.vocab import COVERAGE_LEVELS, FINDING_STATUSES, STATUS_ORDER

COLUMNS = ("单位代码", "单位名称", "任务", "任务内容", "结论", "检查规则", "问题说明", "证据网址", "整改期限", "整改情况")
# A unit's status for a task: the worst of its findings for that task.
_ORDER = {status: rank for rank, status in enumerate(STATUS_ORDER)}


def ledger_rows(ctx: ReportContext, deadline: str = "") -> list[tuple]:
    texts = {t.number: t.text for t in ctx.tasks}
    rows = []
    for unit in sorted(ctx.units, key=lambda u: u.id):
        for number, findings in unit.by_task_all():
            worst = min(findings, key=lambda f: _ORDER.get(f.status, 9))
            problems = [f for f in findings if f.status in ("fail", "unknown")]
            evidence = next((e.url for f in problems + findings for e in f.evidence), "")
            rows.append((
                unit.id,
                unit.name,
                number,
                texts.get(number, ""),
                _conclusion(worst.status, number, findings),
                " ".join(f.rule for f in findings),
                "；".join(f"{f.rule} {f.message}" for f in problems),
                evidence,
                deadline,
                "",  # filled in by the unit: what was rectified
            ))
    return rows


def _conclusion(status: str, task: int, findings) -> str:
    """符合 only where a rule that checks the task fully passed; else what was really checked."""
    if status != "pass":
        return FINDING_STATUSES.get(status, status)
    levels = {f.coverage.get(task, "partial") for f in findings if f.status == "pass"}
    if "full" in levels:
        return FINDING_STATUSES["pass"]
    return COVERAGE_LEVELS["partial" if "partial" in levels else "proxy"]


def write_csv(rows: list[tuple], path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:  # BOM: Excel opens UTF-8 CSV correctly
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows(rows)


def write_xlsx(rows: list[tuple], path: Path, title: str = "政务公开重点任务台账") -> None:
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
        for cell in ws[ws.max_row]:
            if cell.data_type == "f":  # crawled text never becomes a formula
                cell.data_type = "s"
        fill = fills.get(row[4])
        if fill:
            ws.cell(row=ws.max_row, column=5).fill = PatternFill("solid", fgColor=fill)
    widths = (14, 22, 6, 50, 10, 24, 60, 50, 12, 30)
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    wb.properties.title = title
    wb.save(path)
