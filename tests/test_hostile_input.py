"""Hostile input on every form and JSON endpoint: never a 500, never a partial write.

Hypothesis draws each field from plausible values (so that the deeper checks run),
hostile ones (huge and negative numbers, long and odd Unicode with NUL bytes, RTL
marks and emoji, impossible dates, wrong types) or several values under one name
(duplicate keys), and leaves fields out. Whatever the answer, it is not a server
error; and unless it is a success (a redirect after a POST, 201 from the API), the
tables hold what they held before.
"""

import datetime as dt
import json
import os
import re
import uuid
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from courses.models import Course, CourseFormat
from finder.models import InfoPage
from tests import factories
from tests.conftest import PASSWORD, VerifiedClient
from tests.db_state import table_counts
from tests.test_permission_matrix import MATRIX, POSTS, odense_objects  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

# HOSTILE_EXAMPLES=500 python3 dev.py test tests/test_hostile_input.py digs deeper.
hostile_settings = settings(
    max_examples=int(os.environ.get("HOSTILE_EXAMPLES", 30)),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

ODD_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202eevil\u202c",
    "\u200f\u200e",
    "\ufeff",
    "🧯💉🚑" * 40,
    "x" * 5000,
    "ﷺ" * 300,
    "e\u0301" * 200,
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    '=HYPERLINK("x")',
    "../../etc/passwd",
    "%00",
    "null",
    "true",
    "[]",
    "{}",
    "\r\n\r\n",
    "\t",
]
ODD_NUMBERS = [
    "-1",
    "0",
    "-0",
    "1.5",
    "1e309",
    "NaN",
    "inf",
    "-inf",
    "2147483648",
    "-2147483649",
    "9223372036854775808",
    "1" + "0" * 400,
    "٣",
    "１２",
    "0x10",
    " 7 ",
    "+5",
    "5 000",
]
ODD_DATES = [
    "9999-12-31",
    "0001-01-01",
    "2024-02-30",
    "10000-01-01",
    "2024-13-01",
    "-2024-01-01",
    "1900-01-01",
    "24:00",
    "25:61",
    "23:59:60",
    "12:00:00.999999999",
    "T",
    "2024-01-01T25:00",
]
hostile_value = st.one_of(
    st.sampled_from(ODD_TEXT + ODD_NUMBERS + ODD_DATES),
    st.text(max_size=200),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


def field_value(plausible):
    one = st.one_of(st.sampled_from(plausible), hostile_value) if plausible else hostile_value
    return st.one_of(one, st.lists(one, min_size=2, max_size=3))


def any_fields(fields):
    """{name: value or [values]} with each field plausible, hostile, repeated or missing."""
    return st.fixed_dictionaries({}, optional={name: field_value(plausible) for name, plausible in fields.items()})


@st.composite
def one_bad_field(draw, fields):
    """Every field plausible but one, which is hostile, repeated or missing: this reaches the deeper checks."""
    data = {name: draw(st.sampled_from(plausible)) for name, plausible in fields.items() if plausible}
    bad = draw(st.sampled_from(sorted(fields)))
    how = draw(st.sampled_from(["hostile", "repeated", "missing"]))
    if how == "missing":
        data.pop(bad, None)
    elif how == "repeated":
        data[bad] = draw(st.lists(field_value(fields[bad]), min_size=2, max_size=3))
    else:
        data[bad] = draw(hostile_value)
    return data


def form_data(fields):
    return st.one_of(one_bad_field(fields), any_fields(fields))


def has_nul(params):
    """Whether a value has a NUL: the query string is then refused with a 400 page (redliv.inputs)."""
    values = [value for value in params.values() for value in (value if isinstance(value, list) else [value])]
    return any("\x00" in value for value in values)


def addresses():
    return st.ip_addresses(v=4).map(str)


def assert_no_error_and_no_partial_write(response, before, success=(302,)):
    event(f"status {response.status_code}")  # pytest --hypothesis-show-statistics shows how many got through
    assert response.status_code < 500
    if response.status_code not in success:
        assert table_counts() == before, f"a refused request ({response.status_code}) wrote to the database"


@pytest.fixture
def world(odense, red_liv, venue, coordinator):
    """Odense's things, for plausible values."""
    bag = factories.make_location(red_liv, name="Gadeteamets taske")
    office = factories.make_location(red_liv, name="Kontoret")
    batch = factories.make_batch()
    factories.receive(batch, bag, 50, coordinator)
    return {
        "venue": str(venue.pk),
        "bag": str(bag.pk),
        "office": str(office.pk),
        "batch": str(batch.pk),
        "kit_type": str(batch.kit_type_id),
        "district": str(factories.make_district(odense).pk),
        "trainer": str(factories.make_trainer(red_liv).pk),
        "municipality": str(odense.pk),
        "today": timezone.localdate().isoformat(),
        "yesterday": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
    }


def logged_in(user):
    client = VerifiedClient()
    client.force_login(user)
    return client


def street_fields(world):
    earlier = timezone.localtime() - dt.timedelta(minutes=30)
    when = {"key": [str(uuid.uuid4())], "date": [earlier.date().isoformat()], "time": [earlier.strftime("%H:%M")]}
    counts = {
        name: ["0", "1"]
        for name in ["relatives_network", "professionals", "residents", "students", "other", "refresher", "kits"]
    }
    counts["people_who_use_drugs"] = ["1", "3"]
    report = {
        "district": [world["district"]],
        "substances": ["heroin", "fentanyl", "other"],
        "naloxone_doses": ["1", "2"],
        "outcome": ["recovered", "hospital"],
        "responder_trained": ["yes", "no"],
        "note": ["Kort note"],
        **{
            name: ["on", "1", "true", "yes"]
            for name in ["called_112", "ambulance_arrived", "first_aid_given", "stayed_until_help"]
        },
    }
    return {
        "course": {
            **when,
            **counts,
            "course_format": list(CourseFormat.values),
            "venue": [world["venue"]],
            "location": [world["bag"]],
            "batch": ["", world["batch"]],
            "note": ["", "Kort note"],
        },
        "handout": {
            **when,
            "reason": ["first_supply", "repeat_supply"],
            "audience": ["people_who_use_drugs"],
            "quantity": ["1", "2"],
            "location": [world["bag"]],
            "batch": ["", world["batch"]],
        },
        "report": {**when, **report},
    }


# --- Public forms --------------------------------------------------------------------------


@hostile_settings
@given(data=st.data())
def test_the_login_form_survives_hostile_input(client, street_worker, data):
    fields = data.draw(
        form_data(
            {
                "username": [street_worker.username],
                "password": [PASSWORD, ""],
                "next": ["/personale/", "//evil.example/", "javascript:alert(1)"],
            }
        )
    )
    before = table_counts()
    response = client.post("/konto/login/", fields, REMOTE_ADDR=data.draw(addresses()))
    assert_no_error_and_no_partial_write(response, before)
    if response.status_code == 302:  # never sent to another site
        target = urlsplit(response["Location"])
        assert target.netloc in ("", "testserver") and target.scheme in ("", "http", "https")
    client.logout()


@hostile_settings
@given(data=st.data())
def test_the_second_step_survives_hostile_input(coordinator, data):
    client = Client()
    client.force_login(coordinator)  # the password step only
    fields = data.draw(form_data({"token": ["123456", "abcd2345"], "next": ["/personale/", "https://evil.example/"]}))
    before = table_counts()
    response = client.post("/konto/to-trins/", fields)
    assert_no_error_and_no_partial_write(response, before)
    # No code above is right: refused (200), or after a few wrong ones held back by django-otp (429, Retry-After).
    assert response.status_code == 200 or (response.status_code == 429 and int(response["Retry-After"]) >= 1)


@hostile_settings
@given(data=st.data())
def test_the_public_course_request_form_survives_hostile_input(client, world, data):
    fields = data.draw(
        form_data(
            {
                "organisation_name": ["Bostedet"],
                "municipality": [world["municipality"]],
                "contact_name": ["Kontakt"],
                "contact_email": ["kontakt@example.org", "a@b"],
                "contact_phone": ["12345678"],
                "audience": ["professionals", "people_who_use_drugs"],
                "number_of_people": ["10", "1"],
                "wishes": ["Gerne en formiddag"],
                "website": [""],
            }
        )
    )
    before = table_counts()
    response = client.post("/bestil-kursus/", fields, REMOTE_ADDR=data.draw(addresses()))
    assert_no_error_and_no_partial_write(response, before)


@hostile_settings
@given(data=st.data())
def test_the_public_reversal_report_form_survives_hostile_input(client, world, data):
    fields = data.draw(
        form_data(
            {
                "key": [str(uuid.uuid4())],
                "occurred_on": [world["yesterday"]],
                "occurred_time": ["12:00"],
                "district": [world["district"], ""],
                "substances": ["heroin", "fentanyl", "unknown"],
                "naloxone_doses": ["1", "2"],
                "called_112": ["yes", "no", "unknown"],
                "ambulance_arrived": ["yes", "no"],
                "first_aid_given": ["yes", "no"],
                "stayed_until_help": ["yes"],
                "outcome": ["recovered", "unknown"],
                "responder_trained": ["yes", "no"],
                "kit_replaced": ["yes", "no"],
                "note": ["", "Kort"],
                "website": [""],
            }
        )
    )
    before = table_counts()
    response = client.post("/afrapporter/", fields, REMOTE_ADDR=data.draw(addresses()))
    assert_no_error_and_no_partial_write(response, before)


# --- The street screen -----------------------------------------------------------------------


@hostile_settings
@given(data=st.data(), kind=st.sampled_from(["course", "handout", "report"]))
def test_the_street_forms_survive_hostile_input(street_worker, world, data, kind):
    client = logged_in(street_worker)
    fields = data.draw(form_data(street_fields(world)[kind]))
    before = table_counts()
    pages = {"course": "/gade/", "handout": "/gade/udlevering/", "report": "/gade/afrapportering/"}
    response = client.post(pages[kind], fields)
    assert_no_error_and_no_partial_write(response, before)


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=False),
        hostile_value,
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=6,
)


