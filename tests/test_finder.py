"""The public course finder at /: what it lists, how it filters and sorts, and what it never shows."""

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from courses.models import Course, CourseFormat, DropInSchedule
from tests.factories import make_course, make_district, make_trainer, make_venue

pytestmark = pytest.mark.django_db


# A Monday at noon, Copenhagen time.
MONDAY_NOON = dt.datetime(2026, 11, 30, 12, tzinfo=dt.timezone(dt.timedelta(hours=1)))


def days(n, hour=12):
    day = timezone.localdate() + dt.timedelta(days=n)
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour))


def titles(response):
    return [entry.title for entry in response.context["entries"]]


def tuesday_drop_in(venue, **fields):
    fields = {"title": "Tirsdags-drop-in", "starts_at": dt.time(13), "ends_at": dt.time(15), **fields}
    return DropInSchedule.objects.create(
        municipality=venue.municipality,
        venue=venue,
        weekday=1,
        valid_from=timezone.localdate() - dt.timedelta(days=30),
        **fields,
    )


def tuesdays_still_to_come():
    """When the Tuesday 13-15 drop-in hours start, in the finder's eight weeks (today and the 55 days after).

    Today's count while they have not ended; eight Tuesdays fall in those 56 days.
    """
    now = timezone.localtime()
    first = now.date() + dt.timedelta(days=(1 - now.weekday()) % 7)
    dates = [first + dt.timedelta(weeks=week) for week in range(8)]
    if first == now.date() and now.time() >= dt.time(15):
        dates.pop(0)
    return [timezone.make_aware(dt.datetime.combine(date, dt.time(13))) for date in dates]


def test_the_finder_lists_published_courses_soonest_first_with_their_details(client, venue):
    venue.accessibility_notes = "Trinfri indgang."
    venue.save()
    make_course(venue, title="Senere", starts_at=days(5))
    make_course(venue, title="Snart", starts_at=days(1), languages=["da", "en"])
    response = client.get("/")
    assert response.status_code == 200
    assert titles(response) == ["Snart", "Senere"]
    page = response.content.decode()
    assert "Antidote Danmark, Odense, Vestergade 1, 5000 Odense C" in page
    assert "Drop-in" in page
    assert "For: Stofbrugere" in page
    assert "Dansk, Engelsk" in page
    assert "gratis naloxon-kit" in page
    assert "Trinfri indgang." in page


def test_standing_drop_in_hours_show_once_with_their_next_date_and_rhythm(at_instant, client, venue):
    tuesday_drop_in(venue)
    entries = client.get("/").context["entries"]
    assert [e.title for e in entries] == ["Tirsdags-drop-in"]
    # On a Tuesday after 15:00 that day's hours have ended: the next Tuesday's.
    assert entries[0].starts_at == tuesdays_still_to_come()[0]
    assert entries[0].next_date == timezone.localdate(entries[0].starts_at)
    assert entries[0].rhythm.weekday == 1 and entries[0].rhythm.weekday_label == "tirsdag"
    assert (entries[0].rhythm.starts_at, entries[0].rhythm.ends_at) == (dt.time(13), dt.time(15))


def test_what_is_not_public_never_shows(at_instant, client, red_liv, venue):
    shelter = make_venue(red_liv, kind="shelter", open_to_public=False, name="Opholdsstedet")
    make_course(venue, title="Synlig")
    make_course(venue, title="Ikke offentliggjort", published=False)
    make_course(venue, title="Aflyst", status=Course.Status.CANCELLED, cancellation_reason="Syg")
    make_course(venue, title="Afholdt", status=Course.Status.HELD)
    make_course(venue, title="Slut", starts_at=timezone.now() - dt.timedelta(days=2))
    make_course(shelter, title="Kun for beboere")
    DropInSchedule.objects.create(
        municipality=venue.municipality,
        venue=shelter,
        weekday=1,
        starts_at=dt.time(13),
        ends_at=dt.time(15),
        valid_from=timezone.localdate(),
        title="Beboer-drop-in",
    )
    response = client.get("/")
    assert titles(response) == ["Synlig"]
    for hidden in ["Ikke offentliggjort", "Aflyst", "Kun for beboere", "Beboer-drop-in", "Opholdsstedet"]:
        assert hidden not in response.content.decode()


