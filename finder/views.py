"""The public pages of vipasserpåhinanden: no login, Danish first, light.

Geolocation: the browser's position reaches the server only as the `near` GET
parameter of a finder request. It is never stored, and never logged: Django's
request logger logs `request.path`, without the query string; gunicorn's access log
is off unless configured (if it is turned on, its format must leave out the query
string: no %(q)s, %(r)s); and the Referrer-Policy "same-origin" keeps the URL from
tile servers and OpenStreetMap.
"""

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from courses import services_planning
from courses.models import Course, CourseFormat, CourseRequest, DropInSchedule
from courses.schedule import HORIZON_DAYS, falls_on, upcoming_occurrences
from finder import ics, listing, map_drawing
from finder.filters import POSITION_PARAMETERS, WHEN_CHOICES, Filters, parse_filters, shareable_query
from finder.forms import CourseRequestForm, InfoPageForm, KitCheckForm
from finder.headers import public_page
from finder.models import InfoPage
from finder.shared_copy import shared_copy
from kits.queries import check_lot
from redliv import inputs, language_switch
from redliv.access import permission_required, require_get_or_post
from redliv.api import ApiResponse, in_the_visitors_language
from redliv.contact import with_contact
from redliv.models import Audience, CourseLanguage
from redliv.ratelimit import allow_post, with_retry_after, would_allow_post
from redliv.security import typed_answers_not_kept

# Far past any real list, and still a number PostgreSQL can take as an offset.
LAST_PAGE_ASKED = 1_000_000


def _page_number(request):
    """The page asked for; past the end is the last page (the view clamps it), nonsense is the first."""
    try:
        return min(max(1, inputs.parse_whole_number(request.GET.get("side", "1"))), LAST_PAGE_ASKED)
    except ValueError:
        return 1


def filter_summary(filters):
    """What the list is filtered by, in words, for the folded filter control ("Pop-up, Bolbro")."""
    labels = dict(WHEN_CHOICES)
    summary = []
    if filters.format:
        summary.append(CourseFormat(filters.format).label)
    if filters.district:
        summary.append(filters.district.name)
    if filters.audience:
        summary.append(Audience(filters.audience).label)
    if filters.language:
        summary.append(CourseLanguage(filters.language).label)
    if filters.when:
        summary.append(labels[filters.when])
    else:
        if filters.date_from:
            summary.append(_("from %(date)s") % {"date": date_format(filters.date_from, "j. N Y")})
        if filters.date_to:
            summary.append(_("until %(date)s") % {"date": date_format(filters.date_to, "j. N Y")})
    if filters.postcode:
        summary.append(_("near %(postcode)s") % {"postcode": filters.postcode})
    return summary


# The finder shows this many entries a page: the whole country's courses would be too
# many to send to a phone (bench/RESULTS.md).
PAGE_SIZE = 30
API_LIMIT, API_MAX_LIMIT = 100, 500
API_MAX_OFFSET = 10_000_000  # far past any real list; more would overflow PostgreSQL's OFFSET


def _with_query(path, query):
    return f"{path}?{query}" if query else path


def _query_without(request, name):
    query = request.GET.copy()
    query.pop(name, None)
    return query.urlencode()


