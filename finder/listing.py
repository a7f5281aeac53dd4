"""What the public may see: published upcoming courses and drop-in dates, as one list.

Never public: unpublished or cancelled courses, venues only residents may enter,
inactive venues, stock, reports and anything about participants.
"""

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Course, CourseFormat, DropInSchedule
from courses.schedule import upcoming_occurrences
from redliv.models import Audience, CourseLanguage, District

PUBLIC_VENUE = Q(venue__isnull=True) | Q(venue__open_to_public=True, venue__active=True)


def kits_at_venue(today=None):
    """Whether a venue's own stock holds a usable kit now (not expired, not recalled): for
    "kits are handed out here" on the finder, never a number. An EXISTS per row, no extra query."""
    from kits.models import Batch, StockLevel

    today = today or timezone.localdate()
    return Exists(
        StockLevel.objects.filter(
            location__venue=OuterRef("venue"),
            location__active=True,
            location__for_return=False,
            quantity__gt=0,
            batch__expiry_date__gte=today,
        ).exclude(Batch.recalled_q(today, "batch__"))
    )


def public_courses():
    return Course.objects.filter(published=True, status=Course.Status.PLANNED).filter(PUBLIC_VENUE)


def public_schedules():
    return DropInSchedule.objects.filter(published=True, venue__open_to_public=True, venue__active=True)


def public_districts():
    """Districts with at least one public venue: the choices of the district filter."""
    return District.objects.filter(venues__open_to_public=True, venues__active=True).distinct().order_by("name")


@dataclass
class Entry:
    """One line of the finder: a course, or one date of standing drop-in hours."""

    id: str
    format: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    venue: object  # a Venue, or None when online
    audiences: list
    languages: list
    description: str
    gives_kit: bool
    url: str
    distance_km: float | None = None
    # Set on a course cancelled lately: the public sees it, with the reason, for a while.
    cancellation_reason: str = ""
    # Whether the venue's own stock holds a usable kit now; None when not looked up.
    kits_here: bool | None = None

    @property
    def format_label(self):
        return CourseFormat(self.format).label

    @property
    def audience_labels(self):
        return [Audience(a).label for a in self.audiences if a in Audience.values]

    @property
    def language_labels(self):
        return [CourseLanguage(code).label for code in self.languages if code in CourseLanguage.values]

    @property
    def position(self):
        venue = self.venue
        if venue is None or venue.latitude is None:
            return None
        return float(venue.latitude), float(venue.longitude)


def descriptive_title(course_format, venue):
    """A name that says something when the coordinator gave none: "Drop-in hos Antidote Danmark", not "Drop-in"."""
    label = CourseFormat(course_format).label
    if venue is None:
        return _("%(format)s course") % {"format": label} if course_format == CourseFormat.ONLINE else label
    return _("%(format)s at %(place)s") % {"format": label, "place": venue.name}


def course_entry(course):
    return Entry(
        id=f"course-{course.pk}",
        format=course.format,
        title=course.title or descriptive_title(course.format, course.venue),
        starts_at=course.starts_at,
        ends_at=course.ends_at,
        venue=course.venue,
        audiences=course.audiences,
        languages=course.languages,
        description=course.public_description,
        gives_kit=course.kind == Course.Kind.PARTICIPANT,
        url=reverse("finder:course", args=[course.pk]),
        cancellation_reason=course.cancellation_reason if course.status == Course.Status.CANCELLED else "",
        kits_here=getattr(course, "kits_here", None),
    )


def drop_in_entry(occurrence):
    schedule = occurrence.schedule
    return Entry(
        id=f"drop-in-{schedule.pk}-{occurrence.date.isoformat()}",
        format=CourseFormat.DROP_IN,
        title=schedule.title or descriptive_title(CourseFormat.DROP_IN, schedule.venue),
        starts_at=occurrence.starts_at,
        ends_at=occurrence.ends_at,
        venue=schedule.venue,
        audiences=schedule.audiences,
        languages=schedule.languages,
        description=schedule.public_description,
        gives_kit=True,
        url=reverse("finder:drop-in", args=[schedule.pk]),
        kits_here=getattr(schedule, "kits_here", None),
    )


def distance_km(a, b):
    """Great-circle distance between two (lat, lon) points, in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def find(filters, now=None, with_cancelled=False):
    """The entries matching the filters, soonest first (or nearest first when a point is given).

    Three queries whatever the number of courses: courses, drop-in hours, their exceptions.
    Returns (entries, origin) where origin is the point distances were measured from.
    With `with_cancelled`, courses cancelled lately come too, marked by their reason.
    """
    now = now or timezone.now()
    courses = public_courses()
    if with_cancelled:
        courses = courses | Course.objects.recently_cancelled(now).filter(PUBLIC_VENUE)
    kits_here = kits_at_venue(timezone.localdate(now))
    courses = courses.filter(ends_at__gt=now).select_related("venue__district").annotate(kits_here=kits_here)
    schedules = (
        public_schedules()
        .select_related("venue__district")
        .prefetch_related("exceptions")
        .annotate(kits_here=kits_here)
    )
    if filters.format:
        courses = courses.filter(format=filters.format)
        if filters.format != CourseFormat.DROP_IN:
            schedules = schedules.none()
    if filters.district:
        courses = courses.filter(venue__district=filters.district)
        schedules = schedules.filter(venue__district=filters.district)
    if filters.audience:
        courses = courses.filter(audiences__contains=[filters.audience])
        schedules = schedules.filter(audiences__contains=[filters.audience])
    if filters.language:
        courses = courses.filter(languages__contains=[filters.language])
        schedules = schedules.filter(languages__contains=[filters.language])
    if filters.date_from:
        courses = courses.filter(ends_at__date__gte=filters.date_from)
    if filters.date_to:
        courses = courses.filter(starts_at__date__lte=filters.date_to)

    entries = [course_entry(course) for course in courses.order_by("starts_at", "pk")]
    entries += [
        drop_in_entry(occurrence)
        for occurrence in upcoming_occurrences(schedules, now, filters.date_from, filters.date_to)
    ]
    entries.sort(key=lambda entry: entry.starts_at)

    origin = filters.near or postcode_point(filters.postcode, entries)
    if origin:
        for entry in entries:
            if entry.position:
                entry.distance_km = distance_km(origin, entry.position)
        # Nearest first; online courses (no place) after every place, each group soonest first.
        entries.sort(key=lambda entry: (entry.distance_km is None, entry.distance_km or 0, entry.starts_at))
    return entries, origin


def postcode_point(postcode, entries):
    """A point for a postcode: the middle of the public venues in it, or in a district that covers it.

    Districts have no coordinates of their own; their venues do.
    """
    if not postcode:
        return None
    venues = {entry.venue.pk: entry.venue for entry in entries if entry.position}
    matching = [v for v in venues.values() if v.postcode == postcode]
    if not matching:
        matching = [
            v
            for v in venues.values()
            if v.district and postcode in [code.strip() for code in v.district.postcodes.split(",")]
        ]
    if not matching:
        return None
    return (
        sum(float(v.latitude) for v in matching) / len(matching),
        sum(float(v.longitude) for v in matching) / len(matching),
    )