def test_the_format_filter_keeps_only_that_format(client, venue):
    make_course(venue, title="Pop-up", format=CourseFormat.POP_UP)
    make_course(venue, title="Drop-in")
    make_course(
        None,
        municipality=venue.municipality,
        title="Online",
        format=CourseFormat.ONLINE,
        joining_url="https://example.org/m",
    )
    assert titles(client.get("/?format=pop_up")) == ["Pop-up"]
    assert titles(client.get("/?format=online")) == ["Online"]


def test_the_district_filter_keeps_courses_at_venues_in_that_district(client, red_liv, odense):
    vollsmose = make_district(odense, name="Vollsmose", postcodes="5240")
    centrum = make_district(odense, name="Centrum", postcodes="5000")
    make_course(make_venue(red_liv, district=vollsmose), title="I Vollsmose")
    make_course(make_venue(red_liv, district=centrum), title="I centrum")
    response = client.get(f"/?district={vollsmose.pk}")
    assert titles(response) == ["I Vollsmose"]
    assert [d.name for d in response.context["districts"]] == ["Centrum", "Vollsmose"]
    page = response.content.decode()
    assert f'<option value="{vollsmose.pk}" selected>Vollsmose</option>' in page
    assert f'<option value="{centrum.pk}">Centrum</option>' in page


def test_the_districts_offered_are_those_with_a_public_venue_with_or_without_a_postcode(
    client, red_liv, odense, aarhus_org
):
    """Without a postcode the finder reads the districts alone, with one the postcodes' places too:
    the choice offered is the same, by name, a name in two municipalities twice."""
    aarhus = aarhus_org.municipality
    for municipality, organisation in [(odense, red_liv), (aarhus, aarhus_org)]:
        make_venue(organisation, district=make_district(municipality, name="Centrum", postcodes="5000"))
    make_venue(red_liv, district=make_district(odense, name="Bolbro"), open_to_public=False)
    make_venue(red_liv, district=make_district(odense, name="Dalum"), active=False)
    make_venue(red_liv, district=make_district(odense, name="Ansgar"))
    offered = [
        [(district.pk, district.name) for district in client.get("/", query).context["districts"]]
        for query in ({}, {"postcode": "5000"}, {"postcode": "9999"})
    ]
    assert offered[0] == offered[1] == offered[2]
    assert [name for _pk, name in offered[0]] == ["Ansgar", "Centrum", "Centrum"]


def test_a_district_name_is_escaped_in_the_filter(client, red_liv, odense):
    odd = make_district(odense, name='Syd & "Øst" <b>')
    make_course(make_venue(red_liv, district=odd))
    assert f'<option value="{odd.pk}">Syd &amp; &quot;Øst&quot; &lt;b&gt;</option>' in client.get("/").content.decode()


def test_the_audience_and_language_filters(client, venue):
    make_course(venue, title="For fagfolk på engelsk", audiences=["professionals"], languages=["en"])
    make_course(venue, title="For brugere på dansk", audiences=["people_who_use_drugs"], languages=["da"])
    assert titles(client.get("/?audience=professionals")) == ["For fagfolk på engelsk"]
    assert titles(client.get("/?language=da")) == ["For brugere på dansk"]


def test_the_date_filters_today_this_week_and_a_range(at_instant, client, venue):
    today = timezone.localdate()
    make_course(venue, title="I dag", starts_at=timezone.now() + dt.timedelta(minutes=5))
    make_course(venue, title="I morgen", starts_at=days(1))
    make_course(venue, title="Om ti dage", starts_at=days(10))
    make_course(venue, title="Om tyve dage", starts_at=days(20))
    assert titles(client.get("/?when=today")) == ["I dag"]
    # This week runs to Sunday: on a Sunday, tomorrow is next week.
    assert titles(client.get("/?when=week")) == (["I dag"] if today.weekday() == 6 else ["I dag", "I morgen"])
    start, end = today + dt.timedelta(days=9), today + dt.timedelta(days=11)
    assert titles(client.get(f"/?from={start}&to={end}")) == ["Om ti dage"]
    assert titles(client.get(f"/?from={today + dt.timedelta(days=15)}")) == ["Om tyve dage"]


