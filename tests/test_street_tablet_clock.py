"""A street entry's date and time come from the tablet's clock, and its queue may hold it offline for days.

The server refuses a date and time taken from a clock that was wrong (with what the clock showed, in Danish),
and one in the future; the entry stays on the tablet to be set by hand. The 60 days a street worker may log
back are counted from when the entry was written, not from when it arrived.
"""

import datetime as dt
import uuid

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.formats import date_format

from courses.models import Attendance
from reversals.models import ReversalReport
from reversals.services import check_report
from street.forms import opened_token
from tests.test_street_logging import course_fields, logged_in, nothing_written, refused, report_fields, send

pytestmark = pytest.mark.django_db


def ms(moment):
    """A moment as the tablet's JavaScript sends it: Date.now(), milliseconds since 1970."""
    return str(int(moment.timestamp() * 1000))


def saved_on_the_tablet(venue, bag, *, opened, clock, **changes):
    """An entry saved on a page the server made at `opened`, the date and time from the tablet's `clock`."""
    shown = timezone.localtime(clock)
    tablet = {"date": shown.date().isoformat(), "time": shown.strftime("%H:%M"), "kits": 0}
    return course_fields(venue, bag, opened=opened_token(opened), written=ms(clock), **{**tablet, **changes})


def as_the_clock_showed(clock):
    with translation.override("da"):
        return date_format(timezone.localtime(clock), "SHORT_DATETIME_FORMAT")


WRONG_CLOCKS = {
    "three hours fast": lambda now: now + dt.timedelta(hours=3),
    "a day fast": lambda now: now + dt.timedelta(days=1),
    "a year behind": lambda now: now - dt.timedelta(days=365),
    "reset to 1970 by a flat battery": lambda now: dt.datetime(1970, 1, 1, 0, 7, tzinfo=dt.UTC),
}


@pytest.mark.parametrize("wrong", WRONG_CLOCKS.values(), ids=WRONG_CLOCKS.keys())
def test_a_date_and_time_from_a_wrong_clock_are_refused_with_what_it_showed_and_taken_once_set_by_hand(
    street_worker, coordinator, venue, bag, wrong
):
    """Before, a clock fast was told "cannot be in the future", a clock behind "at most 60 days back" (to the
    coordinator: nothing, and the course was stored in January 1970)."""
    now = timezone.now()
    clock = wrong(now)
    for worker in (street_worker, coordinator):
        fields = saved_on_the_tablet(venue, bag, opened=now - dt.timedelta(minutes=3), clock=clock)
        message = refused(logged_in(worker), fields, "date")
        assert message.startswith("Dato og klokkeslæt kom fra tablettens ur, som gik forkert"), message
        assert f"(det viste {as_the_clock_showed(clock)})" in message
    assert nothing_written()

    # The worker sets the date and time by hand, on the same tablet (its clock still wrong): stored, then.
    really = timezone.localtime(now - dt.timedelta(minutes=20))
    fields = {**fields, "date": really.date().isoformat(), "time": really.strftime("%H:%M")}
    assert send(logged_in(street_worker), "course", fields).status_code == 201
    assert timezone.localtime(Attendance.objects.get().course.starts_at) == really.replace(second=0, microsecond=0)


def test_a_clock_a_few_minutes_off_is_not_refused(street_worker, venue, bag):
    now = timezone.now()
    client = logged_in(street_worker)
    for clock in (now + dt.timedelta(minutes=4), now - dt.timedelta(minutes=30)):
        fields = saved_on_the_tablet(venue, bag, opened=now - dt.timedelta(minutes=34), clock=clock)
        assert send(client, "course", fields).status_code == 201
    assert Attendance.objects.count() == 2


def test_a_course_set_by_hand_in_the_future_is_refused_as_such(street_worker, venue, bag):
    now = timezone.now()
    tomorrow = timezone.localtime(now + dt.timedelta(days=1))
    fields = saved_on_the_tablet(venue, bag, opened=now, clock=now, date=tomorrow.date().isoformat())
    assert refused(logged_in(street_worker), fields, "date") == "Dato og klokkeslæt kan ikke ligge i fremtiden."


