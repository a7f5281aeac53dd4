"""The month page's table of each stock location's month, for a coordinator reconciling the stock by
hand: opening, in, out, adjustments after counts and closing, matching the stock table's "On hand"."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kits.models import StockMovement
from kits.queries import month_movements
from redliv.months import Month
from reports.figures import stock_table
from tests import factories

pytestmark = pytest.mark.django_db

CPH = ZoneInfo("Europe/Copenhagen")


def on(day, hour=12):
    return dt.datetime(2026, 3, 1, hour, tzinfo=CPH) + dt.timedelta(days=day - 1)


def test_each_location_reconciles_from_the_months_opening_to_its_closing(
    client, coordinator, red_liv, odense, django_assert_num_queries
):
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
