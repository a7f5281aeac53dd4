"""GET /api/v1/courses/: the finder's list as JSON for other sites."""

import datetime as dt

import pytest
from django.utils import timezone

from courses.models import CourseFormat, DropInSchedule
from tests.factories import make_course, make_district, make_venue

pytestmark = pytest.mark.django_db


def test_each_course_has_exactly_the_documented_fields(client, venue):
    course = make_course(
        venue, title="Drop-in hos Antidote", languages=["da", "en"], audiences=["people_who_use_drugs", "professionals"]
    )
    response = client.get("/api/v1/courses/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert body["count"] == 1
    assert body["courses"] == [
        {
            "id": f"course-{course.pk}",
            "format": "drop_in",
            "title": "Drop-in hos Antidote",
            "start": timezone.localtime(course.starts_at).isoformat(),
            "end": timezone.localtime(course.ends_at).isoformat(),
            "venue": {
                "name": "Antidote Danmark, Odense",
                "address": "Vestergade 1",
                "postcode": "5000",
                "city": "Odense C",
                "lat": 55.395,
                "lon": 10.385,
            },
            "audiences": ["people_who_use_drugs", "professionals"],
            "languages": ["da", "en"],
            "url": f"http://testserver/kurser/{course.pk}/",
        }
    ]
    start = dt.datetime.fromisoformat(body["courses"][0]["start"])
    assert start.utcoffset() is not None


def test_an_online_course_has_no_venue(client, odense):
    make_course(None, municipality=odense, format=CourseFormat.ONLINE, joining_url="https://example.org/m")
    assert client.get("/api/v1/courses/").json()["courses"][0]["venue"] is None


def test_drop_in_hours_appear_as_dated_entries(client, venue):
    schedule = DropInSchedule.objects.create(
        municipality=venue.municipality,
        venue=venue,
        weekday=2,
        starts_at=dt.time(10),
        ends_at=dt.time(12),
        valid_from=timezone.localdate() - dt.timedelta(days=7),
    )
    courses = client.get("/api/v1/courses/?format=drop_in").json()["courses"]
    assert 7 <= len(courses) <= 8
    assert courses[0]["id"].startswith(f"drop-in-{schedule.pk}-")
    assert courses[0]["url"] == f"http://testserver/drop-in/{schedule.pk}/"


def test_the_filters_work_as_on_the_page(client, red_liv, odense):
    district = make_district(odense, name="Vollsmose")
    here = make_venue(red_liv, district=district, latitude="55.409", longitude="10.430")
    make_course(
        here,
        title="A",
        format=CourseFormat.POP_UP,
        audiences=["professionals"],
        languages=["en"],
        starts_at=timezone.now() + dt.timedelta(days=2),
    )
    make_course(make_venue(red_liv), title="B", starts_at=timezone.now() + dt.timedelta(days=9))

    def titles(query):
        return [c["title"] for c in client.get(f"/api/v1/courses/?{query}").json()["courses"]]

    assert titles("format=pop_up") == ["A"]
    assert titles(f"district={district.pk}") == ["A"]
    assert titles("audience=professionals") == ["A"]
    assert titles("language=en") == ["A"]
    later = timezone.localdate() + dt.timedelta(days=5)
    assert titles(f"from={later.isoformat()}") == ["B"]
    assert titles(f"to={later.isoformat()}") == ["A"]
    near_b = client.get("/api/v1/courses/?near=55.395,10.385").json()["courses"]
    assert [c["title"] for c in near_b] == ["B", "A"]
    assert near_b[0]["distance_km"] < near_b[1]["distance_km"]


@pytest.mark.parametrize(
    "query, field",
    [
        ("format=teleport", "format"),
        ("district=nowhere", "district"),
        ("audience=x", "audience"),
        ("language=klingon", "language"),
        ("from=2025-02-30", "from"),
        ("to=tomorrow", "to"),
        ("near=55.3", "near"),
        ("near=91,10", "near"),
    ],
)
def test_a_malformed_filter_is_a_400_with_a_json_error(client, venue, query, field):
    response = client.get(f"/api/v1/courses/?{query}")
    assert response.status_code == 400
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert body["error"] == "invalid filter"
    assert list(body["fields"]) == [field]


def test_the_api_only_answers_get(client, db):
    assert client.post("/api/v1/courses/").status_code == 405


def test_the_api_shows_nothing_that_is_not_public(client, red_liv, venue):
    make_course(venue, published=False)
    make_course(make_venue(red_liv, kind="shelter", open_to_public=False))
    assert client.get("/api/v1/courses/").json() == {"count": 0, "limit": 100, "offset": 0, "next": None, "courses": []}


def test_the_api_pages_with_limit_and_offset(client, venue):
    from tests.factories import make_course

    for day in range(1, 8):
        make_course(venue, starts_at=timezone.now() + dt.timedelta(days=day), title=f"Kursus {day}")
    first = client.get("/api/v1/courses/", {"format": "drop_in", "limit": 3}).json()
    assert first["count"] == 7 and first["limit"] == 3 and first["offset"] == 0
    assert [course["title"] for course in first["courses"]] == ["Kursus 1", "Kursus 2", "Kursus 3"]
    assert first["next"].endswith("offset=3") and "format=drop_in" in first["next"]
    last = client.get("/api/v1/courses/", {"format": "drop_in", "limit": 3, "offset": 6}).json()
    assert [course["title"] for course in last["courses"]] == ["Kursus 7"] and last["next"] is None


@pytest.mark.parametrize("paging", [{"limit": 0}, {"limit": 501}, {"limit": "x"}, {"offset": -1}])
def test_the_api_refuses_malformed_paging(client, db, paging):
    response = client.get("/api/v1/courses/", paging)
    assert response.status_code == 400 and response.json()["error"] == "invalid paging"


@pytest.mark.parametrize("side", ["500000000000000000", "9223372036854775808", "99999999999999999999999"])
def test_a_page_number_far_past_the_end_is_the_last_page_not_an_error(client, side):
    response = client.get(f"/?side={side}")
    assert response.status_code == 200


@pytest.mark.parametrize("offset", ["10000001", "99999999999999999999"])
def test_an_offset_too_large_for_any_list_is_refused_with_the_paging_message(client, offset):
    response = client.get(f"/api/v1/courses/?offset={offset}")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid paging"


# Python's int() reads each as a number (1000, 12, 12, 5, 12, 12); a link or a program writes none of them.
NOT_PLAIN_DIGITS = ["1_000", " 12", "12 ", "+5", "\u0661\u0662", "\uff11\uff12"]


def test_paging_written_other_than_in_plain_digits_is_refused_with_the_paging_message(client, db):
    """`offset=1_000` was taken as 1000 (so were " 12", "+5" and Arabic-Indic "١٢"): a cache or a client reads
    another query than the one answered. Refused, as any other text."""
    for name in ("limit", "offset"):
        for value in NOT_PLAIN_DIGITS:
            response = client.get("/api/v1/courses/", {name: value})
            assert response.status_code == 400 and response.json()["error"] == "invalid paging", (name, value)
    assert client.get("/api/v1/courses/", {"limit": "012", "offset": "0"}).json()["limit"] == 12


def test_a_district_written_other_than_in_plain_digits_is_unknown_to_the_api_and_the_feed(client, red_liv, odense):
    district = make_district(odense, name="Vollsmose")
    make_venue(red_liv, district=district)
    digits = str(district.pk)
    arabic = "".join(chr(0x0660 + int(digit)) for digit in digits)
    for value in [f"0_{digits}", f" {digits}", f"+{digits}", arabic]:
        response = client.get("/api/v1/courses/", {"district": value})
        assert response.status_code == 400 and list(response.json()["fields"]) == ["district"], value
        assert client.get("/kurser.ics", {"district": value}).status_code == 400, value
    assert client.get("/api/v1/courses/", {"district": digits}).status_code == 200


@pytest.mark.parametrize(
    "query, danish",
    [
        ("from=2025-02-30", "Ikke en dato; skriv den som ÅÅÅÅ-MM-DD."),
        ("near=91,10", "Ikke en position; skriv den som breddegrad,længdegrad."),
        ("to=9999-12-31", "Vælg en dato mellem 1900 og 2200."),
        ("format=teleport", "Ukendt kursusform."),
        ("limit=0", "et helt tal fra 1 til 500"),
        ("format=%00", "Teksten indeholder et tegn, der ikke kan gemmes (et NUL-tegn eller et ødelagt tegn)."),
    ],
)
def test_a_refusal_reads_in_danish_in_the_raw_answer_not_as_escapes(client, venue, query, danish):
    """Someone reading the answer in a terminal or a log sees "længdegrad", not "l\\u00e6ngdegrad"."""
    response = client.get(f"/api/v1/courses/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.content.decode("utf-8")
    assert danish in body and "\\u" not in body


def test_a_course_list_reads_in_utf_8_as_the_refusals_do(client, venue):
    make_course(venue, title="Pop-up på Flakhaven")
    response = client.get("/api/v1/courses/")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "Pop-up på Flakhaven" in response.content.decode("utf-8")


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("get", "/api/v1/courses/?format=%00", 400),  # refused by the middleware, before the view
        ("get", "/api/v1/courses/?from=2025-02-30", 400),
        ("get", "/api/v1/courses/?limit=0", 400),
        ("post", "/api/v1/courses/", 405),
        ("get", "/api/v1/courses/nothing/", 404),
        ("get", "/api/v1/courses/", 200),
    ],
)
def test_every_api_answer_refusals_included_is_readable_from_a_partners_site(client, venue, method, path, status):
    """The 400 for a NUL had no CORS header: a browser on a partner's site saw a network error, not the message."""
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response["Access-Control-Allow-Origin"] == "*" and response["Content-Language"] == "da"


