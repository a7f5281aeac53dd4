"""Closing a month: approval, who may still change its entries, reopening, and the history."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from courses.models import Attendance
from redliv.closing import check_change_allowed, month_is_closed
from redliv.models import MonthClosing

pytestmark = pytest.mark.django_db


APPROVE, REOPEN = "/en/personale/maaned/godkend/", "/en/personale/maaned/genaabn/"
IN_MARCH = dt.date(2026, 3, 31)


def test_a_coordinator_approves_a_month_and_the_export_says_so(client, coordinator, odense):
    client.force_login(coordinator)
    response = client.post(APPROVE, {"month": "2026-03", "confirm_empty": "1"})
    assert response.status_code == 302
    assert month_is_closed(odense, IN_MARCH)
    assert not month_is_closed(odense, dt.date(2026, 4, 1))
    closing = MonthClosing.objects.get()
    assert (closing.by, closing.month, closing.action) == (coordinator, dt.date(2026, 3, 1), "approved")
    csv = client.get("/en/personale/maaned/csv/", {"month": "2026-03"}).content.decode("utf-8-sig")
    assert "Approved on" in csv and f"by {coordinator.username}" in csv
    page = client.get("/en/personale/maaned/", {"month": "2026-03"}).content.decode()
    assert "Approved on" in page and "Reopen the month" in page


def test_entries_in_a_closed_month_are_changed_only_by_a_coordinator_with_a_reason(
    client, coordinator, street_worker, odense
):
    client.force_login(coordinator)
    client.post(APPROVE, {"month": "2026-03", "confirm_empty": "1"})
    with pytest.raises(ValidationError) as refused:
        check_change_allowed(street_worker, odense, IN_MARCH, reason="typo")
    assert refused.value.code == "month_closed"
    with pytest.raises(ValidationError) as refused:
        check_change_allowed(coordinator, odense, IN_MARCH)
    assert refused.value.code == "month_closed_reason_needed"
    check_change_allowed(coordinator, odense, IN_MARCH, reason="Forkert antal deltagere")
    check_change_allowed(street_worker, odense, dt.date(2026, 4, 2))


def test_reopening_needs_a_reason_and_is_recorded(client, coordinator, street_worker, odense):
    client.force_login(coordinator)
    client.post(APPROVE, {"month": "2026-03", "confirm_empty": "1"})
    response = client.post(REOPEN, {"month": "2026-03", "reason": " "}, follow=True)
    assert "Give a reason for reopening the month." in response.content.decode()
    assert month_is_closed(odense, IN_MARCH)
    client.post(REOPEN, {"month": "2026-03", "reason": "Sen registrering fra gadeplan"})
    assert not month_is_closed(odense, IN_MARCH)
    check_change_allowed(street_worker, odense, IN_MARCH)
    assert list(MonthClosing.objects.order_by("at", "id").values_list("action", "reason")) == [
        ("approved", ""),
        ("reopened", "Sen registrering fra gadeplan"),
    ]
    page = client.get("/en/personale/maaned/", {"month": "2026-03"}).content.decode()
    assert "Reopened on" in page and "Sen registrering fra gadeplan" in page


def test_the_current_month_cannot_be_approved(client, coordinator, odense):
    from redliv.months import Month

    client.force_login(coordinator)
    response = client.post(APPROVE, {"month": str(Month.last_full().shift(1))}, follow=True)
    assert "Only a month that has ended can be approved." in response.content.decode()
    assert not MonthClosing.objects.exists()


def test_the_running_month_says_from_which_day_it_can_be_approved(client, coordinator, odense):
    """The running month showed no approve button and no reason why; it says when it can be approved."""
    client.force_login(coordinator)
    danish = client.get("/personale/maaned/", {"month": "2026-06"}).content.decode()
    assert "Måneden kan godkendes fra 1. juli 2026, når den er slut." in danish
    assert "Godkend måneden" not in danish
    english = client.get("/en/personale/maaned/", {"month": "2026-06"}).content.decode()
    assert "The month can be approved from 1 July 2026, when it has ended." in english
    ended = client.get("/en/personale/maaned/", {"month": "2026-05"}).content.decode()
    assert "Approve the month" in ended and "can be approved from" not in ended


def test_the_reopening_reason_is_marked_required_as_other_forms_mark_it(client, coordinator, odense):
    """The reason is required but its label had no "*", unlike the fields crispy renders."""
    client.force_login(coordinator)
    client.post(APPROVE, {"month": "2026-03", "confirm_empty": "1"})
    page = client.get("/personale/maaned/", {"month": "2026-03"}).content.decode()
    reopening = page.split('action="/personale/maaned/genaabn/"', 1)[1].split("</form>", 1)[0]
    assert 'Begrundelse for genåbning<span class="asteriskField">*</span>' in reopening
    explanation = "Felter med * skal udfyldes."
    assert explanation in reopening
    assert reopening.index(explanation) < reopening.index('class="asteriskField"')  # said before the star


def test_only_coordinators_of_the_municipality_may_close_it(client, other_coordinator, street_worker, odense):
    client.force_login(other_coordinator)
    assert client.post(APPROVE, {"month": "2026-03", "municipality": odense.pk}).status_code == 404
    client.force_login(street_worker)
    assert client.post(APPROVE, {"month": "2026-03", "confirm_empty": "1"}).status_code == 403
    assert client.get(APPROVE).status_code == 405
    assert not MonthClosing.objects.exists()


def test_an_administrator_closes_a_chosen_municipality(client, administrator, odense):
    client.force_login(administrator)
    assert (
        client.post(APPROVE, {"month": "2026-03", "confirm_empty": "1"}).status_code == 403
    )  # all municipalities: choose one
    client.post(APPROVE, {"month": "2026-03", "municipality": odense.pk, "confirm_empty": "1"})
    assert month_is_closed(odense, IN_MARCH)


def test_the_database_refuses_a_closing_that_is_not_the_first_of_a_month(coordinator, odense):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        MonthClosing.objects.create(municipality=odense, month=dt.date(2026, 3, 2), action="approved", by=coordinator)
    with pytest.raises(IntegrityError), transaction.atomic():
        MonthClosing.objects.create(municipality=odense, month=dt.date(2026, 3, 1), action="reopened", by=coordinator)


@pytest.mark.parametrize(
    ("utc_instant", "refused"),
    [
        (dt.datetime(2026, 5, 31, 21, 59, tzinfo=dt.UTC), True),  # 23:59 on 31 May in Copenhagen
        (dt.datetime(2026, 5, 31, 22, 0, tzinfo=dt.UTC), False),  # midnight: May has ended there
    ],
)
def test_the_database_refuses_a_closing_of_a_month_that_has_not_ended_in_copenhagen(
    coordinator, odense, utc_instant, refused
):
    """What lets an entry of this month skip the closing look-up (`check_change_allowed`)."""
    from django.db import IntegrityError, transaction

    may = {"municipality": odense, "month": dt.date(2026, 5, 1), "action": "approved", "by": coordinator}
    with time_machine.travel(utc_instant, tick=False):
        if refused:
            with pytest.raises(IntegrityError, match="monthclosing_month_has_ended"), transaction.atomic():
                MonthClosing.objects.create(**may)
        else:
            MonthClosing.objects.create(**may)
            assert month_is_closed(odense, dt.date(2026, 5, 31))


def test_an_entry_of_a_month_that_has_not_ended_is_allowed_without_a_look_up(
    street_worker, odense, django_assert_num_queries
):
    with django_assert_num_queries(0):
        check_change_allowed(street_worker, odense, timezone.now(), adding=True)


def test_a_coordinator_sets_the_training_target(client, coordinator, odense):
    client.force_login(coordinator)
    client.post("/en/personale/maaned/maal/", {"month": "2026-03", "people": "350", "audience": "people_who_use_drugs"})
    assert (odense.training_target.people, odense.training_target.audience) == (350, "people_who_use_drugs")
    response = client.post("/en/personale/maaned/maal/", {"month": "2026-03", "people": "-3"}, follow=True)
    assert "The target was not saved" in response.content.decode()
    odense.training_target.refresh_from_db()
    assert odense.training_target.people == 350


def test_a_street_worker_cannot_correct_an_entry_in_an_approved_month_but_a_coordinator_can_with_a_reason(
    coordinator, street_worker, odense, venue
):
    from courses.services import correct_held_course, withdraw_held_course
    from reports.publication import approve_and_publish
    from tests import factories

    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=10)
    starts_at = timezone.make_aware(dt.datetime.combine(last_month, dt.time(13)))
    course = factories.make_course(venue, starts_at=starts_at, status="held")
    attendance = factories.make_attendance(course, street_worker)
    approve_and_publish(coordinator, odense, last_month.replace(day=1))
    Attendance.objects.filter(pk=attendance.pk).update(logged_at=timezone.now())  # within the 24 hours
    attendance.refresh_from_db()

    arguments = dict(
        attendance=attendance,
        venue=venue,
        starts_at=starts_at,
        counts={"people_who_use_drugs": 6},
        refresher=2,
        kits=0,
        note="",
    )
    with pytest.raises(ValidationError) as refused:
        correct_held_course(user=street_worker, **arguments)
    assert refused.value.code == "month_closed"
    with pytest.raises(ValidationError) as no_reason:
        correct_held_course(user=coordinator, **arguments)
    assert no_reason.value.code == "month_closed_reason_needed"
    assert Attendance.objects.get(pk=attendance.pk).people_who_use_drugs == 5

    correct_held_course(user=coordinator, reason="Tællefejl på sedlen", **arguments)
    attendance.refresh_from_db()
    assert attendance.people_who_use_drugs == 6
    assert attendance.history.first().history_change_reason == "Tællefejl på sedlen"
    with pytest.raises(ValidationError):
        withdraw_held_course(user=coordinator, attendance=attendance)
    assert Attendance.objects.get(pk=attendance.pk).withdrawn_at is None


def test_the_page_names_who_reopened_a_month_as_the_approval_does(client, coordinator, odense):
    """One rule for the name in both lines: the full name, or the username when there is none."""
    from redliv.closing import approval_status

    coordinator.first_name, coordinator.last_name = "Karen", "Holm"
    coordinator.save()
    client.force_login(coordinator)
    client.post(APPROVE, {"month": "2026-03", "confirm_empty": "1"})
    latest, approval = approval_status(odense, IN_MARCH)
    assert latest.action == "approved" and approval.endswith(" Karen Holm")
    client.post(REOPEN, {"month": "2026-03", "reason": "Sen registrering"})
    latest, approval = approval_status(odense, IN_MARCH)
    assert (latest.action, approval) == ("reopened", "")
    assert approval_status(None, IN_MARCH) == (None, "")
    page = client.get("/en/personale/maaned/", {"month": "2026-03"}).content.decode()
    assert "by Karen Holm: Sen registrering" in page


def test_the_database_refuses_an_unknown_action(coordinator, odense):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        MonthClosing.objects.create(municipality=odense, month=dt.date(2026, 3, 1), action="closed", by=coordinator)


def test_approving_and_reopening_lock_the_municipality_first(coordinator, odense):
    """Two clicks at once wait for each other instead of both passing the 'already approved?' check.

    FOR NO KEY UPDATE: it lets foreign-key checks through (tests/test_finder_shared_copy_locks.py).
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from redliv.closing import reopen_month
    from reports.publication import approve_and_publish

    for act in (
        lambda: approve_and_publish(coordinator, odense, IN_MARCH.replace(day=1)),
        lambda: reopen_month(coordinator, odense, IN_MARCH.replace(day=1), "Sen registrering"),
    ):
        with CaptureQueriesContext(connection) as queries:
            act()
        sql = [query["sql"] for query in queries.captured_queries if "SAVEPOINT" not in query["sql"]]
        assert "redliv_municipality" in sql[0] and "FOR NO KEY UPDATE" in sql[0]  # conflicts with itself: one waits