def test_near_me_sorts_by_distance_and_puts_online_last(client, red_liv, odense):
    far = make_venue(red_liv, name="Langt væk", latitude="55.470000", longitude="10.330000")
    near = make_venue(red_liv, name="Tæt på", latitude="55.396000", longitude="10.389000")
    make_course(far, title="Langt væk, snart", starts_at=days(1))
    make_course(near, title="Tæt på, senere", starts_at=days(6))
    make_course(
        None,
        municipality=odense,
        title="Online",
        format=CourseFormat.ONLINE,
        joining_url="https://example.org/m",
        starts_at=days(0, hour=23),
    )
    response = client.get("/?near=55.3959,10.3883")
    assert titles(response) == ["Tæt på, senere", "Langt væk, snart", "Online"]
    assert "km væk" in response.content.decode()


def test_a_postcode_sorts_by_distance_from_its_venues(client, red_liv, odense):
    vollsmose = make_district(odense, name="Vollsmose", postcodes="5240, 5220")
    make_course(
        make_venue(red_liv, name="Centrum", latitude="55.396", longitude="10.389"), title="Centrum", starts_at=days(1)
    )
    make_course(
        make_venue(
            red_liv, name="Vollsmose", postcode="5240", district=vollsmose, latitude="55.409", longitude="10.430"
        ),
        title="Vollsmose",
        starts_at=days(4),
    )
    assert titles(client.get("/?postcode=5240")) == ["Vollsmose", "Centrum"]
    # A postcode covered by the district, though no venue has it.
    assert titles(client.get("/?postcode=5220")) == ["Vollsmose", "Centrum"]
    unknown = client.get("/?postcode=9990")
    assert titles(unknown) == ["Centrum", "Vollsmose"]
    assert "postnummer 9990" in unknown.content.decode()


def test_a_postcode_typed_after_near_me_is_where_the_list_is_sorted_from(client, red_liv, odense):
    """After "near me" the filter form keeps the position in a hidden field; a postcode typed into the
    form then was said above the list ("nær 5240") while the list stayed sorted from the phone's position,
    140 km away in Copenhagen."""
    vollsmose = make_district(odense, name="Vollsmose", postcodes="5240")
    make_course(
        make_venue(red_liv, name="Centrum", latitude="55.396", longitude="10.389"), title="Centrum", starts_at=days(1)
    )
    make_course(
        make_venue(
            red_liv, name="Vollsmose", postcode="5240", district=vollsmose, latitude="55.409", longitude="10.430"
        ),
        title="Vollsmose",
        starts_at=days(4),
    )
    # From Copenhagen both are in the same band (100 km and farther): the sooner, Centrum, came first.
    response = client.get("/", {"near": "55.700,12.550", "postcode": "5240", "format": ""})
    page = response.content.decode()
    assert titles(response) == ["Vollsmose", "Centrum"]
    assert "Nærmest postnummer 5240 først, derefter førstkommende." in page
    assert "km væk" in page and not re.search(r"\d{3},\d km væk", page)  # not 140 km from Copenhagen
    assert 'name="near"' not in page  # the next filtering keeps the postcode, not the old position


def test_show_soonest_first_drops_only_the_postcode_and_keeps_the_other_filters(client, red_liv, odense):
    """A visitor who filtered drop-in courses near 5000 tapped "Vis de første først" and got every course
    of every kind: the link was the bare page. It now drops the postcode (and the page), keeps the filters,
    and says which courses come first: the soonest ("førstkommende")."""
    make_course(make_venue(red_liv, name="Centrum", latitude="55.396", longitude="10.389"), starts_at=days(1))
    page = client.get("/", {"format": "drop_in", "postcode": "5000", "side": "1"}).content.decode()
    assert '<a href="/?format=drop_in#kurser">Vis de førstkommende først</a>' in page