@hostile_settings
@given(data=st.data(), kind=st.sampled_from(["course", "handout", "report"]))
def test_the_street_json_endpoint_survives_hostile_fields(street_worker, world, data, kind):
    client = logged_in(street_worker)
    plausible = street_fields(world)[kind]
    fields = data.draw(
        st.fixed_dictionaries(
            {},
            optional={
                name: st.one_of(st.sampled_from(values), st.lists(st.sampled_from(values), max_size=3), json_values)
                for name, values in plausible.items()
            },
        )
    )
    kind_value = data.draw(st.one_of(st.just(kind), json_values))
    body = data.draw(
        st.sampled_from(
            [
                {"kind": kind_value, "fields": fields},
                {"kind": kind_value},
                {"fields": fields},
                fields,
                [kind_value, fields],
            ]
        )
    )
    before = table_counts()
    response = client.post("/gade/api/poster/", json.dumps(body), content_type="application/json")
    assert_no_error_and_no_partial_write(response, before, success=(201,))
    assert response["Content-Type"] == "application/json; charset=utf-8"


RAW_BODIES = [
    b"",
    b"null",
    b"[]",
    b"{}",
    b"\x00",
    b"\xff\xfe\xfd",
    b'{"kind": "course", "kind": "report", "fields": {}}',  # a duplicate key
    b'{"kind": "course", "fields": []}',
    b'{"kind": [], "fields": {}}',
    b'{"kind": {}, "fields": {}}',
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    b"1e999999",
    b"NaN",
    b'"\\ud800"',
    b'{"kind": "course", "fields": {"note": "\\u0000"}}',
]


