"""Logging on the street: a held course, a handout and a report, from the form and from the device's queue."""

import datetime as dt
import json
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from courses.models import Attendance, Course
from kits.models import Handout, StockLevel, StockMovement
from reversals.models import ReversalReport
from tests import factories
from tests.conftest import VerifiedClient, make_user

pytestmark = pytest.mark.django_db


def logged_in(user):
    client = VerifiedClient()
    client.force_login(user)
    return client


def course_fields(venue, bag, **changes):
    now = timezone.localtime() - dt.timedelta(minutes=10)
    fields = {
        "key": str(uuid.uuid4()),
        "date": now.date().isoformat(),
        "time": now.strftime("%H:%M"),
        "course_format": "drop_in",
        "venue": venue.pk,
        "people_who_use_drugs": 3,
        "relatives_network": 0,
        "professionals": 0,
        "residents": 0,
        "students": 0,
        "other": 0,
        "refresher": 1,
        "kits": 2,
        "location": bag.pk,
        "batch": "",
        "note": "",
    }
    return {**fields, **changes}


def send(client, kind, fields, prefix=""):
    return client.post(
        f"{prefix}/gade/api/poster/", json.dumps({"kind": kind, "fields": fields}), content_type="application/json"
    )


def test_the_logging_page_has_today_the_venue_used_last_and_the_bag(
    street_worker, venue, bag, red_liv, django_assert_max_num_queries
):
    other = factories.make_venue(red_liv, name="Stand på Rådhuspladsen")
    course = factories.make_course(other, starts_at=timezone.now() - dt.timedelta(days=1))
    factories.make_attendance(course, street_worker)
    client = logged_in(street_worker)
    with django_assert_max_num_queries(10):
        response = client.get("/gade/")
    assert response.status_code == 200
    form = response.context["form"]
    assert form["venue"].value() == other.pk
    assert form["location"].value() == bag.pk
    assert form["date"].value() == timezone.localdate()
    assert "Skriv aldrig navne" in response.content.decode()


def test_it_asks_a_visitor_to_log_in_and_refuses_someone_without_a_role(client, outsider):
    assert client.get("/gade/")["Location"].startswith("/konto/login/")
    assert logged_in(outsider).get("/gade/").status_code == 403
    response = send(client, "course", {})
    assert response.status_code == 401 and "Log ind igen" in response.json()["message"]


def test_the_form_without_javascript_stores_the_course_its_attendance_and_its_kits(street_worker, venue, bag):
    client = logged_in(street_worker)
    response = client.post("/gade/", course_fields(venue, bag))
    assert response.status_code == 302
    attendance = Attendance.objects.get()
    assert (attendance.people_who_use_drugs, attendance.first_time, attendance.refresher) == (3, 2, 1)
    assert attendance.course.status == Course.Status.HELD and attendance.course.venue == venue
    handout = StockMovement.objects.get(kind="handout")
    assert (handout.course, handout.quantity, handout.handout_reason) == (attendance.course, 2, "first_supply")
    assert handout.batch.lot_number == "LOT-BAG"
    assert StockLevel.objects.get(location=bag).quantity == 8
    assert "Kurset er gemt" in client.get("/gade/").content.decode()


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT")


def sql_queries(context):
    return [q["sql"] for q in context.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)]


@pytest.mark.django_db(transaction=True)
def test_storing_a_course_with_its_trainer_and_kits_takes_at_most_15_queries(
    street_worker, venue, bag, red_liv, django_assert_max_num_queries
):
    # Without the test's wrapping transaction, so the count is what production does: 15 SQL
    # queries at most, plus the BEGIN and COMMIT of the entry's one transaction.
    trainer = factories.make_trainer(red_liv, user=street_worker)
    client = logged_in(street_worker)
    with django_assert_max_num_queries(17) as context:
        response = send(client, "course", course_fields(venue, bag))
    assert response.status_code == 201
    assert len(sql_queries(context)) <= 15
    with django_assert_max_num_queries(17) as context:
        response = client.post("/gade/", course_fields(venue, bag))
    assert response.status_code == 302
    assert len(sql_queries(context)) <= 15
    assert Attendance.objects.count() == 2 and list(Course.objects.first().trainers.all()) == [trainer]
    assert StockLevel.objects.get(location=bag).quantity == 6


