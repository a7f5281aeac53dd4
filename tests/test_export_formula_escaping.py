"""No cell of any export runs as a spreadsheet formula, whatever a name, reason or product starts with.

Every export (the month's CSV and XLSX, the stock movements CSV, the lot trace CSV) writes
through `reports.exports.csv_bytes` or `append_row`, which escape a cell that starts with
= + - @ TAB or CR with a leading apostrophe. Each test puts such text where a person can
type it, exports, and reads every cell back.
"""

import csv
import datetime as dt
import io
import zoneinfo

import pytest
import time_machine
from openpyxl import Workbook, load_workbook

from redliv.spreadsheet import FORMULA_STARTS, csv_bytes, safe_cell
from reports.exports import append_row
from tests import factories
from tests.conftest import VerifiedClient

pytestmark = pytest.mark.django_db

CPH = zoneinfo.ZoneInfo("Europe/Copenhagen")
HOSTILE = ["=1+2", "+1+2", "-1+2", "@SUM(1)", "\t=1+2+cmd|' /C calc'!A0", '\r=HYPERLINK("x")']


def csv_cells(content: bytes, separator=";"):
    text = content.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text), delimiter=separator) for cell in row]


def xlsx_cells(content: bytes):
    workbook = load_workbook(io.BytesIO(content))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def assert_no_formula(cells, hostile):
    texts = [cell for cell in cells if isinstance(cell, str)]
    assert not [text for text in texts if text.startswith(FORMULA_STARTS)], "a cell would run as a formula"
    for value in hostile:  # each typed text is there, escaped
        assert "'" + value in texts


@pytest.mark.parametrize("value", HOSTILE)
def test_the_one_writer_escapes_every_formula_start(value):
    assert safe_cell(value) == "'" + value
    assert csv_cells(csv_bytes([[value, 3]])) == ["'" + value, "3"]
    sheet = Workbook().active
    append_row(sheet, [value, 3])
    assert (sheet["A1"].value, sheet["A1"].data_type) == ("'" + value, "s")
    assert (sheet["B1"].value, sheet["B1"].data_type) == (3, "n")


def test_numbers_dates_and_harmless_text_are_left_as_they_are():
    day = dt.date(2026, 3, 1)
    assert [safe_cell(value) for value in [-3, 2.5, day, None, "Vollsmose", "<5", "–"]] == [
        -3,
        2.5,
        day,
        None,
        "Vollsmose",
        "<5",
        "–",
    ]


@pytest.fixture
def hostile_month(red_liv, coordinator, street_worker):
    """March 2026 in Odense, with a venue and an approver whose names start like formulas."""
    from reports.publication import approve_and_publish

    coordinator.first_name, coordinator.last_name = "@SUM(1)", ""
    coordinator.save()
    with time_machine.travel(dt.datetime(2026, 4, 10, 12, tzinfo=CPH), tick=False):
        for name in HOSTILE[:2] + HOSTILE[4:]:
            venue = factories.make_venue(red_liv, name=name)
            course = factories.make_course(venue, starts_at=dt.datetime(2026, 3, 10, 13, tzinfo=CPH))
            factories.make_attendance(course, street_worker)
        approve_and_publish(coordinator, red_liv.municipality, dt.date(2026, 3, 1))
        client = VerifiedClient()
        client.force_login(coordinator)
        yield client


def test_the_month_csv_escapes_venue_and_approver_names(hostile_month):
    for separator, name in [(";", "semicolon"), (",", "comma")]:
        response = hostile_month.get("/personale/maaned/csv/", {"month": "2026-03", "separator": name})
        assert response.status_code == 200
        cells = csv_cells(response.content, separator)
        assert_no_formula(cells, HOSTILE[:2] + HOSTILE[4:])
        assert any(cell.endswith("@SUM(1)") for cell in cells)  # inside the approval line, harmless


