"""The monthly report's figures: counting reports by outcome, 112 and ambulance, in Copenhagen months."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from reports.figures import Month, month_report
from tests.reversal_helpers import make_report

pytestmark = pytest.mark.django_db

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def at(year, month, day, hour=12, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=COPENHAGEN)


def reports_by_outcome(month: Month, municipality=None) -> dict:
    """The month's column of the month report's table of reports by outcome."""
    with translation.override("en"):
        table = month_report(month, municipality).table("reports_by_outcome")
    shown = {row.label: row.values[0] for row in table.rows}
    return {
        "total": shown["Total"],
        "recovered": shown["Recovered on the spot"],
        "hospital": shown["Taken to hospital"],
        "died": shown["Died"],
        "unknown": shown["Unknown"],
        "called_112": shown["Reports where 112 was called"],
        "ambulance_arrived": shown["Reports where an ambulance came"],
    }


def test_it_counts_verified_reports_by_outcome_with_112_and_ambulance(district, coordinator):
    make_report(
        district,
        occurred_at=at(2025, 3, 2),
        outcome="recovered",
        review_status="verified",
        called_112=False,
        ambulance_arrived=False,
    )
    make_report(district, occurred_at=at(2025, 3, 9), outcome="hospital", review_status="verified")
    make_report(
        district,
        occurred_at=at(2025, 3, 10),
        outcome="hospital",
        source="staff",
        reported_by=coordinator,
        review_status="verified",
    )
    make_report(
        district,
        occurred_at=at(2025, 3, 11),
        outcome="died",
        review_status="verified",
        called_112=True,
        ambulance_arrived=False,
    )
    make_report(district, occurred_at=at(2025, 3, 12), outcome="hospital")  # pending
    make_report(district, occurred_at=at(2025, 3, 13), outcome="died", review_status="rejected", review_reason="Spam")
    assert reports_by_outcome(Month(2025, 3)) == {
        "total": 4,
        "recovered": 1,
        "hospital": 2,
        "died": 1,
        "unknown": 0,
        "called_112": 3,
        "ambulance_arrived": 2,
    }


def test_month_boundaries_are_copenhagen_time(district):
    # 00:30 on 1 April in Copenhagen is still 31 March in UTC.
    make_report(district, occurred_at=at(2025, 4, 1, 0, 30), review_status="verified")
    # 23:30 on 31 March in Copenhagen.
    make_report(district, occurred_at=at(2025, 3, 31, 23, 30), review_status="verified", outcome="unknown")
    april = reports_by_outcome(Month(2025, 4))
    march = reports_by_outcome(Month(2025, 3))
    assert april["total"] == 1 and april["recovered"] == 1
    assert march["total"] == 1 and march["unknown"] == 1


def test_december_ends_at_new_year(district):
    make_report(district, occurred_at=at(2024, 12, 31, 23, 59), review_status="verified")
    make_report(district, occurred_at=at(2025, 1, 1, 0, 0), review_status="verified")
    assert Month(2024, 12).end == Month(2025, 1).start
    assert reports_by_outcome(Month(2024, 12))["total"] == 1


def test_it_counts_one_municipality_or_all(district, aarhus_district, odense):
    make_report(district, occurred_at=at(2025, 5, 5), review_status="verified")
    make_report(aarhus_district, occurred_at=at(2025, 5, 6), review_status="verified")
    assert reports_by_outcome(Month(2025, 5), municipality=odense)["total"] == 1
    assert reports_by_outcome(Month(2025, 5))["total"] == 2


def test_an_empty_period_gives_zeros(db):
    assert reports_by_outcome(Month(2025, 6)) == {
        "total": 0,
        "recovered": 0,
        "hospital": 0,
        "died": 0,
        "unknown": 0,
        "called_112": 0,
        "ambulance_arrived": 0,
    }
