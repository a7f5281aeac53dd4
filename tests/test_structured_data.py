"""Course and drop-in pages describe themselves to search engines as schema.org Events (JSON-LD)."""

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from courses.models import Course, CourseFormat, DropInSchedule
from tests.factories import make_course

pytestmark = pytest.mark.django_db

OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def json_ld(page):
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(blocks) == 1
    return blocks[0], json.loads(blocks[0])


def local_at(days, hour):
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def test_a_course_page_describes_its_event_in_local_time_with_place_offer_and_organizer(client, settings, venue):
    settings.PUBLIC_SITE_URL = "https://vipasserpaahinanden.dk"
    settings.PROGRAMME_PHONE = "+45 65 51 10 00"
    course = make_course(venue, title="Førstehjælp ved overdosis", starts_at=local_at(5, 17), capacity=12)
    _text, data = json_ld(client.get(f"/kurser/{course.pk}/").content.decode())
    assert data["@context"] == "https://schema.org" and data["@type"] == "Event"
    assert data["name"] == "RED LIV: Førstehjælp ved overdosis"
    assert data["url"] == f"https://vipasserpaahinanden.dk/kurser/{course.pk}/"
    assert data["startDate"] == timezone.localtime(course.starts_at).isoformat() and OFFSET.match(data["startDate"])
    assert data["startDate"][11:16] == "17:00" and data["endDate"][11:16] == "19:00"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert data["location"]["@type"] == "Place" and data["location"]["name"] == "Antidote Danmark, Odense"
    assert data["location"]["address"]["streetAddress"] == "Vestergade 1"
    assert data["location"]["address"]["addressCountry"] == "DK"
    assert data["organizer"] == {
        "@type": "Organization",
        "name": "RED LIV Odense",
        "url": "https://vipasserpaahinanden.dk/",
        "telephone": "+4565511000",
    }
    assert data["offers"]["price"] == 0 and data["offers"]["priceCurrency"] == "DKK"
    assert data["offers"]["availability"] == "https://schema.org/LimitedAvailability"
    assert data["maximumAttendeeCapacity"] == 12 and data["isAccessibleForFree"] is True
    assert data["inLanguage"] == ["da"]


def test_a_course_in_summer_carries_the_summer_offset(client, venue):
    now = timezone.localtime()
    july = timezone.make_aware(dt.datetime(now.year + 1, 7, 1, 18))
    course = make_course(venue, starts_at=july)
    _text, data = json_ld(client.get(f"/kurser/{course.pk}/").content.decode())
    assert data["startDate"] == f"{now.year + 1}-07-01T18:00:00+02:00"


def test_an_online_course_is_a_virtual_location_at_its_joining_link(client, odense):
    course = make_course(
        None, municipality=odense, format=CourseFormat.ONLINE, joining_url="https://meet.example.org/redliv"
    )
    _text, data = json_ld(client.get(f"/kurser/{course.pk}/").content.decode())
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["location"] == {"@type": "VirtualLocation", "url": "https://meet.example.org/redliv"}
    assert data["offers"]["availability"] == "https://schema.org/InStock"


def test_a_cancelled_course_page_says_the_event_is_cancelled(client, venue):
    course = make_course(
        venue,
        starts_at=local_at(2, 12),
        status=Course.Status.CANCELLED,
        cancellation_reason="Underviseren er syg.",
        cancelled_at=timezone.now(),
    )
    response = client.get(f"/kurser/{course.pk}/")
    assert response.status_code == 410
    _text, data = json_ld(response.content.decode())
    assert data["eventStatus"] == "https://schema.org/EventCancelled"
    assert data["offers"]["availability"] == "https://schema.org/SoldOut"
    assert data["startDate"] == timezone.localtime(course.starts_at).isoformat()


def test_a_hostile_title_cannot_end_the_data_block(client, venue):
    title = 'Kursus </script><script>alert(1)</script> & "mere" <!--'
    course = make_course(venue, title=title, public_description="<b>fed</b> & </SCRIPT>")
    text, data = json_ld(client.get(f"/kurser/{course.pk}/").content.decode())
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\\u003c/script\\u003e" in text
    assert data["name"] == f"RED LIV: {title}"  # the escapes read back as the title
    assert data["description"] == "<b>fed</b> & </SCRIPT>"


