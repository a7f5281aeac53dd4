"""Correcting and withdrawing street entries: own ones for 24 hours, coordinators any time, with history."""

import datetime as dt
import json
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from courses.models import Attendance, Course
from courses.services import kits_handed_out
from kits.models import StockLevel, StockMovement
from reversals.models import ReversalReport
from street.models import AppliedChange
from tests.db_state import table_counts
from tests.test_street_logging import course_fields, handout_fields, logged_in, report_fields

pytestmark = pytest.mark.django_db


def logged_course(user, venue, bag, **changes):
    client = logged_in(user)
    response = client.post(
        "/gade/api/poster/",
        json.dumps({"kind": "course", "fields": course_fields(venue, bag, **changes)}),
        content_type="application/json",
    )
    assert response.status_code == 201
    return Attendance.objects.get(pk=response.json()["id"])


def correction(venue, bag, **changes):
    fields = course_fields(venue, bag, **changes)
    del fields["key"], fields["batch"], fields["course_format"]
    return fields


def test_a_street_worker_corrects_their_own_entry_and_the_history_says_who(street_worker, venue, bag):
    attendance = logged_course(street_worker, venue, bag)
    client = logged_in(street_worker)
    response = client.post(
        f"/gade/poster/kursus/{attendance.pk}/", correction(venue, bag, people_who_use_drugs=5, kits=4)
    )
    assert response.status_code == 302
    attendance.refresh_from_db()
    assert (attendance.people_who_use_drugs, attendance.first_time) == (5, 4)
    assert StockLevel.objects.get(location=bag).quantity == 6
    page = client.get(f"/gade/poster/kursus/{attendance.pk}/").content.decode()
    assert "gadeplan-alice" in page and "3 → 5" in page


def test_fewer_kits_in_a_correction_go_back_into_stock(street_worker, venue, bag):
    attendance = logged_course(street_worker, venue, bag, kits=3)
    logged_in(street_worker).post(f"/gade/poster/kursus/{attendance.pk}/", correction(venue, bag, kits=1))
    assert StockLevel.objects.get(location=bag).quantity == 9
    assert StockMovement.objects.filter(kind="adjustment", corrects__course=attendance.course).exists()


def test_fewer_kits_are_put_back_from_the_newest_handout_first(street_worker, venue, bag):
    attendance = logged_course(street_worker, venue, bag, kits=3)
    client = logged_in(street_worker)
    client.post(f"/gade/poster/kursus/{attendance.pk}/", correction(venue, bag, kits=5))
    first, second = StockMovement.objects.filter(kind="handout").order_by("id")
    assert (first.quantity, second.quantity) == (3, 2)
    client.post(f"/gade/poster/kursus/{attendance.pk}/", correction(venue, bag, kits=1))
    assert kits_handed_out(attendance.course) == 1
    assert [(m.corrects_id, m.quantity) for m in StockMovement.objects.filter(kind="adjustment").order_by("id")] == [
        (second.pk, 2),
        (first.pk, 2),
    ]
    assert StockLevel.objects.get(location=bag).quantity == 9


def test_a_street_worker_cannot_change_their_entry_after_24_hours_but_a_coordinator_can(
    at_instant, street_worker, coordinator, venue, bag
):
    """24 hours of elapsed time, also across the night the clocks change (a 23- or 25-hour day)."""
    attendance = logged_course(street_worker, venue, bag)
    url = f"/gade/poster/kursus/{attendance.pk}/"
    Attendance.objects.filter(pk=attendance.pk).update(logged_at=timezone.now() - dt.timedelta(hours=23, minutes=59))
    assert logged_in(street_worker).get(url).status_code == 200
    Attendance.objects.filter(pk=attendance.pk).update(logged_at=timezone.now() - dt.timedelta(hours=24, minutes=1))
    assert logged_in(street_worker).get(url).status_code == 403
    response = logged_in(coordinator).post(url, correction(venue, bag, people_who_use_drugs=4))
    assert response.status_code == 302
    assert Attendance.objects.get().people_who_use_drugs == 4