def test_a_repeat_of_the_same_key_is_stored_once_and_answered_the_same(street_worker, venue, bag):
    client = logged_in(street_worker)
    fields = course_fields(venue, bag)
    first, second = send(client, "course", fields), send(client, "course", fields)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Attendance.objects.count() == 1 and StockMovement.objects.filter(kind="handout").count() == 1


def test_the_same_key_with_other_content_is_refused_with_a_clear_message(street_worker, venue, bag):
    client = logged_in(street_worker)
    fields = course_fields(venue, bag)
    send(client, "course", fields)
    response = send(client, "course", {**fields, "people_who_use_drugs": 4})
    assert response.status_code == 409
    assert "allerede sendt med et andet indhold" in response.json()["message"]
    assert Attendance.objects.get().people_who_use_drugs == 3


def refused(client, fields, field, kind="course", prefix=""):
    response = send(client, kind, fields, prefix)
    assert response.status_code == 400, response.content
    errors = {error["field"]: error["message"] for error in response.json()["errors"]}
    assert field in errors, errors
    return errors[field]


def nothing_written():
    return (
        not Attendance.objects.exists()
        and not Course.objects.exists()
        and not StockMovement.objects.filter(kind="handout").exists()
    )


@pytest.mark.parametrize("count", [-1, 501])
def test_it_refuses_a_count_outside_0_to_500(street_worker, venue, bag, count):
    message = refused(logged_in(street_worker), course_fields(venue, bag, professionals=count), "professionals")
    assert "fra 0 til 500" in message
    assert nothing_written()


def test_it_refuses_a_course_without_participants(street_worker, venue, bag):
    fields = course_fields(venue, bag, people_who_use_drugs=0, refresher=0, kits=0)
    assert "mindst én deltager" in refused(logged_in(street_worker), fields, "people_who_use_drugs")
    assert nothing_written()


def test_it_refuses_more_refreshers_than_participants(street_worker, venue, bag):
    assert "genopfriskere" in refused(logged_in(street_worker), course_fields(venue, bag, refresher=4), "refresher")
    assert nothing_written()


def test_it_refuses_a_date_in_the_future(street_worker, venue, bag):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert "fremtiden" in refused(logged_in(street_worker), course_fields(venue, bag, date=tomorrow), "date")
    assert nothing_written()


def test_a_street_worker_cannot_log_more_than_60_days_back_but_a_coordinator_can(
    street_worker, coordinator, venue, bag
):
    long_ago = (timezone.localdate() - dt.timedelta(days=61)).isoformat()
    message = refused(logged_in(street_worker), course_fields(venue, bag, date=long_ago, kits=0), "date")
    assert "60 dage" in message
    assert nothing_written()
    assert send(logged_in(coordinator), "course", course_fields(venue, bag, date=long_ago, kits=0)).status_code == 201


def test_it_refuses_more_kits_than_the_location_holds_and_says_how_many_it_has(street_worker, venue, bag):
    message = refused(logged_in(street_worker), course_fields(venue, bag, people_who_use_drugs=20, kits=11), "kits")
    assert message == "Ikke nok kit i Gadeteamets taske: 10 på lager, 11 ønsket."
    assert nothing_written() and StockLevel.objects.get(location=bag).quantity == 10


def test_it_refuses_an_expired_batch(street_worker, coordinator, venue, bag):
    today = timezone.localdate()
    expired = factories.make_batch(
        lot_number="OLD", received_on=today - dt.timedelta(days=90), expiry_date=today - dt.timedelta(days=1)
    )
    factories.receive(expired, bag, 5, coordinator, occurred_at=timezone.now() - dt.timedelta(days=80))
    message = refused(logged_in(street_worker), course_fields(venue, bag, batch=expired.pk), "batch")
    assert "OLD" in message and "udløb" in message
    assert nothing_written()


def test_the_form_without_javascript_shows_the_refusal_beside_the_field(street_worker, venue, bag):
    response = logged_in(street_worker).post("/gade/", course_fields(venue, bag, people_who_use_drugs=20, kits=11))
    assert response.status_code == 200
    assert "10 på lager, 11 ønsket" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert nothing_written()


