"""A cancelled or past course's page: 410 Gone, with the cancellation, its reason and the next courses at the place."""

import datetime as dt
import gzip

import pytest
import time_machine

from courses.models import Course, DropInSchedule, Venue
from tests.factories import make_course, make_venue

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 30, 11, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_cancelled_course_says_so_with_its_reason_and_the_next_courses_at_the_same_place(client, red_liv, venue):
    cancelled = make_course(
        venue,
        title="Drop-in hos Antidote",
        starts_at=NOW + dt.timedelta(days=2),
        status=Course.Status.CANCELLED,
        cancellation_reason="Underviseren er syg.",
        cancelled_at=NOW - dt.timedelta(days=1),
    )
    make_course(venue, title="Næste gang hos Antidote", starts_at=NOW + dt.timedelta(days=9))
    make_course(make_venue(red_liv, name="Et andet sted"), title="Et andet sted", starts_at=NOW + dt.timedelta(days=3))
    response = client.get(f"/kurser/{cancelled.pk}/")
    assert response.status_code == 410
    page = response.content.decode()
    assert "er aflyst" in page
    assert "Dette kursus onsdag 2. december 2026 kl. 12:00 er aflyst." in page, page[page.find("Dette") :][:200]
    assert "Begrundelse: Underviseren er syg." in page
    assert "Næste gang hos Antidote" in page
    assert "Et andet sted</a>" not in page


def test_a_cancelled_course_still_says_so_after_its_venue_closed(client, venue):
    """Cancelled because the place closes, then the place closed: the link shared before still tells why,
    rather than a bare "not found"."""
    cancelled = make_course(
        venue,
        title="Drop-in hos Antidote",
        starts_at=NOW + dt.timedelta(days=2),
        status=Course.Status.CANCELLED,
        cancellation_reason="Stedet lukker.",
        cancelled_at=NOW - dt.timedelta(days=1),
    )
    Venue.objects.filter(pk=venue.pk).update(active=False)
    response = client.get(f"/kurser/{cancelled.pk}/")
    assert response.status_code == 410
    page = response.content.decode()
    assert "er aflyst." in page and "Begrundelse: Stedet lukker." in page
    assert "De næste kurser samme sted" not in page  # nothing is held at a closed place


def test_a_planned_course_at_a_closed_venue_is_not_shown(client, venue):
    planned = make_course(venue, starts_at=NOW + dt.timedelta(days=2))
    Venue.objects.filter(pk=venue.pk).update(active=False)
    assert client.get(f"/kurser/{planned.pk}/").status_code == 404


def test_a_past_course_says_it_was_held(client, venue):
    past = make_course(venue, title="Afholdt kursus", starts_at=NOW - dt.timedelta(days=3), status=Course.Status.HELD)
    response = client.get(f"/kurser/{past.pk}/")
    assert response.status_code == 410
    assert "Kurset blev holdt fredag 27. november 2026." in response.content.decode()


def test_an_unpublished_or_unknown_course_is_still_not_found(client, venue):
    hidden = make_course(venue, published=False)
    assert client.get(f"/kurser/{hidden.pk}/").status_code == 404
    assert client.get("/kurser/999999/").status_code == 404


def test_an_english_gone_page_is_english(client, venue):
    past = make_course(venue, starts_at=NOW - dt.timedelta(days=3), status=Course.Status.HELD)
    assert "This course was held on" in client.get(f"/en/kurser/{past.pk}/").content.decode()


def test_a_course_without_a_title_is_named_by_its_format_and_place_everywhere(client, venue):
    course = make_course(venue, title="", starts_at=NOW + dt.timedelta(days=2))
    name = "Drop-in hos Antidote Danmark, Odense"
    page = client.get(f"/kurser/{course.pk}/").content.decode()
    assert f"<h1>{name}</h1>" in page
    assert f"<title>{name} · RED LIV</title>" in page
    assert f'"name": "RED LIV: {name}"' in page
    assert f'<a href="/kurser/{course.pk}/">{name}</a>' in client.get("/").content.decode()
    calendar = client.get(f"/kurser/{course.pk}.ics").content.decode()
    assert "SUMMARY:RED LIV: Drop-in hos Antidote Danmark\\, Odense" in calendar.replace("\r\n ", "")


