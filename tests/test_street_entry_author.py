"""Every entry from the tablet's queue carries its author; the server stores it only for that author."""

import datetime as dt
import json

import pytest
import time_machine
from django.utils import timezone

from courses.models import Attendance
from kits.models import Handout
from redliv import roles
from reversals.models import ReversalReport
from tests.conftest import make_user
from tests.test_street_logging import course_fields, logged_in

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def at_noon():
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture
def second_worker(red_liv):
    return make_user("gadeplan-bent", red_liv, roles.STREET_WORKER)


def send(client, fields, author, kind="course"):
    body = {"kind": kind, "fields": fields, "author": author}
    return client.post("/gade/api/poster/", json.dumps(body), content_type="application/json")


def test_an_entry_sent_by_its_author_is_stored_for_them(street_worker, venue, bag):
    response = send(logged_in(street_worker), course_fields(venue, bag), street_worker.pk)
    assert response.status_code == 201
    assert Attendance.objects.get().logged_by == street_worker


def test_an_entry_sent_by_someone_else_is_refused_as_waiting_for_its_author_and_nothing_is_stored(
    street_worker, second_worker, venue, bag
):
    fields = course_fields(venue, bag)
    response = send(logged_in(second_worker), fields, street_worker.pk)
    assert response.status_code == 409
    assert response.json()["code"] == "wrong_author"
    assert response.json()["author"] == street_worker.pk
    assert not Attendance.objects.exists() and not Handout.objects.exists()
    # Its author sends it later: stored once, for them.
    assert send(logged_in(street_worker), fields, street_worker.pk).status_code == 201
    assert Attendance.objects.get().logged_by == street_worker


def test_a_stored_entry_resent_by_someone_else_is_still_not_theirs(street_worker, second_worker, venue, bag):
    fields = course_fields(venue, bag)
    assert send(logged_in(street_worker), fields, street_worker.pk).status_code == 201
    response = send(logged_in(second_worker), fields, street_worker.pk)
    assert response.status_code == 409 and response.json()["code"] == "wrong_author"
    assert send(logged_in(street_worker), fields, street_worker.pk).status_code == 200
    assert Attendance.objects.get().logged_by == street_worker


@pytest.mark.parametrize("author", ["12abc", None, [1], {"id": 1}, 10**20])
def test_an_author_that_is_not_a_user_id_is_refused(street_worker, venue, bag, author):
    response = send(logged_in(street_worker), course_fields(venue, bag), author)
    assert response.status_code == 409 and response.json()["code"] == "wrong_author"
    assert not Attendance.objects.exists()


def test_a_refusal_for_content_and_a_key_used_for_other_content_have_their_own_codes(street_worker, venue, bag):
    client = logged_in(street_worker)
    fields = course_fields(venue, bag, people_who_use_drugs=0, refresher=0, kits=0)
    refused = send(client, fields, street_worker.pk)
    assert refused.status_code == 400 and refused.json()["code"] == "refused"
    fields = course_fields(venue, bag)
    assert send(client, fields, street_worker.pk).status_code == 201
    conflict = send(client, {**fields, "people_who_use_drugs": 4}, street_worker.pk)
    assert conflict.status_code == 409 and conflict.json()["code"] == "key_conflict"


def test_the_session_endpoint_names_the_logged_in_user_for_the_queue(client, street_worker):
    assert client.get("/gade/api/session/").status_code == 401
    response = logged_in(street_worker).get("/gade/api/session/")
    assert response.status_code == 200
    assert response.json()["user"] == street_worker.pk and response.json()["csrf"]
    assert "no-store" in response["Cache-Control"]


def test_a_report_and_a_handout_are_checked_for_their_author_too(street_worker, second_worker, bag, district):
    when = timezone.localtime()
    handout = {"key": "7d3f0a52-8a0e-4f53-9a56-2f0f7a1b9c11", "date": when.date().isoformat(), "time": "11:00"}
    handout |= {"reason": "replaces_used", "audience": "people_who_use_drugs", "quantity": 1, "location": bag.pk}
    report = {"key": "0b1f6e2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b", "date": when.date().isoformat(), "time": "11:00"}
    report |= {"district": district.pk, "naloxone_doses": 1, "outcome": "recovered", "responder_trained": "unknown"}
    other = logged_in(second_worker)
    assert send(other, handout, street_worker.pk, "handout").json()["code"] == "wrong_author"
    assert send(other, report, street_worker.pk, "report").json()["code"] == "wrong_author"
    assert not Handout.objects.exists() and not ReversalReport.objects.exists()
    assert send(logged_in(street_worker), handout, street_worker.pk, "handout").status_code == 201
    assert Handout.objects.get().recorded_by == street_worker


def test_a_key_another_worker_used_for_the_same_content_is_refused_with_its_own_message(
    street_worker, second_worker, district
):
    when = timezone.localtime()
    fields = {"key": "5b0d6c1e-3f2a-4c8e-9d71-0a4e2b6f8c33", "date": when.date().isoformat(), "time": "11:00"}
    fields |= {"district": district.pk, "naloxone_doses": 1, "outcome": "recovered", "responder_trained": "unknown"}
    fields |= {"substances": ["heroin"], "called_112": "yes"}
    first = send(logged_in(street_worker), fields, street_worker.pk, kind="report")
    assert first.status_code == 201, first.json()
    response = send(logged_in(second_worker), fields, second_worker.pk, kind="report")
    assert response.status_code == 409 and response.json()["code"] == "key_conflict"
    message = response.json()["message"]
    assert "andet indhold" not in message
    assert "en anden medarbejders" in message and "Intet blev gemt" in message
    assert ReversalReport.objects.get().reported_by == street_worker


def test_a_course_or_handout_resent_by_another_worker_with_the_same_key_and_content_is_not_answered_as_theirs(
    street_worker, second_worker, venue, bag
):
    """A held course's and a handout's content does not name the worker, as a report's does: another worker's
    send of the same key and content was answered 200 "already saved" with the first worker's entry, and the
    second worker's entry was lost while they were told it was stored."""
    when = timezone.localtime()
    handout = {"key": "3c9e1f4a-6b2d-4e8f-a1c7-5d0b9e2f4a61", "date": when.date().isoformat(), "time": "11:00"}
    handout |= {"reason": "replaces_used", "audience": "people_who_use_drugs", "quantity": 1, "location": bag.pk}
    for kind, fields in (("course", course_fields(venue, bag)), ("handout", handout)):
        assert send(logged_in(street_worker), fields, street_worker.pk, kind).status_code == 201
        response = send(logged_in(second_worker), fields, second_worker.pk, kind)
        assert response.status_code == 409, (kind, response.json())
        assert response.json()["code"] == "key_conflict"
        assert "en anden medarbejders" in response.json()["message"]
        # Its author's resend is still answered as theirs.
        assert send(logged_in(street_worker), fields, street_worker.pk, kind).status_code == 200
    # The street form (no queue) says whose key it is too, not "sent with other content".
    page = logged_in(second_worker).post("/gade/udlevering/", handout)
    assert "en anden medarbejders" in page.content.decode() and "andet indhold" not in page.content.decode()
    assert Attendance.objects.get().logged_by == street_worker
    assert {h.recorded_by for h in Handout.objects.all()} == {street_worker}