def test_an_entry_written_59_days_after_its_date_is_stored_when_it_arrives_two_days_later(
    at_instant, street_worker, venue, bag
):
    """An entry queued offline was judged by the day it reached the server: made 59 days after the course and
    sent two days later, it was refused as 61 days back, and the worker could not correct it (the date was
    right). The days are counted from when it was written."""
    now = timezone.now()
    written = now - dt.timedelta(days=2)
    day = timezone.localdate(written) - dt.timedelta(days=59)
    fields = saved_on_the_tablet(
        venue, bag, opened=written - dt.timedelta(minutes=5), clock=written, date=day.isoformat(), time="12:00"
    )
    response = send(logged_in(street_worker), "course", fields)
    assert response.status_code == 201, response.content
    assert timezone.localtime(Attendance.objects.get().course.starts_at).date() == day


def test_a_street_worker_still_cannot_back_date_beyond_60_days_at_the_time_of_writing(street_worker, venue, bag):
    now = timezone.now()
    client = logged_in(street_worker)
    written = now - dt.timedelta(days=2)
    day = timezone.localdate(written) - dt.timedelta(days=61)
    fields = saved_on_the_tablet(venue, bag, opened=written, clock=written, date=day.isoformat(), time="12:00")
    assert "60 dage" in refused(client, fields, "date")
    # A tablet that claims to have written it long ago, on a page the server made yesterday: written after that.
    day = timezone.localdate(now) - dt.timedelta(days=70)
    claims = now - dt.timedelta(days=50)
    fields = saved_on_the_tablet(
        venue, bag, opened=now - dt.timedelta(days=1), clock=claims, date=day.isoformat(), time="12:00"
    )
    assert "60 dage" in refused(client, fields, "date")
    # Written 40 days after the course by its own claim, on a page the server did not make: the claim is not
    # taken, and the day the entry arrives counts (as for an entry queued before the tablet sent either).
    claims = now - dt.timedelta(days=30)
    fields = saved_on_the_tablet(
        venue, bag, opened=claims - dt.timedelta(days=1), clock=claims, date=day.isoformat(), time="12:00"
    )
    fields["opened"] = fields["opened"][:-2] + ("xx" if not fields["opened"].endswith("xx") else "yy")
    assert "60 dage" in refused(client, fields, "date")
    assert nothing_written()


def test_a_resend_of_a_stored_entry_days_later_is_answered_as_stored(street_worker, venue, bag):
    """The answer to an entry 59 days back was lost and the tablet went offline; its resend came two days later
    and was refused as 61 days back, though stored: the queue showed a stored entry as refused, to be corrected
    and sent again (under a new key, when the old one was taken: twice)."""
    now = timezone.now()
    day = timezone.localdate(now) - dt.timedelta(days=59)
    fields = saved_on_the_tablet(venue, bag, opened=now, clock=now, date=day.isoformat(), time="12:00")
    assert send(logged_in(street_worker), "course", fields).status_code == 201
    with time_machine.travel(now + dt.timedelta(days=2), tick=True):
        resent = send(logged_in(street_worker), "course", fields)
    assert resent.status_code == 200, resent.content
    assert Attendance.objects.count() == 1


def report_saved_on_the_tablet(district, *, opened, clock, day):
    """An overdose report saved on a page the server made at `opened`, the tablet's clock at `clock`."""
    return report_fields(district, opened=opened_token(opened), written=ms(clock), date=day.isoformat(), time="12:00")