@require_safe
@public_page(map_tiles=True, geolocation=True)
@shared_copy
def finder(request):
    """The list cut to one page in SQL (finder.listing): seven queries however many courses (eight on a
    later page or by distance); one from a shared copy."""
    places = listing.places_asked_for(request.GET, with_districts=True)
    filters = parse_filters(request.GET, places.districts)
    number = _page_number(request)

    def find_page(number):
        return listing.find(
            filters,
            places,
            offset=(number - 1) * PAGE_SIZE,
            limit=PAGE_SIZE,
            drop_ins=listing.ONCE,
            with_cancelled=True,
            with_recalls=True,
            with_kits=True,
        )

    found = find_page(number)
    paginator = Paginator(range(found.total), PAGE_SIZE)
    if number > paginator.num_pages:  # past the end: the last page, as Paginator.get_page does
        number = paginator.num_pages
        found = find_page(number)
    page = paginator.page(number)
    notes = _notes(filters, found)
    context = {
        "entries": found.entries,
        "cancelled": found.cancelled,
        "filters": filters,
        "origin": found.origin,
        "distance_bands_km": listing.DISTANCE_BANDS_KM,
        "notes": notes,
        "districts": places.districts,
        "formats": CourseFormat.choices,
        "audiences": Audience.choices,
        "languages": CourseLanguage.choices,
        "when_choices": WHEN_CHOICES,
        "filter_summary": filter_summary(filters),
        "page": page,
        "total": found.total,
        "page_query": _query_without(request, "side"),
        # "Show soonest first" drops where the list is sorted from (and the page), never the other filters.
        "soonest_path": _with_query(request.path, shareable_query(filters)),
        # The calendar links carry the filters chosen (never the position): the feed reads the same ones.
        "feed_path": _with_query(reverse("finder:feed"), shareable_query(filters)),
        "info_links": listing.info_links(),
        "recalled_lots": found.recalled_lots,
        # Without a tile server the map is a drawing of this page's places (finder/map_drawing.py).
        "drawing": None
        if settings.MAP_TILE_URL
        else map_drawing.draw(map_drawing.places_of(found.entries), found.origin),
        "map_tile_url": settings.MAP_TILE_URL,
        "map_attribution": settings.MAP_ATTRIBUTION,
        "leaflet_js": static("leaflet/leaflet.js"),
        "leaflet_css": static("leaflet/leaflet.css"),
        # Leaflet guesses its image folder from its stylesheet, which fails with hashed file
        # names (DEBUG off): give it each marker image's own URL.
        "leaflet_marker": static("leaflet/images/marker-icon.png"),
        "leaflet_marker_2x": static("leaflet/images/marker-icon-2x.png"),
        "leaflet_marker_shadow": static("leaflet/images/marker-shadow.png"),
    }
    return render(request, "finder/finder.html", context)


# At most this many course requests from one address an hour (redliv.ratelimit).
REQUESTS_PER_WINDOW = 5
WIDGET_SIZE = 20  # the widget shows the next ones and links to the rest


# The widget's own policy: any site may frame it (the rest of the site may not be framed).
@require_safe
@xframe_options_exempt
@public_page(frame_ancestors="*")
@shared_copy
def widget(request):
    """The next entries only: no cancellations, notes or filter form, so those are not looked up."""
    places = listing.places_asked_for(request.GET)
    filters = parse_filters(request.GET, places.districts)
    found = listing.find(filters, places, limit=WIDGET_SIZE, drop_ins=listing.ONCE)
    # A filter the partner site's link got wrong is said on the widget, as on the finder: its
    # webmaster sees it, where silently listing every course would look like the filter worked.
    return render(
        request, "finder/widget.html", {"entries": found.entries, "notes": _notes(filters, found), "filters": filters}
    )


def _notes(filters, found):
    """What the finder and the widget say about filters they could not use, above the list."""
    notes = list(filters.problems.values())
    if filters.postcode and found.origin is None:
        notes.append(
            _("We could not place postcode %(postcode)s; the courses are shown soonest first.")
            % {"postcode": filters.postcode}
        )
    return notes


def _detail(request, entry, **context):
    geo = map_drawing.geo_link(entry.venue.latitude, entry.venue.longitude, entry.venue.name) if entry.position else ""
    return render(request, "finder/detail.html", {"entry": entry, "geo_link": geo, **context})


@require_safe
@public_page()
def course(request, pk):
    course = get_object_or_404(
        Course.objects.filter(published=True).filter(listing.OPEN_TO_THE_PUBLIC).select_related("venue"), pk=pk
    )
    if course.status != Course.Status.PLANNED or course.ends_at <= timezone.now():
        # Also once its place has closed: a link shared before the cancellation still says why.
        return course_gone(request, course)
    if course.venue_id and not course.venue.active:
        raise Http404
    entry = listing.course_entry(course)
    return _detail(
        request,
        entry,
        course=course,
        trainers=course.trainers.filter(show_name_publicly=True, active=True).only("name"),
        ics_url=reverse("finder:course-ics", args=[course.pk]),
    )


