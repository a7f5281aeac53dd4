"""iCalendar (RFC 5545) files: one course, one drop-in's dates, or the feed of all upcoming."""

import datetime as dt

from django.http import HttpResponse
from django.utils import timezone
from icalendar import Calendar, Event

PRODID = "-//RED LIV Odense//vipasserpaahinanden//DA"


def calendar(entries, request, name):
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    stamp = timezone.now().astimezone(dt.UTC).replace(microsecond=0)
    host = request.get_host().split(":")[0]
    for entry in entries:
        event = Event()
        event.add("uid", f"{entry.id}@{host}")
        event.add("dtstamp", stamp)
        # UTC times need no VTIMEZONE component; calendar apps show them in local time.
        event.add("dtstart", entry.starts_at.astimezone(dt.UTC))
        event.add("dtend", entry.ends_at.astimezone(dt.UTC))
        event.add("summary", f"RED LIV: {entry.title}")
        url = request.build_absolute_uri(entry.url)
        event.add("url", url)
        event.add("description", "\n\n".join(part for part in [entry.description, url] if part))
        if entry.venue is not None:
            venue = entry.venue
            event.add(
                "location",
                ", ".join(
                    part for part in [venue.name, venue.address, f"{venue.postcode} {venue.city}".strip()] if part
                ),
            )
            if venue.latitude is not None:
                event.add("geo", (float(venue.latitude), float(venue.longitude)))
        else:
            event.add("location", "Online")
        cal.add_component(event)
    return cal


def ics_response(entries, request, name, filename=None):
    """A calendar file; with a filename it downloads ("add to calendar"), without it is a feed."""
    response = HttpResponse(calendar(entries, request, name).to_ical(), content_type="text/calendar; charset=utf-8")
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