def test_a_report_written_within_its_year_is_stored_when_it_arrives_two_days_later(at_instant, coordinator, district):
    """The one-year limit of an overdose report was counted from the day it reached the server: a report a
    coordinator wrote offline 364 days after the overdose, sent two days later, was refused as more than a year
    ago, and could not be corrected (its date was right). The year is counted from when it was written."""
    now = timezone.now()
    written = now - dt.timedelta(days=2)
    day = timezone.localdate(written) - dt.timedelta(days=364)
    fields = report_saved_on_the_tablet(district, opened=written - dt.timedelta(minutes=5), clock=written, day=day)
    response = send(logged_in(coordinator), "report", fields)
    assert response.status_code == 201, response.content
    assert timezone.localtime(ReversalReport.objects.get().occurred_at).date() == day


def test_a_report_more_than_a_year_back_when_written_or_in_the_future_is_still_refused(coordinator, district):
    now = timezone.now()
    client = logged_in(coordinator)
    written = now - dt.timedelta(days=2)
    day = timezone.localdate(written) - dt.timedelta(days=366)
    fields = report_saved_on_the_tablet(district, opened=written, clock=written, day=day)
    assert "mere end et år siden" in refused(client, fields, "date", kind="report")
    # A claim older than the page the server made is not taken: written after the page was made.
    fields = report_saved_on_the_tablet(
        district, opened=now - dt.timedelta(hours=1), clock=now - dt.timedelta(days=30), day=day
    )
    fields.update(date=(timezone.localdate(now) - dt.timedelta(days=370)).isoformat(), time="12:00")
    assert refused(client, fields, "date", kind="report")
    # The future is judged against when it arrives, not when it was written.
    tomorrow = timezone.localdate(now) + dt.timedelta(days=1)
    fields = report_saved_on_the_tablet(district, opened=written, clock=written, day=tomorrow)
    assert "fremtiden" in refused(client, fields, "date", kind="report")
    assert not ReversalReport.objects.exists()


def test_the_report_service_counts_the_year_from_when_it_was_written_and_the_future_from_now(district):
    """`check_report` as every way in calls it: without `written_at` (the public and staff forms) from now."""
    now = timezone.now()
    year_ago = now - dt.timedelta(days=366)
    rules = {"naloxone_doses": 1, "called_112": True, "ambulance_arrived": False, "note": ""}
    check_report(occurred_at=year_ago, written_at=now - dt.timedelta(days=2), **rules)
    for written_at in (None, now + dt.timedelta(days=30)):  # a time of writing after now is now
        with pytest.raises(ValidationError):
            check_report(occurred_at=year_ago, written_at=written_at, **rules)
    with pytest.raises(ValidationError):
        check_report(occurred_at=now + dt.timedelta(hours=1), written_at=now - dt.timedelta(days=2), **rules)


def test_the_session_answer_tells_the_servers_time_for_the_page_to_compare_the_tablets_clock(street_worker):
    """The street page warns the worker of a wrong clock before an entry is refused (static/js/street.js)."""
    client = logged_in(street_worker)
    before = int(timezone.now().timestamp() * 1000)
    answer = client.get("/gade/api/session/").json()
    assert before <= answer["now"] <= int(timezone.now().timestamp() * 1000)


def test_an_old_pages_signed_time_does_not_let_a_worker_log_further_back_than_60_days_and_two_weeks(
    street_worker, venue, bag
):
    """Any page the server ever made carries its signed time, and a post naming a page made 300 days ago (kept,
    or its token copied) with a writing time to match was stored 359 days back: the page's time had no bound.
    An entry is judged as written at most two weeks before it arrived."""
    now = timezone.now()
    client = logged_in(street_worker)
    old = now - dt.timedelta(days=300)
    day = timezone.localdate(old) - dt.timedelta(days=59)
    fields = saved_on_the_tablet(venue, bag, opened=old, clock=old, date=day.isoformat(), time="12:00")
    assert "60 dage" in refused(client, fields, "date")
    # Written 15 days before it arrived and dated 60 days before then: taken as written 14 days before.
    written = now - dt.timedelta(days=15)
    day = timezone.localdate(written) - dt.timedelta(days=60)
    fields = saved_on_the_tablet(venue, bag, opened=written, clock=written, date=day.isoformat(), time="12:00")
    assert "60 dage" in refused(client, fields, "date")
    assert nothing_written()
    # Written 13 days before it arrived and dated 60 days before then: stored.
    written = now - dt.timedelta(days=13)
    day = timezone.localdate(written) - dt.timedelta(days=60)
    fields = saved_on_the_tablet(venue, bag, opened=written, clock=written, date=day.isoformat(), time="12:00")
    assert send(client, "course", fields).status_code == 201