def course_gone(request, course):
    """410 Gone for a cancelled or past course, with the reason, and the next courses at the same place.

    The cancel form promises its reason is shown here; a link shared before the cancellation
    should not end in a bare "not found".
    """
    entry = listing.course_entry(course)
    following = []
    place_open = course.venue_id is not None and course.venue.active
    if place_open:
        following = _next_at(course.venue_id)
    return render(
        request,
        "finder/course_gone.html",
        {
            "entry": entry,
            "cancelled": course.status == Course.Status.CANCELLED,
            "entries": following,
            "place_open": place_open,
        },
        status=410,
    )


# A gone course's page lists at most this many next courses at the same place.
GONE_NEXT_COURSES = 5


def _next_at(venue_id):
    """What is held next at a place, for a gone course's or drop-in hours' page: a few small queries, the list
    cut to a few entries in SQL; a standing drop-in there is listed once."""
    return listing.find(
        Filters(venue_id=venue_id), limit=GONE_NEXT_COURSES, drop_ins=listing.ONCE, with_kits=True
    ).entries


@require_safe
@public_page()
def course_ics(request, pk):
    # A course cancelled lately downloads as cancelled, as the feed lists it: added again, the file
    # replaces the first download's event in the calendar (same UID) instead of a "not found".
    cancelled = Course.objects.recently_cancelled(timezone.now()).filter(listing.PUBLIC_VENUE)
    course = get_object_or_404((listing.public_courses() | cancelled).select_related("venue"), pk=pk)
    entry = listing.course_entry(course)
    return ics.ics_response([entry], request, entry.title, filename=f"redliv-kursus-{course.pk}.ics")


def _drop_in_entries(pk):
    schedule = get_object_or_404(
        listing.public_schedules().select_related("venue").prefetch_related("exceptions"), pk=pk
    )
    build = listing.Build()
    return schedule, [build.drop_in(schedule, occurrence) for occurrence in upcoming_occurrences([schedule])]