def test_month_approvals_cannot_be_added_in_the_admin(client, administrator):
    from django.contrib import admin

    from redliv.admin import MonthClosingAdmin

    model_admin = MonthClosingAdmin(MonthClosing, admin.site)
    assert not model_admin.has_add_permission(type("Request", (), {"user": administrator})())
    client.force_login(administrator)
    assert client.get("/admin/redliv/monthclosing/add/").status_code == 403


def test_a_target_of_nought_gets_a_message_not_the_constraint_name(client, coordinator, odense):
    client.force_login(coordinator)
    response = client.post("/en/personale/maaned/maal/", {"month": "2026-03", "people": "0"}, follow=True)
    page = response.content.decode()
    assert "Enter a number from 1 to 1,000,000." in page and "trainingtarget_people_positive" not in page


@pytest.mark.django_db(transaction=True)
def test_the_first_training_target_sent_from_two_tabs_at_once_is_stored_once_and_both_are_told(coordinator, odense):
    from reports.models import TrainingTarget
    from tests.conftest import VerifiedClient
    from tests.simultaneous import at_once

    tabs = [VerifiedClient() for _ in "ab"]
    for tab in tabs:
        tab.force_login(coordinator)
    pages = []

    def send():
        tab = tabs.pop()
        tab.post("/en/personale/maaned/maal/", {"month": "2026-03", "people": "350", "audience": ""})
        pages.append(tab.get("/en/personale/maaned/", {"month": "2026-03"}).content.decode())

    assert at_once(2, send) == ["stored", "stored"]  # neither tab met a server error
    assert [page.count("The target is saved.") for page in pages] == [1, 1]
    assert TrainingTarget.objects.get().people == 350