def test_the_month_xlsx_escapes_every_text_cell(hostile_month):
    response = hostile_month.get("/personale/maaned/xlsx/", {"month": "2026-03"})
    assert response.status_code == 200
    cells = xlsx_cells(response.content)
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    # XML keeps a carriage return as a line feed; the apostrophe before it is what counts.
    assert_no_formula([cell.value for cell in cells], [text.replace("\r", "\n") for text in HOSTILE[:2] + HOSTILE[4:]])


def test_the_month_xlsx_takes_a_venue_name_with_a_control_character_pasted_from_word(
    red_liv, coordinator, street_worker
):
    """A vertical tab (Word's line break, pasted into the venue form, which stores it) in a venue's name made
    every XLSX export of the venue's months a 500: an XLSX file cannot hold control characters, and openpyxl
    refused the cell. It is written as a space, and a formula behind one is still escaped."""
    with time_machine.travel(dt.datetime(2026, 4, 10, 12, tzinfo=CPH), tick=False):
        for name in ["Café\x0bSyd", "\x01=1+2"]:
            venue = factories.make_venue(red_liv, name=name)
            course = factories.make_course(venue, starts_at=dt.datetime(2026, 3, 10, 13, tzinfo=CPH))
            factories.make_attendance(course, street_worker)
        client = VerifiedClient()
        client.force_login(coordinator)
        response = client.get("/personale/maaned/xlsx/", {"month": "2026-03"})
    assert response.status_code == 200
    cells = xlsx_cells(response.content)
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert {"Café Syd", "' =1+2"} <= {cell.value for cell in cells}


@pytest.fixture
def hostile_stock(red_liv, coordinator):
    """A lot whose product, location and withdrawal reason start like formulas."""
    from kits.services import withdraw_handout

    with time_machine.travel(dt.datetime(2026, 3, 10, 12, tzinfo=CPH), tick=False):
        bag = factories.make_location(red_liv, name="-2+3 taske")
        batch = factories.make_batch(lot_number="NX-1", product="\r=1+1")
        factories.receive(batch, bag, 10, coordinator)
        handout = factories.hand_out(batch, bag, 2, coordinator)
        withdraw_handout(user=coordinator, handout=handout, reason="\t=1+2+cmd|' /C calc'!A0")
        client = VerifiedClient()
        client.force_login(coordinator)
        yield client


def test_the_movements_csv_escapes_reasons_products_and_locations(hostile_stock):
    response = hostile_stock.get("/personale/lager/bevaegelser/csv/", {"start": "2026-03-01", "end": "2026-03-31"})
    assert response.status_code == 200
    assert_no_formula(csv_cells(response.content), ["\r=1+1", "-2+3 taske", "\t=1+2+cmd|' /C calc'!A0"])


def test_the_lot_trace_csv_escapes_products_and_locations(hostile_stock):
    response = hostile_stock.get("/personale/lager/lot/csv/", {"lot": "NX-1"})
    assert response.status_code == 200
    assert_no_formula(csv_cells(response.content), ["\r=1+1", "-2+3 taske"])


@pytest.mark.parametrize("hidden", ["\u200b", "\ufeff", " ", "\u200b \u2060", "\u00a0"])
def test_a_formula_behind_invisible_characters_or_spaces_is_escaped_in_the_csv(hidden):
    reason = f"{hidden}=1+2"
    [cell] = csv_cells(csv_bytes([[reason]]))
    assert cell == "'" + reason
    assert safe_cell(f"{hidden}Kasseret, våd") == f"{hidden}Kasseret, våd"


def test_the_csv_for_danish_excel_writes_a_decimal_number_with_a_decimal_comma():
    from decimal import Decimal

    from redliv.spreadsheet import csv_bytes

    rows = [["Odense", 10.0, Decimal("4.8"), 12, "3.5 (text)"]]
    assert csv_bytes(rows, ";").decode("utf-8-sig") == "Odense;10,0;4,8;12;3.5 (text)\r\n"
    assert csv_bytes(rows, ",").decode("utf-8-sig") == "Odense,10.0,4.8,12,3.5 (text)\r\n"
