"""The street screen: log a held course, a handout or a reversal report, online or offline.

Each page is an ordinary form that works without JavaScript. With JavaScript, the
page puts every entry into a queue on the device and sends it to `api_entries`,
which answers a retry of the same key with the stored entry.
"""

import hashlib
import json
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, RequestDataTooBig, ValidationError
from django.db.models import Max, Q
from django.http import Http404, HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from courses.models import Attendance, Course, CourseFormat, Venue
from courses.services import CHANGED_SINCE_OPENED, entry_version, kits_handed_out, log_held_course, may_change
from kits.models import Handout, StockLocation, StockMovement
from kits.services import record_handout, usable_levels
from redliv import inputs
from redliv.access import add_service_errors, get_for_user, permission_required, require_get_or_post
from redliv.api import ApiResponse
from redliv.history import history_entries
from redliv.idempotency import IdempotencyConflict
from redliv.models import District
from redliv.personal_data import NAME_NOTICE, may_name_someone
from redliv.security import LOGIN_AT
from reversals.models import ReversalReport
from reversals.services import create_reversal_report
from street.forms import (
    CourseCorrectionForm,
    CourseEntryForm,
    HandoutEntryForm,
    ReportEntryForm,
    WithdrawForm,
    locations_for,
)
from street.models import AppliedChange
from street.services import Outcome, apply_change

PERMISSIONS = {
    "course": "courses.add_attendance",
    "handout": "kits.add_handout",
    "report": "reversals.add_reversalreport",
}
PAGES = {"course": "street:start", "handout": "street:handout", "report": "street:report"}


def _venues(user):
    return Venue.objects.for_user(user).filter(active=True).exclude(kind=Venue.Kind.ONLINE)


def with_last_use(locations, user):
    """The locations, each knowing when this user last handed out kits from it."""
    return locations.annotate(
        last_used=Max(
            "outgoing__recorded_at", filter=Q(outgoing__recorded_by=user, outgoing__kind=StockMovement.Kind.HANDOUT)
        )
    )


def default_location(user, locations):
    """Where a street worker's kits come from: the location they used last, else their organisation's bag."""
    used = [location for location in locations if location.last_used]
    if used:
        return max(used, key=lambda location: location.last_used)
    bags = [
        location
        for location in locations
        if location.kind == StockLocation.Kind.BAG and location.organisation_id == user.organisation_id
    ]
    return (bags or list(locations) or [None])[0]


def build_form(kind, user, data=None, planned=None):
    """The form for an entry of this kind, with the user's places and sensible defaults."""
    if kind == "report":
        return ReportEntryForm(data, user=user, districts=District.objects.for_user(user))
    locations = locations_for(user)
    if kind == "handout":
        form = HandoutEntryForm(data, user=user, locations=locations)
    else:
        form = CourseEntryForm(data, user=user, venues=_venues(user), locations=locations)
    if data is None:
        form.fields["location"].initial = default_location(user, with_last_use(locations, user))
        if kind == "course":
            last = (
                Attendance.objects.filter(logged_by=user)
                .order_by("-logged_at")
                .values_list("course__venue_id", "course__format")
                .first()
            )
            if last:
                form.fields["venue"].initial, form.fields["course_format"].initial = last
            else:  # never logged a course: their own organisation's first venue
                form.fields["venue"].initial = (
                    form.fields["venue"]
                    .queryset.filter(organisation=user.organisation_id)
                    .values_list("pk", flat=True)
                    .first()
                )
            if planned is not None:  # the attendance of a planned course: its own place and time
                starts_at = timezone.localtime(planned.starts_at)
                form.fields["course"].initial = planned.pk
                form.fields["venue"].initial = planned.venue_id
                form.fields["date"].initial = starts_at.date()
                form.fields["time"].initial = starts_at.strftime("%H:%M")
                if planned.format in (CourseFormat.DROP_IN, CourseFormat.POP_UP):
                    form.fields["course_format"].initial = planned.format
    return form