@pytest.mark.parametrize(
    "accept_language, language, message",
    [
        ("en-GB,en;q=0.8", "en", "The text contains a character that cannot be stored (a NUL or a broken character)."),
        ("da", "da", "Teksten indeholder et tegn, der ikke kan gemmes (et NUL-tegn eller et ødelagt tegn)."),
        ("", "da", "Teksten indeholder et tegn, der ikke kan gemmes (et NUL-tegn eller et ødelagt tegn)."),
    ],
)
def test_the_400_for_a_nul_follows_accept_language_and_says_its_language_as_the_other_answers_do(
    client, db, accept_language, language, message
):
    """Refused by the middleware before the API's view ran, the answer was in Danish whatever the client asked for,
    and its Content-Language came from the site's default, not from the API's own choice of language."""
    response = client.get("/api/v1/courses/?format=%00", HTTP_ACCEPT_LANGUAGE=accept_language)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid parameter", "message": message}
    assert response["Content-Language"] == language and "Accept-Language" in response["Vary"]
    # The same header, by the same rule, as the view's own refusals.
    assert client.get("/api/v1/courses/?format=nope", HTTP_ACCEPT_LANGUAGE=accept_language)["Content-Language"] == (
        language
    )


def test_pages_outside_the_api_are_not_opened_to_other_sites(client, venue):
    assert not client.get("/").has_header("Access-Control-Allow-Origin")
    assert not client.get("/?format=%00").has_header("Access-Control-Allow-Origin")