def test_the_next_ones_at_the_place_list_standing_drop_in_hours_once_with_their_rhythm(client, venue):
    past = make_course(venue, title="Afholdt kursus", starts_at=NOW - dt.timedelta(days=3), status=Course.Status.HELD)
    DropInSchedule.objects.create(
        municipality=venue.municipality,
        venue=venue,
        title="Tirsdags-drop-in",
        weekday=1,
        starts_at=dt.time(13),
        ends_at=dt.time(15),
        valid_from=NOW.date() - dt.timedelta(days=30),
    )
    page = client.get(f"/kurser/{past.pk}/").content.decode()
    assert page.count("Tirsdags-drop-in</a>") == 1
    assert "Hver tirsdag 13–15, " in page


def test_a_gone_page_comes_gzipped_to_a_phone_that_accepts_it_and_plain_to_one_that_does_not(client, venue):
    """A cancelled course's link is opened on phones with poor signal: the 410 page is packed like the finder's."""
    cancelled = make_course(
        venue,
        starts_at=NOW + dt.timedelta(days=2),
        status=Course.Status.CANCELLED,
        cancellation_reason="Underviseren er syg.",
        cancelled_at=NOW - dt.timedelta(days=1),
    )
    packed = client.get(f"/kurser/{cancelled.pk}/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    plain = client.get(f"/kurser/{cancelled.pk}/", HTTP_ACCEPT_ENCODING="gzip;q=0, identity")
    assert (packed.status_code, plain.status_code) == (410, 410)
    assert packed["Content-Encoding"] == "gzip" and not plain.has_header("Content-Encoding")
    assert "Accept-Encoding" in packed["Vary"] and "Accept-Encoding" in plain["Vary"]
    assert gzip.decompress(packed.content) == plain.content
    assert "Begrundelse: Underviseren er syg." in plain.content.decode()
    assert len(packed.content) < len(plain.content) / 2


def test_ended_drop_in_hours_say_when_they_ended_and_what_else_is_held_there(client, venue):
    """A bookmarked drop-in page once its hours were ended read "Every Tuesday … Just come by"."""
    ended = DropInSchedule.objects.create(
        municipality=venue.municipality,
        venue=venue,
        title="Tirsdags-drop-in",
        weekday=1,
        starts_at=dt.time(13),
        ends_at=dt.time(15),
        valid_from=dt.date(2026, 1, 6),
        valid_until=dt.date(2026, 11, 24),
    )
    make_course(venue, title="Næste gang hos Antidote", starts_at=NOW + dt.timedelta(days=9))
    response = client.get(f"/drop-in/{ended.pk}/")
    assert response.status_code == 410
    page = response.content.decode()
    assert "Tirsdags-drop-in" in page
    assert "Denne drop-in-tid sluttede tirsdag 24. november 2026." in page
    assert "<title>Sluttet: Tirsdags-drop-in · RED LIV</title>" in page
    assert "Kom bare forbi" not in page
    assert "Næste gang hos Antidote" in page


def test_drop_in_hours_at_a_venue_since_closed_say_they_are_no_longer_held(client, venue):
    ended = DropInSchedule.objects.create(
        municipality=venue.municipality,
        venue=venue,
        title="Tirsdags-drop-in",
        weekday=1,
        starts_at=dt.time(13),
        ends_at=dt.time(15),
        valid_from=dt.date(2026, 1, 6),
    )
    Venue.objects.filter(pk=venue.pk).update(active=False)
    response = client.get(f"/drop-in/{ended.pk}/")
    assert response.status_code == 410
    assert "Denne drop-in-tid holdes ikke længere." in response.content.decode()
    assert "De næste kurser samme sted" not in response.content.decode()


def test_unpublished_drop_in_hours_are_still_not_found(client, venue):
    hidden = DropInSchedule.objects.create(
        municipality=venue.municipality,
        venue=venue,
        weekday=1,
        starts_at=dt.time(13),
        ends_at=dt.time(15),
        valid_from=dt.date(2026, 1, 6),
        published=False,
    )
    assert client.get(f"/drop-in/{hidden.pk}/").status_code == 404
