"""What the public may see: published upcoming courses and standing drop-in hours, as one list.

Never public: unpublished or cancelled courses, venues only residents may enter,
inactive venues, stock, reports and anything about participants.

The list is cut to the requested page in SQL, so a request costs the same whether the
country has a hundred upcoming courses or ten thousand (bench/RESULTS.md):

- courses by time: the number of matches and the first one's start, from an index alone;
  then the page, filtered, ordered and cut in SQL, read from the index of start times
  onwards from that first start, so PostgreSQL stops at the page's end;
- courses by distance: one statement works out each venue's distance, orders every match
  by distance band and time, counts them, cuts them to the page and reads the page's rows;
- standing drop-in hours: one query for the schedules with their closed dates; each
  schedule becomes one entry (its next date and its rhythm), or, for the API and the
  calendar feed, one entry per date; only the dates' times are worked out for every
  schedule, the entries are built for the page alone;
- labels and URLs are worked out once per request (`Build`), not once per entry;
- the statements are written by hand and read as plain rows (`ListedCourse`, `ListedSchedule`,
  `ListedVenue`), not built by the ORM into model instances: on this path Django's building and
  compiling of the statements cost more than PostgreSQL's work on them (bench/analysis.md, run 26).
  The ORM's `public_courses()` and `public_schedules()` say the same for the detail pages; a test
  holds the two texts together (tests/test_finder_listing.py).
"""

import bisect
import datetime as dt
import functools
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import (
    Count,
    FloatField,
    Q,
    Sum,
)
from django.db.models.functions import Cast
from django.template.defaultfilters import floatformat
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import dateformat, timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from courses.models import CANCELLATION_NOTICE_DAYS, MIDNIGHT, Course, CourseFormat, DropInSchedule, Venue
from courses.schedule import Occurrence, held_on, window
from redliv.models import Audience, CourseLanguage

PUBLIC_VENUE = Q(venue__isnull=True) | Q(venue__open_to_public=True, venue__active=True)
# Online, or at a place the public may enter, open or since closed: where a course's page may say it is gone.
OPEN_TO_THE_PUBLIC = Q(venue__isnull=True) | Q(venue__open_to_public=True)

# With a position, the list is ordered by these distance bands first (kilometres) and by
# time within each band: the soonest course within walking distance comes first, a
# course 40 km away does not come before one around the corner because it is sooner.
DISTANCE_BANDS_KM = (1, 3, 10, 30, 100)
FARTHEST_BAND = len(DISTANCE_BANDS_KM)  # farther than the last band, ordered by time
NO_PLACE_BAND = FARTHEST_BAND + 1  # online courses, and places without coordinates: last

# How a standing drop-in is listed: once, with its next date and its rhythm (the finder
# and the widget), or once per date (the API and the calendar feed).
ONCE, DATES = "once", "dates"


# Which of a page's venues hand out kits now, and the districts one may filter by: hand-written as the
# list's statements are (the module's docstring). `usable_venue_levels()` and `public_district_rows()`
# say the same in the ORM; tests/test_finder_listing.py holds each pair together.
_VENUES_WITH_KITS = (
    "SELECT DISTINCT l.venue_id FROM kits_stocklevel sl JOIN kits_stocklocation l ON l.id = sl.location_id"
    " WHERE sl.batch_id = ANY(ARRAY(SELECT b.id FROM kits_batch b WHERE b.expiry_date >= %s"
    " AND (b.recalled_on IS NULL OR b.recalled_on > %s OR b.recall_ended_on <= %s)))"
    " AND sl.quantity > 0 AND l.active AND NOT l.for_return AND l.venue_id = ANY(%s)"
)
_PUBLIC_DISTRICTS = (
    "SELECT DISTINCT v.district_id, d.name FROM courses_venue v JOIN redliv_district d ON d.id = v.district_id"
    " WHERE v.open_to_public AND v.active"
)


def venues_with_kits(venue_ids, today=None):
    """The venues among these whose own stock holds a usable kit now (not expired, not recalled): for
    "kits are handed out here" on the finder, never a number. One query for a page's venues: as an
    EXISTS in each list's statement it cost 1.6 ms to build and compile and 0.7 ms in PostgreSQL
    twice a request, for the API, widget and feed too, which do not show it; built by the ORM
    (`usable_venue_levels`) 1.5 ms of CPU, more than PostgreSQL's work. No venues: no query."""
    if not venue_ids:
        return set()
    today = today or timezone.localdate()
    return {row[0] for row in _rows(_VENUES_WITH_KITS, [today, today, today, list(venue_ids)])}