def another_workers_key():
    return _("This entry's key belongs to another worker's entry. Nothing was stored.")


def _key_is_another_workers(kind, key, user) -> bool:
    """Whether the entry stored under `key` was made by someone other than `user`."""
    model, author = {
        "course": (Attendance, "logged_by"),
        "handout": (Handout, "recorded_by"),
    }.get(kind, (ReversalReport, "reported_by"))
    return model._base_manager.filter(idempotency_key=key).exclude(**{author: user}).exists()


def store(kind, form, user):
    """Store a valid form's entry through its service. Returns (entry, created)."""
    data = form.cleaned_data
    if kind == "course":
        return log_held_course(
            user=user,
            venue=data["venue"],
            starts_at=data["when"],
            course_format=data["course_format"],
            counts={field: data[field] for field in form.COUNT_FIELDS},
            refresher=data["refresher"] or 0,
            kits=data["kits"] or 0,
            location=data.get("location"),
            batch=data.get("batch"),
            note=data["note"],
            course=data.get("course"),
            key=data["key"],
        )
    if kind == "handout":
        return record_handout(
            user=user,
            location=data["location"],
            quantity=data["quantity"],
            reason=data["reason"],
            audience=data["audience"],
            batch=data.get("batch"),
            occurred_at=data["when"],
            key=data["key"],
        )
    return create_reversal_report(
        user=user,
        kit_replaced=False,
        district=data["district"],
        occurred_at=data["when"],
        substances=data["substances"],
        naloxone_doses=data["naloxone_doses"],
        called_112=data["called_112"],
        ambulance_arrived=data["ambulance_arrived"],
        first_aid_given=data["first_aid_given"],
        stayed_until_help=data["stayed_until_help"],
        outcome=data["outcome"],
        responder_trained=data["responder_trained"],
        note=data["note"],
        key=data["key"],
        written_at=data.get("written_at"),
    )


def saved_message(kind, created):
    if not created:
        return _("This entry was already saved; nothing was added.")
    return {
        "course": _("The course is saved."),
        "handout": _("The handout is saved."),
        "report": _("The report is saved."),
    }[kind]


def _entry_page(request, kind):
    planned = None
    if kind == "course" and inputs.is_id(request.GET.get("kursus", "")):
        planned = get_for_user(
            request,
            Course.objects.filter(status=Course.Status.PLANNED, attendance__isnull=True),
            pk=request.GET["kursus"],
        )
    form = build_form(kind, request.user, request.POST if request.method == "POST" else None, planned=planned)
    if request.method == "POST" and form.is_valid():
        try:
            _entry, created = store(kind, form, request.user)
        except ValidationError as error:
            if isinstance(error, IdempotencyConflict) and _key_is_another_workers(
                kind, form.cleaned_data["key"], request.user
            ):
                error = ValidationError(another_workers_key(), code=error.code)  # as the queue's endpoint says
            add_service_errors(form, error)
        else:
            messages.success(request, saved_message(kind, created))
            if may_name_someone(form.cleaned_data.get("note")):
                messages.warning(request, NAME_NOTICE)
            return redirect(PAGES[kind])
    context = {"form": form, "kind": kind, "planned": planned}
    if kind != "report":
        context["batch_levels"] = (
            usable_levels()
            .for_user(request.user)
            .filter(StockLocation.handing_out_q("location__"))
            .select_related("batch", "location")
            .order_by("location__name", "batch__expiry_date")
        )
    return render(request, f"street/{kind}.html", context)


@require_get_or_post
@permission_required(PERMISSIONS["course"])
def start(request):
    return _entry_page(request, "course")


@require_get_or_post
@permission_required(PERMISSIONS["handout"])
def handout(request):
    return _entry_page(request, "handout")


@require_get_or_post
@permission_required(PERMISSIONS["report"])
def report(request):
    return _entry_page(request, "report")