@pytest.mark.parametrize("typed", ["٥٢٤٠", "۵۲۴۰", "５２４０"])
def test_a_postcode_typed_with_arabic_persian_or_full_width_digits_is_that_postcode(client, red_liv, odense, typed):
    """A phone's Arabic or Persian number pad types "٥٢٤٠": the finder said "A postcode has four digits"
    and listed everything soonest first."""
    vollsmose = make_district(odense, name="Vollsmose", postcodes="5240")
    make_course(
        make_venue(red_liv, name="Centrum", latitude="55.396", longitude="10.389"), title="Centrum", starts_at=days(1)
    )
    make_course(
        make_venue(
            red_liv, name="Vollsmose", postcode="5240", district=vollsmose, latitude="55.409", longitude="10.430"
        ),
        title="Vollsmose",
        starts_at=days(4),
    )
    response = client.get("/", {"postcode": typed})
    assert titles(response) == ["Vollsmose", "Centrum"]
    assert "blev ignoreret" not in response.content.decode()
    assert 'value="5240"' in response.content.decode()  # the field shows the postcode it was read as


@pytest.mark.parametrize(
    "query",
    [
        "format=teleport",
        "district=999999",
        "district=abc",
        "audience=aliens",
        "language=xx",
        "when=tomorrow",
        "from=2025-13-45",
        "to=someday",
        "near=north",
        "near=200,10",
        "postcode=50",
        "from=2030-05-05&to=2030-05-01",
        "district=1%27%20OR%201=1",
    ],
)
def test_bad_filter_values_are_ignored_with_a_note_never_a_500(client, venue, query):
    make_course(venue, title="Stadig vist")
    response = client.get(f"/?{query}")
    assert response.status_code == 200
    assert titles(response) == ["Stadig vist"]
    assert "blev ignoreret" in response.content.decode()


@pytest.mark.parametrize("query", ["format=%00", "district=1%00", "%00=1"])
def test_a_nul_character_in_a_parameter_gets_a_page_that_says_why(client, query):
    response = client.get(f"/?{query}")
    assert response.status_code == 400
    assert "Teksten indeholder et tegn, der ikke kan gemmes" in response.content.decode()


def test_unknown_parameter_names_are_simply_ignored(client, venue):
    make_course(venue, title="Vist")
    response = client.get("/?utm_source=newsletter")
    assert titles(response) == ["Vist"]
    assert "blev ignoreret" not in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "",
        "near=55.3959,10.3883",
        "postcode=5000",
        "format=drop_in",
        "audience=people_who_use_drugs",
        "language=da",
        "when=week",
        "from=2026-12-01&to=2026-12-20",
        "side=3",
        "postcode=5000&district={district}&near=55.39,10.38&language=da&when=week",
    ],
)
def test_the_finder_uses_at_most_seven_queries_however_many_courses_and_a_later_page_eight(
    client, red_liv, odense, django_assert_max_num_queries, query
):
    district = make_district(odense, postcodes="5000")
    venues = [make_venue(red_liv, district=district) for _ in range(5)]
    with time_machine.travel(MONDAY_NOON, tick=False):
        now = timezone.now()
        Course.objects.bulk_create(
            [
                Course(
                    municipality=odense,
                    format=CourseFormat.DROP_IN,
                    venue=venues[i % 5],
                    published=True,
                    starts_at=now + dt.timedelta(hours=i + 1),
                    ends_at=now + dt.timedelta(hours=i + 2),
                    audiences=["people_who_use_drugs"],
                    languages=["da"],
                )
                for i in range(1000)
            ]
        )
        for weekday in range(3):
            DropInSchedule.objects.create(
                municipality=odense,
                venue=venues[weekday],
                weekday=weekday,
                starts_at=dt.time(9),
                ends_at=dt.time(11),
                valid_from=timezone.localdate(),
            )
        # Places, drop-in hours with their closed dates, the courses' count and first start, the page's
        # courses (with the recall banner's lots inside the one statement; by distance counted in it
        # too), which of the page's venues hand out kits, cancelled courses, pages; a later page places
        # its courses by their keys first, then reads those on it.
        by_keys = "side=" in query
        with django_assert_max_num_queries((8 if by_keys else 7) - ("near=" in query or "postcode=" in query)):
            response = client.get(f"/?{query.format(district=district.pk)}")
    assert response.status_code == 200
    assert len(response.context["entries"]) == 30 or response.context["page"].number > 1
    if not query:
        assert response.context["total"] == 1003  # each standing drop-in once


