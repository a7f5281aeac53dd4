"""The finder's filters, read from plain GET parameters.

The same parser serves the pages (where a bad value is ignored with a note) and
the API (where a bad value is a 400). Unknown parameter names are ignored.
"""

import datetime as dt
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from courses.models import CourseFormat
from redliv import inputs
from redliv.models import Audience, CourseLanguage, District

# Where the visitor is: never kept, neither in a shared copy nor in a cache in between (finder.headers).
POSITION_PARAMETERS = ("near", "postcode")
WHEN_TODAY = "today"
WHEN_WEEK = "week"
WHEN_CHOICES = [(WHEN_TODAY, _("Today")), (WHEN_WEEK, _("This week"))]


@dataclass
class Filters:
    format: str = ""
    district: object = None  # a District
    audience: str = ""
    language: str = ""
    when: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    near: tuple[float, float] | None = None  # never stored or logged
    postcode: str = ""
    # Only one place's entries (a gone course's page lists the next ones there); never read from a request.
    venue_id: int | None = None
    # What was wrong, per parameter: {"format": "…"}; shown on the page, or a 400 in the API.
    problems: dict = field(default_factory=dict)


_NEAR = re.compile(r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


def parse_near(value):
    match = _NEAR.match(value)
    if not match:
        return None
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def parse_filters(params, districts, today=None):
    """Read the filters from a QueryDict; `districts` are the districts one may filter by."""
    today = today or timezone.localdate()
    filters = Filters()
    problems = filters.problems

    def value(name):
        return params.get(name, "").strip()

    for name, choices, unknown in [
        ("format", CourseFormat.values, _("Unknown format.")),
        ("audience", Audience.values, _("Unknown audience.")),
        ("language", CourseLanguage.values, _("Unknown language.")),
    ]:
        if given := value(name):
            if given in choices:
                setattr(filters, name, given)
            else:
                problems[name] = unknown
    if value("district"):
        district = params.get("district")  # as sent: " 12" is no district, as "+12" or "١٢" is not
        by_id = {str(d.pk): d for d in districts}
        if district in by_id:
            filters.district = by_id[district]
        elif (closed := district_without_public_places(district)) is not None:
            filters.district = closed
        else:
            problems["district"] = _("Unknown district.")

    if when := value("when"):
        if when == WHEN_TODAY:
            filters.when, filters.date_from, filters.date_to = when, today, today
        elif when == WHEN_WEEK:
            filters.when, filters.date_from = when, today
            filters.date_to = today + dt.timedelta(days=6 - today.weekday())
        else:
            problems["when"] = _("Unknown period; use “today” or “week”.")
    if not filters.when:
        for name in ("from", "to"):
            if raw := value(name):
                try:
                    parsed = inputs.parse_date(raw)
                except ValidationError as error:
                    problems[name] = error.messages[0]
                else:
                    setattr(filters, "date_from" if name == "from" else "date_to", parsed)
        if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
            problems["to"] = _("The end date is before the start date.")
            filters.date_from = filters.date_to = None

    if near := value("near"):
        filters.near = parse_near(near)
        if filters.near is None:
            problems["near"] = _("Not a position; write it as latitude,longitude.")
    # Typed on an Arabic or Persian keyboard's number pad, "٥٠٠٠" is postcode 5000.
    if postcode := inputs.plain_characters(value("postcode")).strip():
        if re.fullmatch(r"[0-9]{4}", postcode):
            filters.postcode = postcode
        else:
            problems["postcode"] = _("A postcode has four digits.")
    if filters.postcode:
        # The filter form keeps the position of an earlier "near me" in a hidden field and sends it
        # with the postcode typed since: the postcode is the newer wish ("near me" drops a postcode).
        filters.near = None
        problems.pop("near", None)
    return filters


def district_without_public_places(text):
    """A district that exists but has no public place open now (1 query), or None.

    It is no unknown district: nothing is held there for now, so the list is empty. Refused as unknown, a
    calendar subscribed to it got a 400 once its last public place closed, and a calendar app keeps what it
    had when a refresh fails: the closed place's dates stayed in the calendar for weeks.
    """
    if not inputs.is_whole_number(text):  # as a link writes it: not "١٢" (Arabic-Indic), which `is_id` reads as 12
        return None
    return District.objects.only("pk", "name").filter(pk=text).first()


def shareable_query(filters) -> str:
    """The filters in use as a query string that `parse_filters` reads back to the same filters, for a
    link a visitor may keep or pass on (the calendar feed's): only the filters that were read (one
    the page ignored with a note would make the feed refuse), and never where the visitor is (no
    position, no postcode)."""
    params = {
        "format": filters.format,
        "district": filters.district.pk if filters.district else "",
        "audience": filters.audience,
        "language": filters.language,
    }
    if filters.when:  # "this week" stays this week, in a calendar subscribed to today and read next month
        params["when"] = filters.when
    else:
        params["from"] = filters.date_from.isoformat() if filters.date_from else ""
        params["to"] = filters.date_to.isoformat() if filters.date_to else ""
    return urlencode({name: value for name, value in params.items() if value})