@pytest.mark.parametrize("body", RAW_BODIES, ids=range(len(RAW_BODIES)))
def test_the_street_json_endpoint_refuses_what_is_not_an_entry(street_worker, body):
    client = logged_in(street_worker)
    before = table_counts()
    response = client.post("/gade/api/poster/", body, content_type="application/json")
    assert response.status_code == 400 and "message" in response.json()
    assert table_counts() == before


@hostile_settings
@given(body=st.binary(max_size=500))
def test_the_street_json_endpoint_refuses_random_bytes(street_worker, body):
    client = logged_in(street_worker)
    before = table_counts()
    response = client.post("/gade/api/poster/", body, content_type="application/json")
    assert response.status_code == 400 and table_counts() == before


def test_the_street_json_endpoint_refuses_an_oversized_body_with_a_message(street_worker, world):
    client = logged_in(street_worker)
    fields = {**{name: values[0] for name, values in street_fields(world)["course"].items()}, "note": "x" * 300_000}
    response = client.post(
        "/gade/api/poster/", json.dumps({"kind": "course", "fields": fields}), content_type="application/json"
    )
    assert response.status_code == 400
    assert "for stor" in response.json()["message"]


# --- Coordinators' forms ----------------------------------------------------------------------


@pytest.mark.long(seconds=4)
@hostile_settings
@given(data=st.data())
def test_the_course_form_survives_hostile_input(coordinator, world, data):
    client = logged_in(coordinator)
    starts = (timezone.localtime() + dt.timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    fields = data.draw(
        form_data(
            {
                "kind": list(Course.Kind.values),
                "format": ["drop_in", "pop_up", "scheduled"],
                "title": ["Kursus"],
                "venue": [world["venue"]],
                "joining_url": ["", "javascript:alert(1)"],
                "starts_at": [starts.strftime("%Y-%m-%d %H:%M")],
                "ends_at": [(starts + dt.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")],
                "audiences": ["people_who_use_drugs", "professionals"],
                "languages": ["da", "en"],
                "capacity": ["10", "0"],
                "trainers": [world["trainer"]],
                "public_description": ["Om kurset"],
                "published": ["on", ""],
            }
        )
    )
    before = table_counts()
    response = client.post("/personale/kurser/ny/", fields)
    assert_no_error_and_no_partial_write(response, before)


@hostile_settings
@given(data=st.data(), which=st.sampled_from(["delivery", "transfer"]))
def test_the_stock_forms_survive_hostile_input(coordinator, world, data, which):
    client = logged_in(coordinator)
    if which == "delivery":
        path, plausible = (
            "/personale/lager/levering/",
            {
                "key": [str(uuid.uuid4())],
                "location": [world["office"]],
                "kit_type": [world["kit_type"]],
                "product": ["Nyxoid 1,8 mg"],
                "lot_number": ["LOT-H1"],
                "expiry_date": [(timezone.localdate() + dt.timedelta(days=300)).isoformat()],
                "quantity": ["5", "100"],
                "on_date": [world["today"]],
            },
        )
    else:
        path, plausible = (
            "/personale/lager/flyt/",
            {
                "key": [str(uuid.uuid4())],
                "from_location": [world["bag"]],
                "to_location": [world["office"]],
                "batch": [world["batch"]],
                "quantity": ["1", "49", "51"],
                "reason": ["Til kontoret"],
            },
        )
    fields = data.draw(form_data(plausible))
    before = table_counts()
    response = client.post(path, fields)
    assert_no_error_and_no_partial_write(response, before)


# --- GET parameters -------------------------------------------------------------------------------


@pytest.mark.long(seconds=5)
@hostile_settings
@given(data=st.data(), who=st.sampled_from(["coordinator", "administrator"]))
def test_the_month_page_survives_hostile_parameters(world, data, who, request):
    client = logged_in(request.getfixturevalue(who))
    params = data.draw(form_data({"month": ["2025-01", "1999-12", "2100-01"], "municipality": [world["municipality"]]}))
    path = data.draw(st.sampled_from(["/personale/maaned/", "/personale/maaned/csv/", "/personale/maaned/udskriv/"]))
    before = table_counts()
    response = client.get(path, params)
    assert response.status_code in (200, 400, 403, 404)  # 400: a NUL in the query string
    assert table_counts() == before


FINDER_PARAMS = {
    "format": list(CourseFormat.values),
    "district": [],
    "audience": ["people_who_use_drugs"],
    "language": ["da", "en"],
    "when": ["today", "week"],
    "from": ["2025-01-01"],
    "to": ["2025-12-31"],
    "near": ["55.4,10.4", "91,0", "55.4,10.4,1"],
    "postcode": ["5000", "0000"],
}


@hostile_settings
@given(data=st.data())
def test_the_finder_survives_hostile_parameters(client, world, data):
    params = data.draw(form_data({**FINDER_PARAMS, "district": [world["district"]]}))
    path = data.draw(st.sampled_from(["/", "/kurser.ics", "/widget/", "/en/"]))
    response = client.get(path, params)
    if has_nul(params):
        assert response.status_code == 400
    elif path == "/kurser.ics" and response.status_code == 400:  # a filter it cannot use: refused, with the reason
        assert response.content.decode().startswith("Kalenderen kunne ikke laves: nogle filtre kunne ikke bruges.")
    else:
        assert response.status_code == 200


@hostile_settings
@given(data=st.data())
def test_the_api_answers_400_or_200_to_hostile_parameters(client, world, data):
    params = data.draw(form_data({**FINDER_PARAMS, "district": [world["district"]]}))
    response = client.get("/api/v1/courses/", params)
    assert response.status_code in (200, 400)
    assert isinstance(response.json(), dict)


@hostile_settings
@given(data=st.data())
def test_the_coordinators_course_list_survives_hostile_filters(coordinator, world, data):
    client = logged_in(coordinator)
    params = data.draw(
        form_data(
            {
                "when": ["upcoming", "past"],
                "kind": list(Course.Kind.values),
                "format": list(CourseFormat.values),
                "venue": [world["venue"]],
                "trainer": [world["trainer"]],
                "status": ["planned", "cancelled"],
                "published": ["1", "0"],
            }
        )
    )
    response = client.get("/personale/kurser/", params)
    assert response.status_code == (400 if has_nul(params) else 200)


# --- CSRF on every POST form ----------------------------------------------------------------------

CSRF_FORMS = [
    ("/konto/login/", None),
    ("/bestil-kursus/", None),
    ("/afrapporter/", None),
    ("/konto/to-trins/", "coordinator"),
    ("/konto/to-trins/opsaet/", "street_worker"),
    ("/konto/to-trins/gendannelseskoder/", "coordinator"),
    ("/konto/logout/", "street_worker"),
    ("/gade/", "street_worker"),
    ("/gade/udlevering/", "street_worker"),
    ("/gade/afrapportering/", "street_worker"),
    ("/personale/kurser/ny/", "coordinator"),
    ("/personale/faste-tider/ny/", "coordinator"),
    ("/personale/traenere/ny/", "coordinator"),
    ("/personale/steder/ny/", "coordinator"),
    ("/personale/afrapporteringer/ny/", "coordinator"),
    ("/personale/lager/levering/", "coordinator"),
    ("/personale/lager/flyt/", "coordinator"),
    ("/personale/lager/kasser/", "coordinator"),
    ("/personale/lager/optaelling/", "coordinator"),
    ("/personale/lager/udlevering/", "coordinator"),
] + [(path, "coordinator") for path, _answers in POSTS.values()]  # every write to an object


@pytest.mark.parametrize("path, who", CSRF_FORMS)
def test_a_post_without_a_csrf_token_is_refused(odense_objects, path, who, request):  # noqa: F811 (fixture)
    client = VerifiedClient(enforce_csrf_checks=True)
    if who:
        client.force_login(request.getfixturevalue(who))
    before = table_counts()
    response = client.post(path.format(**odense_objects), {"username": "x", "note": "x", "token": "123456"})
    assert response.status_code == 403
    assert table_counts() == before
    if who:
        assert "_auth_user_id" in client.session  # the logout was refused too


@pytest.mark.long(seconds=7)
def test_no_url_of_the_project_takes_a_post_without_a_csrf_token(odense_objects, request):  # noqa: F811 (fixture)
    """Every URL pattern (the permission matrix's rows), posted to by a visitor and by an administrator (who
    reaches every staff page): refused (403, or 405/401 before any form is read), and nothing written."""
    taken = {}
    for route, (path, _answers) in MATRIX.items():
        for who in ("anonymous", "administrator"):
            client = VerifiedClient(enforce_csrf_checks=True)
            if who == "administrator":
                client.force_login(request.getfixturevalue(who))
            before = table_counts()
            response = client.post(path.format(**odense_objects), {"note": "x", "token": "123456", "key": uuid.uuid4()})
            if response.status_code not in (401, 403, 405) or table_counts() != before:
                taken[who, route] = response.status_code
    assert taken == {}


def test_the_info_page_keeps_its_text_after_a_post_without_a_token(administrator):
    # Made here: the migration's copy is gone once a browser test on the same worker emptied the tables.
    InfoPage.objects.get_or_create(
        slug="naloxon",
        defaults={"title_da": "Naloxon", "title_en": "Naloxone", "body_da": "Tekst.", "body_en": "Text."},
    )
    client = VerifiedClient(enforce_csrf_checks=True)
    client.force_login(administrator)
    before = InfoPage.objects.get(slug="naloxon").body_da
    client.post("/personale/informationssider/naloxon/", {"title_da": "x", "body_da": "x"})
    assert InfoPage.objects.get(slug="naloxon").body_da == before


# --- Named hostile parameters: each was a 500 ----------------------------------------------------

PUBLIC_EXTREMES = [
    ("/", {"from": "9999-12-31"}, 200),
    ("/", {"to": "0001-01-01"}, 200),
    ("/en/", {"from": "9999-12-31"}, 200),
    ("/widget/", {"from": "9999-12-31"}, 200),
    ("/kurser.ics", {"from": "9999-12-30"}, 400),
    ("/api/v1/courses/", {"from": "9999-12-31"}, 400),
    ("/api/v1/courses/", {"to": "0001-01-01"}, 400),
]


@pytest.mark.parametrize("path, params, status", PUBLIC_EXTREMES)
def test_the_public_pages_refuse_a_date_no_one_means_with_a_message(client, path, params, status):
    response = client.get(path, params)
    assert response.status_code == status
    if path.startswith("/api/"):
        assert list(response.json()["fields"]) == list(params)
    else:  # the finder and the widget say it above the list; the feed in its refusal
        message = "Choose a date between 1900 and 2200" if path == "/en/" else "Vælg en dato mellem 1900 og 2200"
        assert message in response.content.decode()


@pytest.mark.parametrize("day", ["9999-12-15", "0001-01-01", "9999-12-31", "2201-01-01", "1899-12-31"])
def test_the_course_calendar_refuses_a_date_no_one_means(planner, day):
    response = planner.get("/en/personale/kurser/kalender/", {"dato": day})
    assert response.status_code == 200
    assert "Choose a date between 1900 and 2200" in response.content.decode()


def test_the_course_calendar_shows_29_february_and_the_last_day_of_a_month(planner):
    for day in ["2028-02-29", "2026-12-31", "1900-01-01", "2200-12-31"]:
        response = planner.get("/en/personale/kurser/kalender/", {"dato": day})
        assert response.status_code == 200 and "Choose a date" not in response.content.decode()


@pytest.mark.parametrize("lot", ["%00", "a%00b", "x" * 10_000, "%ED%A0%80", "%F0%9F"])  # NUL, a lone surrogate, half
def test_the_lot_trace_refuses_an_impossible_lot_number(planner, lot):
    for path in ["/en/personale/lager/lot/", "/en/personale/lager/lot/csv/"]:
        response = planner.get(f"{path}?lot={lot}")
        assert response.status_code in (400, 404)
        if response.status_code == 400:
            assert "cannot be stored" in response.content.decode()


@pytest.mark.parametrize("value", ["abc", "\x00", "2147483648", "-1", "1.5", "１２", "٣"])
def test_a_course_from_an_unknown_request_is_a_404(planner, value):
    assert planner.get("/en/personale/kurser/ny/", {"forespoergsel": value}).status_code in (400, 404)


@pytest.mark.parametrize("value", ["²", "2147483648", "99999999999999999999"])
@pytest.mark.parametrize(
    "path, name",
    [
        ("/statistik/", "kommune"),
        ("/personale/maaned/", "municipality"),
        ("/personale/maaned/csv/", "municipality"),
        ("/personale/lager/", "municipality"),
    ],
)
def test_a_municipality_no_one_can_name_is_a_404_for_the_administrator_and_the_public(
    client, administrator, odense, path, name, value
):
    if path.startswith("/personale/"):
        client.force_login(administrator)
    assert client.get(path, {name: value}).status_code == 404


# --- Reasons: no NUL, and no longer than the column that keeps them -------------------------------


@pytest.fixture
def approved_march(coordinator, odense):
    from reports.publication import approve_and_publish

    with time_machine.travel(dt.datetime(2026, 5, 10, 12, tzinfo=dt.UTC), tick=False):
        approve_and_publish(coordinator, odense, dt.date(2026, 3, 1))
        yield


@pytest.mark.parametrize("reason", ["x" * 201, "Sen\x00registrering", "x" * 10_000])
def test_a_month_is_not_reopened_with_a_reason_that_cannot_be_kept(planner, approved_march, odense, reason):
    from redliv.closing import month_is_closed

    before = table_counts()
    response = planner.post("/en/personale/maaned/genaabn/", {"month": "2026-03", "reason": reason}, follow=True)
    assert response.status_code == 200
    assert table_counts() == before and month_is_closed(odense, dt.date(2026, 3, 31))
    page = response.content.decode()
    assert "at most 200 characters" in page or "cannot be stored" in page


def test_a_month_is_reopened_with_a_reason_of_200_characters(planner, approved_march, odense):
    from redliv.closing import month_is_closed

    planner.post("/en/personale/maaned/genaabn/", {"month": "2026-03", "reason": "x" * 200})
    assert not month_is_closed(odense, dt.date(2026, 3, 31))


@pytest.mark.parametrize("reason", ["Fejl\x00", "x" * 101, "x" * 200])
@pytest.mark.parametrize("entry", ["course", "handout", "report"])
def test_a_withdrawal_reason_that_cannot_be_kept_gets_a_message(coordinator, street_worker, venue, bag, entry, reason):
    from tests.reversal_helpers import make_report

    held = factories.make_course(venue, starts_at=timezone.now() - dt.timedelta(hours=3))
    attendance = factories.make_attendance(held, street_worker)
    handout = factories.hand_out(bag.levels.get().batch, bag, 1, street_worker)
    district = factories.make_district(venue.organisation.municipality)
    report = make_report(district, source="staff", reported_by=street_worker)
    paths = {
        "course": f"/en/gade/poster/kursus/{attendance.pk}/trak-tilbage/",
        "handout": f"/en/gade/poster/udlevering/{handout.pk}/trak-tilbage/",
        "report": f"/en/gade/poster/afrapportering/{report.pk}/trak-tilbage/",
    }
    client = logged_in(coordinator)
    before = table_counts()
    response = client.post(paths[entry], {"reason": reason}, follow=True)
    assert response.status_code == 200 and table_counts() == before
    page = response.content.decode()
    assert "at most 100 characters" in page or "cannot be stored" in page


@pytest.mark.parametrize("reason", ["x" * 101, "x" * 200, "a\x00b"])
def test_a_correction_reason_that_the_history_cannot_keep_gets_a_form_error(
    coordinator, street_worker, venue, bag, reason
):
    held = factories.make_course(venue, starts_at=timezone.now() - dt.timedelta(hours=3))
    attendance = factories.make_attendance(held, street_worker)
    client = logged_in(coordinator)
    form = client.get(f"/en/gade/poster/kursus/{attendance.pk}/").context["form"]
    fields = {name: form[name].value() or "" for name in form.fields}
    fields.update({"people_who_use_drugs": 4, "kits": 0, "change_reason": reason})
    before = table_counts()
    response = client.post(f"/en/gade/poster/kursus/{attendance.pk}/", fields)
    assert response.status_code == 200 and table_counts() == before
    assert response.context["form"].has_error("change_reason")


def test_a_review_reason_that_the_history_cannot_keep_gets_a_form_error(coordinator, venue):
    from tests.reversal_helpers import make_report

    report = make_report(factories.make_district(venue.organisation.municipality))
    client = logged_in(coordinator)
    before = table_counts()
    response = client.post(
        f"/en/personale/afrapporteringer/{report.pk}/vurdering/", {"decision": "reject", "reason": "x" * 150}
    )
    assert response.status_code in (200, 400) and table_counts() == before


# --- Every parameter of every URL at its extremes --------------------------------------------------
#
# The URLs are the permission matrix's (one row per URL pattern, found by walking the resolver);
# the parameter names are every field of every form of the project and every name a view reads
# from the query string (found in the source), so a new parameter is tried without a line here.

EXTREMES = [
    "²",  # a digit to str.isdigit(), not to int()
    "0001-01-01",
    "9999-12-31",
    "2028-02-29",  # and the last day of a month: accepted, and the pages still answer
    "2147483648",
    "-2147483649",
    "x" * 10_000,
    "%00",  # sent raw: a NUL
    "%ED%A0%80",  # sent raw: a lone surrogate in UTF-8
]
_READ_FROM_THE_QUERY = re.compile(
    r"""GET(?:\.get\(|\[)"(\w+)"|"(\w+)" in request\.GET|\bvalue\("(\w+)"\)|for name in \(((?:"\w+",? ?)+)\)"""
)


def parameter_names():
    from tests.test_form_bounds import FORMS

    names = {name for form_class in FORMS for name in form_class.base_fields}
    for path in Path(__file__).resolve().parent.parent.glob("*/*.py"):
        if path.parent.name in {"tests", "bench"} or path.parent.name.startswith("."):
            continue
        for match in _READ_FROM_THE_QUERY.finditer(path.read_text()):
            names.update(re.findall(r"\w+", next(group for group in match.groups() if group)))
    return sorted(names)


PARAMETER_NAMES = parameter_names()


def test_the_parameter_names_include_those_the_issue_named():
    assert {"from", "to", "dato", "lot", "forespoergsel", "month", "municipality", "start", "end", "reason"} <= set(
        PARAMETER_NAMES
    )


def query_with(names, value):
    raw = value if value.startswith("%") else quote(value)
    return "&".join(f"{quote(name)}={raw}" for name in names)


@pytest.mark.long(seconds=5)
@pytest.mark.parametrize("value", EXTREMES, ids=lambda value: value[:12])
def test_every_get_parameter_of_every_url_at_its_extremes_is_never_a_500(odense_objects, coordinator, value):  # noqa: F811
    from tests.test_permission_matrix import MATRIX

    client = logged_in(coordinator)
    before = table_counts()
    for path, _answers in MATRIX.values():
        path = path.format(**odense_objects)
        glue = "&" if "?" in path else "?"
        response = client.get(f"{path}{glue}{query_with(PARAMETER_NAMES, value)}")
        assert response.status_code < 500, path
        if response.status_code == 400 and path.startswith("/api/"):
            assert "fields" in response.json() or "message" in response.json()
    assert table_counts() == before


@pytest.mark.long(seconds=4)
@pytest.mark.parametrize("value", EXTREMES, ids=lambda value: value[:12])
def test_every_form_field_of_every_post_at_its_extremes_is_never_a_500(odense_objects, coordinator, value):  # noqa: F811
    from tests.test_permission_matrix import POSTS

    client = logged_in(coordinator)
    body = query_with(PARAMETER_NAMES, value)
    for path in {path for path, _who in CSRF_FORMS} | {path for path, _answers in POSTS.values()}:
        if path.startswith(("/konto/logout/", "/gade/api/")):
            continue
        path = path.format(**odense_objects)
        before = table_counts()
        response = client.post(path, body, content_type="application/x-www-form-urlencoded")
        assert response.status_code < 500, path
        if response.status_code in (200, 400):
            assert table_counts() == before, f"{path} wrote while refusing"
    client.logout()


@hostile_settings
@given(data=st.data())
def test_any_few_parameters_of_any_url_survive_hostile_values(odense_objects, coordinator, data):  # noqa: F811
    from tests.test_permission_matrix import MATRIX

    client = logged_in(coordinator)
    path = data.draw(st.sampled_from(sorted(path for path, _answers in MATRIX.values()))).format(**odense_objects)
    names = data.draw(st.lists(st.sampled_from(PARAMETER_NAMES), min_size=1, max_size=4, unique=True))
    plain = [value for value in EXTREMES if not value.startswith("%")] + ["2026-04-30", "2026-12-31", "9999-12"]
    params = {name: data.draw(st.one_of(st.sampled_from(plain), hostile_value)) for name in names}
    before = table_counts()
    response = client.get(path, {**dict(parse_qsl(urlsplit(path).query)), **params})
    assert response.status_code < 500
    assert table_counts() == before


def test_a_form_sent_in_another_encoding_than_utf8_is_refused_with_a_message_not_a_500():
    """Django refuses a form body declared in another charset than UTF-8, and its own 400 page then reads the form
    again for the CSRF token and fails the same way: every form answered such a post with a 500 (also "UTF8")."""
    client = Client(enforce_csrf_checks=True)
    token = "a" * 32
    client.cookies["csrftoken"] = token
    body = f"csrfmiddlewaretoken={token}&language=en&next=/"

    def post(charset):
        return client.post("/i18n/setlang/", body, content_type=f"application/x-www-form-urlencoded; charset={charset}")

    for charset in ("latin-1", "utf-16", "cp1252"):
        response = post(charset)
        assert response.status_code == 400, charset
        assert "tegnkodning" in response.content.decode()
    # Another name for UTF-8 is read as UTF-8.
    assert post("UTF8").status_code == 302
    assert post("utf-8").status_code == 302