def test_the_english_finder_is_under_en(client, venue):
    make_course(venue, title="Kursus")
    page = client.get("/en/").content.decode()
    assert 'lang="en"' in page and "Upcoming courses" in page and "You get a free naloxone kit." in page
    assert 'href="/" lang="da"' in page  # a plain link back to Danish, keeping the page


def test_the_finder_lets_the_page_ask_for_geolocation_and_show_map_tiles(client, settings, db):
    settings.MAP_TILE_URL = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    response = client.get("/")
    assert "geolocation=(self)" in response["Permissions-Policy"]
    assert "img-src 'self' data: https://*.tiles.example.org;" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    # Only the finder: other pages keep the strict project policy.
    other = client.get("/bestil-kursus/")
    assert "geolocation=()" in other["Permissions-Policy"]
    assert "tiles.example.org" not in other["Content-Security-Policy"]


def test_public_pages_carry_an_etag_and_a_short_cache_lifetime_and_answer_304(client, venue):
    course = make_course(venue)
    for url in ["/", f"/kurser/{course.pk}/", "/api/v1/courses/"]:
        response = client.get(url)
        assert response.status_code == 200
        assert response["ETag"]
        assert "max-age=60" in response["Cache-Control"]
        assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_the_course_page_shows_everything_public_and_no_hidden_trainer(client, red_liv, venue):
    course = make_course(venue, title="Drop-in hos Antidote", public_description="Kom forbi.", capacity=12)
    shown = make_trainer(red_liv, name="Mette Holm", show_name_publicly=True)
    hidden = make_trainer(red_liv, name="Sara Lund", show_name_publicly=False)
    course.trainers.set([shown, hidden])
    response = client.get(f"/kurser/{course.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Drop-in hos Antidote" in page and "Kom forbi." in page and "12" in page
    assert "Mette Holm" in page and "Sara Lund" not in page
    assert "https://www.openstreetmap.org/directions?route=%3B55.395000%2C10.385000" in page
    assert f'href="/kurser/{course.pk}.ics"' in page
    assert '<script type="application/ld+json">' in page
    assert '"@type": "Event"' in page and '"startDate": "' in page


def test_the_course_page_json_ld_describes_the_event(client, venue):
    course = make_course(venue, title="Kursus </script><script>alert(1)</script>")
    page = client.get(f"/kurser/{course.pk}/").content.decode()
    import json

    block = page.split('<script type="application/ld+json">')[1].split("</script>")[0]
    data = json.loads(block)
    assert data["@type"] == "Event"
    assert data["location"]["address"]["postalCode"] == "5000"
    assert data["startDate"] == timezone.localtime(course.starts_at).isoformat()
    assert "<script>" not in block


# A cancelled course is 410 Gone with its reason (tests/test_course_gone.py).
@pytest.mark.parametrize("make", ["missing", "unpublished", "residents_only"])
def test_a_course_that_is_not_public_is_the_danish_404_page(client, red_liv, venue, make):
    pk = 999999
    if make == "unpublished":
        pk = make_course(venue, published=False).pk
    elif make == "residents_only":
        pk = make_course(make_venue(red_liv, kind="shelter", open_to_public=False)).pk
    response = client.get(f"/kurser/{pk}/")
    assert response.status_code == 404
    assert "Siden findes ikke" in response.content.decode()
    assert client.get(f"/kurser/{pk}.ics").status_code == 404


def test_the_drop_in_page_lists_the_next_dates(at_instant, client, venue):
    schedule = tuesday_drop_in(venue)
    response = client.get(f"/drop-in/{schedule.pk}/")
    page = response.content.decode()
    assert "Hver tirsdag, 13:00–15:00" in page
    assert [entry.starts_at for entry in response.context["dates"]] == tuesdays_still_to_come()
    assert page.count('"@type": "Event"') == len(tuesdays_still_to_come())


def test_the_finder_shows_thirty_courses_a_page_and_links_to_the_rest(client, venue):
    for hours in range(1, 36):
        make_course(venue, starts_at=timezone.now() + dt.timedelta(hours=hours * 3), title=f"Kursus {hours:02d}")
    first = client.get("/", {"format": "drop_in"}).content.decode()
    assert first.count('class="card entry') == 30
    assert "35 kurser fundet" in first
    assert 'href="?format=drop_in&amp;side=2#kurser"' in first
    second = client.get("/", {"format": "drop_in", "side": 2}).content.decode()
    assert second.count('class="card entry') == 5 and "Kursus 35" in second and "Kursus 01" not in second


def test_a_page_past_the_end_shows_the_last_page(client, venue):
    for hours in range(1, 36):
        make_course(venue, starts_at=timezone.now() + dt.timedelta(hours=hours * 3), title=f"Kursus {hours:02d}")
    response = client.get("/", {"side": 999})
    assert response.context["page"].number == 2 and len(response.context["entries"]) == 5


def test_no_app_worker_keeps_an_old_list_a_change_shows_on_the_next_request(client, venue):
    course = make_course(venue, title="Første kursus")
    assert "Første kursus" in client.get("/").content.decode()
    Course.objects.filter(pk=course.pk).update(title="Omdøbt kursus")  # no signal, no cache to clear
    assert "Omdøbt kursus" in client.get("/").content.decode()
    assert "Omdøbt kursus" in client.get("/widget/").content.decode()
    assert client.get("/api/v1/courses/").json()["courses"][0]["title"] == "Omdøbt kursus"


def test_drop_in_hours_until_midnight_read_until_24_in_the_list_not_until_0(client, venue):
    """The list's rhythm wrote hours until midnight as "Hver tirsdag 22–0", ending before they began."""
    with time_machine.travel(MONDAY_NOON, tick=False):
        tuesday_drop_in(venue, starts_at=dt.time(22, 30), ends_at=dt.time(0))
        assert "Hver tirsdag 22:30–24, " in client.get("/").content.decode()
        assert "Every Tuesday 22:30–24, " in client.get("/en/widget/").content.decode()


def test_the_finder_says_how_its_list_is_ordered_and_shows_standing_drop_in_hours_by_their_rhythm(client, venue):
    with time_machine.travel(MONDAY_NOON, tick=False):
        tuesday_drop_in(venue, title="")
        page = client.get("/").content.decode()
        assert "Førstkommende først." in page
        assert 'Hver tirsdag 13–15, <time datetime="2026-12-01T13:00:00+01:00">næste gang 1. december</time>' in page
        assert page.count("Drop-in hos Antidote Danmark, Odense</a>") == 1  # listed once, named by its place
        english = client.get("/en/").content.decode()
        assert "Soonest first." in english
        assert "Every Tuesday 13–15, " in english and "next on 1 December</time>" in english
        near = client.get("/?near=55.3959,10.3883").content.decode()
        assert "Nærmest dig først, derefter førstkommende." in near
        assert "Steder inden for samme trin (1, 3, 10, 30, 100 km) regnes for lige nære" in near
        assert "Førstkommende først." not in near
        assert "Nearest to postcode 5000 first, then soonest." in client.get("/en/?postcode=5000").content.decode()


def test_a_lately_cancelled_course_is_dated_in_the_pages_language(client, venue):
    """The cancelled course's line printed a Danish date ("j. F") on the English page too."""
    cancelled = make_course(
        venue,
        starts_at=dt.datetime(2026, 6, 18, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        status=Course.Status.CANCELLED,
        cancellation_reason="Træneren er syg",
    )
    Course.objects.filter(pk=cancelled.pk).update(cancelled_at=timezone.now())
    danish, english = client.get("/").content.decode(), client.get("/en/").content.decode()
    assert "Torsdag 18. juni, 14:00" in danish
    assert "Thursday 18 June, 14:00" in english and "18. June" not in english
    assert '<time datetime="2026-06-18T14:00:00+02:00">' in english
