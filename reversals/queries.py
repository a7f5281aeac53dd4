"""Figures from overdose-reversal reports, for the monthly report and the staff screens."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q

from kits.models import ReversalReport

Outcome = ReversalReport.Outcome


def local_midnight(day: dt.date) -> dt.datetime:
    """The start of a calendar day in the programme's time zone (Copenhagen)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def month_period(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The first day of the month and the first day of the next: a half-open period."""
    start = dt.date(year, month, 1)
    end = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return start, end


def reports_by_outcome(period_start: dt.date, period_end: dt.date, municipality=None) -> dict[str, int]:
    """Counting reports (verified; staff reports are stored verified) in [period_start, period_end).

    Days are Copenhagen days, so a report at 00:30 on the 1st belongs to that month
    whatever the UTC date. One aggregate query; every outcome is in the answer, also
    when it is zero, plus the total and how often 112 was called and an ambulance came.
    """
    reports = ReversalReport.objects.counting().filter(
        occurred_at__gte=local_midnight(period_start), occurred_at__lt=local_midnight(period_end),
    )
    if municipality is not None:
        reports = reports.in_municipality(municipality)
    counts = reports.aggregate(
        total=Count("pk"),
        called_112=Count("pk", filter=Q(called_112=True)),
        ambulance_arrived=Count("pk", filter=Q(ambulance_arrived=True)),
        **{outcome: Count("pk", filter=Q(outcome=outcome)) for outcome in Outcome.values},
    )
    return counts
