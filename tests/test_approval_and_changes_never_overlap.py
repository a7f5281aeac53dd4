"""An approval and a change to an entry of its month never overlap (redliv.closing): an entry sent
while the month is being approved waits and then meets the approval; an approval asked for while an
entry of the month is being stored waits and then counts it. Before, the approval kept figures worked
out before it took its lock, and the check of an entry held nothing, so an entry could land in an
approved month between the two and show up at once as "changed since the approval", with no one's
reason.

Each test runs two requests on their own connections; the first is held at its decisive point while
the second is sent, and released once PostgreSQL shows the second waiting for a lock.
"""

import datetime as dt
import threading
import time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from courses.models import Attendance
from courses.services import log_held_course
from kits.models import Handout
from kits.services import record_handout
from redliv.closing import month_is_closed
from reports.publication import approve_and_publish
from reversals.models import ReversalReport
from reversals.services import create_reversal_report, review_report
from tests import factories
from tests.reversal_helpers import ANSWERS

pytestmark = pytest.mark.django_db(transaction=True)

CPH = ZoneInfo("Europe/Copenhagen")
MAY = dt.date(2026, 5, 1)  # ended at the tests' instant (11 June 2026)
IN_MAY = dt.datetime(2026, 5, 20, 14, 0, tzinfo=CPH)


class Outcome:
    """What a request on another thread did: its value, or the ValidationError's code."""

    def __init__(self, call):
        self.value = None
        self.thread = threading.Thread(target=self._run, args=(call,))
        self.thread.start()

    def _run(self, call):
        try:
            self.value = call()
        except ValidationError as error:
            self.value = error.code
        finally:
            connection.close()

    def result(self):
        self.thread.join(20)
        assert not self.thread.is_alive(), "the request never finished"
        return self.value


def wait_until_someone_waits_for_a_lock():
    for _ in range(1000):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.01)
    pytest.fail("the second request never waited for the first")


def approval_held_while(coordinator, municipality, send_entry):
    """Approve May, holding the approval where it works out its figures while `send_entry` runs."""
    reached, release = threading.Event(), threading.Event()

    def figures():
        reached.set()
        release.wait(20)
        return {"tables": {}, "labels": {}}

    approval = Outcome(lambda: approve_and_publish(coordinator, municipality, MAY, figures)[0])
    assert reached.wait(20)
    entry = Outcome(send_entry)
    wait_until_someone_waits_for_a_lock()
    release.set()
    return approval.result(), entry.result()


@pytest.fixture
def bag(red_liv, coordinator):
    bag = factories.make_location(red_liv, name="Gadeteamets taske")
    factories.receive(factories.make_batch(), bag, 10, coordinator, occurred_at=IN_MAY - dt.timedelta(days=10))
    return bag


def test_a_handout_sent_while_its_month_is_being_approved_waits_and_then_meets_the_approval(
    bag, street_worker, coordinator, red_liv
):
    def hand_out():
        return record_handout(
            user=street_worker, location=bag, quantity=1, reason="replaces_used", audience="other", occurred_at=IN_MAY
        )

    approval, entry = approval_held_while(coordinator, red_liv.municipality, hand_out)
    assert approval.action == "approved"
    assert entry == "month_closed"
    assert not Handout.objects.exists()


def test_a_course_logged_while_its_month_is_being_approved_waits_and_then_meets_the_approval(
    bag, street_worker, coordinator, red_liv, venue
):
    def log_course():
        return log_held_course(
            user=street_worker, venue=venue, starts_at=IN_MAY, counts={"people_who_use_drugs": 3}, kits=3, location=bag
        )

    approval, entry = approval_held_while(coordinator, red_liv.municipality, log_course)
    assert approval.action == "approved"
    assert entry == "month_closed"
    assert not Attendance.objects.exists() and not Handout.objects.exists()


