"""The finder's list engine (finder.listing): cut to the page in SQL, ordered by time, or by distance band and time."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from courses.models import Course, CourseFormat, DropInException, DropInSchedule, Venue
from finder import listing
from tests.factories import make_course, make_district, make_venue

pytestmark = pytest.mark.django_db

# Monday 30 November 2026, noon in Copenhagen.
NOW = dt.datetime(2026, 11, 30, 11, tzinfo=dt.UTC)
HERE = (55.3959, 10.3883)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day, hour):
    return timezone.make_aware(dt.datetime(2026, 12, day, hour))


def weekly(venue, weekday, title, hour=13, **fields):
    return DropInSchedule.objects.create(
        municipality=venue.municipality,
        venue=venue,
        title=title,
        weekday=weekday,
        starts_at=dt.time(hour),
        ends_at=dt.time(hour + 2),
        valid_from=dt.date(2026, 1, 1),
        **fields,
    )


def test_near_me_puts_the_soonest_nearby_drop_in_first_and_each_standing_drop_in_once(client, red_liv):
    """The issue's example: the nearest drop-in's weekly dates no longer push a sooner one 0.8 km away down."""
    nearest = make_venue(red_liv, name="Lige her", latitude="55.396000", longitude="10.388500")  # 40 m
    close = make_venue(red_liv, name="Lidt væk", latitude="55.403000", longitude="10.390000")  # 0.8 km
    town = make_venue(red_liv, name="Nabobyen", latitude="55.560000", longitude="10.420000")  # 18 km
    weekly(nearest, 4, "Fredags-drop-in")
    weekly(close, 1, "Tirsdags-drop-in")
    make_course(town, title="I morgen i nabobyen", starts_at=at(1, 9))
    make_course(nearest, title="Om en måned lige her", starts_at=at(28, 9))
    response = client.get("/", {"near": "55.3959,10.3883"})
    entries = response.context["entries"]
    assert [entry.title for entry in entries] == [
        "Tirsdags-drop-in",  # tomorrow, under a kilometre away
        "Fredags-drop-in",  # Friday, under a kilometre away
        "Om en måned lige her",  # under a kilometre, but in four weeks
        "I morgen i nabobyen",  # tomorrow, but 18 km away
    ]
    assert [entry.next_date for entry in entries] == [
        dt.date(2026, 12, 1),
        dt.date(2026, 12, 4),
        dt.date(2026, 12, 28),
        dt.date(2026, 12, 1),
    ]
    assert [round(entry.distance_km, 1) for entry in entries] == [0.8, 0.0, 0.0, 18.4]
    assert entries[1].rhythm == listing.Rhythm(4, dt.time(13), dt.time(15), "fredag")
    assert entries[2].rhythm is None


def test_a_closed_date_is_skipped_for_the_next_one(client, venue):
    schedule = weekly(venue, 1, "Tirsdags-drop-in")
    DropInException.objects.create(schedule=schedule, date=dt.date(2026, 12, 1), reason="Lukket")
    [entry] = client.get("/").context["entries"]
    assert entry.next_date == dt.date(2026, 12, 8)


def test_the_api_still_lists_each_date_of_standing_drop_in_hours(client, venue):
    weekly(venue, 1, "Tirsdags-drop-in")
    found = client.get("/api/v1/courses/").json()
    assert found["count"] == 8
    assert [course["start"][:10] for course in found["courses"]][:2] == ["2026-12-01", "2026-12-08"]


def _sample(red_liv, odense):
    """Courses at five distances and online, standing drop-in hours at three places, one closed date."""
    venues = [
        make_venue(red_liv, latitude=f"{55.396 + 0.05 * i:.6f}", longitude="10.388500", name=f"Sted {i}")
        for i in range(5)
    ]
    for i in range(40):
        make_course(venues[i % 5], title=f"Kursus {i}", starts_at=at(1 + i % 27, 8 + i % 9))
    for i in range(3):
        make_course(
            None,
            municipality=odense,
            format=CourseFormat.ONLINE,
            joining_url="https://example.org/m",
            title=f"Online {i}",
            starts_at=at(2 + i, 19),
        )
    for i, venue in enumerate(venues[:3]):
        schedule = weekly(venue, i * 2, f"Drop-in {i}", hour=9 + i)
    DropInException.objects.create(schedule=schedule, date=dt.date(2026, 12, 11), reason="Lukket")


@pytest.mark.parametrize("near", [None, "55.3959,10.3883", "55.60,10.39"])
@pytest.mark.parametrize("limit", [1, 4, 7, 30])
def test_pages_cut_in_sql_join_up_to_the_whole_list(client, red_liv, odense, near, limit):
    """However the list is cut, the pages in a row are the whole list: nothing missing, nothing twice."""
    _sample(red_liv, odense)
    params = {"near": near} if near else {}
    whole = client.get("/api/v1/courses/", {**params, "limit": 500}).json()
    assert whole["count"] == len(whole["courses"]) == 43 + 7 + 8 + 7  # Monday 9–11 has passed; Friday closed once
    pages = []
    for offset in range(0, whole["count"] + limit, limit):
        page = client.get("/api/v1/courses/", {**params, "limit": limit, "offset": offset}).json()
        assert page["count"] == whole["count"]
        pages += page["courses"]
    assert [course["id"] for course in pages] == [course["id"] for course in whole["courses"]]
    if near:  # by distance band, then soonest first; online last
        keys = [(listing.band(course.get("distance_km")), course["start"]) for course in whole["courses"]]
        assert [course["title"] for course in whole["courses"][-3:]] == ["Online 0", "Online 1", "Online 2"]
    else:
        keys = [course["start"] for course in whole["courses"]]
    assert keys == sorted(keys)


def test_the_finder_pages_join_up_with_each_drop_in_once(client, red_liv, odense):
    _sample(red_liv, odense)
    seen = []
    for side in (1, 2):
        response = client.get("/", {"near": "55.3959,10.3883", "side": side})
        assert response.context["total"] == 46
        seen += [entry.id for entry in response.context["entries"]]
    assert len(seen) == len(set(seen)) == 46
    assert sum(entry_id.startswith("drop-in-") for entry_id in seen) == 3


def test_the_api_widget_and_feed_read_places_only_when_asked_by_district_or_postcode(
    client, red_liv, odense, django_assert_num_queries
):
    """Three queries (drop-in hours, the courses' count and first start, then the courses cut to the
    page); the public places (a fourth) only for a district or a postcode. Placed by a postcode, the
    courses are counted and cut to the page by distance in one statement (three). A later page places
    the courses that may be on it by their keys, then reads only those: on the national data the API's
    offset 2,000 read 900 courses for a page of 100 (89 ms, then 49 ms)."""
    _sample(red_liv, odense)
    district = make_district(odense).pk
    Venue.objects.filter(name="Sted 0").update(district=district)
    for params, queries in [({}, 3), ({"district": ""}, 3), ({"postcode": "5000"}, 3), ({"district": district}, 4)]:
        with django_assert_num_queries(queries):
            assert client.get("/api/v1/courses/", params).status_code == 200
        # The widget's 20 entries by distance come from 43 courses: their keys are cut in the statement
        # that reads the page's whole rows.
        with django_assert_num_queries(queries):
            assert client.get("/widget/", params).status_code == 200
    with django_assert_num_queries(2):  # the places, which have no such district, and the districts: refused
        assert client.get("/api/v1/courses/", {"district": "99999"}).status_code == 400
    with django_assert_num_queries(4):  # and the courses cancelled lately, which the feed marks cancelled
        assert client.get("/kurser.ics").status_code == 200
    with django_assert_num_queries(3) as context:  # drop-in hours, the keys counted, the page's courses
        page = client.get("/api/v1/courses/", {"near": "55.3959,10.3883", "offset": 40, "limit": 5}).json()
    assert len(page["courses"]) == 5 and page["count"] == 43 + 7 + 8 + 7
    assert sum("c.title" in query["sql"] for query in context.captured_queries) == 1
    with django_assert_num_queries(3):  # past the end no key comes back to carry the count: counted alone
        page = client.get("/api/v1/courses/", {"near": "55.3959,10.3883", "offset": 1000, "limit": 5}).json()
    assert page["courses"] == [] and page["count"] == 43 + 7 + 8 + 7


def test_a_cancelled_course_leaves_every_list_on_the_next_request(client, venue):
    course = make_course(venue, title="Aflyses snart", starts_at=at(2, 10))
    assert "Aflyses snart" in client.get("/widget/").content.decode()
    Course.objects.filter(pk=course.pk).update(
        status=Course.Status.CANCELLED, cancelled_at=NOW, cancellation_reason="Underviseren er syg"
    )
    page = client.get("/").content.decode()
    assert "Underviseren er syg" in page  # shown as cancelled, with its reason
    assert client.get("/").context["entries"] == []
    assert "Aflyses snart" not in client.get("/widget/").content.decode()
    assert client.get("/api/v1/courses/").json()["count"] == 0
    # The feed keeps it, marked cancelled, so that a subscribed calendar drops it (tests/test_finder_feed.py).
    feed = client.get("/kurser.ics").content
    assert b"Aflyses snart" in feed and b"STATUS:CANCELLED" in feed


def test_each_entry_links_and_is_timed_in_the_language_and_zone_of_its_own_request(client, venue):
    """Links are worked out once per language (finder.listing._url_parts): a Danish request after an
    English one still links without /en/; the times are Copenhagen's, as the template's filters gave."""
    course = make_course(venue, title="Kursus på dansk", starts_at=at(3, 17))
    for path, link in [("/", f"/kurser/{course.pk}/"), ("/en/", f"/en/kurser/{course.pk}/")] * 2:
        entry = client.get(path).context["entries"][0]
        assert entry.url == link
        assert (entry.start_iso, entry.start_clock) == ("2026-12-03T17:00:00+01:00", "17:00")
        assert f'href="{link}"' in client.get(path).content.decode()


@pytest.mark.parametrize(
    "starts_at",
    [
        dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC),  # 01:30 winter time, before the clocks go forward
        dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC),  # 03:30 summer time: 02:30 does not exist that night
        dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC),  # the first 02:30 (summer time)
        dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC),  # the second 02:30 (winter time)
        dt.datetime(2026, 12, 31, 22, 30, tzinfo=dt.UTC),  # 23:30 on New Year's Eve
    ],
)
def test_an_entrys_printed_times_are_what_the_date_filters_give_on_both_daylight_saving_nights(starts_at):
    from django.template import Context, Template

    entry = listing.Entry(
        id="x", format="drop_in", title="", starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=2),
        venue=None, audiences=[], languages=[], description="", gives_kit=True, url="/",
    )  # fmt: skip
    filters = Template("{{ e.starts_at|date:'c' }} {{ e.starts_at|time:'H:i' }} {{ e.ends_at|time:'H:i' }}")
    assert f"{entry.start_iso} {entry.start_clock} {entry.end_clock}" == filters.render(Context({"e": entry}))


def _expected(now, filters, origin):
    """The list as the finder must show it, worked out in Python from every course in the table."""
    rows = []
    for course in Course.objects.select_related("venue"):
        venue = course.venue
        if not course.published or course.status != Course.Status.PLANNED or course.ends_at <= now:
            continue
        if venue is not None and not (venue.open_to_public and venue.active):
            continue
        if filters.format and course.format != filters.format:
            continue
        if filters.audience and filters.audience not in course.audiences:
            continue
        if filters.date_from and timezone.localdate(course.ends_at) < filters.date_from:
            continue
        if filters.date_to and timezone.localdate(course.starts_at) > filters.date_to:
            continue
        distance = None
        if origin and venue is not None and venue.latitude is not None:
            distance = listing.distance_km(origin, (float(venue.latitude), float(venue.longitude)))
        rows.append(((listing.band(distance) if origin else 0, course.starts_at, course.pk), course.pk))
    return [f"course-{pk}" for _key, pk in sorted(rows)]


def test_a_random_walk_of_courses_begun_long_ago_under_way_ended_and_to_come_lists_what_python_would(red_liv, odense):
    """The page's courses are read from the first matching start onwards (a bound found in the same
    request): courses begun days ago and still under way, ended ones never logged, cancelled, hidden
    and online ones, near, far and without coordinates, under each filter, page and position, must
    list exactly as a plain sort would."""
    import random

    from finder.filters import Filters

    chance = random.Random(2026)
    venues = [
        make_venue(red_liv, latitude="55.396000", longitude="10.388500"),
        make_venue(red_liv, latitude="55.700000", longitude="10.400000"),
        make_venue(red_liv, latitude="57.048000", longitude="9.919000"),  # Aalborg: farther than every band
        make_venue(red_liv, latitude=None, longitude=None),
        make_venue(red_liv, open_to_public=False),
        None,
    ]
    audiences = ["people_who_use_drugs", "professionals", "residents"]
    now = NOW
    for step in range(400):
        action = chance.random()
        if action < 0.6:
            venue = chance.choice(venues)
            starts_at = now + dt.timedelta(minutes=chance.randint(-14 * 24 * 60, 21 * 24 * 60))
            make_course(
                venue,
                municipality=odense,
                title=f"Kursus {step}",
                format=CourseFormat.ONLINE if venue is None else chance.choice(["drop_in", "pop_up"]),
                joining_url="https://example.org/m" if venue is None else "",
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(minutes=chance.choice([30, 120, 24 * 60, 10 * 24 * 60])),
                audiences=chance.sample(audiences, chance.randint(1, 3)),
                published=chance.random() < 0.9,
            )
        elif action < 0.7 and Course.objects.exists():
            Course.objects.filter(pk=chance.choice(list(Course.objects.values_list("pk", flat=True)))).update(
                status=Course.Status.CANCELLED, cancelled_at=now, cancellation_reason="Syg"
            )
        elif action < 0.8:
            now += dt.timedelta(hours=chance.randint(1, 40))
        else:
            filters = Filters(
                format=chance.choice(["", "", "pop_up", "online"]),
                audience=chance.choice(["", "", "professionals"]),
                date_from=chance.choice([None, None, timezone.localdate(now) + dt.timedelta(days=2)]),
                date_to=chance.choice([None, None, timezone.localdate(now) + dt.timedelta(days=6)]),
                near=chance.choice([None, HERE]),
            )
            expected = _expected(now, filters, filters.near)
            limit = chance.choice([1, 3, 10, 100])
            offset = chance.choice([0, 0, limit, 2 * limit, len(expected), len(expected) + 1])
            found = listing.find(filters, offset=offset, limit=limit, now=now)
            assert found.total == len(expected), (step, filters)
            assert [entry.id for entry in found.entries] == expected[offset : offset + limit], (step, filters)
    assert Course.objects.filter(starts_at__lt=now, ends_at__gt=now).exists()  # some were under way


@pytest.mark.parametrize(
    "day",
    [dt.date(2026, 12, 31), dt.date(2027, 2, 28), dt.date(2027, 3, 28), dt.date(2027, 10, 31), dt.date(2028, 2, 29)],
)
def test_a_date_filter_keeps_the_courses_of_that_local_day_to_the_minute(venue, day):
    """From and to a day are compared as instants from local midnight: a course ending at the very
    midnight the day begins is on it, one ending a minute before is not; one starting at 23:59 is, one
    starting at the next midnight is not. Both daylight-saving days and a leap day among them."""
    from finder.filters import Filters

    def local(days, hour, minute=0):
        return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=days), dt.time(hour, minute)))

    ends_at_midnight = make_course(venue, title="ends 00:00", starts_at=local(-1, 22), ends_at=local(0, 0))
    make_course(venue, title="ends 23:59 before", starts_at=local(-1, 22), ends_at=local(-1, 23, 59))
    starts_late = make_course(venue, title="starts 23:59", starts_at=local(0, 23, 59), ends_at=local(1, 1))
    make_course(venue, title="starts next 00:00", starts_at=local(1, 0), ends_at=local(1, 2))
    found = listing.find(Filters(date_from=day, date_to=day), now=NOW)
    assert [entry.title for entry in found.entries] == [ends_at_midnight.title, starts_late.title]
    assert found.total == 2


def _cancelled_once_counted(victims):
    """A coordinator's cancel committed right after find()'s statement that counted the courses."""
    from unittest import mock

    rows = listing._rows
    done = []

    def counted_then_cancelled(sql, params):
        result = rows(sql, params)
        if "COUNT(" in sql and not done:
            done.append(sql)
            Course.objects.filter(pk__in=[course.pk for course in victims]).update(
                status=Course.Status.CANCELLED, cancelled_at=timezone.now(), cancellation_reason="Syg"
            )
        return result

    return mock.patch.object(listing, "_rows", counted_then_cancelled)


@pytest.mark.parametrize("near, offset, gone", [(None, 2, [2]), (None, 0, [0, 1]), (HERE, 1, [1, 2])])
def test_courses_cancelled_between_the_count_and_the_page_leave_a_page_without_them_not_an_error(
    venue, near, offset, gone
):
    """The count and the page are two statements: what was cancelled in between is simply not on
    the page (found by a review: a later page, or one by distance, failed with UnboundLocalError).
    By distance the first page is counted and read in one statement; a later page's keys are counted
    and its courses read after."""
    from finder.filters import Filters

    courses = [make_course(venue, title=f"K{i}", starts_at=NOW + dt.timedelta(days=1 + i)) for i in range(3)]
    with _cancelled_once_counted([courses[i] for i in gone]):
        found = listing.find(Filters(near=near), offset=offset, limit=1, now=NOW)
    assert all(entry.title not in {f"K{i}" for i in gone} for entry in found.entries)
    assert found.total == 3  # as counted


@pytest.mark.parametrize("offset, limit", [(0, None), (0, 2), (0, 0), (2, 2), (4, 3), (9, 1), (200, 5)])
def test_by_distance_the_total_counts_every_match_on_any_page_even_an_empty_one(venue, offset, limit):
    """By distance the matches are counted in the statement that reads them; a page past the end, or
    one asked for no entries, carries no row with the count and is counted on its own."""
    from finder.filters import Filters

    for i in range(9):
        make_course(venue, title=f"K{i}", starts_at=NOW + dt.timedelta(days=1 + i))
    found = listing.find(Filters(near=HERE), offset=offset, limit=limit, now=NOW)
    assert found.total == 9
    shown = 9 - offset if limit is None else max(0, min(limit, 9 - offset))
    assert [entry.title for entry in found.entries] == [f"K{i}" for i in range(offset, offset + shown)]


def test_online_courses_and_places_without_coordinates_come_last_by_distance_and_show_none(client, red_liv, odense):
    """PostgreSQL's LEAST skips a NULL: an online course was 20,015 km away, before a place 200 km
    away that was later, and the finder printed "20015,1 km væk" (found by a review)."""
    far = make_venue(red_liv, name="Aalborg", latitude="57.048000", longitude="9.919000")
    unplaced = make_venue(red_liv, name="Uden koordinater", latitude=None, longitude=None)
    make_course(
        None,
        municipality=odense,
        format=CourseFormat.ONLINE,
        joining_url="https://example.org/m",
        title="Online",
        starts_at=at(1, 9),
    )
    make_course(unplaced, title="Uden sted", starts_at=at(1, 10))
    make_course(far, title="I Aalborg", starts_at=at(2, 9))
    found = client.get("/api/v1/courses/", {"near": "55.3959,10.3883"}).json()["courses"]
    assert [course["title"] for course in found] == ["I Aalborg", "Online", "Uden sted"]
    assert [course.get("distance_km") is None for course in found] == [False, True, True]
    page = client.get("/", {"near": "55.3959,10.3883"}).content.decode()
    assert page.count("km væk") == 2  # Aalborg's entry and its place under the map, nothing else


def _narrowed_in_the_orm(rows, filters, with_format=True):
    """The finder's filters as the ORM would apply them: the reference for the hand-written statements."""
    if with_format and filters.format:
        rows = rows.filter(format=filters.format)
    if filters.venue_id:
        rows = rows.filter(venue_id=filters.venue_id)
    if filters.district:
        rows = rows.filter(venue__district_id=filters.district.pk)
    if filters.audience:
        rows = rows.filter(audiences__contains=[filters.audience])
    if filters.language:
        rows = rows.filter(languages__contains=[filters.language])
    if with_format and filters.date_from:
        rows = rows.filter(ends_at__gte=listing._local_midnight(filters.date_from))
    if with_format and filters.date_to:
        rows = rows.filter(starts_at__lt=listing._local_midnight(filters.date_to + dt.timedelta(days=1)))
    return rows