def usable_venue_levels(venue_ids, today=None):
    """`venues_with_kits` in the ORM: the usable stock levels (kits.services.usable_levels) in these
    venues' own active cupboards."""
    from kits.services import usable_levels

    levels = usable_levels(today).filter(
        location__venue__in=venue_ids, location__active=True, location__for_return=False
    )
    # Without order_by() the stock levels' default order (location name, expiry) joined the DISTINCT:
    # a row per cupboard and lot instead of one per venue, sorted for nothing.
    return levels.order_by().values_list("location__venue_id", flat=True).distinct()


# The lots recalled by a day (both parameters), newest recall first, for the finder's recall banner:
# kits.queries.active_recalls in the ORM, whose building cost more than PostgreSQL's work on it.
_RECALLED_LOTS = (
    "SELECT b.lot_number FROM kits_batch b WHERE b.recalled_on <= %s"
    " AND (b.recall_ended_on IS NULL OR b.recall_ended_on > %s) ORDER BY b.recalled_on DESC, b.lot_number"
)
# The information pages' links under the list (`InfoPage`'s own order): the ORM's building of this one
# statement and its four model instances cost 0.3 ms of CPU a request, PostgreSQL's work a tenth of it.
_INFO_PAGES = "SELECT slug, title_da, title_en FROM finder_infopage ORDER BY position, slug"


def info_links():
    """(address, title) of each information page, in the menu's order and the active language
    (InfoPage.title); the addresses made once (`_url_maker`)."""
    url = _url_maker("finder:info")
    english = get_language() == "en"
    return [(url(slug), title_en if english else title_da) for slug, title_da, title_en in _rows(_INFO_PAGES, [])]


def public_courses():
    return Course.objects.filter(published=True, status=Course.Status.PLANNED).filter(PUBLIC_VENUE)


def public_schedules():
    return DropInSchedule.objects.filter(published=True, venue__open_to_public=True, venue__active=True)


@dataclass(frozen=True)
class DistrictChoice:
    """A district one may filter by: its id and name (no model instance: the country has hundreds)."""

    pk: int
    name: str


@dataclass
class Places:
    """The districts one may filter by, and where each postcode is, from one query over public venues."""

    districts: list
    # (postcode, district id, district postcodes, latitude sum, longitude sum, venues with coordinates)
    rows: list = field(default_factory=list)

    def point_for(self, postcode):
        """The middle of the public venues with the postcode, or in a district that lists it; or None.

        Districts have no coordinates of their own; their venues do.
        """
        if not postcode:
            return None
        matching = [row for row in self.rows if row[0] == postcode and row[5]]
        if not matching:
            matching = [row for row in self.rows if row[5] and postcode in [code.strip() for code in row[2].split(",")]]
        count = sum(row[5] for row in matching)
        if not count:
            return None
        return sum(row[3] for row in matching) / count, sum(row[4] for row in matching) / count


def public_places():
    """One query: public venues grouped by district and postcode, with their coordinates summed."""
    rows = list(
        Venue.objects.filter(open_to_public=True, active=True)
        .values_list("postcode", "district_id", "district__postcodes", "district__name")
        .annotate(
            lat=Sum(Cast("latitude", FloatField())),
            lon=Sum(Cast("longitude", FloatField())),
            placed=Count("latitude"),
        )
        .order_by()
    )
    return Places(
        districts=_district_choices({row[1]: row[3] for row in rows if row[1] is not None}.items()),
        rows=[
            (postcode, district, codes or "", lat or 0.0, lon or 0.0, placed)
            for postcode, district, codes, _n, lat, lon, placed in rows
        ],
    )


def public_districts():
    """The districts with a public venue, by name: one query without the postcodes' grouping (by the ORM,
    `public_district_rows`, its building cost more than PostgreSQL's work)."""
    return _district_choices(_rows(_PUBLIC_DISTRICTS, []))


def public_district_rows():
    """`public_districts` in the ORM: (id, name) of each district with a public venue."""
    return (
        Venue.objects.filter(open_to_public=True, active=True, district__isnull=False)
        .values_list("district_id", "district__name")
        .distinct()
        .order_by()
    )


def _district_choices(pairs):
    """(id, name) pairs as the choice offered: by name, a name in two municipalities by id."""
    return [DistrictChoice(pk, name) for pk, name in sorted(pairs, key=lambda pair: (pair[1], pair[0]))]


def places_asked_for(params, *, with_districts=False):
    """The public places a request needs: where each postcode is, if it names one; else the districts
    one may filter by, if it names a district or its page lists them (`with_districts`); else none.

    The API, the widget and the feed show no list of districts: without either parameter they
    need no places, which saves a query (3–4 ms a request at national scale); the finder's list of
    districts alone costs 0.9 ms where the postcodes' grouping cost 2.8."""
    if params.get("postcode", "").strip():
        return public_places()
    if with_districts or params.get("district", "").strip():
        return Places(districts=public_districts())
    return Places(districts=[])