def test_refusals_come_in_english_under_en(street_worker, venue, bag):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    message = refused(logged_in(street_worker), course_fields(venue, bag, date=tomorrow), "date", prefix="/en")
    assert message == "The date and time cannot be in the future."


def test_a_venue_of_another_municipality_is_refused(street_worker, aarhus_org, bag):
    elsewhere = factories.make_venue(aarhus_org, name="Aarhus sted")
    refused(logged_in(street_worker), course_fields(elsewhere, bag), "venue")
    assert nothing_written()


def test_the_street_api_answers_readable_utf_8_with_the_charset_named(street_worker, venue, bag):
    """Danish letters as themselves ("klokkeslæt", not "klokkesl\\u00e6t"), as the public API answers
    (redliv.api.ApiResponse): for a support person reading the answer in the browser's tools, and a client
    that does not assume UTF-8."""
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    client = logged_in(street_worker)
    answers = [
        send(client, "course", course_fields(venue, bag, date=tomorrow)),  # refused
        send(client, "course", course_fields(venue, bag)),  # stored
        client.post("/gade/api/poster/", "{", content_type="application/json"),  # unreadable
        client.get("/gade/api/session/"),
        Client().get("/gade/api/session/"),  # logged out
    ]
    for response in answers:
        assert response["Content-Type"] == "application/json; charset=utf-8", response.status_code
        assert b"\\u00" not in response.content, response.content
    assert "Dato og klokkeslæt kan ikke ligge i fremtiden." in answers[0].content.decode()
    assert "Log ind igen" in answers[4].content.decode()


def test_the_endpoint_is_protected_against_cross_site_requests(street_worker, venue, bag):
    client = Client(enforce_csrf_checks=True)
    client.force_login(street_worker)
    assert send(client, "course", course_fields(venue, bag)).status_code == 403
    assert nothing_written()


def handout_fields(bag, **changes):
    now = timezone.localtime() - dt.timedelta(minutes=5)
    return {
        "key": str(uuid.uuid4()),
        "date": now.date().isoformat(),
        "time": now.strftime("%H:%M"),
        "reason": "replaces_used",
        "audience": "people_who_use_drugs",
        "quantity": 2,
        "location": bag.pk,
        "batch": "",
        **changes,
    }


def test_a_standalone_handout_is_stored_once(street_worker, bag):
    client = logged_in(street_worker)
    fields = handout_fields(bag)
    assert send(client, "handout", fields).status_code == 201
    assert send(client, "handout", fields).status_code == 200
    handout = StockMovement.objects.get(kind="handout")
    assert (handout.handout_reason, handout.quantity, handout.course) == ("replaces_used", 2, None)


@pytest.mark.django_db(transaction=True)
def test_storing_a_handout_takes_four_statements_and_a_repeat_four(street_worker, bag, django_assert_num_queries):
    """Without the test's wrapping transaction, so the count is what production sends: session, user
    with organisation and roles, location, then the insert, which chooses the first-expiring lot
    itself and is its own transaction (no BEGIN, no COMMIT: redliv.idempotency.create_once). No
    month-closing look-up: an entry of this month cannot be in an approved month. No key look-up
    before the insert: the insert skips a key stored before and reads the stored row in the same
    statement (kits.services.insert_handout), so a repeat costs no statement more.

    Ten before, eight until the lot and the closing check joined the insert, six while the insert
    had a transaction of its own around it (bench/RESULTS.md); a repeat five until run 29, when the
    refused insert was followed by a look-up of the stored row."""
    client = logged_in(street_worker)
    fields = handout_fields(bag)
    with django_assert_num_queries(4) as context:
        assert send(client, "handout", fields).status_code == 201
    assert not [query for query in context.captured_queries if "monthclosing" in query["sql"]]
    assert context.captured_queries[-1]["sql"].startswith('WITH new AS (INSERT INTO "kits_stockmovement"')
    with django_assert_num_queries(4) as context:
        response = send(client, "handout", fields)
    assert response.status_code == 200 and "allerede gemt" in response.json()["message"]
    assert context.captured_queries[-1]["sql"].startswith('WITH new AS (INSERT INTO "kits_stockmovement"')
    assert StockMovement.objects.filter(kind="handout").count() == 1
    assert StockLevel.objects.get(location=bag).quantity == 8


