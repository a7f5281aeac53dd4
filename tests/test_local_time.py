"""Every time a person reads is Copenhagen time, pinned at both daylight-saving changes.

Spring: 29 March 2026, 02:00 CET becomes 03:00 CEST (01:30 UTC is 03:30). Autumn:
25 October 2026, 03:00 CEST becomes 02:00 CET, so 02:30 comes twice (00:30 and 01:30 UTC).
"""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from courses.models import Course
from reports.figures import Month, month_report
from reports.publication import approve_and_publish
from reversals.models import ReversalReport
from tests import factories
from tests.monthly_data import attend, report
from tests.test_monthly_report import pdf_text

pytestmark = pytest.mark.django_db

UTC = dt.UTC
SPRING = dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST
AUTUMN_FIRST = dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
AUTUMN_SECOND = dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET


@pytest.mark.parametrize(
    "starts_at, shown",
    [
        (SPRING, "Pop-up 29. mar 2026 03:30"),
        (AUTUMN_FIRST, "Pop-up 25. okt 2026 02:30"),
        (AUTUMN_SECOND, "Pop-up 25. okt 2026 02:30"),
        (dt.datetime(2026, 12, 5, 11, 0, tzinfo=UTC), "Pop-up 5. dec 2026 12:00"),
        (dt.datetime(2026, 10, 31, 23, 30, tzinfo=UTC), "Pop-up 1. nov 2026 00:30"),
    ],
)
def test_a_course_without_a_title_is_named_by_its_local_time(venue, starts_at, shown):
    course = factories.make_course(venue, starts_at=starts_at, format="pop_up", title="")
    assert str(course) == shown


def test_a_reversal_report_is_named_by_its_local_date(district):
    made = report(district, dt.datetime(2026, 10, 31, 23, 30, tzinfo=UTC))
    assert str(made).startswith("1. nov 2026 ")


def test_the_course_page_title_and_the_lot_trace_show_local_time(client, coordinator, venue, red_liv):
    course = factories.make_course(venue, starts_at=SPRING, format="pop_up", title="")
    client.force_login(coordinator)
    page = client.get(f"/personale/kurser/{course.pk}/").content.decode()
    assert "<title>Pop-up 29. mar 2026 03:30 · RED LIV</title>" in page
    bag = factories.make_location(red_liv)
    batch = factories.make_batch(lot_number="LOT-DST", received_on=dt.date(2026, 3, 1))
    factories.receive(batch, bag, 10, coordinator, occurred_at=dt.datetime(2026, 3, 1, 9, tzinfo=UTC))
    factories.hand_out(batch, bag, 2, coordinator, occurred_at=SPRING, recipient_audience=None, course=course)
    trace = client.get("/personale/lager/lot/", {"lot": "LOT-DST"}).content.decode()
    assert "Pop-up 29. mar 2026 03:30" in trace and "01:30" not in trace
    lot_csv = client.get("/personale/lager/lot/csv/", {"lot": "LOT-DST"}).content.decode("utf-8-sig")
    assert "Pop-up 29. mar 2026 03:30" in lot_csv and "2026-03-29 01:30" not in lot_csv


def test_a_course_on_the_night_the_clocks_go_back_counts_in_its_local_month(coordinator, venue):
    # 31 October 23:30 UTC is 1 November 00:30 in Copenhagen (CET): November's, not October's.
    attend(
        factories.make_course(venue, starts_at=dt.datetime(2026, 10, 31, 23, 30, tzinfo=UTC)),
        coordinator,
        people_who_use_drugs=6,
    )
    attend(factories.make_course(venue, starts_at=AUTUMN_SECOND), coordinator, people_who_use_drugs=7)

    def participants(month):
        summary = month_report(month, venue.municipality).table("summary")
        return next(row for row in summary.rows if row.cell == "participants").values[0]

    assert (participants(Month(2026, 10)), participants(Month(2026, 11))) == (7, 6)


def test_the_exports_say_when_the_month_was_approved_in_local_time(client, coordinator, odense):
    import time_machine

    with time_machine.travel(AUTUMN_SECOND, tick=False):  # 02:30 CET, the second time that night
        approve_and_publish(coordinator, odense, dt.date(2026, 9, 1))
    with time_machine.travel(dt.datetime(2026, 11, 10, 12, tzinfo=UTC), tick=False):
        client.force_login(coordinator)
        csv = client.get("/personale/maaned/csv/", {"month": "2026-09"}).content.decode("utf-8-sig")
        xlsx = client.get("/personale/maaned/xlsx/", {"month": "2026-09"}).content
        document = pdf_text(client.get("/personale/maaned/pdf/", {"month": "2026-09"}).content)
    assert "Godkendt 25. okt 2026 02:30 af koordinator-carla" in csv
    assert (
        load_workbook(io.BytesIO(xlsx)).worksheets[0]["B4"].value == "Godkendt 25. okt 2026 02:30 af koordinator-carla"
    )
    assert "Godkendt 25. okt 2026 02:30 af koordinator-carla" in document
    assert ReversalReport.objects.count() == 0 and Course.objects.count() == 0