@dataclass(frozen=True)
class Rhythm:
    """When standing drop-in hours are held: every `weekday` (0 is Monday) from `starts_at` to `ends_at`."""

    weekday: int
    starts_at: dt.time
    ends_at: dt.time
    weekday_label: str = ""

    @property
    def hours(self):
        """'13–15', or '9:30–11' when a time is not on the hour; hours until midnight end at 24 ('22–24')."""
        return f"{_clock(self.starts_at)}–{'24' if self.ends_at == MIDNIGHT else _clock(self.ends_at)}"


def _clock(time):
    return f"{time.hour}" if not time.minute else f"{time.hour}:{time.minute:02d}"


@dataclass
class Entry:
    """One line of the finder: a course, standing drop-in hours (next date and rhythm), or one of their dates."""

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
    format_label: str = ""
    audience_labels: list = field(default_factory=list)
    language_labels: list = field(default_factory=list)
    distance_km: float | None = None
    # The local date of this entry: a course's day, or the next day drop-in hours are held.
    next_date: dt.date | None = None
    # Standing drop-in hours listed once: when they are held; None for a course or a single date.
    rhythm: Rhythm | None = None
    # Set on a course cancelled lately: the public sees it, with the reason, for a while.
    cancelled: bool = False
    cancellation_reason: str = ""
    # Whether the venue's own stock holds a usable kit now; None when not looked up.
    kits_here: bool | None = None
    # The local day as the list prints it: "Tirsdag 1. december" for a course or a date, "1. december"
    # for the next date of drop-in hours listed once.
    day_label: str = ""
    short_day_label: str = ""
    distance_label: str = ""  # "0,8 km væk", with a position
    # Standing drop-in hours listed once, in words: "Hver tirsdag 13–15" and "næste gang 8. december".
    rhythm_line: str = ""
    next_on: str = ""
    # When the course or the drop-in hours last changed: the calendar files' DTSTAMP (finder/ics.py).
    changed_at: dt.datetime | None = None

    # The list prints these for every entry: worked out here, they skip what the template's date
    # filters do each time (look the format up for the language, convert the time zone again).
    @cached_property
    def _local_start(self):
        return timezone.localtime(self.starts_at) if self.starts_at else None

    @cached_property
    def start_iso(self):
        return self._local_start.isoformat() if self.starts_at else ""

    @cached_property
    def start_clock(self):
        return f"{self._local_start:%H:%M}" if self.starts_at else ""

    @cached_property
    def end_clock(self):
        return f"{timezone.localtime(self.ends_at):%H:%M}" if self.ends_at else ""

    @cached_property
    def when(self):
        """ "Tirsdag 1. december, 10:00–12:00": one look-up in the list's template instead of three."""
        return f"{self.day_label}, {self.start_clock}–{self.end_clock}"

    @cached_property
    def audience_line(self):
        return ", ".join(self.audience_labels)

    @cached_property
    def language_line(self):
        return ", ".join(self.language_labels)

    @cached_property
    def place_line(self):
        """ "Name, address, postcode city": one look-up in the list's template instead of four."""
        venue = self.venue
        return f"{venue.name}, {venue.address}, {venue.postcode} {venue.city}" if venue is not None else ""

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


