"""The month page's table of each stock location's month, for a coordinator reconciling the stock by
hand: opening, in, out, adjustments after counts and closing, matching the stock table's "On hand"; and the
same table in the CSV, XLSX and PDF the coordinator sends to the municipality."""

import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from kits.models import StockMovement
from kits.queries import month_movements
from redliv.months import Month
from reports.figures import stock_table
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


TITLE = "Månedens lagerbevægelser pr. lokation"


def page_movements(content: str) -> dict:
    """The page's table as the coordinator reads it: {location: [cells]}."""
    table = content.split('data-table="stock-movements"')[1].split("</table>")[0]
    return {
        label: re.findall(r'<td class="text-end">([^<]*)</td>', cells)
        for label, cells in re.findall(r'<tr data-row="([^"]+)"[^>]*>(.*?)</tr>', table)
    }


def csv_table(content: bytes, title: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    start = rows.index([title])
    return rows[start + 1 : rows.index([], start)]


def test_every_export_has_the_pages_stock_movements_with_the_same_figures(client, coordinator, march_stock):
    """The page showed each location's month; the CSV, XLSX and PDF sent to the municipality did not have it.
    A count that found kits more reads "+2" on the page and the PDF, and is the number 2 in the spreadsheets."""
    StockMovement.objects.create(
        kind="adjustment", to_location=march_stock["bag"], quantity=2, reason="Optalt", occurred_at=on(20),
        batch=march_stock["batch"], recorded_by=coordinator,
    )  # fmt: skip
    client.force_login(coordinator)
    month = {"month": "2026-03"}
    page = page_movements(client.get("/personale/maaned/", month).content.decode())
    assert page == {
        "Kontoret": ["10", "6", "5", "-1", "10"],
        "Tasken": ["0", "3", "0", "+2", "5"],
        "I alt": ["10", "9", "5", "+1", "15"],
    }
    numbers = {location: [int(cell) for cell in cells] for location, cells in page.items()}

    rows = csv_table(client.get("/personale/maaned/csv/", month).content, TITLE)
    assert rows[0] == ["", "Ved start", "Ind", "Ud", "Reguleret efter optælling", "Ved slut"]
    assert {row[0]: [int(cell) for cell in row[1:]] for row in rows[1:-1]} == numbers
    assert rows[-1][0].startswith("Til afstemning i hånden")

    workbook = load_workbook(io.BytesIO(client.get("/personale/maaned/xlsx/", month).content))
    sheet = workbook["Lagerbevægelser pr. lokation"]
    assert workbook.sheetnames.index(sheet.title) == workbook.sheetnames.index("Lager ved månedens udgang") + 1
    assert sheet["A1"].value == TITLE and sheet["B2"].value.date() == dt.date(2026, 3, 1)
    cells = {row[0]: list(row[1:6]) for row in sheet.iter_rows(values_only=True) if row[0] in numbers}
    assert cells == numbers
    assert next(row for row in sheet.iter_rows() if row[0].value == "Tasken")[4].number_format == "+0;-0;0"

    pdf = client.get("/personale/maaned/pdf/", month).content
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)
    for location, cells in page.items():
        assert " ".join([location, *cells]) in text, location


def test_a_municipality_without_stock_locations_gets_none_in_every_export(client, other_coordinator):
    client.force_login(other_coordinator)
    month = {"month": "2026-03"}
    assert csv_table(client.get("/personale/maaned/csv/", month).content, TITLE)[1] == ["Ingen"]
    workbook = load_workbook(io.BytesIO(client.get("/personale/maaned/xlsx/", month).content))
    assert [cell.value for cell in workbook["Lagerbevægelser pr. lokation"]["A"]][-3:-1] == ["Ingen", None]
    pdf = client.get("/personale/maaned/pdf/", month).content
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)
    assert f"{TITLE} Ingen." in text
