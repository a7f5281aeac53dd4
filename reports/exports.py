"""The month report as CSV and XLSX: the same tables the page shows, nothing else.

They are written by `redliv.spreadsheet`, the one CSV writer for Danish Excel, which the kit exports use too.
"""

import io

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from redliv.spreadsheet import csv_bytes, xlsx_cell
from reports.figures import MonthReport
from reports.formatting import MISSING, figure_text

SEPARATORS = {"semicolon": ";", "comma": ","}
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def method_url(request=None) -> str:
    """The address of the method page, for the exports: absolute when it can be."""
    path = reverse("reports:method")
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.PUBLIC_SITE_URL + path


def header_lines(report: MonthReport, approval: str, method: str = "", extra=()) -> list[tuple[str, str]]:
    lines = [
        (_("Period"), report.month.label),
        (_("Scope"), report.scope_label),
        (_("Approval"), approval or _("Not approved")),
        *extra,
    ]
    if report.publication:
        lines.append(
            (
                _("For publication"),
                _(
                    "x: hidden to protect anonymity (a count from 1 to 4, or a number that would reveal one); "
                    "≥: a sum with a hidden figure in it."
                ),
            )
        )
        lines.append((_("Method"), method or method_url()))
    return lines


def append_row(sheet, values):
    """The one way a row reaches a worksheet: every cell through `xlsx_cell` (`safe_cell`, and no character
    the format cannot hold).

    openpyxl itself stores a string that starts with "=" as a formula."""
    sheet.append([xlsx_cell(value) for value in values])


def _csv_rows(report: MonthReport, approval: str, method: str, extra):
    yield [_("RED LIV monthly report")]
    yield from header_lines(report, approval, method, extra)
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


def to_csv(report: MonthReport, approval: str = "", separator: str = ";", method: str = "", extra=()) -> bytes:
    return csv_bytes(_csv_rows(report, approval, method, extra), separator)


# A worksheet's name holds 31 characters: the tables whose titles are longer get a short name of their own for
# their tab (the sheet's first cell keeps the whole title). Cut at 31, they read "Afrapporteringer af overdosis (".
SHEET_NAMES = {
    "first_time": gettext_lazy("First-time and refresher"),
    "trained": gettext_lazy("People trained so far"),
    "kits_by_audience": gettext_lazy("Kits by audience group"),
    "kits_per_residents": gettext_lazy("Kits per 100,000 residents"),
    "stock": gettext_lazy("Stock at the month's end"),
    "stock_movements": gettext_lazy("Stock movements by location"),
    "reports_by_outcome": gettext_lazy("Reversal reports by outcome"),
    "venues_not_logged": gettext_lazy("Venues with nothing logged"),
    "trainers_not_logged": gettext_lazy("Trainers with nothing logged"),
}


def _sheet_title(title: str, used: set) -> str:
    clean = "".join(" " if char in "[]:*?/\\" else char for char in title)
    if len(clean) > 31:  # at a word, without the punctuation before it
        clean = clean[:32].rsplit(" ", 1)[0].rstrip(" ,(–-")
    clean = clean[:31].strip()
    candidate, number = clean, 2
    while candidate.lower() in used:
        suffix = f" {number}"
        candidate, number = clean[: 31 - len(suffix)] + suffix, number + 1
    used.add(candidate.lower())
    return candidate


def _xlsx_value(value):
    """Numbers as numbers; a hidden figure ("x") and a sum with a hidden part ("≥ 73") as text."""
    if value is None:
        return MISSING
    if isinstance(value, (int, float, str)):
        return value
    return figure_text(value, grouped=False)


def to_xlsx(report: MonthReport, approval: str = "", method: str = "", extra=()) -> bytes:
    """One sheet per table; a header with period and scope; numbers as numbers, months as dates."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    used = set()
    bold = Font(bold=True)
    for table in report.tables:
        sheet = workbook.create_sheet(_sheet_title(str(SHEET_NAMES.get(table.key, table.title)), used))
        append_row(sheet, [table.title])
        sheet["A1"].font = bold
        append_row(sheet, [_("Period"), report.month.first_day])
        sheet["B2"].number_format = "yyyy-mm"
        for label, value in header_lines(report, approval, method, extra)[1:]:
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
            append_row(sheet, [row.label, *[_xlsx_value(value) for value in row.values]])
            for index, cell in enumerate(sheet[sheet.max_row][1:]):
                if index == table.signed:  # "+2", as the page reads it, and still a number
                    cell.number_format = "+0;-0;0"
                if row.kind == "rate" and isinstance(cell.value, float):
                    cell.number_format = "0.0"
                if row.kind == "share" and isinstance(cell.value, float):
                    cell.number_format = "0%"
            if row.kind == "total":
                for cell in sheet[sheet.max_row]:
                    cell.font = bold
        if not table.rows:  # as the page, the CSV and the PDF say: an empty sheet read as a figure left out
            append_row(sheet, [_("None")])
        if table.note:
            append_row(sheet, [])
            append_row(sheet, [table.note])
        sheet.column_dimensions["A"].width = 48
        for letter in "BCDEFGHIJKLM":
            sheet.column_dimensions[letter].width = 14
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
