"""iCalendar (RFC 5545) files: one course, one drop-in's dates, or the feed of all upcoming.

Written line by line rather than through the `icalendar` package's object model: the
national feed holds some 3,000 events, and building and validating a `Calendar` of them
took most of a second (bench/analysis.md); this writer does the same in a few
milliseconds. The tests read every file back with `icalendar`'s parser.
"""

import datetime as dt
import re

from django.http import HttpResponse
from django.utils.translation import gettext as _

from redliv import downloads

PRODID = "-//RED LIV Odense//vipasserpaahinanden//DA"

# Control characters other than the tab are not allowed in a value (RFC 5545 3.1); a line
# break inside a text is written as the two characters "\n" (3.3.11).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_TEXT_SPECIALS = str.maketrans({"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n"})
_LINE_OCTETS = 75


def text(value):
    """A TEXT value: backslash, semicolon, comma and line breaks escaped, control characters left out."""
    value = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value).translate(_TEXT_SPECIALS)


def utc(moment):
    """A DATE-TIME in UTC ("…Z"): it needs no VTIMEZONE, and calendar apps show it in local time."""
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line):
    """One content line as bytes, folded after at most 75 octets without splitting a UTF-8 character (3.1)."""
    encoded = line.encode()
    if len(encoded) <= _LINE_OCTETS:
        return encoded
    parts, start, room = [], 0, _LINE_OCTETS
    while start < len(encoded):
        end = min(start + room, len(encoded))
        while end < len(encoded) and encoded[end] & 0xC0 == 0x80:  # a continuation byte: step back
            end -= 1
        parts.append(encoded[start:end])
        start, room = end, _LINE_OCTETS - 1  # a continuation line starts with a space
    return b"\r\n ".join(parts)


def _event_lines(entry, site, host):
    url = f"{site}{entry.url}"
    yield "BEGIN:VEVENT"
    yield f"UID:{text(f'{entry.id}@{host}')}"
    # When the course or drop-in hours last changed, not when the file was written: the bytes then
    # depend on the data alone, so the ETag holds and a calendar app's revisit is answered 304.
    yield f"DTSTAMP:{utc(entry.changed_at)}"
    yield f"DTSTART:{utc(entry.starts_at)}"
    yield f"DTEND:{utc(entry.ends_at)}"
    summary = f"RED LIV: {entry.title}"
    reason = ""
    if entry.cancelled:
        # Kept in the feed while the finder shows the cancellation: a calendar app that subscribed
        # replaces its copy of the event (same UID, a higher SEQUENCE, the DTSTAMP of the
        # cancellation) and marks it cancelled, rather than keeping the course in the calendar.
        yield "STATUS:CANCELLED"
        yield "SEQUENCE:1"
        summary = _("Cancelled – %(summary)s") % {"summary": summary}
        if entry.cancellation_reason:
            reason = f"{_('Reason:')} {entry.cancellation_reason}"
    yield f"SUMMARY:{text(summary)}"
    yield f"URL:{url}"
    description = "\n\n".join(part for part in [reason, entry.description, url] if part)
    yield f"DESCRIPTION:{text(description)}"
    venue = entry.venue
    if venue is None:
        yield "LOCATION:Online"
    else:
        place = [venue.name, venue.address, f"{venue.postcode} {venue.city}".strip()]
        yield f"LOCATION:{text(', '.join(part for part in place if part))}"
        if venue.latitude is not None:
            yield f"GEO:{float(venue.latitude)};{float(venue.longitude)}"
    yield "END:VEVENT"


def calendar(entries, request, name):
    """The whole file as bytes: CRLF after every line, the last one included."""
    host = request.get_host().split(":")[0]
    site = request.build_absolute_uri("/").removesuffix("/")  # scheme and host, worked out once
    head = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{text(PRODID)}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{text(name)}",
    ]
    lines = [fold(line) for line in head]
    for entry in entries:
        lines.extend(fold(line) for line in _event_lines(entry, site, host))
    lines.append(b"END:VCALENDAR")
    return b"\r\n".join(lines) + b"\r\n"


def ics_response(entries, request, name, filename=None):
    """A calendar file; with a filename it downloads ("add to calendar"), without it is a feed."""
    response = HttpResponse(calendar(entries, request, name), content_type="text/calendar; charset=utf-8")
    if filename:
        response["Content-Disposition"] = downloads.attachment(filename)
    return response