def test_a_street_worker_cannot_change_someone_elses_entry(street_worker, trainer_user, venue, bag):
    attendance = logged_course(trainer_user, venue, bag)
    assert logged_in(street_worker).get(f"/gade/poster/kursus/{attendance.pk}/").status_code == 403


def test_a_correction_with_bad_counts_is_refused_and_changes_nothing(street_worker, venue, bag):
    attendance = logged_course(street_worker, venue, bag)
    response = logged_in(street_worker).post(
        f"/gade/poster/kursus/{attendance.pk}/", correction(venue, bag, people_who_use_drugs=0, refresher=0)
    )
    assert response.status_code == 200 and "mindst én deltager" in response.content.decode()
    assert Attendance.objects.get().people_who_use_drugs == 3


def test_withdrawing_a_course_stops_it_counting_and_returns_its_kits(street_worker, venue, bag):
    attendance = logged_course(street_worker, venue, bag, kits=2)
    response = logged_in(street_worker).post(f"/gade/poster/kursus/{attendance.pk}/trak-tilbage/")
    assert response.status_code == 302
    attendance.refresh_from_db()
    assert attendance.withdrawn_at is not None and attendance.course.status == Course.Status.CANCELLED
    assert StockLevel.objects.get(location=bag).quantity == 10
    assert "Trukket tilbage" in logged_in(street_worker).get("/gade/mine/").content.decode()


def test_withdrawing_a_handout_and_a_report(street_worker, bag, district):
    client = logged_in(street_worker)
    for kind, fields in [("handout", handout_fields(bag)), ("report", report_fields(district))]:
        client.post("/gade/api/poster/", json.dumps({"kind": kind, "fields": fields}), content_type="application/json")
    handout = StockMovement.objects.get(kind="handout")
    report = ReversalReport.objects.get()
    assert client.post(f"/gade/poster/udlevering/{handout.pk}/trak-tilbage/").status_code == 302
    assert client.post(f"/gade/poster/afrapportering/{report.pk}/trak-tilbage/").status_code == 302
    assert StockLevel.objects.get(location=bag).quantity == 10
    assert ReversalReport.objects.get().review_status == "rejected"
    assert not ReversalReport.objects.counting().exists()


def test_a_street_worker_whose_role_is_taken_away_no_longer_changes_their_entries(street_worker, venue, bag, district):
    """Taken away while logged in, within the 24 hours: before, the correction still drew 6 more kits."""
    attendance = logged_course(street_worker, venue, bag, kits=2)
    client = logged_in(street_worker)
    for kind, fields in [("handout", handout_fields(bag)), ("report", report_fields(district))]:
        client.post("/gade/api/poster/", json.dumps({"kind": kind, "fields": fields}), content_type="application/json")
    handout = StockMovement.objects.get(kind="handout", course__isnull=True)
    report = ReversalReport.objects.get()
    street_worker.groups.clear()
    before, kits_in_the_bag = table_counts(), StockLevel.objects.get(location=bag).quantity
    assert client.get(f"/gade/poster/kursus/{attendance.pk}/").status_code == 404
    response = client.post(f"/gade/poster/kursus/{attendance.pk}/", correction(venue, bag, kits=8))
    assert response.status_code == 404
    for path in [
        f"/gade/poster/kursus/{attendance.pk}/trak-tilbage/",
        f"/gade/poster/udlevering/{handout.pk}/trak-tilbage/",
        f"/gade/poster/afrapportering/{report.pk}/trak-tilbage/",
    ]:
        assert client.post(path, {"reason": "Fejl"}).status_code == 404
    assert table_counts() == before
    assert StockLevel.objects.get(location=bag).quantity == kits_in_the_bag
    assert Attendance.objects.get().withdrawn_at is None and ReversalReport.objects.counting().exists()
    mine = client.get("/gade/mine/").context
    assert (mine["attendances"], mine["handouts"], mine["reports"]) == ([], [], [])