def test_a_drop_in_page_has_an_event_per_date_each_with_its_own_address(client, venue):
    schedule = DropInSchedule.objects.create(
        municipality=venue.municipality,
        venue=venue,
        title="Tirsdags-drop-in",
        weekday=1,
        starts_at=dt.time(13),
        ends_at=dt.time(15),
        valid_from=timezone.localdate() - dt.timedelta(days=30),
    )
    page = client.get(f"/drop-in/{schedule.pk}/").content.decode()
    _text, events = json_ld(page)
    assert len(events) >= 7 and all(event["@type"] == "Event" for event in events)
    urls = [event["url"] for event in events]
    assert len(set(urls)) == len(urls)
    for event in events:
        start = dt.datetime.fromisoformat(event["startDate"])
        assert start.weekday() == 1 and start.strftime("%H:%M") == "13:00" and OFFSET.match(event["startDate"])
        anchor = event["url"].split("#")[1]
        assert anchor == f"d-{start.date().isoformat()}" and f'<li id="{anchor}">' in page
        assert event["offers"]["price"] == 0 and event["organizer"]["url"].endswith("/")
    series = events[0]["superEvent"]
    assert series["@type"] == "EventSeries" and series["url"].endswith(f"/drop-in/{schedule.pk}/")
    assert series["eventSchedule"]["byDay"] == "https://schema.org/Tuesday"
    assert series["eventSchedule"]["startTime"] == "13:00:00" and series["eventSchedule"]["endTime"] == "15:00:00"
    assert series["eventSchedule"]["repeatFrequency"] == "P1W" and series["eventSchedule"]["duration"] == "PT2H"
    assert series["eventSchedule"]["startDate"] == schedule.valid_from.isoformat()
    assert "endDate" not in series["eventSchedule"]  # the hours have no last date
    for event in events:
        assert_event_shape(event)


# The shape schema.org gives Event and Schedule (https://schema.org/Event, https://schema.org/Schedule): the
# property types a reader of the data expects, checked on every Event a page writes.
DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")  # ISO 8601, with its offset
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$|^24:00:00$")  # schema.org Time: hh:mm:ss
DURATION = re.compile(r"^PT(?=\d)(\d+H)?(\d+M)?$")
DAYS = {
    f"https://schema.org/{day}"
    for day in ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
}


def assert_event_shape(event):
    assert event["@type"] in {"Event", "EventSeries"} and isinstance(event["name"], str) and event["name"]
    start, end = dt.datetime.fromisoformat(event["startDate"]), dt.datetime.fromisoformat(event["endDate"])
    assert DATE_TIME.match(event["startDate"]) and DATE_TIME.match(event["endDate"]) and start < end
    assert event["eventStatus"] in {"https://schema.org/EventScheduled", "https://schema.org/EventCancelled"}
    assert event["location"]["@type"] in {"Place", "VirtualLocation"}
    assert event.get("inLanguage", ["da"]) != []  # never an empty list
    schedule = event["superEvent"]["eventSchedule"]
    assert schedule["@type"] == "Schedule" and schedule["repeatFrequency"] == "P1W" and schedule["byDay"] in DAYS
    assert TIME.match(schedule["startTime"]) and TIME.match(schedule["endTime"])
    assert schedule["startTime"] < schedule["endTime"]  # hh:mm:ss compare as text; 24:00:00 is the day's end
    assert DURATION.match(schedule["duration"]) and dt.date.fromisoformat(schedule["startDate"])
    assert schedule["scheduleTimezone"] == "Europe/Copenhagen"
    local = start.astimezone(timezone.get_current_timezone())
    assert schedule["byDay"].endswith(local.strftime("%A")) and schedule["startTime"] == local.strftime("%H:%M:%S")


def test_drop_in_hours_until_midnight_end_at_the_next_days_midnight_in_its_own_offset(at_instant, client, venue):
    """Hours until midnight were written as ending at "00:00": a Schedule whose endTime came before its
    startTime, on the same day. They end at 24:00:00, the midnight at the end of their day, and each Event
    at the next date's 00:00, in that night's offset: on New Year's Eve in the next year, on the nights the
    clocks change in the offset of the next morning."""
    today = timezone.localdate()
    schedule = DropInSchedule.objects.create(
        municipality=venue.municipality,
        venue=venue,
        title="Sen drop-in",
        weekday=today.weekday(),
        starts_at=dt.time(23, 30),
        ends_at=dt.time(0),
        valid_from=today - dt.timedelta(days=7),
        valid_until=today + dt.timedelta(days=21),
    )
    _text, events = json_ld(client.get(f"/drop-in/{schedule.pk}/").content.decode())
    assert [dt.date.fromisoformat(event["startDate"][:10]) for event in events] == [
        today + dt.timedelta(days=7 * week) for week in range(4)
    ]
    zone = timezone.get_current_timezone()
    for event in events:
        assert_event_shape(event)
        day = dt.date.fromisoformat(event["startDate"][:10])
        midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), zone)
        assert event["endDate"] == midnight.isoformat()
        assert dt.datetime.fromisoformat(event["endDate"]) - dt.datetime.fromisoformat(event["startDate"]) == (
            dt.timedelta(minutes=30)
        )
    schedule_data = events[0]["superEvent"]["eventSchedule"]
    assert schedule_data["startTime"] == "23:30:00" and schedule_data["endTime"] == "24:00:00"
    assert schedule_data["duration"] == "PT30M" and schedule_data["endDate"] == schedule.valid_until.isoformat()
    if today == dt.date(2026, 12, 31):
        assert events[0]["endDate"] == "2027-01-01T00:00:00+01:00"
    if today == dt.date(2026, 10, 25):  # a 25-hour day: its evening is in winter time
        assert events[0]["startDate"] == "2026-10-25T23:30:00+01:00"
        assert events[0]["endDate"] == "2026-10-26T00:00:00+01:00"
    if today == dt.date(2027, 3, 28):  # a 23-hour day: its evening is in summer time
        assert events[0]["endDate"] == "2027-03-29T00:00:00+02:00"
