"""The month report as a PDF: the same tables and trend the page shows, for the municipality's inbox.

Made with fpdf2 (pure Python) and the Lato font from PyPI, so no browser, no system
fonts and no system libraries are involved. Lato carries the Danish letters and the
dashes that PDF's built-in fonts lack.
"""

from __future__ import annotations

from pathlib import Path

import font_lato
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import Align, TableBordersLayout
from fpdf.fonts import FontFace

from redliv.templatetags.dates import date_as
from reports.charts import bar_chart
from reports.exports import header_lines
from reports.figures import MonthReport
from reports.formatting import figure_text

FONT = "Lato"
FONT_FILES = {"": "Lato-Regular.ttf", "B": "Lato-Bold.ttf"}
PAGE_WIDTH = 210 - 2 * 15  # A4 portrait, 15 mm margins
LABEL_WIDTH = 90
BAR_COLOUR = (176, 0, 32)  # the page's red, #b00020
TEXT_COLOUR = (33, 37, 41)
RULE_COLOUR = (173, 181, 189)
CHART_FLATTENING = 0.55
ROW_HEIGHT = 6.5  # mm, a 9 pt table row with its padding


class ReportPDF(FPDF):
    def __init__(self, footer_text: str):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        for style, name in FONT_FILES.items():
            self.add_font(FONT, style=style, fname=str(Path(font_lato.font_directory) / name))
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_text_color(*TEXT_COLOUR)

    def footer(self):
        self.set_y(-12)
        self.set_font(FONT, size=8)
        page = _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": self.str_alias_nb_pages}
        self.cell(0, 5, f"{self.footer_text} · {page}", align=Align.C)


def _heading(pdf: ReportPDF, text: str, size: float = 12):
    pdf.set_font(FONT, "B", size)
    pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _table(pdf: ReportPDF, table, size: float = 9):
    if not table.rows:
        pdf.set_font(FONT, size=size)
        pdf.cell(0, 6, _("None."), new_x="LMARGIN", new_y="NEXT")
        return
    columns = len(table.columns)
    label_width = LABEL_WIDTH if columns <= 5 else 36
    value_width = min((PAGE_WIDTH - label_width) / columns, 30)
    pdf.set_font(FONT, size=size)
    pdf.set_draw_color(*RULE_COLOUR)
    pdf.set_fill_color(255, 255, 255)
    with pdf.table(
        col_widths=(label_width, *[value_width] * columns),
        width=label_width + value_width * columns,
        align=Align.L,
        text_align=(Align.L, *[Align.R] * columns),
        line_height=size * 0.5,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        padding=(0.8, 1),
        headings_style=FontFace(emphasis="BOLD"),
        repeat_headings=1,
    ) as grid:
        heading = grid.row()
        heading.cell("")
        if table.months and columns > 5:  # the trend: "okt 2025" fits (in two lines) where "oktober 2025" would not
            headers = [date_as(month.first_day, "SHORT_YEAR_MONTH_FORMAT") for month in table.months]
        else:
            headers = table.columns
        for column in headers:
            heading.cell(str(column))
        for row in table.rows:
            style = FontFace(emphasis="BOLD") if row.kind == "total" else None
            line = grid.row(style=style)
            line.cell(str(row.label))
            for index, value in enumerate(row.values):
                text = str(figure_text(value, row.kind))
                line.cell(f"+{text}" if index == table.signed and isinstance(value, int) and value > 0 else text)
    if table.note:
        pdf.set_font(FONT, size=size - 1)
        pdf.multi_cell(0, 4.5, table.note, new_x="LMARGIN", new_y="NEXT")


def _chart(pdf: ReportPDF, title: str, labels: list[str], values: list):
    """The page's bar chart, drawn with lines and rectangles at the same proportions."""
    chart = bar_chart(title, labels, values)
    scale = PAGE_WIDTH / chart["width"]
    flatter = CHART_FLATTENING  # three charts and the key figures fit on the first page
    height = chart["height"] * scale * flatter
    if pdf.will_page_break(height + 8):
        pdf.add_page()
    _heading(pdf, title, 10)
    left, top = pdf.l_margin, pdf.get_y()

    def x(value):
        return left + value * scale

    def y(value):
        return top + value * scale * flatter

    pdf.set_draw_color(73, 80, 87)
    pdf.line(x(chart["left"]), y(chart["axis_y"]), x(chart["right"]), y(chart["axis_y"]))
    pdf.set_font(FONT, size=7)
    pdf.text(x(chart["left"]) - pdf.get_string_width(str(chart["top"])) - 1.5, y(chart["top_y"]) + 1, str(chart["top"]))
    pdf.set_fill_color(*BAR_COLOUR)
    for bar in chart["bars"]:
        if bar["height"]:
            pdf.rect(x(bar["x"]), y(bar["y"]), bar["width"] * scale, bar["height"] * scale * flatter, style="F")
        value = str(figure_text(bar["value"]))
        pdf.text(x(bar["centre"]) - pdf.get_string_width(value) / 2, y(bar["y"]) - 1, value)
        label = str(bar["label"])
        pdf.text(x(bar["centre"]) - pdf.get_string_width(label) / 2, y(chart["label_y"]), label)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_y(top + height + 2)


def to_pdf(report: MonthReport, approval: str = "", method: str = "", extra=()) -> bytes:
    """A4 pages: the header lines, the twelve-month trend as charts, then every table."""
    title = _("RED LIV monthly report")
    made = date_format(timezone.localtime(), "DATETIME_FORMAT")
    pdf = ReportPDF(footer_text=f"{title} · {report.month.label} · {report.scope_label}")
    pdf.set_title(f"{title}: {report.month.label}, {report.scope_label}")
    pdf.set_author("RED LIV")
    pdf.set_creator("RED LIV")
    pdf.set_lang(get_language() or "da")
    pdf.add_page()

    _heading(pdf, f"{title}: {report.month.label}", 16)
    pdf.set_font(FONT, size=10)
    for label, value in [*header_lines(report, approval, method, extra), (_("Made"), made)]:
        pdf.set_font(FONT, "B", 10)
        pdf.multi_cell(48, 5.5, label, new_x="RIGHT", new_y="TOP")
        pdf.set_font(FONT, size=10)
        # Lato has no arrow: "85 → 86" reads "85 -> 86" on paper.
        pdf.multi_cell(0, 5.5, str(value).replace("→", "->"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    trend = report.table("trend")
    short_labels = [date_as(month.first_day, "SHORT_MONTH_FORMAT") for month in trend.months]
    for row in trend.rows:
        _chart(pdf, f"{row.label}: {trend.title.lower()}", short_labels, row.values)
    for table in report.tables:
        # A table that fits on a page starts on a new one rather than leave its total behind.
        needed = 14 + (len(table.rows) + 1) * ROW_HEIGHT
        if pdf.will_page_break(needed if needed < pdf.eph else 40):
            pdf.add_page()
        pdf.ln(3)
        _heading(pdf, table.title, 11)
        _table(pdf, table, size=8 if len(table.columns) > 5 else 9)
    return bytes(pdf.output())