def test_a_report_is_withdrawn_once_and_its_history_says_who(street_worker, district):
    client = logged_in(street_worker)
    client.post(
        "/gade/api/poster/",
        json.dumps({"kind": "report", "fields": report_fields(district)}),
        content_type="application/json",
    )
    report = ReversalReport.objects.get()
    url = f"/gade/poster/afrapportering/{report.pk}/trak-tilbage/"
    assert client.post(url).status_code == 302
    response = client.post(url, follow=True)
    assert "Denne registrering er trukket tilbage." in response.content.decode()
    withdrawn = report.history.order_by("history_date", "history_id")
    assert [(record.review_status, record.history_user) for record in withdrawn] == [
        ("verified", street_worker),
        ("rejected", street_worker),
    ]
    assert ReversalReport.objects.get().review_reason == "Trukket tilbage: registreret ved en fejl"


def test_recent_entries_lists_only_my_own(street_worker, trainer_user, venue, bag):
    logged_course(trainer_user, venue, bag)
    page = logged_in(street_worker).get("/gade/mine/").content.decode()
    assert "Ingen kurser registreret endnu" in page
    assert Client().get("/gade/mine/").status_code == 302


@pytest.mark.parametrize(("role", "asks_for_a_reason"), [("street_worker", False), ("coordinator", True)])
def test_my_entries_offer_to_withdraw_each_and_ask_only_those_who_oversee_entries_for_a_reason(
    request, role, asks_for_a_reason, bag, district
):
    user = request.getfixturevalue(role)
    client = logged_in(user)
    assert client.post("/gade/udlevering/", handout_fields(bag)).status_code == 302
    assert client.post("/gade/afrapportering/", report_fields(district)).status_code == 302
    handout = StockMovement.objects.get(recorded_by=user, kind="handout")
    report = ReversalReport.objects.get(reported_by=user)

    page = client.get("/gade/mine/").content.decode()

    assert f'action="/gade/poster/udlevering/{handout.pk}/trak-tilbage/"' in page
    assert f'action="/gade/poster/afrapportering/{report.pk}/trak-tilbage/"' in page
    assert (f'id="reason-handout-{handout.pk}"' in page) is asks_for_a_reason
    assert (f'id="reason-report-{report.pk}"' in page) is asks_for_a_reason


# ---------- corrections and withdrawals sent by the tablet's queue (street.views.api_changes) ----------


def send_change(client, kind, entry, author=None, **fields):
    body = {"kind": kind, "fields": {"entry": entry.pk, **fields}}
    if author is not None:
        body["author"] = author.pk
    return client.post("/gade/api/rettelser/", json.dumps(body), content_type="application/json")


def queued_correction(client, attendance, venue, bag, **changes):
    """What the correction page puts in the queue: the form's fields, its key and the version it was opened on."""
    page = client.get(f"/gade/poster/kursus/{attendance.pk}/")
    return {
        **correction(venue, bag, **changes),
        "key": str(page.context["form"].initial["key"]),
        "version": page.context["form"].initial["version"],
    }