def test_the_hand_written_statements_list_what_the_orms_public_querysets_list_under_every_filter(red_liv, odense):
    """finder.listing writes its statements by hand (for speed); what the public may see is also
    `public_courses()`, `public_schedules()` and `recently_cancelled()` in the ORM, which the detail
    pages use. Random courses and drop-in hours (hidden, cancelled, at closed, private and inactive
    venues, online), every filter alone and together: both texts must give the same rows."""
    import random

    from django.db.models import Q

    from courses.models import CANCELLATION_NOTICE_DAYS
    from finder.filters import Filters
    from finder.listing import DistrictChoice

    chance = random.Random(20)
    north, south = make_district(odense), make_district(odense)
    venues = [
        make_venue(red_liv, district=north),
        make_venue(red_liv, district=south, latitude=None, longitude=None),
        make_venue(red_liv, district=north, active=False),
        make_venue(red_liv, district=south, open_to_public=False),
        None,
    ]
    audiences = ["people_who_use_drugs", "professionals", "residents"]
    languages = ["da", "en", "ar"]
    for step in range(50):
        venue = chance.choice(venues)
        starts_at = NOW + dt.timedelta(hours=chance.randint(-72, 24 * 20))
        cancelled = chance.random() < 0.25
        make_course(
            venue,
            municipality=odense,
            title=f"Kursus {step}",
            format=CourseFormat.ONLINE if venue is None else chance.choice(["drop_in", "pop_up"]),
            joining_url="https://example.org/m" if venue is None else "",
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=chance.choice([1, 30, 24 * 5])),
            audiences=chance.sample(audiences, chance.randint(1, 3)),
            languages=chance.sample(languages, chance.randint(1, 2)),
            published=chance.random() < 0.85,
            status=Course.Status.CANCELLED if cancelled else Course.Status.PLANNED,
            cancelled_at=NOW - dt.timedelta(days=chance.randint(0, 2 * CANCELLATION_NOTICE_DAYS))
            if cancelled
            else None,
            cancellation_reason="Syg" if cancelled else "",
        )
    for step in range(12):
        venue = chance.choice(venues[:4])
        valid_from = dt.date(2026, 11, 30) + dt.timedelta(days=chance.randint(-60, 70))
        DropInSchedule.objects.create(
            municipality=odense,
            venue=venue,
            title=f"Drop-in {step}",
            weekday=chance.randint(0, 6),
            starts_at=dt.time(13),
            ends_at=dt.time(15),
            valid_from=valid_from,
            valid_until=chance.choice([None, valid_from + dt.timedelta(days=chance.randint(0, 40))]),
            audiences=chance.sample(audiences, chance.randint(1, 3)),
            languages=chance.sample(languages, chance.randint(1, 2)),
            published=chance.random() < 0.85,
        )
    today = dt.date(2026, 11, 30)
    choices = {
        "format": ["", "pop_up", "online", "drop_in"],
        "district": [None, DistrictChoice(north.pk, north.name), DistrictChoice(south.pk, south.name)],
        "audience": ["", "professionals"],
        "language": ["", "en"],
        "date_from": [None, today + dt.timedelta(days=3)],
        "date_to": [None, today + dt.timedelta(days=9)],
        "venue_id": [None, venues[0].pk, venues[2].pk],
    }
    for _ in range(30):
        filters = Filters(**{name: chance.choice(values) for name, values in choices.items()})

        courses = _narrowed_in_the_orm(listing.public_courses().filter(ends_at__gt=NOW), filters)
        listed, _uncounted = listing._course_page(filters, NOW, None)
        assert [row.pk for row, _lots in listed] == list(
            courses.order_by("starts_at", "pk").values_list("pk", flat=True)
        )
        by_distance, counted = listing._course_page(filters, NOW, HERE)
        assert sorted(row.pk for row, _lots in by_distance) == sorted(courses.values_list("pk", flat=True))
        assert listing._course_count(filters, NOW)[0] == courses.count() == (counted or 0)
        keys, counted = listing._course_page(filters, NOW, HERE, offset=1, limit=2, keys_only=True)
        assert [key[2] for key in keys] == [row.pk for row, _lots in by_distance[1:3]]
        assert counted == (courses.count() if courses.count() > 1 else None)
        lately = _narrowed_in_the_orm(Course.objects.recently_cancelled(NOW).filter(listing.PUBLIC_VENUE), filters)
        found = listing.find(filters, with_cancelled=True, limit=0, now=NOW)
        assert [entry.id for entry in found.cancelled] == [
            f"course-{pk}" for pk in lately.order_by("starts_at", "pk").values_list("pk", flat=True)
        ]
        first_day, last_day = dt.date(2026, 11, 30), dt.date(2027, 1, 24)
        schedules = _narrowed_in_the_orm(listing.public_schedules(), filters, with_format=False).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=first_day), valid_from__lte=last_day
        )
        expected = (
            [] if filters.format not in ("", "drop_in") else list(schedules.order_by("pk").values_list("pk", flat=True))
        )
        assert [row.pk for row in listing._schedules(filters, today, first_day, last_day)] == expected


