"""Approved months stay approved: new entries dated in them are refused for everyone but a
coordinator who gives a reason, from the tablet's queue as from the services."""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from courses.models import Attendance
from courses.services import log_held_course
from kits.models import StockMovement
from kits.services import record_handout
from reports.publication import approve_and_publish
from reversals.models import ReversalReport
from reversals.services import create_reversal_report
from tests.reversal_helpers import ANSWERS
from tests.test_street_logging import course_fields, handout_fields, logged_in, report_fields, send

pytestmark = pytest.mark.django_db

CPH = ZoneInfo("Europe/Copenhagen")
NOW = dt.datetime(2026, 11, 10, 12, 0, tzinfo=CPH)
IN_OCTOBER = {"date": "2026-10-28", "time": "15:00"}


@pytest.fixture
def approved_october(coordinator, odense):
    with time_machine.travel(NOW, tick=False):
        approve_and_publish(coordinator, odense, dt.date(2026, 10, 1))
        yield


def test_the_tablet_is_refused_a_course_dated_in_an_approved_month_and_told_why(
    approved_october, street_worker, venue, bag
):
    with time_machine.travel(NOW, tick=False):
        response = send(logged_in(street_worker), "course", course_fields(venue, bag, kits=0, **IN_OCTOBER))
    assert response.status_code == 400
    message = response.json()["message"]
    assert message.startswith("oktober 2026 er godkendt (Godkendt")
    assert "ret datoen, eller bed en koordinator" in message
    assert not Attendance.objects.exists()


def test_the_tablet_is_refused_a_handout_and_a_report_dated_in_an_approved_month(
    approved_october, street_worker, bag, district
):
    client = logged_in(street_worker)
    with time_machine.travel(NOW, tick=False):
        handout = send(client, "handout", handout_fields(bag, **IN_OCTOBER))
        report = send(client, "report", report_fields(district, **IN_OCTOBER))
    assert (handout.status_code, report.status_code) == (400, 400)
    assert "er godkendt" in handout.json()["message"] and "er godkendt" in report.json()["message"]
    assert not StockMovement.objects.filter(kind="handout").exists() and not ReversalReport.objects.exists()


def test_a_resend_of_an_entry_stored_before_the_approval_is_answered_as_stored(
    coordinator, odense, street_worker, venue, bag
):
    fields = course_fields(venue, bag, kits=0, **IN_OCTOBER)
    with time_machine.travel(dt.datetime(2026, 10, 29, 9, 0, tzinfo=CPH), tick=False):
        assert send(logged_in(street_worker), "course", fields).status_code == 201
    with time_machine.travel(NOW, tick=False):  # a new session: the first would have expired by now
        approve_and_publish(coordinator, odense, dt.date(2026, 10, 1))
        assert send(logged_in(street_worker), "course", fields).status_code == 200
    assert Attendance.objects.count() == 1


def test_a_coordinator_adds_an_entry_to_an_approved_month_only_with_a_reason(approved_october, coordinator, venue):
    def log(**extra):
        return log_held_course(
            user=coordinator,
            venue=venue,
            starts_at=dt.datetime(2026, 10, 28, 15, tzinfo=CPH),
            counts={"people_who_use_drugs": 4},
            key=uuid.uuid4(),
            **extra,
        )

    with time_machine.travel(NOW, tick=False):
        with pytest.raises(ValidationError) as refused:
            log()
        assert refused.value.code == "month_closed_reason_needed"
        attendance, created = log(change_reason="Papirskema fundet efter godkendelsen")
    assert created
    assert attendance.history.get().history_change_reason == "Papirskema fundet efter godkendelsen"


def test_a_street_worker_is_refused_through_every_service_not_only_the_tablet(
    approved_october, street_worker, bag, district
):
    when = dt.datetime(2026, 10, 28, 15, tzinfo=CPH)
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(ValidationError) as refused:
            record_handout(
                user=street_worker,
                location=bag,
                quantity=1,
                reason="first_supply",
                audience="professionals",
                occurred_at=when,
            )
        assert refused.value.code == "month_closed"
        with pytest.raises(ValidationError):
            record_handout(
                user=street_worker,
                location=bag,
                quantity=1,
                reason="first_supply",
                audience="professionals",
                occurred_at=when,
                change_reason="a street worker's reason is not enough",
            )


def test_a_public_report_about_an_approved_month_waits_for_review_as_before(approved_october, district):
    with time_machine.travel(NOW, tick=False):
        report, created = create_reversal_report(
            district=district,
            occurred_at=dt.datetime(2026, 10, 20, 23, tzinfo=CPH),
            **ANSWERS,
        )
    assert created and report.review_status == ReversalReport.ReviewStatus.PENDING
