"""The month page's table of each stock location's month, for a coordinator reconciling the stock by
hand: opening, in, out, adjustments after counts and closing, matching the stock table's "On hand"; and the
same table in the CSV, XLSX and PDF the coordinator sends to the municipality."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from kits.models import StockMovement
from kits.queries import month_movements
from redliv.months import Month
from reports.exports import to_csv, to_xlsx
from reports.figures import MonthReport, Table, movements_table, stock_table
from reports.pdf import to_pdf
from tests import factories

pytestmark = pytest.mark.django_db

CPH = ZoneInfo("Europe/Copenhagen")


def on(day, hour=12):
    return dt.datetime(2026, 3, 1, hour, tzinfo=CPH) + dt.timedelta(days=day - 1)


@pytest.fixture
def march_stock(coordinator, red_liv):
    office = factories.make_location(red_liv, name="Kontoret")
    bag = factories.make_location(red_liv, name="Tasken")
    factories.make_location(red_liv, name="Aldrig brugt")  # never held kits: left out
    batch = factories.make_batch(received_on=dt.date(2026, 1, 1), expiry_date=dt.date(2027, 6, 1))
    move = {"batch": batch, "recorded_by": coordinator}
    factories.receive(batch, office, 10, coordinator, occurred_at=dt.datetime(2026, 2, 28, 23, 30, tzinfo=CPH))
    factories.receive(batch, office, 5, coordinator, occurred_at=on(3))
    StockMovement.objects.create(
        kind="transfer", from_location=office, to_location=bag, quantity=3, occurred_at=on(4), **move
    )
    handout = factories.hand_out(batch, office, 2, coordinator, occurred_at=on(5))
    StockMovement.objects.create(
        kind="adjustment", to_location=office, quantity=1, corrects=handout, reason="Fejl", occurred_at=on(6), **move
    )
    StockMovement.objects.create(
        kind="adjustment", from_location=office, quantity=1, reason="Optalt", occurred_at=on(31, 23), **move
    )
    factories.hand_out(batch, office, 4, coordinator, occurred_at=dt.datetime(2026, 4, 1, 0, 30, tzinfo=CPH))
    return {"office": office, "bag": bag, "batch": batch}


def test_each_location_reconciles_from_the_months_opening_to_its_closing(
    client, coordinator, odense, march_stock, django_assert_num_queries
):
    with django_assert_num_queries(2):
        rows = month_movements(Month(2026, 3), odense)
    assert [(r.location, r.opening, r.came_in, r.went_out, r.counted, r.closing) for r in rows] == [
        ("Kontoret", 10, 6, 5, -1, 10),
        ("Tasken", 0, 3, 0, 0, 3),
        ("I alt", 10, 9, 5, -1, 13),
    ]
    assert stock_table([Month(2026, 3)], odense).rows[0].values == [13]
    client.force_login(coordinator)
    page = client.get("/personale/maaned/", {"month": "2026-03"}).content.decode()
    assert 'data-table="stock-movements"' in page and "Reguleret efter optælling" in page
    assert '<td class="text-end">-1</td>' in page


def test_an_adjustment_reads_signed_and_no_location_reads_none_in_the_files(coordinator, odense, aarhus, march_stock):
    """The exports' table (test_monthly_report.py holds its figures to the page's): a count that found kits more
    reads "+2" in the PDF, as on the page, and is the number 2 in the spreadsheets; a municipality with no stock
    location gets "Ingen", as the other tables do."""
    StockMovement.objects.create(
        kind="adjustment", to_location=march_stock["bag"], quantity=2, reason="Optalt", occurred_at=on(20),
        batch=march_stock["batch"], recorded_by=coordinator,
    )  # fmt: skip
    march, trend = Month(2026, 3), Table("trend", "", [], months=[])  # the PDF draws the trend first
    report = MonthReport(march, odense, [trend, movements_table(march, odense)])
    text = pdf_text(to_pdf(report))
    assert "Tasken 0 3 0 +2 5" in text and "I alt 10 9 5 +1 15" in text
    sheet = load_workbook(io.BytesIO(to_xlsx(report)))["Lagerbevægelser pr. lokation"]
    tasken = next(row for row in sheet.iter_rows() if row[0].value == "Tasken")
    assert [cell.value for cell in tasken[1:6]] == [0, 3, 0, 2, 5] and tasken[4].number_format == "+0;-0;0"
    assert [int(cell) for cell in csv_rows(to_csv(report))[-3][1:]] == [0, 3, 0, 2, 5]

    none = MonthReport(march, aarhus, [trend, movements_table(march, aarhus)])
    assert csv_rows(to_csv(none))[-2:] == [["Ingen"], [movements_table(march, aarhus).note]]
    assert "Månedens lagerbevægelser pr. lokation Ingen." in pdf_text(to_pdf(none))
    sheet = load_workbook(io.BytesIO(to_xlsx(none)))["Lagerbevægelser pr. lokation"]
    assert "Ingen" in [cell.value for cell in sheet["A"]]


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)