@pytest.mark.django_db(transaction=True)
def test_a_refused_handout_in_its_own_transaction_writes_nothing_and_the_next_is_stored(street_worker, bag):
    """The insert is sent outside any transaction: a refusal (too few kits, the key of other
    content) must leave no row, the stock as it was, and the connection ready for the next entry."""
    client = logged_in(street_worker)
    too_many = send(client, "handout", handout_fields(bag, quantity=11))
    assert too_many.status_code == 400 and "Ikke nok kit" in too_many.json()["errors"][0]["message"]
    stored = handout_fields(bag, quantity=1)
    assert send(client, "handout", stored).status_code == 201
    other_content = {**stored, "quantity": 2}
    assert send(client, "handout", other_content).json()["code"] == "key_conflict"
    assert send(client, "handout", handout_fields(bag, quantity=9)).status_code == 201
    assert StockMovement.objects.filter(kind="handout").count() == 2
    assert StockLevel.objects.get(location=bag).quantity == 0
    assert send(client, "handout", handout_fields(bag, quantity=1)).status_code == 400


def test_a_handout_the_insert_chose_the_lot_for_names_that_lot(street_worker, bag, coordinator):
    """The lot is worked out by the insert; the stored handout reads it back, and it is the
    first-expiring usable lot that holds enough (a later-expiring lot stays untouched)."""
    later = factories.make_batch(lot_number="SENERE", expiry_date=timezone.localdate() + dt.timedelta(days=900))
    factories.receive(later, bag, 10, coordinator)
    client = logged_in(street_worker)
    assert send(client, "handout", handout_fields(bag, quantity=3)).status_code == 201
    handout = Handout.objects.get()
    assert handout.batch.lot_number == "LOT-BAG"
    assert StockLevel.objects.get(location=bag, batch=handout.batch).quantity == 7
    assert StockLevel.objects.get(location=bag, batch=later).quantity == 10


def test_a_repeat_is_answered_as_stored_even_when_the_stock_it_took_is_gone(street_worker, bag):
    client = logged_in(street_worker)
    fields = handout_fields(bag, quantity=10)  # all the bag holds
    assert send(client, "handout", fields).status_code == 201
    assert StockLevel.objects.get(location=bag).quantity == 0
    assert send(client, "handout", fields).status_code == 200
    assert StockMovement.objects.filter(kind="handout").count() == 1


def test_a_handout_of_more_kits_than_on_hand_is_refused(street_worker, bag):
    message = refused(logged_in(street_worker), handout_fields(bag, quantity=11), "quantity", kind="handout")
    assert "10 på lager" in message
    assert not StockMovement.objects.filter(kind="handout").exists()


def report_fields(district, **changes):
    now = timezone.localtime() - dt.timedelta(hours=2)
    return {
        "key": str(uuid.uuid4()),
        "date": now.date().isoformat(),
        "time": now.strftime("%H:%M"),
        "district": district.pk,
        "substances": ["heroin", "fentanyl"],
        "naloxone_doses": 2,
        "called_112": "on",
        "ambulance_arrived": "on",
        "outcome": "hospital",
        "responder_trained": "yes",
        "note": "",
        **changes,
    }


def test_a_report_told_to_a_street_worker_is_stored_verified_and_once(street_worker, district):
    client = logged_in(street_worker)
    fields = report_fields(district)
    assert send(client, "report", fields).status_code == 201
    assert send(client, "report", fields).status_code == 200
    report = ReversalReport.objects.get()
    assert report.review_status == "verified" and report.reported_by == street_worker
    assert report.source == "staff" and report.called_112 and not report.first_aid_given
    assert sorted(report.substances) == ["fentanyl", "heroin"]