class Build:
    """Labels and URLs for entries, worked out once per request in the active language."""

    def __init__(self):
        self.formats = {value: str(label) for value, label in CourseFormat.choices}
        self.audiences = {value: str(label) for value, label in Audience.choices}
        self.languages = {value: str(label) for value, label in CourseLanguage.choices}
        self.weekdays = {value: str(label) for value, label in DropInSchedule.Weekday.choices}
        # descriptive_title's wording, translated once: an untitled course is named by its format and place.
        self.at_place = _("%(format)s at %(place)s")
        self.online_course = _("%(format)s course") % {"format": self.formats[CourseFormat.ONLINE]}
        self.course_url = _url_maker("finder:course")
        self.drop_in_url = _url_maker("finder:drop-in")
        # The day labels: a page's entries fall on a few days, and formatting one looks its weekday's
        # and month's names up again (as a date filter per entry, 2 ms of the finder's rendering).
        self.day_format = _("l j F")
        self.short_day_format = pgettext("a day of the month and its month", "j F")
        self._days = {}
        self.km_away = _("%(km)s km away")
        # Standing drop-in hours listed once: their rhythm and next date in words (a translation in the
        # template's loop cost 30–60 µs an entry).
        self.every = _("Every %(weekday)s %(hours)s")
        self.next_on = _("next on %(date)s")

    def days(self, date):
        """(day label, short day label) of a local date, formatted once a request."""
        if date not in self._days:
            self._days[date] = (
                capfirst(dateformat.format(date, self.day_format)),
                dateformat.format(date, self.short_day_format),
            )
        return self._days[date]

    def distance_label(self, distance):
        return "" if distance is None else self.km_away % {"km": floatformat(distance, 1)}

    def title(self, title, fmt, venue):
        """The coordinator's title, or one made from the format and the place (`descriptive_title`)."""
        if title:
            return title
        label = self.formats.get(fmt, fmt)
        if venue is not None:
            return self.at_place % {"format": label, "place": venue.name}
        return self.online_course if fmt == CourseFormat.ONLINE else label

    def labels(self, fmt, audiences, languages):
        return {
            "format_label": self.formats.get(fmt, fmt),
            "audience_labels": [self.audiences[a] for a in audiences if a in self.audiences],
            "language_labels": [self.languages[code] for code in languages if code in self.languages],
        }

    def course(self, course, distance=None):
        day = timezone.localdate(course.starts_at)
        return Entry(
            id=f"course-{course.pk}",
            format=course.format,
            title=self.title(course.title, course.format, course.venue),
            starts_at=course.starts_at,
            ends_at=course.ends_at,
            venue=course.venue,
            audiences=course.audiences,
            languages=course.languages,
            description=course.public_description,
            gives_kit=course.kind == Course.Kind.PARTICIPANT,
            url=self.course_url(course.pk),
            distance_km=distance,
            distance_label=self.distance_label(distance),
            next_date=day,
            day_label=self.days(day)[0],
            cancelled=course.status == Course.Status.CANCELLED,
            cancellation_reason=course.cancellation_reason if course.status == Course.Status.CANCELLED else "",
            changed_at=course.updated_at,
            **self.labels(course.format, course.audiences, course.languages),
        )

    def rhythm(self, schedule):
        return Rhythm(schedule.weekday, schedule.starts_at, schedule.ends_at, self.weekdays.get(schedule.weekday, ""))

    def drop_in(self, schedule, occurrence=None, once=False, distance=None):
        """Drop-in hours: one date (`occurrence`), or listed once (`once`) with the rhythm; no date if none is left."""
        day_label, short_day_label = self.days(occurrence.date) if occurrence else ("", "")
        rhythm = self.rhythm(schedule) if once or occurrence is None else None
        return Entry(
            id=f"drop-in-{schedule.pk}" if once or occurrence is None else f"drop-in-{schedule.pk}-{occurrence.date}",
            format=CourseFormat.DROP_IN,
            title=self.title(schedule.title, CourseFormat.DROP_IN, schedule.venue),
            starts_at=occurrence.starts_at if occurrence else None,
            ends_at=occurrence.ends_at if occurrence else None,
            venue=schedule.venue,
            audiences=schedule.audiences,
            languages=schedule.languages,
            description=schedule.public_description,
            gives_kit=True,
            url=self.drop_in_url(schedule.pk),
            distance_km=distance,
            distance_label=self.distance_label(distance),
            next_date=occurrence.date if occurrence else None,
            day_label=day_label,
            short_day_label=short_day_label,
            rhythm=rhythm,
            rhythm_line=self.every % {"weekday": rhythm.weekday_label, "hours": rhythm.hours} if rhythm else "",
            next_on=self.next_on % {"date": short_day_label} if rhythm and occurrence else "",
            changed_at=schedule.updated_at,
            **self.labels(CourseFormat.DROP_IN, schedule.audiences, schedule.languages),
        )


_PK_PLACEHOLDER = 987654321