def test_the_hand_written_kit_recall_and_district_look_ups_answer_what_the_orm_answers(
    red_liv, odense, aarhus, coordinator
):
    """Which venues hand out kits now, the recall banner's lots and the districts one may filter by are
    written by hand too; `usable_venue_levels()`, kits.queries.active_recalls and `public_district_rows()`
    say the same in the ORM. Cupboards active or not, for returns, emptied, a bag; lots before and after
    their expiry, during and after a recall, two recalled the same day: on each day both give the same
    venues and lots (on a page with a course and on one without), and the same districts."""
    from finder.filters import Filters
    from kits.models import Batch, StockLocation
    from kits.queries import active_recalls
    from tests.factories import hand_out, make_batch, make_location, receive

    today = timezone.localdate()
    venues = [make_venue(red_liv) for _ in range(5)]
    soon, recalled_for_a_while, recalled = (
        make_batch(expiry_date=today + dt.timedelta(days=30)),
        make_batch(expiry_date=today + dt.timedelta(days=400)),
        make_batch(expiry_date=today + dt.timedelta(days=400)),
    )

    def cupboard(venue, **fields):
        return make_location(red_liv, kind=StockLocation.Kind.VENUE, venue=venue, **fields)

    receive(soon, cupboard(venues[0]), 5, coordinator)
    receive(recalled_for_a_while, cupboard(venues[1]), 5, coordinator)
    receive(soon, cupboard(venues[1], active=False), 5, coordinator)
    receive(soon, cupboard(venues[2], for_return=True), 5, coordinator)
    receive(recalled, cupboard(venues[2]), 5, coordinator)
    emptied = cupboard(venues[3])
    receive(recalled_for_a_while, emptied, 5, coordinator)
    hand_out(recalled_for_a_while, emptied, 5, coordinator)
    receive(soon, cupboard(venues[3]), 5, coordinator)
    receive(soon, make_location(red_liv), 5, coordinator)  # a team bag, at no venue
    recall = {"recall_reason": "Utæt", "recall_instructions": "Aflever kittet"}
    Batch.objects.filter(pk=recalled_for_a_while.pk).update(
        recalled_on=today + dt.timedelta(days=5),
        recall_ended_on=today + dt.timedelta(days=20),
        recall_ended_by=coordinator,
        recall_end_reason="I orden",
        **recall,
    )
    also_recalled = make_batch(lot_number="A-SAMME-DAG")
    Batch.objects.filter(pk__in=[recalled.pk, also_recalled.pk]).update(
        recalled_on=today + dt.timedelta(days=10), **recall
    )
    make_course(venues[0], starts_at=timezone.now() + dt.timedelta(days=40))
    ids = [venue.pk for venue in venues]
    answers = set()
    for days in (0, 5, 10, 20, 30, 31):
        day = today + dt.timedelta(days=days)
        lots = active_recalls(day)
        for limit in (1, 0):  # the lots ride along with the page's courses, or are read alone
            found = listing.find(Filters(), with_recalls=True, limit=limit, now=timezone.now() + dt.timedelta(days))
            assert found.recalled_lots == lots
        answers.add(tuple(lots))
        for asked in (ids, ids[1:3], ids[4:]):
            found = listing.venues_with_kits(set(asked), day)
            assert found == set(listing.usable_venue_levels(asked, day))
            answers.add(frozenset(found))
    assert len(answers) > 7  # the days and venues asked about give different answers, not one trivial one

    north, south, closed = make_district(odense, name="Nord"), make_district(odense, name="Syd"), make_district(odense)
    aarhus_north = make_district(aarhus, name="Nord")
    make_venue(red_liv, district=south)
    make_venue(red_liv, district=north)
    make_venue(red_liv, district=north)
    make_venue(red_liv, district=aarhus_north, municipality=aarhus)
    make_venue(red_liv, district=closed, active=False)
    make_venue(red_liv, district=closed, open_to_public=False)
    districts = listing.public_districts()
    assert districts == listing._district_choices(listing.public_district_rows())
    assert [(choice.pk, choice.name) for choice in districts] == [
        (north.pk, "Nord"),
        (aarhus_north.pk, "Nord"),
        (south.pk, "Syd"),
    ]


def test_the_hand_written_information_links_are_the_orms_pages_in_their_order_and_language(db):
    """The finder's links to the information pages are read by hand too: the same pages as the ORM's
    InfoPage order (position, then address), titled in the page's language, linked as {% url %} would."""
    from django.urls import reverse
    from django.utils import translation

    from finder.models import InfoPage

    first = InfoPage.objects.order_by("position", "slug").first().position
    for slug in ("zz-sidst-ved-lige-plads", "0-foerst-ved-lige-plads"):
        InfoPage.objects.create(slug=slug, position=first, title_da=f"Da {slug}", title_en=f"En {slug}", body_da="x")
    for language in ("da", "en"):
        with translation.override(language):
            expected = [(reverse("finder:info", args=[page.slug]), page.title) for page in InfoPage.objects.all()]
            assert listing.info_links() == expected
            assert expected[0][1].endswith("0-foerst-ved-lige-plads") and len(expected) == 6
