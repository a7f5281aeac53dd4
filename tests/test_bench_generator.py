"""The national-data generator of the benchmark still fits the schema (on a tiny scale; no timing here)."""

import pytest
from django.db.models import Sum

from bench.generate import generate
from courses.models import Attendance, Course
from kits.models import StockLevel, StockMovement
from redliv.models import Municipality
from reversals.models import ReversalReport


@pytest.mark.django_db(transaction=True)
def test_the_generator_fills_two_municipalities_for_a_month_with_stock_that_adds_up():
    result = generate(municipality_count=2, years=1 / 12, courses=60, handouts=200, reports=10, out=lambda _: None)

    assert Municipality.objects.count() == 2
    assert Course.objects.count() == 60
    assert Attendance.objects.count() == Course.objects.filter(status="held").count() > 0
    assert StockMovement.objects.filter(kind="handout").count() == result["rows"]["handouts"] == 200
    assert ReversalReport.objects.count() == 10
    # The levels rebuilt from the ledger are what the trigger keeps: receipts and transfers in, the rest out.
    for level in StockLevel.objects.all():
        incoming = (
            StockMovement.objects.filter(to_location=level.location, batch=level.batch).aggregate(
                total=Sum("quantity")
            )["total"]
            or 0
        )
        outgoing = (
            StockMovement.objects.filter(from_location=level.location, batch=level.batch).aggregate(
                total=Sum("quantity")
            )["total"]
            or 0
        )
        assert level.quantity == incoming - outgoing >= 0