def _errors(form):
    return [
        {
            "field": "" if field == "__all__" else field,
            "label": str(form.fields[field].label or "") if field in form.fields else "",
            "message": error["message"],
        }
        for field, errors in form.errors.get_json_data().items()
        for error in errors
    ]


def _read_queued(request, kinds):
    """The body the device's queue sent, or the answer that refuses it (logged out, unreadable, another's)."""
    if not request.user.is_authenticated:
        return ApiResponse(
            {"message": _("Log in again to send the waiting entries."), "login_url": reverse("login")}, status=401
        )
    try:
        raw = request.body
    except RequestDataTooBig:
        # Refused, not retried: the device shows the entry as refused, with this message.
        return ApiResponse(
            {"message": _("The entry is too large to receive. Shorten the note and send it again."), "errors": []},
            status=400,
        )
    try:
        body = json.loads(raw)
        kind, fields = body["kind"], body["fields"]
        if kind not in kinds or not isinstance(fields, dict):
            raise ValueError
    except (ValueError, KeyError, TypeError, RecursionError):
        return ApiResponse({"message": _("The entry could not be read."), "errors": []}, status=400)
    if "author" in body and not _is_author(body["author"], request.user):
        return ApiResponse(
            {
                "code": "wrong_author",
                "author": body["author"] if isinstance(body["author"], int) else None,
                "message": _("This entry was made by another worker. It waits on the tablet until they log in."),
                "errors": [],
            },
            status=409,
        )
    return body


def _as_query_dict(fields):
    data = QueryDict(mutable=True)
    for name, value in fields.items():
        data.setlist(name, [str(item) for item in value] if isinstance(value, list) else [str(value)])
    return data


def _is_uuid(text):
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