@pytest.mark.parametrize("model", ["course", "dropinschedule"])
def test_courses_and_drop_in_hours_are_written_on_the_coordinators_pages_not_in_the_admin(
    client, administrator, venue, model
):
    """The admin's forms skipped the approved month's reason and the form key that plans a course once."""
    from tests import factories

    row = factories.make_course(venue) if model == "course" else factories.make_drop_in(venue)
    client.force_login(administrator)
    assert client.get(f"/admin/courses/{model}/add/").status_code == 403
    page = client.get(f"/admin/courses/{model}/{row.pk}/change/")
    assert page.status_code == 200 and 'type="submit"' not in page.content.decode().split('id="content"')[1]
    assert client.post(f"/admin/courses/{model}/{row.pk}/change/", {}).status_code == 403
    assert client.get(f"/admin/courses/{model}/{row.pk}/delete/").status_code == 403


def test_a_write_to_a_month_that_names_no_month_it_may_change_changes_nothing(client, coordinator, odense):
    """The month page falls back to the last full month when the month asked for is missing or malformed;
    approving and reopening did the same, so a tampered or truncated post approved (and published), or
    reopened, a month no one had asked for, under an error message. Now nothing is written."""
    from reports.models import PublishedMonth, TrainingTarget

    may = dt.date(2026, 5, 31)  # the last full month on 11 June
    wrong = ["", "2026-13", "0001-01", "2099-01"]
    client.force_login(coordinator)
    for month in wrong:
        client.post(APPROVE, {"month": month, "confirm_empty": "1"})
    assert not month_is_closed(odense, may) and not PublishedMonth.objects.exists()
    client.post(APPROVE, {"month": "2026-05", "confirm_empty": "1"})
    for month in wrong:
        client.post(REOPEN, {"month": month, "reason": "Sen registrering"})
        client.post("/en/personale/maaned/maal/", {"month": month, "people": "350"})
    assert month_is_closed(odense, may) and not TrainingTarget.objects.exists()
    response = client.post(REOPEN, {"month": "2026-5", "reason": "Sen registrering"}, follow=True)
    assert "Nothing was changed. Choose a month as YYYY-MM" in response.content.decode()