def test_a_report_needs_a_substance_and_at_most_10_doses(street_worker, district):
    client = logged_in(street_worker)
    refused(client, report_fields(district, substances=[]), "substances", kind="report")
    refused(client, report_fields(district, naloxone_doses=11), "naloxone_doses", kind="report")
    assert not ReversalReport.objects.exists()


def test_the_report_and_handout_pages_render_within_the_query_budget(
    street_worker, bag, district, django_assert_max_num_queries
):
    client = logged_in(street_worker)
    for url in ["/gade/udlevering/", "/gade/afrapportering/", "/gade/mine/"]:
        with django_assert_max_num_queries(10):
            assert client.get(url).status_code == 200


def test_the_service_worker_is_served_for_the_street_scope(client):
    response = client.get("/gade/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/gade/"
    assert '"/gade/"' in response.content.decode()
    manifest = client.get("/gade/manifest.webmanifest").json()
    assert manifest["start_url"] == "/gade/" and manifest["display"] == "standalone"


def test_the_manifest_says_it_is_utf_8(client):
    """It was served as bare application/manifest+json: a reader that does not assume UTF-8 could garble a
    name with æ, ø or å. It names its charset, as every other text the app sends does."""
    response = client.get("/gade/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json; charset=utf-8"
    assert json.loads(response.content.decode("utf-8"))["name"] == "RED LIV gadeplan"


def test_every_file_a_street_page_loads_is_kept_by_the_service_worker(street_worker, bag, district):
    """Opened offline, a street page loads its scripts and styles from the service worker's files: one it
    does not keep (the staff pages' refused-form script, loaded by the base template) failed offline."""
    import re

    client = logged_in(street_worker)
    kept = client.get("/gade/sw.js").content.decode()
    for url in ["/gade/", "/gade/udlevering/", "/gade/afrapportering/", "/gade/mine/"]:
        page = client.get(url).content.decode()
        loaded = re.findall(r'<script src="([^"]+)"', page) + re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
        assert loaded, url
        assert [path for path in loaded if f'"{path}"' not in kept] == [], url


def test_a_coordinator_of_another_municipality_cannot_see_an_entry(street_worker, other_coordinator, venue, bag):
    send(logged_in(street_worker), "course", course_fields(venue, bag))
    attendance = Attendance.objects.get()
    assert logged_in(other_coordinator).get(f"/gade/poster/kursus/{attendance.pk}/").status_code == 404


def test_a_street_worker_without_kits_permission_is_told_so(red_liv, venue, bag):
    user = make_user("no-role", red_liv, None)
    response = send(logged_in(user), "course", course_fields(venue, bag))
    assert response.status_code == 403
    assert response.json() == {"message": "Du må ikke lave denne slags registreringer.", "errors": []}
    assert nothing_written()


def test_a_coordinator_fills_in_the_attendance_of_a_planned_course(coordinator, venue, red_liv):
    planned = factories.make_course(venue, starts_at=timezone.now() - dt.timedelta(hours=3), status="planned")
    client = logged_in(coordinator)
    detail = client.get(f"/personale/kurser/{planned.pk}/").content.decode()
    assert f"/gade/?kursus={planned.pk}" in detail
    form = client.get(f"/gade/?kursus={planned.pk}").content.decode()
    assert f'name="course" value="{planned.pk}"' in form
    fields = {
        "key": str(uuid.uuid4()),
        "course": planned.pk,
        "course_format": "drop_in",
        "venue": venue.pk,
        "date": timezone.localtime(planned.starts_at).date().isoformat(),
        "time": timezone.localtime(planned.starts_at).strftime("%H:%M"),
        "people_who_use_drugs": 6,
        "relatives_network": 0,
        "professionals": 0,
        "residents": 0,
        "students": 0,
        "other": 0,
        "refresher": 1,
        "kits": 0,
        "note": "",
    }
    assert client.post("/gade/", fields).status_code == 302
    planned.refresh_from_db()
    assert planned.status == "held"
    assert planned.attendance.first_time == 5 and planned.attendance.refresher == 1
    assert Course.objects.count() == 1


def test_a_street_worker_cannot_open_another_municipalitys_planned_course(street_worker, aarhus_org):
    other_venue = factories.make_venue(aarhus_org)
    planned = factories.make_course(other_venue, starts_at=timezone.now() - dt.timedelta(hours=3))
    assert logged_in(street_worker).get(f"/gade/?kursus={planned.pk}").status_code == 404


@pytest.mark.parametrize("through", ["form", "api"])
def test_a_coordinators_report_from_over_a_year_ago_is_refused_beside_the_date(coordinator, district, through):
    """Coordinators may log further back than 60 days, but a report is taken for the last year only."""
    long_ago = (timezone.localdate() - dt.timedelta(days=400)).isoformat()
    client = logged_in(coordinator)
    fields = report_fields(district, date=long_ago)
    if through == "form":
        response = client.post("/gade/afrapportering/", fields)
        assert response.status_code == 200
        assert "mere end et år siden" in " ".join(response.context["form"].errors["date"])
    else:
        assert "mere end et år siden" in refused(client, fields, "date", kind="report")
    assert not ReversalReport.objects.exists()


def test_a_report_where_an_ambulance_came_without_112_needs_a_note(street_worker, district):
    client = logged_in(street_worker)
    fields = report_fields(district, called_112="")
    fields.pop("called_112")
    refused(client, fields, "ambulance_arrived", kind="report")
    assert send(client, "report", {**fields, "note": "En anden ringede"}).status_code == 201


@pytest.mark.django_db
def test_the_street_api_does_not_name_a_lot_only_another_municipality_has_held(
    street_worker, other_coordinator, aarhus_org, red_liv, coordinator
):
    """Which lots a municipality holds is its own business (kits.forms.known_batches): the street
    form's batch field took any lot in the country, and the refusal named it (found by a review
    helper). A lot the worker's places never held is refused as an unknown choice."""
    bag = factories.make_location(red_liv, name="Gadeteamets taske")
    factories.receive(factories.make_batch(lot_number="ODENSE-12"), bag, 10, coordinator)
    aarhus_store = factories.make_location(aarhus_org, name="Aarhus lager")
    secret = factories.make_batch(lot_number="AARHUS-ONLY-77")
    factories.receive(secret, aarhus_store, 5, other_coordinator)
    client = logged_in(street_worker)
    answer = send(client, "handout", handout_fields(bag, batch=secret.pk, quantity=1))
    assert answer.status_code == 400
    assert "AARHUS-ONLY-77" not in json.dumps(answer.json(), ensure_ascii=False)
    assert [error["field"] for error in answer.json()["errors"]] == ["batch"]
    assert not Handout.objects.exists()
    # The handout page's lots (a field whose lots are read only when it is shown or a lot is sent).
    lots = [label for _value, label in client.get("/gade/udlevering/").context["form"].fields["batch"].choices]
    assert any("ODENSE-12" in str(label) for label in lots) and not any("AARHUS" in str(label) for label in lots)


def planned_course_fields(planned, venue, **changes):
    starts_at = timezone.localtime(planned.starts_at)
    return {
        "key": str(uuid.uuid4()),
        "course": planned.pk,
        "course_format": "drop_in",
        "venue": venue.pk,
        "date": starts_at.date().isoformat(),
        "time": starts_at.strftime("%H:%M"),
        "people_who_use_drugs": 6,
        "relatives_network": 0,
        "professionals": 0,
        "residents": 0,
        "students": 0,
        "other": 0,
        "refresher": 1,
        "kits": 0,
        "note": "",
        **changes,
    }


@pytest.mark.parametrize("through", ["form", "api"])
def test_the_second_trainer_to_log_a_planned_course_is_told_it_is_logged_already(
    street_worker, coordinator, venue, red_liv, through
):
    """Two trainers held the planned course and both opened its "log the attendance" link; the first
    to send is stored. The second is refused with words that say why, above the form (the course is a
    hidden field, so an error beside it is shown nowhere) and in the tablet's list without a "None:"."""
    planned = factories.make_course(venue, starts_at=timezone.now() - dt.timedelta(hours=3), status="planned")
    colleague = make_user("kollega", red_liv, "Gadeplan")
    assert logged_in(colleague).post("/gade/", planned_course_fields(planned, venue)).status_code == 302
    client = logged_in(street_worker)
    fields = planned_course_fields(planned, venue, people_who_use_drugs=5)
    if through == "form":
        response = client.post("/gade/", fields)
        assert response.status_code == 200
        shown = response.content.decode()
    else:
        response = send(client, "course", fields)
        assert response.status_code == 400
        errors = response.json()["errors"]
        assert "None" not in [error["label"] for error in errors]
        shown = " ".join(error["message"] for error in errors)
    assert "allerede registreret" in shown
    assert Attendance.objects.count() == 1 and Attendance.objects.get().logged_by == colleague


def test_a_resend_of_a_planned_courses_attendance_is_answered_as_stored(street_worker, coordinator, venue, red_liv):
    """Its answer was lost (a timeout), so the tablet sent it again: refused as "logged already, nothing was
    saved", the tablet showed a stored entry as refused. Another worker's, or other content, under that key
    is still refused."""
    planned = factories.make_course(venue, starts_at=timezone.now() - dt.timedelta(hours=3), status="planned")
    fields = {**planned_course_fields(planned, venue), "key": str(uuid.uuid4())}
    client = logged_in(street_worker)
    assert send(client, "course", fields).status_code == 201
    resent = send(client, "course", fields)
    assert resent.status_code == 200, resent.content
    assert resent.json()["message"] == "Denne registrering var allerede gemt; intet blev tilføjet."
    assert send(client, "course", {**fields, "people_who_use_drugs": 7}).status_code == 409
    colleague = logged_in(make_user("kollega", red_liv, "Gadeplan"))
    assert "allerede registreret" in refused(colleague, fields, "")
    assert Attendance.objects.get().people_who_use_drugs == 6


def test_a_course_with_more_kits_than_any_one_lot_says_how_to_log_them_at_the_course(street_worker, coordinator, venue):
    """Two lots of three in the bag and four participants: no lot holds the course's four kits. A handout's
    advice, "log the kits as two handouts or more", cannot be followed on a course, which has one kits field;
    the course is logged with what one lot holds and corrected to add the rest (a further handout of the
    same course), and the message says so. Following it stores the course with all four kits."""
    bag = factories.make_location(venue.organisation, name="Gadeteamets taske")
    for lot in [factories.make_batch(), factories.make_batch()]:
        factories.receive(lot, bag, 3, coordinator)
    client = logged_in(street_worker)
    fields = course_fields(venue, bag, people_who_use_drugs=4, refresher=0, kits=4)
    response = send(client, "course", fields)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "kits"
    assert "to udleveringer" not in error["message"]
    assert "højst 3 kit" in error["message"] and "Mine registreringer" in error["message"]
    assert not Attendance.objects.exists()

    assert send(client, "course", {**fields, "kits": 3}).status_code == 201
    attendance = Attendance.objects.get()
    correction = {name: value for name, value in fields.items() if name not in ("key", "batch", "course_format")}
    response = client.post(f"/gade/poster/kursus/{attendance.pk}/", {**correction, "kits": 4, "change_reason": ""})
    assert response.status_code == 302
    from courses.services import kits_handed_out

    assert kits_handed_out(attendance.course) == 4


@pytest.mark.parametrize("change", [{"for_return": True}, {"active": False}], ids=["for-return", "closed"])
def test_a_queued_entry_from_a_location_since_closed_or_set_aside_says_so_once(street_worker, venue, bag, change):
    """A course queued on the tablet with kits from the bag, the bag made a place for return (or closed) before
    the entry arrived: it was refused with Django's "Select a valid choice" and, beside it, "choose where the kits
    came from", though one was chosen. It says what happened to the location, once."""
    from kits.models import StockLocation

    fields = course_fields(venue, bag, kits=2)
    StockLocation.objects.filter(pk=bag.pk).update(**change)
    response = send(logged_in(street_worker), "course", fields)
    assert response.status_code == 400
    errors = [error["message"] for error in response.json()["errors"] if error["field"] == "location"]
    assert errors == [
        "Der kan ikke tages kit fra dette lagersted nu: det er lukket eller gjort til et sted for returnering eller "
        "destruktion. Vælg et andet, eller spørg en koordinator."
    ]
    assert nothing_written()
