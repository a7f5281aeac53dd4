"""schema.org data for the public course and drop-in pages, as JSON-LD.

A course page describes one Event; a drop-in page one Event per upcoming date, each with
its own address on the page (`#d-YYYY-MM-DD`) and the standing hours as their EventSeries.
A cancelled course's page says EventCancelled. Times are local, with their offset.

The JSON goes into a <script type="application/ld+json"> data block: the browser does not
run it (so the CSP allows it), but "</script>" in a title would end the block early, so
<, > and & are written as JSON escapes, as Django's `json_script` does.
"""

import datetime as dt
import json

from django.conf import settings
from django.utils import timezone
from django.utils.safestring import mark_safe

from courses.models import MIDNIGHT, CourseFormat
from redliv.contact import tel_link

SCHEMA = "https://schema.org/"
ORGANIZER_NAME = "RED LIV Odense"
_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def absolute(request, path):
    """An absolute URL: on PUBLIC_SITE_URL when it is set, else on the host the request came to."""
    if settings.PUBLIC_SITE_URL:
        return settings.PUBLIC_SITE_URL + path
    return request.build_absolute_uri(path)


def script(data):
    """The data as the body of a <script type="application/ld+json">, safe to put in the page."""
    text = json.dumps(data, ensure_ascii=False, indent=1, cls=_Encoder).translate(_ESCAPES)
    return mark_safe(text)  # noqa: S308 (<, > and & are escaped above; the rest is JSON)


class _Encoder(json.JSONEncoder):
    def default(self, o):
        return str(o)  # lazy translations


def organizer(request):
    data = {"@type": "Organization", "name": ORGANIZER_NAME, "url": absolute(request, "/")}
    if settings.PROGRAMME_PHONE:
        data["telephone"] = tel_link(settings.PROGRAMME_PHONE).removeprefix("tel:")
    if settings.PROGRAMME_EMAIL:
        data["email"] = settings.PROGRAMME_EMAIL
    return data


def place(venue):
    data = {
        "@type": "Place",
        "name": venue.name,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": venue.address,
            "postalCode": venue.postcode,
            "addressLocality": venue.city,
            "addressCountry": "DK",
        },
    }
    if venue.latitude is not None and venue.longitude is not None:
        data["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": float(venue.latitude),
            "longitude": float(venue.longitude),
        }
    return data


def local(moment):
    return timezone.localtime(moment).isoformat()


def event(entry, request, *, url=None, joining_url="", cancelled=False, capacity=None):
    """One schema.org Event for a finder entry (a course, or one date of drop-in hours)."""
    url = url or absolute(request, entry.url)
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": f"RED LIV: {entry.title}",
        "url": url,
        "startDate": local(entry.starts_at),
        "endDate": local(entry.ends_at),
        "eventStatus": SCHEMA + ("EventCancelled" if cancelled else "EventScheduled"),
        "isAccessibleForFree": True,
        "organizer": organizer(request),
        "offers": {
            "@type": "Offer",
            "price": 0,
            "priceCurrency": "DKK",
            "url": url,
            "availability": SCHEMA + ("SoldOut" if cancelled else "LimitedAvailability" if capacity else "InStock"),
        },
    }
    if entry.description:
        data["description"] = entry.description
    if entry.languages:  # none named: left out, not an empty list
        data["inLanguage"] = list(entry.languages)
    if entry.venue is None:
        data["eventAttendanceMode"] = SCHEMA + "OnlineEventAttendanceMode"
        data["location"] = {"@type": "VirtualLocation", "url": joining_url or url}
    else:
        data["eventAttendanceMode"] = SCHEMA + "OfflineEventAttendanceMode"
        data["location"] = place(entry.venue)
    if capacity:
        data["maximumAttendeeCapacity"] = capacity
    return data


def course_events(entry, request, course=None, *, cancelled=False):
    """A course's Event; `course` (when given) adds the joining link of an online course and the places."""
    joining = course.joining_url if course and course.format == CourseFormat.ONLINE and not cancelled else ""
    return event(entry, request, joining_url=joining, cancelled=cancelled, capacity=course.capacity if course else None)


def occurrence_anchor(day: dt.date) -> str:
    """The id of one date in a drop-in page's list, so that each Event has its own address."""
    return f"d-{day.isoformat()}"


def _minutes(moment: dt.time) -> int:
    return moment.hour * 60 + moment.minute


def event_schedule(schedule):
    """The standing hours as a schema.org Schedule: every week on their weekday, from startTime to endTime
    (times as schema.org's Time, hh:mm:ss, in scheduleTimezone), from startDate (to endDate, if they end).

    Hours until midnight end at "24:00:00", the midnight at the end of their day (ISO 8601): "00:00:00" said
    they ended before they began, that same day. `duration` says how long they last, for a reader that takes
    24:00 as 00:00 (counted on the clock: on the night the clocks change, each Event's own dates say it)."""
    ends = 24 * 60 if schedule.ends_at == MIDNIGHT else _minutes(schedule.ends_at)
    hours, minutes = divmod(ends - _minutes(schedule.starts_at), 60)
    data = {
        "@type": "Schedule",
        "repeatFrequency": "P1W",
        "byDay": SCHEMA
        + ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][schedule.weekday],
        "startTime": schedule.starts_at.strftime("%H:%M:00"),
        "endTime": "24:00:00" if schedule.ends_at == MIDNIGHT else schedule.ends_at.strftime("%H:%M:00"),
        "duration": "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else ""),
        "scheduleTimezone": settings.TIME_ZONE,
        "startDate": schedule.valid_from.isoformat(),
    }
    if schedule.valid_until is not None:
        data["endDate"] = schedule.valid_until.isoformat()
    return data


def drop_in_events(entries, request, schedule):
    """An Event per upcoming date, each part of the standing hours as an EventSeries."""
    page = absolute(request, request.path)
    series = {
        "@type": "EventSeries",
        "name": f"RED LIV: {entries[0].title}" if entries else str(schedule),
        "url": page,
        "eventSchedule": event_schedule(schedule),
    }
    events = []
    for entry in entries:
        day = timezone.localtime(entry.starts_at).date()
        data = event(entry, request, url=f"{page}#{occurrence_anchor(day)}")
        data["superEvent"] = series
        events.append(data)
    return events