def test_a_page_time_the_form_refuses_is_refused_not_a_server_error(street_worker, venue, bag):
    """An `opened` longer than the field allows (200 characters) made the clock check read None: a 500."""
    now = timezone.now()
    fields = saved_on_the_tablet(venue, bag, opened=now, clock=now, kits=0)
    fields["opened"] = "x" * 201
    refused(logged_in(street_worker), fields, "opened")
    assert nothing_written()


def test_a_resend_of_a_stored_entry_weeks_later_is_answered_as_stored(street_worker, venue, bag):
    """An entry written 59 days after its course was stored, its answer lost, and the tablet offline three weeks:
    its resend counts as written two weeks before it arrived, 66 days after the course, and was refused, a stored
    entry shown as refused (sent again changed, or by a coordinator: twice). It is answered by its key."""
    now = timezone.now()
    day = timezone.localdate(now) - dt.timedelta(days=59)
    fields = saved_on_the_tablet(venue, bag, opened=now, clock=now, date=day.isoformat(), time="12:00")
    client = logged_in(street_worker)
    assert send(client, "course", fields).status_code == 201
    with time_machine.travel(now + dt.timedelta(days=21), tick=True):
        resent = send(logged_in(street_worker), "course", fields)
        assert resent.status_code == 200, resent.content
        # Another entry as far back, not stored: refused.
        other = saved_on_the_tablet(venue, bag, opened=now, clock=now, date=day.isoformat(), time="13:00")
        assert "60 dage" in refused(logged_in(street_worker), other, "date")
    assert Attendance.objects.count() == 1


def test_an_entry_held_offline_more_than_two_weeks_near_the_60_days_says_to_keep_it_and_who_can_log_it(
    street_worker, coordinator, venue, bag
):
    """Written offline 58 days after its course, and held on the tablet 17 days: it counts as written two weeks
    before it arrived, 61 days after the course, and was refused as "at most 60 days back; ask a coordinator", to
    be "corrected and sent again". Its date was right: the worker could only make it wrong, or delete it (lost).
    It is refused with a code of its own and a message that says so: the date is right, the entry stays on the
    tablet, a coordinator can log it (no 60 days for them). An entry 61 days back when written is refused as before."""
    now = timezone.now()
    written = now - dt.timedelta(days=17)
    day = timezone.localdate(written) - dt.timedelta(days=58)
    fields = saved_on_the_tablet(venue, bag, opened=written, clock=written, date=day.isoformat(), time="12:00")
    response = send(logged_in(street_worker), "course", fields)
    assert response.status_code == 400, response.content
    answer = response.json()
    assert answer["code"] == "held_too_long"
    assert answer["message"].startswith("Registreringen ventede mere end 14 dage på tabletten"), answer["message"]
    assert "bliver på denne tablet" in answer["message"] and "koordinator" in answer["message"]
    assert [error["field"] for error in answer["errors"]] == ["date"]
    assert nothing_written()
    # A coordinator logs it, with its date.
    fields["key"] = str(uuid.uuid4())
    assert send(logged_in(coordinator), "course", fields).status_code == 201

    too_far = saved_on_the_tablet(
        venue, bag, opened=written, clock=written, date=(day - dt.timedelta(days=3)).isoformat(), time="12:00"
    )
    answer = send(logged_in(street_worker), "course", too_far).json()
    assert answer["code"] == "refused" and "60 dage" in answer["errors"][0]["message"]