@require_POST
def api_entries(request):
    """The device's queue sends here: {"kind": …, "fields": {…, "key": …}, "author": user id} as JSON.

    201 stored, 200 already stored (a retry), 400 refused with field errors (code "refused"; "held_too_long" an
    entry within the days back when written that waited too long on the tablet: its date is likely right),
    409 with code "key_conflict" the key was used for other content, 409 with code
    "wrong_author" the entry was made by another user (the device keeps it until they log
    in; nothing is stored), 401 logged out (the device keeps the entry). An entry without
    "author" was queued before authors were kept: it is the sender's.
    """
    body = _read_queued(request, PERMISSIONS)
    if isinstance(body, HttpResponse):
        return body
    kind, fields = body["kind"], body["fields"]
    if not request.user.has_perm(PERMISSIONS[kind]):
        return ApiResponse({"message": _("You may not log this kind of entry."), "errors": []}, status=403)
    data = _as_query_dict(fields)
    form = build_form(kind, request.user, data)
    if form.is_valid():
        try:
            entry, created = store(kind, form, request.user)
        except IdempotencyConflict as error:
            message = (
                another_workers_key()
                if _key_is_another_workers(kind, form.cleaned_data["key"], request.user)
                else error.messages[0]
            )
            return ApiResponse(
                {
                    "code": "key_conflict",
                    "message": message,
                    "errors": [{"field": "", "label": "", "message": message}],
                },
                status=409,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            if getattr(error, "code", None) in ("month_closed", "month_closed_reason_needed"):
                # The tablet keeps the entry and shows why: it can be re-dated or handed to a coordinator.
                return ApiResponse({"message": error.messages[0], "errors": _errors(form)}, status=400)
        else:
            answer = {"id": entry.pk, "key": str(form.cleaned_data["key"]), "message": saved_message(kind, created)}
            if may_name_someone(form.cleaned_data.get("note")):
                # Stored, but the warning is shown again: the tablet shows it after "sent".
                answer["warning"] = NAME_NOTICE
            return ApiResponse(answer, status=201 if created else 200)
    if form.has_error("date", "held_too_long"):
        # Its date is likely right: the tablet keeps it, and says so (not "correct it"), until a coordinator logs it.
        held = next(error.message for error in form.errors.as_data()["date"] if error.code == "held_too_long")
        return ApiResponse({"code": "held_too_long", "message": held, "errors": _errors(form)}, status=400)
    return ApiResponse(
        {
            "code": "refused",
            "message": _("The entry was refused. Correct it and send it again."),
            "errors": _errors(form),
        },
        status=400,
    )


def _is_author(author, user):
    """Whether the entry's author, as the device sent it, is this user (a JSON integer, nothing else)."""
    return isinstance(author, int) and not isinstance(author, bool) and author == user.pk


@require_safe
@never_cache
def api_session(request):
    """Who is logged in, for the device's queue: it sends only this user's entries, with this token."""
    if not request.user.is_authenticated:
        return ApiResponse({"message": _("Log in again to send the waiting entries.")}, status=401)
    # loginAt (the server's seconds): which session it is, for the service worker (street/sw.js stillLoggedIn).
    # now (the server's milliseconds): the street page tells the worker when the tablet's clock is wrong.
    return ApiResponse(
        {
            "user": request.user.pk,
            "csrf": get_token(request),
            "loginAt": request.session.get(LOGIN_AT),
            "now": int(timezone.now().timestamp() * 1000),
        }
    )


@require_safe
def logged_out(request):
    """The page a tablet shows after logging out without a connection (kept in its cache).

    It names no one: the service worker fetches it without the session cookie.
    """
    return render(request, "street/logged_out.html", {"idle_minutes": settings.SESSION_IDLE_TIMEOUT // 60})


@require_safe
def no_connection(request):
    """The page a tablet shows offline for a street page it has not kept (a correction page, say).

    Kept in the tablet's cache with the files, fetched without the session cookie: it names no one.
    """
    return render(request, "street/no_connection.html")


@require_safe
@login_required
def recent(request):
    """My recent entries, with the way to correct or withdraw them."""
    user = request.user
    attendances = (
        Attendance.objects.for_user(user)
        .filter(logged_by=user)
        .select_related("course__venue")
        .order_by("-logged_at")[:20]
    )
    handouts = (
        Handout.objects.for_user(user)
        .filter(recorded_by=user, course__isnull=True)
        .select_related("from_location", "batch")
        .prefetch_related("corrections")
        .order_by("-recorded_at")[:20]
    )
    reports = (
        ReversalReport.objects.for_user(user)
        .filter(reported_by=user, source=ReversalReport.Source.STAFF)
        .select_related("district")
        .order_by("-created_at")[:20]
    )
    return render(
        request,
        "street/recent.html",
        {
            "attendances": [(a, may_change(user, a.logged_by_id, a.logged_at)) for a in attendances],
            "handouts": [
                (h, may_change(user, h.recorded_by_id, h.recorded_at), bool(h.corrections.all())) for h in handouts
            ],
            "reports": [(r, may_change(user, r.reported_by_id, r.created_at)) for r in reports],
        },
    )


def _changeable(request, action, pk):
    """The entry a correction or withdrawal is about: 404 outside the user's reach, 403 after its 24 hours."""
    queryset, by, at = CHANGEABLE[action]
    entry = get_for_user(request, queryset, pk=pk)
    if not may_change(request.user, getattr(entry, by), getattr(entry, at)):
        raise PermissionDenied
    return entry


CHANGEABLE = {
    AppliedChange.Action.CORRECT_COURSE: (Attendance.objects.select_related("course"), "logged_by_id", "logged_at"),
    AppliedChange.Action.WITHDRAW_COURSE: (Attendance.objects.select_related("course"), "logged_by_id", "logged_at"),
    AppliedChange.Action.WITHDRAW_HANDOUT: (
        Handout.objects.filter(course__isnull=True),
        "recorded_by_id",
        "recorded_at",
    ),
    AppliedChange.Action.WITHDRAW_REPORT: (
        ReversalReport.objects.filter(source=ReversalReport.Source.STAFF),
        "reported_by_id",
        "created_at",
    ),
}


def _change_form(action, user, data):
    if action == AppliedChange.Action.CORRECT_COURSE:
        return CourseCorrectionForm(data, user=user, venues=_venues(user), locations=locations_for(user))
    return WithdrawForm(data)


def _change(request, action, entry, data):
    """Validate and apply a correction or withdrawal once. Returns (form, outcome); outcome None: refused."""
    form = _change_form(action, request.user, data)
    if not form.is_valid():
        return form, None
    try:
        outcome = apply_change(
            user=request.user,
            action=action,
            entry=entry,
            key=form.cleaned_data.get("key") or uuid.uuid4(),
            data={name: data.getlist(name) for name in data},
            cleaned=form.cleaned_data,
        )
    except ValidationError as error:
        # IdempotencyConflict among them: the key was used for another change, or by another user.
        form.key_conflict = isinstance(error, IdempotencyConflict)
        add_service_errors(form, error)
        return form, None
    return form, outcome


def changed_message(action, outcome):
    if outcome == Outcome.ALREADY:
        return _("This change was already saved; it was not made twice.")
    if outcome == Outcome.UNCHANGED:
        return _("Nothing needed saving: the entry already has these values. Nothing was changed.")
    if action == AppliedChange.Action.CORRECT_COURSE:
        return _("The correction is saved.")
    return _("The entry is withdrawn and no longer counts.")


@require_get_or_post
@login_required
def correct_course(request, pk):
    action = AppliedChange.Action.CORRECT_COURSE
    attendance = _changeable(request, action, pk)
    course = attendance.course
    if request.method == "POST":
        form, outcome = _change(request, action, attendance, request.POST)
        if outcome is not None:
            (messages.info if outcome == Outcome.UNCHANGED else messages.success)(
                request, changed_message(action, outcome)
            )
            return redirect("street:recent")
        if form.has_error(NON_FIELD_ERRORS, CHANGED_SINCE_OPENED):
            # Without JavaScript: the form again, with the entry as it is now, and why.
            messages.error(request, " ".join(form.non_field_errors()))
            return redirect(request.path)
    else:
        local = course.starts_at.astimezone()
        kits = kits_handed_out(course)
        form = _change_form(action, request.user, None)
        form.initial.update(
            {
                "date": local.date(),
                "time": local.strftime("%H:%M"),
                "venue": course.venue_id,
                **{field: getattr(attendance, field) for field in CourseCorrectionForm.COUNT_FIELDS},
                "refresher": attendance.refresher,
                "kits": kits,
                "note": attendance.note,
                "version": entry_version(attendance, kits),
            }
        )
        form.fields["location"].initial = default_location(
            request.user, with_last_use(form.fields["location"].queryset, request.user)
        )
    history = history_entries(attendance.history) + history_entries(course.history)
    history.sort(key=lambda entry: entry.when, reverse=True)
    return render(
        request,
        "street/correct_course.html",
        {
            "form": form,
            "attendance": attendance,
            "history": history,
            "summary": _("Correction of the course of %(when)s")
            % {"when": date_format(timezone.localtime(course.starts_at), "SHORT_DATETIME_FORMAT")},
        },
    )


def _withdraw(request, action, pk):
    entry = _changeable(request, action, pk)
    form, outcome = _change(request, action, entry, request.POST)
    if outcome is None:
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
    else:
        messages.success(request, changed_message(action, outcome))
    return redirect("street:recent")


@require_POST
@login_required
def withdraw_course(request, pk):
    return _withdraw(request, AppliedChange.Action.WITHDRAW_COURSE, pk)


@require_POST
@login_required
def withdraw_handout_view(request, pk):
    return _withdraw(request, AppliedChange.Action.WITHDRAW_HANDOUT, pk)


@require_POST
@login_required
def withdraw_report(request, pk):
    return _withdraw(request, AppliedChange.Action.WITHDRAW_REPORT, pk)


def _refused(message, errors=None, code="refused"):
    return ApiResponse(
        {"code": code, "message": message, "errors": errors or [{"field": "", "label": "", "message": message}]},
        status=400,
    )


@require_POST
def api_changes(request):
    """The device's queue sends corrections and withdrawals here, as it sends new entries to `api_entries`.

    {"kind": "correct-course" | "withdraw-course" | "withdraw-handout" | "withdraw-report",
     "fields": {"entry": id, "key": …, …the form's fields}, "author": user id}. The answers are
    `api_entries`' own: 201 applied, 200 applied before under this key (a retry: not applied twice),
    200 with code "unchanged" a correction that changes nothing (nothing stored, not even its key),
    400 refused with a message (code "refused"; also an entry no longer there or no longer the
    user's to change), 409 "key_conflict" or "wrong_author", 401 logged out.
    """
    body = _read_queued(request, AppliedChange.Action.values)
    if isinstance(body, HttpResponse):
        return body
    action, fields = body["kind"], body["fields"]
    if not inputs.is_id(str(fields.get("entry", ""))) or not _is_uuid(str(fields.get("key", ""))):
        return ApiResponse({"message": _("The entry could not be read."), "errors": []}, status=400)
    try:
        entry = _changeable(request, action, int(fields["entry"]))
    except Http404:
        return _refused(_("This entry is not there any more, or not yours to change."))
    except PermissionDenied:
        return _refused(_("You can change your own entries for 24 hours; ask a coordinator."))
    try:
        form, outcome = _change(request, action, entry, _as_query_dict(fields))
    except PermissionDenied:
        return _refused(_("You can change your own entries for 24 hours; ask a coordinator."))
    if getattr(form, "key_conflict", False):
        message = form.non_field_errors()[0]
        return ApiResponse(
            {"code": "key_conflict", "message": message, "errors": [{"field": "", "label": "", "message": message}]},
            status=409,
        )
    if outcome is None:
        first = next((error["message"] for error in _errors(form) if not error["field"]), "")
        return _refused(first or _("The entry was refused. Correct it and send it again."), _errors(form))
    message = changed_message(action, outcome)
    # Shown on the next page this worker opens (My entries).
    (messages.info if outcome == Outcome.UNCHANGED else messages.success)(request, message)
    answer = {"id": entry.pk, "key": str(fields["key"]), "message": message}
    if outcome == Outcome.UNCHANGED:
        answer["code"] = "unchanged"
    return ApiResponse(answer, status=201 if outcome == Outcome.APPLIED else 200)


STATIC_FILES = [
    "css/bootstrap.min.css",
    "css/redliv.css",
    "street/street.css",
    "js/street-queue.js",
    "js/street.js",
    "js/logout.js",
    "js/refused-form.js",
    "js/street-logged-out.js",
    "street/icon-192.png",
]


@require_safe
@never_cache
def service_worker(request):
    """The service worker, served under /gade/ so that its scope covers the street pages."""
    assets = [static(path) for path in STATIC_FILES]
    pages = [reverse(name) for name in PAGES.values()] + [reverse("street:recent"), reverse("street:manifest")]
    kept = [reverse("street:logged-out"), reverse("street:no-connection")]  # with the files, for anyone
    version = hashlib.sha256(" ".join(assets + pages + kept).encode()).hexdigest()[:12]
    response = render(
        request,
        "street/sw.js",
        {
            "assets": json.dumps(assets),
            "pages": json.dumps(pages),
            "version": version,
            "scope": reverse("street:start"),
            "logged_out": reverse("street:logged-out"),
            "no_connection": reverse("street:no-connection"),
            "session": reverse("street:session"),
            "queue_script": static("js/street-queue.js"),
        },
        content_type="text/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = reverse("street:start")
    return response


@require_safe
def manifest(request):
    """The web-app manifest, so a tablet can put the street page on its home screen."""
    data = {
        "name": _("RED LIV street logging"),
        "short_name": "RED LIV",
        "start_url": reverse("street:start"),
        "scope": reverse("street:start"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b00020",
        "lang": request.LANGUAGE_CODE,
        "icons": [
            {"src": static("street/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("street/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/manifest+json; charset=utf-8")
