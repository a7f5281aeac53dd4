"""The month report as CSV and XLSX: the same tables the page shows, nothing else.

`csv_bytes` is the one CSV writer for Danish Excel; the kit exports use it too.
"""

import csv
import datetime as dt
import io
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from reports.figures import MonthReport
from reports.formatting import MISSING, figure_text

SEPARATORS = {"semicolon": ";", "comma": ","}
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def header_lines(report: MonthReport, approval: str) -> list[tuple[str, str]]:
    lines = [
        (_("Period"), report.month.label),
        (_("Scope"), report.scope_label),
        (_("Approval"), approval or _("Not approved")),
    ]
    if report.publication:
        lines.append(
            (_("For publication"), _("Counts from 1 to 4 are shown as <5; x hides a number that would reveal one."))
        )
    return lines


# A spreadsheet runs a cell that starts with one of these as a formula (or, after a TAB or
# a carriage return that it drops, as the formula that follows): OWASP's "CSV injection".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value):
    """Text that a spreadsheet must not run as a formula (a venue called "=HYPERLINK(…)"): a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_cell(value):
    """One cell of an export, CSV or XLSX: numbers, dates and empty cells stay what they are;
    anything else is text that cannot run as a formula."""
    if value is None or isinstance(value, (bool, int, float, Decimal, dt.date)):
        return value
    return safe_text(str(value))


def csv_bytes(rows, separator: str = ";") -> bytes:
    """CSV for Danish Excel: UTF-8 with a byte-order mark, so Excel reads the Danish letters right.

    Every cell goes through `safe_cell` (None is an empty cell).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if value is None else _csv_value(safe_cell(value)) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_value(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def append_row(sheet, values):
    """The one way a row reaches a worksheet: every cell through `safe_cell`.

    openpyxl itself stores a string that starts with "=" as a formula."""
    sheet.append([safe_cell(value) for value in values])


def _csv_rows(report: MonthReport, approval: str):
    yield [_("RED LIV monthly report")]
    yield from header_lines(report, approval)
    for table in report.tables:
        yield []
        yield [table.title]
        yield ["", *table.columns]
        for row in table.rows:
            yield [row.label, *[figure_text(value, row.kind, grouped=False) for value in row.values]]
        if not table.rows:
            yield [_("None")]
        if table.note:
            yield [table.note]


def to_csv(report: MonthReport, approval: str = "", separator: str = ";") -> bytes:
    return csv_bytes(_csv_rows(report, approval), separator)


def _sheet_title(title: str, used: set) -> str:
    clean = "".join(" " if char in "[]:*?/\\" else char for char in title)[:31].strip()
    candidate, number = clean, 2
    while candidate.lower() in used:
        suffix = f" {number}"
        candidate, number = clean[: 31 - len(suffix)] + suffix, number + 1
    used.add(candidate.lower())
    return candidate


def to_xlsx(report: MonthReport, approval: str = "") -> bytes:
    """One sheet per table; a header with period and scope; numbers as numbers, months as dates."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    used = set()
    bold = Font(bold=True)
    for table in report.tables:
        sheet = workbook.create_sheet(_sheet_title(table.title, used))
        append_row(sheet, [table.title])
        sheet["A1"].font = bold
        append_row(sheet, [_("Period"), report.month.first_day])
        sheet["B2"].number_format = "yyyy-mm"
        for label, value in header_lines(report, approval)[1:]:
            append_row(sheet, [label, value])
        append_row(sheet, [])
        dated = table.months is not None
        headers = [m.first_day for m in table.months] if dated else table.columns
        append_row(sheet, [None, *headers])
        header_row = sheet.max_row
        for cell in sheet[header_row]:
            cell.font = bold
            if dated and cell.column > 1:
                cell.number_format = "yyyy-mm"
        for row in table.rows:
            append_row(sheet, [row.label, *[MISSING if value is None else value for value in row.values]])
            for cell in sheet[sheet.max_row][1:]:
                if row.kind == "share" and isinstance(cell.value, float):
                    cell.number_format = "0%"
            if row.kind == "total":
                for cell in sheet[sheet.max_row]:
                    cell.font = bold
        if table.note:
            append_row(sheet, [])
            append_row(sheet, [table.note])
        sheet.column_dimensions["A"].width = 48
        for letter in "BCDEFGHIJKLM":
            sheet.column_dimensions[letter].width = 14
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
