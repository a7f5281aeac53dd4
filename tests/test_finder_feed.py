"""The iCalendar feed and the "add to calendar" files are valid RFC 5545."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from icalendar import Calendar

from courses.models import CANCELLATION_NOTICE_DAYS, CourseFormat, DropInSchedule
from courses.services_planning import cancel_course
from tests import factories
from tests.factories import make_course

pytestmark = pytest.mark.django_db


def parse(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))  # folded lines, RFC 5545 3.1
    return Calendar.from_ical(body)


def test_the_feed_has_every_upcoming_course_and_drop_in_date(client, venue, odense):
    course = make_course(
        venue, title="Pop-up på Flakhaven", format=CourseFormat.POP_UP, public_description="Kom forbi standen. " * 10
    )
    make_course(
        None, municipality=odense, format=CourseFormat.ONLINE, joining_url="https://example.org/m", title="Online"
    )
    make_course(venue, title="Skjult", published=False)
    DropInSchedule.objects.create(
        municipality=venue.municipality,
        venue=venue,
        weekday=3,
        starts_at=dt.time(10),
        ends_at=dt.time(12),
        valid_from=timezone.localdate(),
        title="Torsdags-drop-in",
    )
    calendar = parse(client.get("/kurser.ics"))
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    events = calendar.walk("VEVENT")
    summaries = [str(event["SUMMARY"]) for event in events]
    assert "RED LIV: Pop-up på Flakhaven" in summaries and "RED LIV: Online" in summaries
    assert summaries.count("RED LIV: Torsdags-drop-in") in (7, 8)
    assert "RED LIV: Skjult" not in summaries
    assert len({str(event["UID"]) for event in events}) == len(events)
    pop_up = next(e for e in events if str(e["SUMMARY"]) == "RED LIV: Pop-up på Flakhaven")
    assert pop_up["DTSTART"].dt == course.starts_at.replace(microsecond=0)
    assert pop_up["DTEND"].dt == course.ends_at.replace(microsecond=0)
    assert "DTSTAMP" in pop_up
    assert str(pop_up["LOCATION"]) == "Antidote Danmark, Odense, Vestergade 1, 5000 Odense C"
    assert str(pop_up["URL"]) == f"http://testserver/kurser/{course.pk}/"


def test_a_course_downloads_as_one_event(client, venue):
    course = make_course(venue, title="Drop-in")
    response = client.get(f"/kurser/{course.pk}.ics")
    assert response["Content-Disposition"] == f'attachment; filename="redliv-kursus-{course.pk}.ics"'
    events = parse(response).walk("VEVENT")
    assert len(events) == 1 and str(events[0]["UID"]) == f"course-{course.pk}@testserver"


def test_a_drop_in_downloads_its_next_dates(client, venue):
    schedule = factories.make_drop_in(venue)
    events = parse(client.get(f"/drop-in/{schedule.pk}.ics")).walk("VEVENT")
    assert len(events) in (7, 8)


def test_the_calendar_files_are_public_pages_with_their_links_in_english_too(client, venue):
    """Kept a minute and answered 304 when unchanged; the download keeps its file name."""
    course = make_course(venue, title="Drop-in")
    schedule = DropInSchedule.objects.create(
        municipality=venue.municipality,
        venue=venue,
        weekday=3,
        starts_at=dt.time(10),
        ends_at=dt.time(12),
        valid_from=timezone.localdate(),
    )
    for url in [f"/kurser/{course.pk}.ics", f"/drop-in/{schedule.pk}.ics", "/kurser.ics"]:
        response = client.get(url)
        assert response["Cache-Control"] == "max-age=60" and response["ETag"], url
    assert 'filename="redliv-kursus-' in client.get(f"/kurser/{course.pk}.ics")["Content-Disposition"]
    assert f'href="/en/kurser/{course.pk}.ics"' in client.get(f"/en/kurser/{course.pk}/").content.decode()
    assert f'href="/en/drop-in/{schedule.pk}.ics"' in client.get(f"/en/drop-in/{schedule.pk}/").content.decode()


def test_any_text_a_coordinator_can_type_reads_back_unchanged_from_the_feed(client, venue):
    """Commas, semicolons, backslashes, line breaks of every kind, long Danish and emoji lines:
    the feed escapes and folds them so that a calendar app reads back exactly what was typed
    (control characters, which a calendar may not hold, are left out)."""
    venue.name = "Café ;Æblet\\, bag Rådhuset"
    venue.address = "Østre Stationsvej 1–3, 1. sal"
    venue.latitude, venue.longitude = 55.40123, 10.38654
    venue.save()
    title = "Kursus; kaffe, kage \\ og 🧡 " + "æøå" * 30
    description = "Første linje,\r\nanden; linje\rtredje\\ linje\n\n" + "Blåbærgrød med fløde og 💊 " * 12 + "\x07slut"
    course = make_course(venue, title=title, public_description=description)
    body = client.get("/kurser.ics").content
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    body.decode()  # folding never splits a character: the file is valid UTF-8 throughout
    event = parse(client.get("/kurser.ics")).walk("VEVENT")[0]
    url = f"http://testserver/kurser/{course.pk}/"
    assert str(event["SUMMARY"]) == f"RED LIV: {title}"
    expected = "Første linje,\nanden; linje\ntredje\\ linje\n\n" + "Blåbærgrød med fløde og 💊 " * 12 + "slut"
    assert str(event["DESCRIPTION"]) == f"{expected}\n\n{url}"
    assert str(event["LOCATION"]) == "Café ;Æblet\\, bag Rådhuset, Østre Stationsvej 1–3, 1. sal, 5000 Odense C"
    assert (event["GEO"].latitude, event["GEO"].longitude) == (55.40123, 10.38654)
    assert str(event["URL"]) == url and str(event["UID"]) == f"course-{course.pk}@testserver"


@pytest.mark.parametrize("query", ["from=2026-02-30", "to=9999-12-31", "format=popup", "from=2026-12-09&to=2026-12-01"])
def test_a_feed_with_a_filter_it_cannot_use_is_refused_with_the_reason_not_filled_with_every_course(
    client, venue, query
):
    make_course(venue, title="Kurset")
    response = client.get(f"/kurser.ics?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    body = response.content.decode()
    assert body.startswith("Kalenderen kunne ikke laves: nogle filtre kunne ikke bruges.\n")
    assert "Kurset" not in body
    english = client.get(f"/en/kurser.ics?{query}").content.decode()
    assert english.startswith("The calendar was not made: some filters could not be used.\n")


def test_a_position_given_to_the_feed_is_not_read_even_when_it_is_not_one(client, venue):
    make_course(venue, title="Kurset")
    for query in ["near=abc", "postcode=12", "near=55.4,10.38"]:
        response = client.get(f"/kurser.ics?{query}")
        assert response.status_code == 200 and "Kurset" in response.content.decode()


def test_the_feed_does_not_look_up_the_places_of_a_postcode_it_does_not_read(client, venue, django_assert_num_queries):
    make_course(venue, title="Kurset")
    with django_assert_num_queries(4):  # drop-in hours, the courses' count, the courses, those cancelled lately
        assert "Kurset" in client.get("/kurser.ics?postcode=5000").content.decode()


def _later(minutes):
    """The clock moved on (past the shared copy's minute, finder/shared_copy.py), nothing else."""
    return time_machine.travel(timezone.now() + dt.timedelta(minutes=minutes), tick=False)


def test_an_unchanged_calendar_is_answered_304_at_a_later_instant_so_apps_do_not_download_it_again(client, venue):
    """The files' bytes depend on the data alone: DTSTAMP is when the course or drop-in hours last
    changed, not the instant the file was written, so the ETag holds until something changes."""
    course = make_course(venue, title="Pop-up på Flakhaven")
    schedule = factories.make_drop_in(venue)
    for url in ["/kurser.ics", f"/kurser/{course.pk}.ics", f"/drop-in/{schedule.pk}.ics"]:
        with _later(5):
            first = client.get(url)
        with _later(7):
            again = client.get(url)
            revisit = client.get(url, headers={"if-none-match": first["ETag"]})
        assert first.status_code == again.status_code == 200, url
        assert again.content == first.content and again["ETag"] == first["ETag"], url
        assert revisit.status_code == 304, url
    stamps = {str(event["DTSTAMP"].dt) for event in parse(client.get("/kurser.ics")).walk("VEVENT")}
    assert stamps == {str(course.updated_at.replace(microsecond=0)), str(schedule.updated_at.replace(microsecond=0))}


def test_an_edited_or_cancelled_course_changes_the_calendar_and_its_etag(client, venue):
    course = make_course(venue, title="Pop-up på Flakhaven")
    other = make_course(venue, title="Drop-in i Vollsmose")
    schedule = factories.make_drop_in(venue)
    urls = ["/kurser.ics", f"/kurser/{course.pk}.ics", f"/drop-in/{schedule.pk}.ics"]
    with _later(5):
        tags = {url: client.get(url)["ETag"] for url in urls}
    with _later(10):
        course.title = "Pop-up på Rådhuspladsen"
        course.save()
        schedule.title = "Torsdagsåbent"
        schedule.save()
    with _later(15):
        for url in urls:
            response = client.get(url, headers={"if-none-match": tags[url]})
            assert response.status_code == 200 and response["ETag"] != tags[url], url
        assert "Rådhuspladsen" in client.get("/kurser.ics").content.decode()
        assert "Torsdagsåbent" in client.get(f"/drop-in/{schedule.pk}.ics").content.decode()
        tag = client.get("/kurser.ics")["ETag"]
    with _later(20):
        cancel_course(other, "Træneren er syg")
    with _later(25):
        response = client.get("/kurser.ics", headers={"if-none-match": tag})
        assert response.status_code == 200 and response["ETag"] != tag
        cancelled = next(e for e in parse(response).walk("VEVENT") if str(e["UID"]) == f"course-{other.pk}@testserver")
        assert str(cancelled["STATUS"]) == "CANCELLED"


def _event(response, course):
    events = parse(response).walk("VEVENT")
    return next((e for e in events if str(e["UID"]) == f"course-{course.pk}@testserver"), None)


def test_a_course_cancelled_lately_stays_in_the_feeds_marked_cancelled_so_subscribed_calendars_drop_it(client, venue):
    """Left out, the event would stay in a subscriber's calendar and they would walk to a cancelled
    course. It is published as cancelled (same UID, a higher SEQUENCE, a later DTSTAMP) for as long as
    the finder shows the cancellation (Course.objects.recently_cancelled), in every feed it matches."""
    course = make_course(
        venue,
        title="Pop-up på Flakhaven",
        format=CourseFormat.POP_UP,
        starts_at=timezone.now() + dt.timedelta(days=20),
    )
    with _later(5):
        before = _event(client.get("/kurser.ics"), course)
        assert "STATUS" not in before and before.get("SEQUENCE", 0) == 0
    with _later(10):
        cancel_course(course, "Træneren er syg")
    with _later(15):
        after = _event(client.get("/kurser.ics"), course)
        assert str(after["STATUS"]) == "CANCELLED" and after["SEQUENCE"] > before.get("SEQUENCE", 0)
        assert after["DTSTAMP"].dt > before["DTSTAMP"].dt
        assert (after["DTSTART"].dt, after["DTEND"].dt) == (before["DTSTART"].dt, before["DTEND"].dt)
        assert str(after["SUMMARY"]) == "Aflyst – RED LIV: Pop-up på Flakhaven"
        assert str(after["DESCRIPTION"]).startswith("Begrundelse: Træneren er syg\n\n")
        english = _event(client.get("/en/kurser.ics"), course)
        assert str(english["SUMMARY"]) == "Cancelled – RED LIV: Pop-up på Flakhaven"
        assert str(english["DESCRIPTION"]).startswith("Reason: Træneren er syg\n\n")
        # The feeds of a filter it matches carry it too; those of a filter it does not match, not.
        assert str(_event(client.get("/kurser.ics?format=pop_up"), course)["STATUS"]) == "CANCELLED"
        assert _event(client.get("/kurser.ics?format=online"), course) is None
        # The "add to calendar" file, downloaded again, replaces the first download's event.
        download = _event(client.get(f"/kurser/{course.pk}.ics"), course)
        assert str(download["STATUS"]) == "CANCELLED"
        # Nothing changes while nothing does: the revisit is answered 304.
        tag = client.get("/kurser.ics")["ETag"]
    with _later(20):
        assert client.get("/kurser.ics", headers={"if-none-match": tag}).status_code == 304
    # The finder stops showing it CANCELLATION_NOTICE_DAYS after the cancellation: so does the feed.
    with _later(10 + 60 * 24 * CANCELLATION_NOTICE_DAYS + 1):
        assert _event(client.get("/kurser.ics"), course) is None
        assert client.get(f"/kurser/{course.pk}.ics").status_code == 404


def test_a_course_cancelled_long_ago_or_never_published_is_not_in_the_feed(client, venue):
    hidden = make_course(venue, title="Skjult", published=False)
    cancel_course(hidden, "Træneren er syg")
    assert "Skjult" not in client.get("/kurser.ics").content.decode()


def test_the_feed_is_named_in_the_subscribers_language(client, venue):
    """A calendar app shows the feed's name (X-WR-CALNAME) beside its events: the English feed was
    named in Danish, "RED LIV – kurser"."""
    make_course(venue, title="Kurset")
    assert str(parse(client.get("/kurser.ics"))["X-WR-CALNAME"]) == "RED LIV – kurser"
    assert str(parse(client.get("/en/kurser.ics"))["X-WR-CALNAME"]) == "RED LIV – courses"


def test_the_finder_offers_a_calendar_subscription_next_to_the_download(client, venue):
    """The only calendar link was https://…/kurser.ics: a phone downloaded the list once, and the calendar
    never learnt of a new course or a cancellation. A webcal:// link is one the calendar app subscribes to."""
    make_course(venue)
    danish = client.get("/").content.decode()
    assert 'href="webcal://testserver/kurser.ics"' in danish
    assert "Abonnér på kurserne i din kalender-app" in danish and "nye kurser og aflysninger kommer med" in danish
    assert 'href="/kurser.ics"' in danish and "Hent kurserne som fil (.ics)" in danish
    assert "filen bliver ikke opdateret" in danish and "<code>http://testserver/kurser.ics</code>" in danish
    english = client.get("/en/").content.decode()
    assert 'href="webcal://testserver/en/kurser.ics"' in english
    assert "Subscribe to the courses in your calendar app" in english and "the file is not updated" in english


def test_the_finders_calendar_links_keep_the_filters_chosen_and_the_feed_lists_only_matching_courses(
    client, red_liv, district
):
    """The calendar links were the bare /kurser.ics: a visitor who chose pop-ups in Vollsmose for professionals
    in English subscribed to every course in the country. The links carry the filters the finder used (a filter
    it ignored with a note is left out, or the feed would refuse the calendar), never where the visitor is."""
    here = factories.make_venue(red_liv, name="Vollsmose Torv", district=district)
    elsewhere = factories.make_venue(red_liv, name="Banegården", district=factories.make_district(red_liv.municipality))
    wanted = {"format": CourseFormat.POP_UP, "audiences": ["professionals"], "languages": ["en"]}
    soon = timezone.now() + dt.timedelta(days=3)
    make_course(here, title="Det rigtige", starts_at=soon, **wanted)
    make_course(here, title="Forkert format", starts_at=soon, **{**wanted, "format": CourseFormat.DROP_IN})
    make_course(elsewhere, title="Forkert bydel", starts_at=soon, **wanted)
    make_course(here, title="Forkert målgruppe", starts_at=soon, **{**wanted, "audiences": ["students"]})
    make_course(here, title="Forkert sprog", starts_at=soon, **{**wanted, "languages": ["da"]})
    make_course(here, title="For sent", starts_at=soon + dt.timedelta(days=30), **wanted)
    start, end = timezone.localdate(soon).isoformat(), timezone.localdate(soon + dt.timedelta(days=7)).isoformat()
    chosen = f"format=pop_up&district={district.pk}&audience=professionals&language=en&from={start}&to={end}"
    page = client.get(f"/?{chosen}&near=55.3968,10.3883&postcode=5000&when=someday").content.decode()
    query = chosen.replace("&", "&amp;")
    assert f'href="webcal://testserver/kurser.ics?{query}"' in page
    assert f'href="/kurser.ics?{query}"' in page and f"<code>http://testserver/kurser.ics?{query}</code>" in page
    calendar_part = page.split('class="calendar-links')[1]
    assert "near" not in calendar_part and "55.39" not in calendar_part and "5000" not in calendar_part
    assert "when" not in calendar_part
    summaries = [str(event["SUMMARY"]) for event in parse(client.get(f"/kurser.ics?{chosen}")).walk("VEVENT")]
    assert summaries == ["RED LIV: Det rigtige"]
    # "This week" stays a period, read again each time the calendar fetches the feed.
    assert 'href="/en/kurser.ics?when=week"' in client.get("/en/?when=week").content.decode()


def test_a_calendar_subscribed_to_a_district_empties_when_its_last_public_place_closes(client, red_liv, district):
    """The district filter knew only districts with a public place open: once the last one closed, the
    subscription got a 400, and a calendar app keeps what it had when a refresh fails, so the closed place's
    dates stayed in the calendar for weeks. Now the calendar is empty (no course elsewhere either), and a
    district that does not exist is still refused."""
    here = factories.make_venue(red_liv, name="Vollsmose Torv", district=district)
    elsewhere = factories.make_venue(red_liv, district=factories.make_district(red_liv.municipality))
    soon = timezone.now() + dt.timedelta(days=3)
    make_course(here, title="I Vollsmose", starts_at=soon)
    make_course(elsewhere, title="Andetsteds", starts_at=soon)
    subscribed = f"/kurser.ics?district={district.pk}"
    assert [str(event["SUMMARY"]) for event in parse(client.get(subscribed)).walk("VEVENT")] == ["RED LIV: I Vollsmose"]
    here.active = False
    here.save()
    response = client.get(subscribed)
    assert response.status_code == 200 and parse(response).walk("VEVENT") == []
    api = client.get(f"/api/v1/courses/?district={district.pk}")
    assert (api.status_code, api.json()["count"]) == (200, 0)
    assert client.get(f"/kurser.ics?district={district.pk + 1000}").status_code == 400