def closed_dates(schedule, today=None):
    """The days within the finder's horizon on which standing drop-in hours are not held."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=HORIZON_DAYS - 1)
    # Only days the hours fall on: after a move to another weekday, an old closure is no closure.
    return [e.date for e in schedule.exceptions.all() if today <= e.date <= horizon and falls_on(schedule, e.date)]


def drop_in_gone(request, schedule):
    """410 Gone for drop-in hours that have ended, or whose place has closed: a bookmark says so, with what
    else is held there, rather than "every Tuesday … just come by" or a bare "not found"."""
    place_open = schedule.venue.active
    following = []
    if place_open:
        following = _next_at(schedule.venue_id)
    return render(
        request,
        "finder/course_gone.html",
        {
            "entry": listing.Build().drop_in(schedule),
            "ended": True,
            "ended_on": schedule.valid_until if place_open else None,
            "entries": following,
            "place_open": place_open,
        },
        status=410,
    )


@require_safe
@public_page()
def drop_in(request, pk):
    shown = DropInSchedule.objects.filter(published=True, venue__open_to_public=True).select_related("venue")
    schedule = get_object_or_404(shown, pk=pk)
    if not schedule.venue.active or (schedule.valid_until is not None and schedule.valid_until < timezone.localdate()):
        return drop_in_gone(request, schedule)
    schedule, entries = _drop_in_entries(pk)
    entry = entries[0] if entries else listing.Build().drop_in(schedule)
    return _detail(
        request,
        entry,
        schedule=schedule,
        dates=entries,
        closed_dates=closed_dates(schedule),
        # Danish writes weekdays in lower case ("hver tirsdag"), English capitalises them.
        weekday_name=schedule.get_weekday_display().lower()
        if get_language() == "da"
        else schedule.get_weekday_display().capitalize(),
        ics_url=reverse("finder:drop-in-ics", args=[schedule.pk]),
    )


@require_safe
@public_page()
def drop_in_ics(request, pk):
    schedule, entries = _drop_in_entries(pk)
    return ics.ics_response(entries, request, str(schedule), filename=f"redliv-drop-in-{schedule.pk}.ics")


@require_safe
@public_page()
@shared_copy
def feed(request):
    """Every upcoming course and drop-in date (optionally filtered) for calendar subscriptions."""
    # A calendar lists by time: a position is not read, so only a district needs places looked up.
    districts = listing.public_districts() if request.GET.get("district", "").strip() else []
    filters = parse_filters(request.GET, districts)
    filters.near = filters.postcode = None
    problems = {name: problem for name, problem in filters.problems.items() if name not in POSITION_PARAMETERS}
    if problems:
        # Refused, as the API refuses: a subscription that silently dropped its filter would fill
        # the calendar with every course in the country, and the subscriber would not know why.
        lines = [_("The calendar was not made: some filters could not be used.")]
        lines += [f"{name}: {problem}" for name, problem in sorted(problems.items())]
        return HttpResponseBadRequest("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
    # Courses cancelled lately stay in the feed, marked cancelled, for as long as the finder shows
    # them: dropped, they would stay in a subscriber's calendar as if they were still held.
    found = listing.find(filters, with_cancelled=True)
    return ics.ics_response(found.entries + found.cancelled, request, _("RED LIV – courses"))


@require_safe
@public_page()
def info(request, slug):
    page = get_object_or_404(InfoPage, slug=slug)
    return render(request, "finder/info.html", {"page": page, "info_pages": InfoPage.objects.all()})


def _too_many_requests():
    return with_contact(_("We have received several requests from you in a short time. Please try again in an hour."))


def _too_many_kit_checks():
    return _("You have checked many lot numbers in a short time. Please try again in an hour, or ask us.")


@require_get_or_post
@typed_answers_not_kept
def request_course(request):
    if language_switch.switching(request):
        # Switched to the other language: the form again, holding what was typed; if it was refused, checked
        # again so that its errors show in this language (stored and counted: nothing).
        # The refusal for too many requests is said again with its status, 429.
        form, status = language_switch.form_again(CourseRequestForm, request), 200
        if (
            form.is_bound
            and form.is_valid()
            and services_planning.made_with(CourseRequest, form.cleaned_data.get("key")) is None
            and not would_allow_post(request, "course-request", REQUESTS_PER_WINDOW)
        ):
            form.add_error(None, _too_many_requests())
            status = 429
        return with_retry_after(
            render(
                request,
                "finder/request_form.html",
                {"form": form, "language_switch_form": "request-form"},
                status=status,
            )
        )
    form = CourseRequestForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if form.is_spam():
            # Look like success to the robot; store nothing.
            return redirect("finder:request-thanks")
        # Sent again (a double tap, Back and send): received already, and not counted against the hour.
        if services_planning.made_with(CourseRequest, form.cleaned_data.get("key")) is not None:
            return redirect("finder:request-thanks")
        if allow_post(request, "course-request", REQUESTS_PER_WINDOW):
            services_planning.receive_request(form)
            return redirect("finder:request-thanks")
        form.add_error(None, _too_many_requests())
        status = 429
    return with_retry_after(
        render(
            request, "finder/request_form.html", {"form": form, "language_switch_form": "request-form"}, status=status
        )
    )


@require_get_or_post
@never_cache
def check_kit(request):
    """ "Tjek dit kit": is the kit with this lot number fine, expired or recalled?

    Answers from lot numbers, expiry dates and recalls only, and stores nothing about the
    lookup: the lot number travels in the POST body (never in a URL or a log), no session
    is made, and the rate limit counts a keyed hash of the address per hour, as the public
    forms do. An unknown lot and a mistyped one get the same answer, so it tells nothing
    about stock.
    """
    context = {"answers": [], "checked": False, "language_switch_form": "check-kit-form"}
    # Switched language on a page showing an answer: checked again, as sent (and counted), below.
    if language_switch.switching(request) and not language_switch.answered(request):
        # The lot number typed stays; it is not looked up. A refused check is checked again (not counted), so
        # that its errors show in this language.
        # The refusal for too many checks is said again with its status, 429.
        form, status = language_switch.form_again(KitCheckForm, request), 200
        if (
            form.is_bound
            and form.is_valid()
            and not would_allow_post(request, "kit-check", settings.KIT_CHECKS_PER_HOUR)
        ):
            form.add_error(None, _too_many_kit_checks())
            status = 429
        return with_retry_after(render(request, "finder/check_kit.html", {**context, "form": form}, status=status))
    form = KitCheckForm(request.POST or None)
    status, answers, checked = 200, [], False
    if request.method == "POST" and form.is_valid():
        if allow_post(request, "kit-check", settings.KIT_CHECKS_PER_HOUR):
            answers, checked = check_lot(form.cleaned_data["lot"]), True
        else:
            form.add_error(None, _too_many_kit_checks())
            status = 429
    return with_retry_after(
        render(
            request,
            "finder/check_kit.html",
            {**context, "form": form, "answers": answers, "checked": checked, "language_switch_answered": checked},
            status=status,
        )
    )


@require_safe
def request_thanks(request):
    return render(request, "finder/request_thanks.html")


# --- The API -------------------------------------------------------------------------------


def api_entry(entry, request):
    venue = entry.venue
    data = {
        "id": entry.id,
        "format": entry.format,
        "title": entry.title,
        "start": timezone.localtime(entry.starts_at).isoformat(),
        "end": timezone.localtime(entry.ends_at).isoformat(),
        "venue": None
        if venue is None
        else {
            "name": venue.name,
            "address": venue.address,
            "postcode": venue.postcode,
            "city": venue.city,
            "lat": None if venue.latitude is None else float(venue.latitude),
            "lon": None if venue.longitude is None else float(venue.longitude),
        },
        "audiences": entry.audiences,
        "languages": entry.languages,
        "url": request.build_absolute_uri(entry.url),
    }
    if entry.distance_km is not None:
        data["distance_km"] = round(entry.distance_km, 2)
    return data


@require_safe
@in_the_visitors_language
@public_page()
@shared_copy
def api_courses(request):
    """GET /api/v1/courses/: the finder's list as JSON, for other sites (see README); cut to the page in SQL."""
    places = listing.places_asked_for(request.GET)
    filters = parse_filters(request.GET, places.districts)
    if filters.problems:
        return ApiResponse(
            {
                "error": "invalid filter",
                "fields": {name: str(problem) for name, problem in filters.problems.items()},
            },
            status=400,
        )
    try:
        limit = inputs.parse_whole_number(request.GET.get("limit", str(API_LIMIT)))
        offset = inputs.parse_whole_number(request.GET.get("offset", "0"))
        if not (1 <= limit <= API_MAX_LIMIT and 0 <= offset <= API_MAX_OFFSET):
            raise ValueError
    except ValueError:
        return ApiResponse(
            {
                "error": "invalid paging",
                "fields": {
                    "limit": _("a whole number from 1 to %(most)s") % {"most": API_MAX_LIMIT},
                    "offset": _("a whole number from 0 to %(most)s") % {"most": API_MAX_OFFSET},
                },
            },
            status=400,
        )
    found = listing.find(filters, places, offset=offset, limit=limit)
    following = None
    if offset + limit < found.total:
        following = request.build_absolute_uri(
            f"{request.path}?{_query_without(request, 'offset')}&offset={offset + limit}".replace("?&", "?")
        )
    return ApiResponse(
        {
            "count": found.total,
            "limit": limit,
            "offset": offset,
            "next": following,
            "courses": [api_entry(entry, request) for entry in found.entries],
        },
    )


# --- Administrators edit the information pages (national: see finder.models.InfoPage) ------


@require_safe
@permission_required("finder.change_infopage")
def info_list(request):
    return render(request, "finder/info_list.html", {"pages": InfoPage.objects.all()})


@require_get_or_post
@permission_required("finder.change_infopage")
def info_edit(request, slug):
    page = get_object_or_404(InfoPage, slug=slug)
    form = InfoPageForm(request.POST or None, instance=page)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The page is saved and shown on the public site."))
        return redirect("finder:info-list")
    changes = page.history.select_related("history_user").order_by("-history_date")[:10]
    return render(request, "finder/info_edit.html", {"form": form, "page": page, "changes": changes})