def test_a_report_verified_while_its_month_is_being_approved_waits_and_then_meets_the_approval(coordinator, red_liv):
    district = factories.make_district(red_liv.municipality, name="Vollsmose")
    report, _created = create_reversal_report(  # a public report: it counts once a coordinator verifies it
        district=district,
        occurred_at=IN_MAY,
        **ANSWERS,
    )

    def verify():
        return review_report(report=report, user=coordinator, verified=True)

    approval, review = approval_held_while(coordinator, red_liv.municipality, verify)
    assert approval.action == "approved"
    assert review == "month_closed_reason_needed"
    assert ReversalReport.objects.get().review_status == ReversalReport.ReviewStatus.PENDING


def test_an_approval_asked_for_while_an_entry_of_its_month_is_being_stored_waits_and_counts_it(
    bag, street_worker, coordinator, red_liv
):
    stored, release = threading.Event(), threading.Event()

    def hand_out_and_hold():
        with transaction.atomic():  # the street API's insert, held before its commit
            record_handout(
                user=street_worker,
                location=bag,
                quantity=1,
                reason="replaces_used",
                audience="other",
                occurred_at=IN_MAY,
            )
            stored.set()
            release.wait(20)
        return "stored"

    entry = Outcome(hand_out_and_hold)
    assert stored.wait(20)
    # The figures the approval keeps: here, the handouts of May it can see once it holds the month.
    approval = Outcome(
        lambda: approve_and_publish(
            coordinator,
            red_liv.municipality,
            MAY,
            lambda: {"tables": {"kits": {"handouts": [Handout.objects.count()]}}, "labels": {}},
        )
    )
    wait_until_someone_waits_for_a_lock()
    release.set()
    assert entry.result() == "stored"
    assert approval.result()[0].figures["tables"]["kits"]["handouts"] == [1]
    assert month_is_closed(red_liv.municipality, IN_MAY)


def test_a_delivery_received_in_a_month_being_approved_waits_and_then_needs_a_reason(coordinator, red_liv, bag):
    from kits.models import StockMovement
    from kits.services import register_delivery

    kit_type = factories.make_kit_type()

    def deliver():
        try:
            return register_delivery(
                user=coordinator,
                location=bag,
                kit_type=kit_type,
                product="Nyxoid",
                lot_number="LOT-MAY",
                expiry_date=dt.date(2028, 1, 1),
                on_date=IN_MAY.date(),
                quantity=5,
            )
        except ValidationError as error:  # beside the form's change_reason field
            return error.error_dict["change_reason"][0].code

    approval, entry = approval_held_while(coordinator, red_liv.municipality, deliver)
    assert approval.action == "approved"
    assert entry == "month_closed_reason_needed"
    assert not StockMovement.objects.filter(batch__lot_number="LOT-MAY").exists()


def test_a_course_planned_into_a_month_being_approved_waits_and_then_needs_a_reason(coordinator, red_liv, venue):
    from courses.forms import CourseForm
    from courses.models import Course
    from courses.services_planning import save_course
    from tests.test_coordinator_courses import course_data

    form = CourseForm(course_data(venue, IN_MAY.date()), user=coordinator)
    assert form.is_valid()
    approval, entry = approval_held_while(coordinator, red_liv.municipality, lambda: save_course(form, coordinator))
    assert approval.action == "approved"
    assert entry == "month_closed_reason_needed"
    assert not Course.objects.exists()


def test_a_handout_corrected_while_its_month_is_being_approved_waits_and_is_named_after_it(
    bag, street_worker, coordinator, red_liv
):
    from kits.services import correct_movement
    from redliv.models import MonthClosing
    from reports.approval import corrections_since

    handout, _created = record_handout(
        user=street_worker, location=bag, quantity=2, reason="replaces_used", audience="other", occurred_at=IN_MAY
    )

    def correct():
        return correct_movement(user=coordinator, movement=handout, reason="Talt forkert")[0]

    approval, correction = approval_held_while(coordinator, red_liv.municipality, correct)
    assert approval.action == "approved"
    assert correction.recorded_at > approval.at  # after the approval: the month page names it
    assert [c.reason for c in corrections_since(MonthClosing.objects.get())] == ["Talt forkert"]