def _url_maker(name):
    """reverse() once per language and URLconf; then each URL is a string format (the pattern's only
    argument is the pk, or a slug, which reverse() would not change either)."""
    prefix, suffix = _url_parts(name, get_language(), get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    return lambda pk: f"{prefix}{pk}{suffix}"


@functools.lru_cache(maxsize=64)
def _url_parts(name, language, script_prefix, urlconf):
    """The arguments are what reverse() reads besides the name (the language for the /en/ prefix)."""
    return reverse(name, args=[_PK_PLACEHOLDER], urlconf=urlconf).split(str(_PK_PLACEHOLDER))


def course_entry(course):
    return Build().course(course)


def drop_in_entry(occurrence):
    return Build().drop_in(occurrence.schedule, occurrence)


def distance_km(a, b):
    """Great-circle distance between two (lat, lon) points, in kilometres (the same formula as `_distance_sql`)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(min(1.0, h)))


# The lists' statements, written by hand (the module's docstring says why): each is put together from
# the fixed fragments below, every value a parameter.
_VENUE_COLUMNS = "v.id, v.name, v.address, v.postcode, v.city, v.latitude, v.longitude, v.accessibility_notes"
_COURSE_COLUMNS = (
    "c.id, c.kind, c.format, c.title, c.starts_at, c.ends_at, c.status, c.cancellation_reason, c.audiences,"
    f" c.languages, c.public_description, c.updated_at, {_VENUE_COLUMNS}"
)
_COURSES = "FROM courses_course c LEFT JOIN courses_venue v ON v.id = c.venue_id"
_COURSE_WIDTH, _VENUE_WIDTH = 12, 8  # how many of a row's columns _COURSE_COLUMNS' course and venue fill
# The great-circle distance of the venue `v` from the origin in kilometres, NULL without coordinates
# (the same formula as `distance_km`).
_KM = (
    "CASE WHEN v.latitude IS NULL THEN NULL ELSE 12742.0 * ASIN(SQRT(LEAST(1.0,"
    " POWER(SIN((RADIANS(v.latitude::float8) - %s) / 2), 2)"
    " + COS(RADIANS(v.latitude::float8)) * %s * POWER(SIN((RADIANS(v.longitude::float8) - %s) / 2), 2)))) END"
)
# Every match's distance, for its band: worked out once per venue (490 at national scale) rather than once
# per course (2,200), 2.6 → 1.6 ms for the keys of every match. OFFSET 0 keeps PostgreSQL from folding the
# subquery into the join, which would work it out per course again. The venue's columns the filters read
# (_course_where) come with it.
_COURSES_BY_DISTANCE = " ".join(
    [
        "FROM courses_course c LEFT JOIN (SELECT v.id, v.open_to_public, v.active, v.district_id,",
        _KM,
        "AS km FROM courses_venue v OFFSET 0) v ON v.id = c.venue_id",
    ]
)
# For a few courses already chosen, once per row.
_DISTANCE = "CROSS JOIN LATERAL (SELECT " + _KM + " AS km) v_km"
_SCHEDULES = (
    "SELECT s.id, s.title, s.weekday, s.starts_at, s.ends_at, s.valid_from, s.valid_until, s.audiences,"
    " s.languages, s.public_description, s.updated_at,"
    " v.id, v.name, v.address, v.postcode, v.city, v.latitude, v.longitude, v.accessibility_notes,"
    " ARRAY(SELECT e.date FROM courses_dropinexception e WHERE e.schedule_id = s.id AND e.date >= %s)"
    " FROM courses_dropinschedule s JOIN courses_venue v ON v.id = s.venue_id WHERE "
)


def _band(km):
    """The distance band of a distance in SQL, with WIDTH_BUCKET over the bands' limits (a CASE over the
    bands repeated the trigonometry for each limit: 53 ms → 10 ms at national scale)."""
    limits = ", ".join(repr(float(limit)) for limit in DISTANCE_BANDS_KM)
    return f"COALESCE(WIDTH_BUCKET({km}, ARRAY[{limits}]::float8[]), {NO_PLACE_BAND})"


@dataclass(frozen=True, slots=True)
class ListedVenue:
    """A public venue as the lists print it, read in the row of its course or drop-in hours."""

    pk: int
    name: str
    address: str
    postcode: str
    city: str
    latitude: Decimal | None
    longitude: Decimal | None
    accessibility_notes: str


@dataclass(frozen=True, slots=True)
class ListedCourse:
    """A course as the lists need it (Build.course reads a Course the same way)."""

    pk: int
    kind: str
    format: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    cancellation_reason: str
    audiences: list
    languages: list
    public_description: str
    updated_at: dt.datetime
    venue: ListedVenue | None
    distance: float | None = None
    band: int = 0


@dataclass(frozen=True, slots=True)
class ListedSchedule:
    """Standing drop-in hours as the lists need them (courses.schedule.held_on reads them as a DropInSchedule)."""

    pk: int
    title: str
    weekday: int
    starts_at: dt.time
    ends_at: dt.time
    valid_from: dt.date
    valid_until: dt.date | None
    audiences: list
    languages: list
    public_description: str
    updated_at: dt.datetime
    venue: ListedVenue
    closed: list


class _Venues:
    """One ListedVenue per venue a request reads, however many rows name it."""

    def __init__(self):
        self.seen = {}

    def __call__(self, columns):
        if columns[0] is None:
            return None
        venue = self.seen.get(columns[0])
        if venue is None:
            venue = self.seen[columns[0]] = ListedVenue(*columns)
        return venue


def _rows(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _for_whom(alias, filters, clauses, params):
    """The filters courses and drop-in hours share: the place, the audience and the language."""
    if filters.venue_id:
        clauses.append(f"{alias}.venue_id = %s")
        params.append(filters.venue_id)
    if filters.district:
        clauses.append("v.district_id = %s")
        params.append(filters.district.pk)
    if filters.audience:
        clauses.append(f"{alias}.audiences @> %s::varchar[]")
        params.append([filters.audience])
    if filters.language:
        clauses.append(f"{alias}.languages @> %s::varchar[]")
        params.append([filters.language])


def _course_where(filters, now, *, cancelled=False):
    """(WHERE clause, its parameters) for the public courses matching the filters that have not ended;
    with `cancelled`, those cancelled lately instead (Course.objects.recently_cancelled)."""
    clauses = ["c.published", "c.status = %s", "(c.venue_id IS NULL OR (v.open_to_public AND v.active))"]
    if cancelled:
        clauses += ["c.ends_at >= %s", "c.cancelled_at >= %s"]
        params = [Course.Status.CANCELLED.value, now, now - dt.timedelta(days=CANCELLATION_NOTICE_DAYS)]
    else:
        clauses.append("c.ends_at > %s")
        params = [Course.Status.PLANNED.value, now]
    if filters.format:
        clauses.append("c.format = %s")
        params.append(filters.format)
    _for_whom("c", filters, clauses, params)
    # A course's local day compared as a range of instants from local midnight: the index reads a
    # range, where a local date worked out per row cost 1 ms more for "this week" at national scale.
    if filters.date_from:  # ends on that day or later
        clauses.append("c.ends_at >= %s")
        params.append(_local_midnight(filters.date_from))
    if filters.date_to:  # starts on that day or earlier
        clauses.append("c.starts_at < %s")
        params.append(_local_midnight(filters.date_to + dt.timedelta(days=1)))
    return "WHERE " + " AND ".join(clauses), params


def _local_midnight(day):
    """When `day` begins in the current time zone (midnight exists on every day in Copenhagen)."""
    return dt.datetime.combine(day, dt.time(), timezone.get_current_timezone())


def _distance_params(origin):
    lat0, lon0 = map(math.radians, origin)
    return [lat0, math.cos(lat0), lon0]


def _course_page(filters, now, origin, *, since=None, pks=None, offset=0, limit=None, keys_only=False, recalls=None):
    """The matching courses in the list's order (band, start, pk), from `offset`, at most `limit`.

    Returns (rows, total). Rows are (ListedCourse, recalled lots), or (band, start in seconds since the
    epoch, pk) with `keys_only`. By distance every match is read for its band anyway, so the statement
    also counts them (COUNT(*) OVER (), one statement less) and `total` is that number, taken from a
    row (None when no row came back); otherwise `total` is None. `since`: every match starts then or
    later (the index of start times is read from there); `pks`: only these courses, in no order;
    `recalls`: (SQL, params) of a subquery whose values ride along as an array.
    """
    where, params = _course_where(filters, now)
    if since is not None:
        where += " AND c.starts_at >= %s"
        params.append(since)
    if pks is not None:
        where += " AND c.id = ANY(%s)"
        params.append(list(pks))
    tail, tail_params = "", []
    if limit is not None:
        tail += " LIMIT %s"
        tail_params.append(limit)
    if offset:
        tail += " OFFSET %s"
        tail_params.append(offset)
    recalled, recall_params = (", ARRAY(" + recalls[0] + ")", list(recalls[1])) if recalls is not None else ("", [])
    by_distance = origin is not None and pks is None
    distance_params = _distance_params(origin) if origin is not None else []
    if by_distance and keys_only:
        select = _band("v.km") + " AS band, EXTRACT(EPOCH FROM c.starts_at)::float8, c.id, COUNT(*) OVER ()"
        sql = " ".join(["SELECT", select, _COURSES_BY_DISTANCE, where, "ORDER BY band, c.starts_at, c.id" + tail])
        params = distance_params + params + tail_params
    elif by_distance:  # the keys of the matches cut to the page first, then the page's whole rows
        keys = " ".join(
            [
                "SELECT c.id, c.starts_at, v.km,",
                _band("v.km") + " AS band, COUNT(*) OVER () AS total",
                _COURSES_BY_DISTANCE,
                where,
                "ORDER BY band, c.starts_at, c.id" + tail,
            ]
        )
        sql = " ".join(
            [
                "SELECT",
                _COURSE_COLUMNS + ", k.km, k.band, k.total" + recalled,
                "FROM (" + keys + ") k JOIN courses_course c ON c.id = k.id",
                "LEFT JOIN courses_venue v ON v.id = c.venue_id ORDER BY k.band, k.starts_at, k.id",
            ]
        )
        params = recall_params + distance_params + params + tail_params
    elif keys_only:
        select = "0, EXTRACT(EPOCH FROM c.starts_at)::float8, c.id, NULL"
        sql = " ".join(["SELECT", select, _COURSES, where, "ORDER BY c.starts_at, c.id" + tail])
        params += tail_params
    else:  # by time; or only the courses `pks` names, with their distances (worked out per row) by distance
        km = "v_km.km" if origin is not None else "NULL::float8"
        select = f"{_COURSE_COLUMNS}, {km}, {_band(km) if origin is not None else 0}, NULL{recalled}"
        distance = _DISTANCE if origin is not None else ""
        sql = " ".join(["SELECT", select, _COURSES, distance, where, "ORDER BY c.starts_at, c.id" + tail])
        params = recall_params + distance_params + params + tail_params
    rows = _rows(sql, params)
    after_venue = _COURSE_WIDTH + _VENUE_WIDTH  # then the distance, the band, the total, the recalled lots
    total = rows[0][3 if keys_only else after_venue + 2] if rows and by_distance else None
    if keys_only:
        return [row[:3] for row in rows], total
    venue = _Venues()
    return [
        (
            ListedCourse(
                *row[:_COURSE_WIDTH], venue(row[_COURSE_WIDTH:after_venue]), row[after_venue], row[after_venue + 1]
            ),
            row[after_venue + 3] if recalled else None,
        )
        for row in rows
    ], total


def _course_count(filters, now):
    """How many public courses match and have not ended, and when the first of them starts (one look at an index)."""
    where, params = _course_where(filters, now)
    return _rows(f"SELECT COUNT(*), MIN(c.starts_at) {_COURSES} {where}", params)[0]


def band(distance):
    if distance is None:
        return NO_PLACE_BAND
    return bisect.bisect_right(DISTANCE_BANDS_KM, distance)


def _schedules(filters, today, first_day, last_day):
    """The public standing drop-in hours matching the filters that are held at all from first_day to
    last_day, with the dates from today on they are closed (one statement)."""
    if filters.format and filters.format != CourseFormat.DROP_IN:
        return []
    clauses = [
        "s.published",
        "v.open_to_public",
        "v.active",
        "s.valid_from <= %s",
        "(s.valid_until IS NULL OR s.valid_until >= %s)",
    ]
    params = [today, last_day, first_day]
    _for_whom("s", filters, clauses, params)
    rows = _rows(_SCHEDULES + " AND ".join(clauses) + " ORDER BY s.id", params)
    venue = _Venues()
    return [ListedSchedule(*row[:11], venue(row[11:19]), row[19]) for row in rows]


@dataclass
class Found:
    entries: list  # the requested slice, in order
    total: int  # every match
    origin: tuple | None  # where distances were measured from, if anywhere
    cancelled: list = field(default_factory=list)  # with_cancelled: courses cancelled lately, soonest first
    recalled_lots: list = field(default_factory=list)  # with_recalls: lot numbers recalled by today (the banner)


def find(
    filters,
    places=None,
    *,
    offset=0,
    limit=None,
    drop_ins=DATES,
    with_cancelled=False,
    with_recalls=False,
    with_kits=False,
    now=None,
):
    """The entries matching the filters from `offset`, at most `limit` (all with None).

    Soonest first; with a position (`filters.near`, or a postcode placed by `places`), by
    distance band (DISTANCE_BANDS_KM) and soonest first within a band, places without
    coordinates and online courses last. Queries: the drop-in hours; by time, the number of matching
    courses with the first one's start, then the page's courses; by distance, the page's courses
    counted with every match in one statement. One more each with `with_cancelled` and `with_kits`
    (whether the page's venues hand out kits now), and one more on a page after the first, where the
    courses are placed by their keys before they are read.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    build = Build()
    origin = filters.near or (places.point_for(filters.postcode) if places is not None else None)

    # Drop-in hours: every date's key (cheap), the entries later for the page only.
    first_day, last_day = window(now, filters.date_from, filters.date_to)
    # Keys hold the start as a POSIX timestamp: comparing aware datetimes in two time zones (the
    # database's UTC, the local zone of the dates) asks each for its UTC offset, every time.
    drop_in_keys = []  # (band, start timestamp, 1, schedule pk, date), (schedule, date, start, end), distance
    for schedule in _schedules(filters, today, first_day, last_day):
        distance = None
        if origin and schedule.venue.latitude is not None:
            distance = distance_km(origin, (float(schedule.venue.latitude), float(schedule.venue.longitude)))
        rank = band(distance) if origin else 0
        for date, starts_at, ends_at in held_on(schedule, first_day, last_day, set(schedule.closed)):
            if ends_at <= now:
                continue
            drop_in_keys.append(
                ((rank, starts_at.timestamp(), 1, schedule.pk, date), (schedule, date, starts_at, ends_at), distance)
            )
            if drop_ins == ONCE:
                break
    drop_in_keys.sort(key=lambda item: item[0])
    dropped = len(drop_in_keys)

    # Courses: cut in SQL. By time, first one look at the index of courses still to end: how many
    # match, and when the first of them starts. Every match starts at or after that instant, so the
    # page's query reads the index of start times from there in order and stops at the page's end
    # (0.2 ms at national scale), where "ends after now" alone made PostgreSQL read and sort every
    # match (4–5 ms). The bound must be a value, not a subquery: PostgreSQL plans a subquery's answer
    # as unknown and then reads every match again. By distance every match's distance is needed, so
    # the statement that reads them for their bands counts them too.
    if origin is None:
        course_total, first_start = _course_count(filters, now)
        since = first_start or now
    else:
        course_total, since = None, None
    # The recall banner's lots ride along in the page's statement, run once.
    recalls = (_RECALLED_LOTS, [today, today]) if with_recalls else None
    # Skipping `offset - dropped` courses is safe: a course with fewer courses before it than that
    # has fewer than `offset` entries before it in the list.
    skipped = max(0, offset - dropped)
    end = None if limit is None else offset + limit
    page_of_courses = functools.partial(_course_page, filters, now, origin, since=since, recalls=recalls)
    # A later page: first the candidates' keys, then only the courses on the page are read (one
    # statement more): of up to `dropped + limit` candidates at most `limit` are on it. The first
    # page's candidates are all read whole; by distance their keys are cut first in the same
    # statement (every match's whole row read for its distance took 8 ms at national scale).
    placed_by_keys = end is not None and skipped > 0
    fetched = []  # (ListedCourse, recalled lots) as read
    if course_total is not None and skipped >= course_total:
        course_keys = []  # no course on this page or before it: nothing to read
    elif placed_by_keys:
        keyed, counted = page_of_courses(offset=skipped, limit=end - skipped, keys_only=True)
        course_keys = [(band, starts_at, 0, pk) for band, starts_at, pk in keyed]
    else:
        fetched, counted = page_of_courses(offset=skipped, limit=None if end is None else end - skipped)
        course_keys = [(row.band, row.starts_at.timestamp(), 0, row.pk) for row, _lots in fetched]
    if course_total is None:  # by distance: counted with the matches, unless no row came back to carry it
        if counted is not None:
            course_total = counted
        elif skipped or end == 0:  # past the end, or asked for none: there may be matches
            course_total = _course_count(filters, now)[0]
        else:
            course_total = 0
    rows = [row for row, _lots in fetched]

    # Merge: an item's place in the whole list is the number of courses and dates before it.
    drop_in_sorted = [item[0] for item in drop_in_keys]
    course_places = [skipped + i + bisect.bisect_left(drop_in_sorted, key) for i, key in enumerate(course_keys)]
    if placed_by_keys:  # no keys (the courses went since they were counted): no rows
        on_page = {key[3] for key, place in zip(course_keys, course_places, strict=True) if offset <= place < end}
        fetched = page_of_courses(pks=on_page)[0] if on_page else []
        by_pk = {row.pk: row for row, _lots in fetched}
        rows = [by_pk.get(key[3]) for key in course_keys]  # None: a candidate not on the page
    placed = [(place, "course", row) for place, row in zip(course_places, rows, strict=True) if row is not None]
    for j, item in enumerate(drop_in_keys):
        courses_before = bisect.bisect_left(course_keys, item[0])
        if skipped and courses_before == 0:
            continue  # before the first course fetched, so before the page
        placed.append((j + skipped + courses_before, "drop-in", item))
    page = sorted(
        (item for item in placed if item[0] >= offset and (end is None or item[0] < end)), key=lambda item: item[0]
    )

    entries = []
    for _place, kind, item in page:
        if kind == "course":
            entries.append(build.course(item, item.distance))
        else:
            _key, (schedule, *held), distance = item
            occurrence = Occurrence(schedule, *held)  # for the page's dates alone
            entries.append(build.drop_in(schedule, occurrence, once=drop_ins == ONCE, distance=distance))

    if with_kits:  # whether the venue's own stock holds a usable kit now, for the page's venues alone
        stocked = venues_with_kits({entry.venue.pk for entry in entries if entry.venue is not None}, today)
        for entry in entries:
            if entry.venue is not None:
                entry.kits_here = entry.venue.pk in stocked
    cancelled = []
    if with_cancelled:
        where, params = _course_where(filters, now, cancelled=True)
        venue = _Venues()
        cancelled = [
            build.course(ListedCourse(*row[:_COURSE_WIDTH], venue(row[_COURSE_WIDTH : _COURSE_WIDTH + _VENUE_WIDTH])))
            for row in _rows(f"SELECT {_COURSE_COLUMNS} {_COURSES} {where} ORDER BY c.starts_at, c.id", params)
        ]
    recalled_lots = []
    if with_recalls:
        recalled_lots = fetched[0][1] if fetched else [lot for (lot,) in _rows(*recalls)]
    return Found(
        entries=entries,
        total=course_total + dropped,
        origin=origin,
        cancelled=cancelled,
        recalled_lots=recalled_lots,
    )