def test_a_queued_correction_sent_three_times_is_applied_once(street_worker, venue, bag):
    """The tablet resends a correction whose answer was lost, or tapped twice: the same key is applied once,
    the stock moves once, and the history holds one correction."""
    attendance = logged_course(street_worker, venue, bag, kits=2)
    client = logged_in(street_worker)
    fields = queued_correction(client, attendance, venue, bag, people_who_use_drugs=5, kits=4)
    history_before = attendance.history.count()
    answers = [send_change(client, "correct-course", attendance, street_worker, **fields) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [201, 200, 200]
    assert "ikke lavet to gange" in answers[1].json()["message"]
    attendance.refresh_from_db()
    assert (attendance.people_who_use_drugs, kits_handed_out(attendance.course)) == (5, 4)
    assert StockLevel.objects.get(location=bag).quantity == 6
    assert attendance.history.count() == history_before + 1


@pytest.mark.parametrize(
    ("prefix", "said"),
    [("", "Der var intet at gemme: registreringen har allerede disse værdier"), ("/en", "Nothing needed saving")],
)
def test_a_correction_that_changes_nothing_stores_nothing_and_says_so(prefix, said, street_worker, venue, bag):
    """Back to a saved correction page loads it again (a new key, the current version); "Save the correction"
    then sent the same values as a new correction: a second history row for the course and the attendance, and a
    second AppliedChange. Nothing changes, so nothing is stored, and the worker is told nothing needed saving."""
    attendance = logged_course(street_worker, venue, bag, kits=2)
    client = logged_in(street_worker)
    as_shown = queued_correction(client, attendance, venue, bag, kits=2)  # the page saved as it was shown
    before, applied_before = table_counts(), AppliedChange.objects.count()
    answer = client.post(
        f"{prefix}/gade/api/rettelser/",
        json.dumps(
            {"kind": "correct-course", "fields": {"entry": attendance.pk, **as_shown}, "author": street_worker.pk}
        ),
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["code"] == "unchanged", answer.json()
    assert said in answer.json()["message"]
    assert table_counts() == before  # no history row, no stock movement
    assert AppliedChange.objects.count() == applied_before == 0
    assert said in client.get(f"{prefix}/gade/mine/").content.decode()  # where the tablet goes next

    # Sent again (its answer lost): judged again on the entry as it is now, never answered from a stored key.
    assert send_change(client, "correct-course", attendance, street_worker, **as_shown).json()["code"] == "unchanged"
    changed = queued_correction(client, attendance, venue, bag, kits=2, people_who_use_drugs=4)
    assert send_change(client, "correct-course", attendance, street_worker, **changed).status_code == 201
    late = send_change(client, "correct-course", attendance, street_worker, **as_shown)
    assert late.status_code == 400 and "Nogen ændrede registreringen" in late.json()["message"]
    assert Attendance.objects.get().people_who_use_drugs == 4


def test_a_correction_page_posted_again_as_shown_without_javascript_changes_nothing(street_worker, venue, bag):
    attendance = logged_course(street_worker, venue, bag, kits=2)
    client = logged_in(street_worker)
    as_shown = queued_correction(client, attendance, venue, bag, kits=2)
    before, history_before = table_counts(), attendance.history.count()
    response = client.post(f"/gade/poster/kursus/{attendance.pk}/", as_shown, follow=True)
    assert response.redirect_chain == [("/gade/mine/", 302)]
    assert "Der var intet at gemme" in response.content.decode()
    assert table_counts() == before and not AppliedChange.objects.exists()
    # Only the note changed: that is a change, with its history row.
    noted = client.post(f"/gade/poster/kursus/{attendance.pk}/", {**as_shown, "note": "To kom for sent"}, follow=True)
    assert "Rettelsen er gemt" in noted.content.decode()
    assert attendance.history.count() == history_before + 1


def test_a_correction_from_a_page_opened_before_another_change_is_refused(street_worker, venue, bag):
    """Two tabs (or a correction that waited offline for hours while another was saved): the later one would
    undo the earlier without anyone seeing it. It is refused with a message, and nothing changes."""
    attendance = logged_course(street_worker, venue, bag, kits=2)
    client = logged_in(street_worker)
    first = queued_correction(client, attendance, venue, bag, people_who_use_drugs=5)
    second = queued_correction(client, attendance, venue, bag, people_who_use_drugs=7)
    assert send_change(client, "correct-course", attendance, street_worker, **first).status_code == 201
    refused = send_change(client, "correct-course", attendance, street_worker, **second)
    assert refused.status_code == 400 and refused.json()["code"] == "refused"
    assert "Nogen ændrede registreringen, efter du åbnede den" in refused.json()["message"]
    assert Attendance.objects.get().people_who_use_drugs == 5


def test_a_correction_is_never_applied_under_another_user(street_worker, coordinator, venue, bag):
    """A correction queued by Alice and sent while a coordinator is logged in on the tablet waits for Alice
    (409 wrong_author); its key sent as the coordinator's own is refused, not applied in their name."""
    attendance = logged_course(street_worker, venue, bag)
    fields = queued_correction(logged_in(street_worker), attendance, venue, bag, people_who_use_drugs=6)
    coordinators = logged_in(coordinator)
    waits = send_change(coordinators, "correct-course", attendance, street_worker, **fields)
    assert waits.status_code == 409 and waits.json()["code"] == "wrong_author"
    assert Attendance.objects.get().people_who_use_drugs == 3
    alices = logged_in(street_worker)
    assert send_change(alices, "correct-course", attendance, street_worker, **fields).status_code == 201
    taken = send_change(coordinators, "correct-course", attendance, coordinator, **fields)
    assert taken.status_code == 409 and taken.json()["code"] == "key_conflict", taken.json()
    assert [row.history_user for row in Attendance.objects.get().history.order_by("history_id")][-1] == street_worker


def test_a_queued_withdrawal_is_applied_once_and_a_second_one_is_refused(street_worker, bag, district):
    client = logged_in(street_worker)
    client.post(
        "/gade/api/poster/",
        json.dumps({"kind": "handout", "fields": handout_fields(bag)}),
        content_type="application/json",
    )
    handout = StockMovement.objects.get(kind="handout")
    key = "6f1c1d1e-8a5b-4b43-9a43-7b0f0f6d9a01"
    assert send_change(client, "withdraw-handout", handout, street_worker, key=key).status_code == 201
    assert send_change(client, "withdraw-handout", handout, street_worker, key=key).status_code == 200
    other_tab = send_change(client, "withdraw-handout", handout, street_worker, key=str(uuid.uuid4()))
    assert other_tab.status_code == 400 and "trukket tilbage" in other_tab.json()["message"]
    assert StockMovement.objects.filter(corrects=handout).count() == 1
    assert StockLevel.objects.get(location=bag).quantity == 10


def test_a_queued_change_is_refused_with_a_message_after_the_24_hours_and_kept_while_logged_out(
    street_worker, venue, bag
):
    attendance = logged_course(street_worker, venue, bag)
    fields = queued_correction(logged_in(street_worker), attendance, venue, bag, people_who_use_drugs=6)
    assert send_change(Client(), "correct-course", attendance, street_worker, **fields).status_code == 401
    Attendance.objects.filter(pk=attendance.pk).update(logged_at=timezone.now() - dt.timedelta(hours=25))
    late = send_change(logged_in(street_worker), "correct-course", attendance, street_worker, **fields)
    assert late.status_code == 400 and "24 timer" in late.json()["message"]
    assert Attendance.objects.get().people_who_use_drugs == 3


def test_a_correction_that_changes_nothing_in_an_approved_month_is_answered_nothing_to_save(
    street_worker, coordinator, odense, venue, bag
):
    """A worker logs a course on 31 October at 21:00; October is approved the next morning, within the worker's 24
    hours. Their correction page saved as it was shown was refused by the month rule ("oktober 2026 er godkendt"),
    as if something were to be changed: nothing is, so the answer is the one for a correction that changes
    nothing, and nothing is stored. A real change is still refused by the month rule."""
    from zoneinfo import ZoneInfo

    import time_machine

    from reports.publication import approve_and_publish

    cph = ZoneInfo("Europe/Copenhagen")
    held = {"date": "2026-10-31", "time": "21:00"}
    with time_machine.travel(dt.datetime(2026, 10, 31, 22, 0, tzinfo=cph), tick=False):
        attendance = logged_course(street_worker, venue, bag, kits=2, **held)
    with time_machine.travel(dt.datetime(2026, 11, 1, 9, 0, tzinfo=cph), tick=False):
        approve_and_publish(coordinator, odense, dt.date(2026, 10, 1))
    with time_machine.travel(dt.datetime(2026, 11, 1, 9, 30, tzinfo=cph), tick=False):
        client = logged_in(street_worker)
        as_shown = queued_correction(client, attendance, venue, bag, kits=2, **held)
        before = table_counts()
        nothing = send_change(client, "correct-course", attendance, street_worker, **as_shown)
        assert nothing.status_code == 200 and nothing.json()["code"] == "unchanged", nothing.json()
        assert "Der var intet at gemme" in nothing.json()["message"]
        assert table_counts() == before and not AppliedChange.objects.exists()

        changed = queued_correction(client, attendance, venue, bag, kits=2, people_who_use_drugs=5, **held)
        refused = send_change(client, "correct-course", attendance, street_worker, **changed)
        assert refused.status_code == 400 and "oktober 2026 er godkendt" in refused.json()["message"]
        assert Attendance.objects.get().people_who_use_drugs == 3
        assert table_counts() == before


def test_the_keys_of_applied_changes_are_deleted_once_no_resend_can_be_answered_from_them(
    street_worker, coordinator, venue, bag
):
    """AppliedChange rows were kept for ever. A worker's change can be resent (and answered from its key) only
    within the 24 hours they may change the entry; a coordinator's at any time. The daily purge deletes a
    worker's rows once they are 24 hours old, a coordinator's after FREE_TEXT_RETENTION_DAYS; a resend after
    that is still not applied twice."""
    from io import StringIO

    import time_machine
    from django.core.management import call_command

    start = timezone.now().replace(microsecond=0)

    def purge(after):
        out = StringIO()
        with time_machine.travel(start + after, tick=False):
            call_command("purge_free_text", stdout=out)
        return out.getvalue()

    with time_machine.travel(start, tick=False):
        attendance = logged_course(street_worker, venue, bag, kits=2)
        other = logged_course(street_worker, venue, bag, kits=2)
        workers, coordinators = logged_in(street_worker), logged_in(coordinator)
        fields = queued_correction(workers, attendance, venue, bag, kits=2, people_who_use_drugs=5)
        assert send_change(workers, "correct-course", attendance, street_worker, **fields).status_code == 201
        withdrawal = {"key": str(uuid.uuid4()), "reason": "Dobbelt registreret"}
        assert send_change(coordinators, "withdraw-course", other, coordinator, **withdrawal).status_code == 201
    assert AppliedChange.objects.count() == 2

    assert "street.AppliedChange (24 hours after it was applied; 180 days for those who oversee entries): 0 rows " in (
        purge(dt.timedelta(hours=23))
    )
    with time_machine.travel(start + dt.timedelta(hours=23, minutes=30), tick=False):
        # Within the worker's 24 hours: a resend is answered from the key, not applied twice.
        resent = send_change(logged_in(street_worker), "correct-course", attendance, street_worker, **fields)
        assert resent.status_code == 200 and "ikke lavet to gange" in resent.json()["message"]

    assert ": 1 rows deleted." in purge(dt.timedelta(hours=25))
    assert list(AppliedChange.objects.values_list("user", flat=True)) == [coordinator.pk]
    with time_machine.travel(start + dt.timedelta(hours=25), tick=False):
        late = send_change(logged_in(street_worker), "correct-course", attendance, street_worker, **fields)
        assert late.status_code == 400 and "24 timer" in late.json()["message"]  # as before the purge

    assert ": 0 rows deleted." in purge(dt.timedelta(days=179))
    assert ": 1 rows deleted." in purge(dt.timedelta(days=181))
    assert not AppliedChange.objects.exists()
    with time_machine.travel(start + dt.timedelta(days=181), tick=False):
        again = send_change(logged_in(coordinator), "withdraw-course", other, coordinator, **withdrawal)
        assert again.status_code == 400 and not AppliedChange.objects.exists()  # refused: withdrawn already
    attendance.refresh_from_db()
    assert attendance.people_who_use_drugs == 5 and Course.objects.filter(status="cancelled").count() == 1
