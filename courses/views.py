"""The coordinator's screens: courses, calendar, standing drop-in hours, trainers, venues,
course requests and the start page.

Every query goes through `for_user`: another municipality's row is a 404. The pages
need the planning permission (`courses.change_course`): street workers get a 403.
"""

import calendar
import datetime as dt
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from courses import services_planning as planning
from courses.forms import (
    AnswerRequestForm,
    CancelCourseForm,
    CertificationFormSet,
    CourseFilterForm,
    CourseForm,
    CourseRequestForm,
    DropInExceptionForm,
    DropInScheduleForm,
    TrainerForm,
    VenueForm,
)
from courses.models import Course, CourseFormat, CourseRequest, DropInException, DropInSchedule, Trainer, Venue
from courses.schedule import falls_on, occurrences
from redliv import edits, inputs
from redliv.access import add_service_errors, get_for_user, permission_required, require_get_or_post
from redliv.models import Audience, CourseLanguage
from redliv.pagination import paginate

PLANNING_PERMISSION = "courses.change_course"
VENUE_PERMISSION = "courses.change_venue"
COURSES_PER_PAGE = 50


def _course_for(request, pk):
    return get_for_user(request, Course.objects.select_related("venue"), pk=pk)


def _warn(request, warnings):
    for warning in warnings:
        messages.warning(request, warning)


# --- courses ------------------------------------------------------------------------------


@require_safe
@permission_required(PLANNING_PERMISSION)
def course_list(request):
    form = CourseFilterForm(request.GET, user=request.user)
    courses = Course.objects.for_user(request.user).select_related("venue", "attendance").prefetch_related("trainers")
    courses = form.filter(courses)
    page, query = paginate(request, courses, COURSES_PER_PAGE)
    return render(
        request,
        "courses/course_list.html",
        {
            "form": form,
            "page": page,
            "query": query,
        },
    )


def _parse_day(request, default):
    """The calendar's `dato`: a date a person could mean, or today with a message."""
    value = request.GET.get("dato")
    if not value:
        return default
    try:
        return inputs.parse_date(value)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return default


def _drop_in_occurrences(schedules, first, last):
    """{date: [schedule, …]}: each standing drop-in's dates between first and last, as the finder counts them."""
    by_day = {}
    for schedule in schedules:
        for occurrence in occurrences(schedule, first, last):
            by_day.setdefault(occurrence.date, []).append(schedule)
    return by_day


def _not_logged_as_courses(schedules, courses):
    """The day's standing drop-in hours less those a drop-in course at their venue and start stands for: the
    hours held and logged showed twice, alike ("13:00 Drop-in · Antidote Danmark, Odense")."""
    held = {
        (course.venue_id, timezone.localtime(course.starts_at).time())
        for course in courses
        if course.format == CourseFormat.DROP_IN and course.status != Course.Status.CANCELLED
    }
    return [schedule for schedule in schedules if (schedule.venue_id, schedule.starts_at) not in held]


def _calendar_entries(cell):
    """The day's courses and standing drop-in hours in one list, earliest first: (start, course, schedule)."""
    entries = [(timezone.localtime(course.starts_at).time(), course, None) for course in cell["courses"]]
    entries += [(schedule.starts_at, None, schedule) for schedule in cell["drop_ins"]]
    return sorted(entries, key=lambda entry: entry[0])


@require_safe
@permission_required(PLANNING_PERMISSION)
def course_calendar(request):
    """A month or a week of courses and standing drop-in hours, server-rendered."""
    today = timezone.localdate()
    day = _parse_day(request, today)
    week_view = request.GET.get("visning") == "uge"
    if week_view:
        first = day - dt.timedelta(days=day.weekday())
        weeks = [[first + dt.timedelta(days=offset) for offset in range(7)]]
        previous, following = first - dt.timedelta(days=7), first + dt.timedelta(days=7)
    else:
        weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(day.year, day.month)
        month_start = day.replace(day=1)
        previous = (month_start - dt.timedelta(days=1)).replace(day=1)
        following = (month_start + dt.timedelta(days=31)).replace(day=1)
    first, last = weeks[0][0], weeks[-1][-1]
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))
    courses = (
        Course.objects.for_user(request.user)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("venue")
        .order_by("starts_at")
    )
    by_day = {}
    for course in courses:
        by_day.setdefault(timezone.localtime(course.starts_at).date(), []).append(course)
    schedules = (
        DropInSchedule.objects.for_user(request.user)
        .filter(valid_from__lte=last)
        .exclude(valid_until__lt=first)
        .select_related("venue")
        .prefetch_related("exceptions")
    )
    drop_ins = _drop_in_occurrences(schedules, first, last)
    rows = [
        [
            {
                "date": date,
                "courses": by_day.get(date, []),
                "drop_ins": _not_logged_as_courses(drop_ins.get(date, []), by_day.get(date, [])),
                "other_month": not week_view and date.month != day.month,
                "today": date == today,
            }
            for date in week
        ]
        for week in weeks
    ]
    for week in rows:
        for cell in week:
            cell["entries"] = _calendar_entries(cell)
    return render(
        request,
        "courses/course_calendar.html",
        {
            "rows": rows,
            "day": day,
            "week_view": week_view,
            "previous": previous,
            "following": following,
            "today": today,
            "weekdays": [DropInSchedule.Weekday(number).label for number in range(7)],
        },
    )


@require_get_or_post
@permission_required(PLANNING_PERMISSION)
def course_create(request):
    if request.user.municipality_id is None:
        raise PermissionDenied
    course_request = None
    initial = {}
    if wanted := request.GET.get("forespoergsel"):
        if not (wanted.isascii() and wanted.isdigit()) or int(wanted) > inputs.INTEGER_MAX:
            raise Http404
        course_request = get_for_user(request, CourseRequest.objects, pk=wanted)
        initial = _prefill_from_request(course_request, request.GET.get("format"))
    form = CourseForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid() and (saved := _save(form, request, course_request)):
        course, created = saved
        if created:
            messages.success(request, _("The course was created."))
            _warn(request, planning.trainer_warnings(course.trainers.all(), course.starts_at, course.ends_at, course))
        else:
            messages.info(request, _("This course was already planned from this form; it is stored once."))
        return redirect("courses:course-detail", pk=course.pk)
    return render(request, "courses/course_form.html", {"form": form, "course_request": course_request})


def _save(form, request, course_request=None):
    """(course, saved) from the form, or None with the refusal beside the field (an approved month's reason)."""
    try:
        saved = planning.save_course(
            form, request.user, course_request=course_request, reason=form.cleaned_data["change_reason"]
        )
    except ValidationError as error:
        _offer_the_later_version(form, error)
        add_service_errors(form, _beside_the_reason(error))
        return None
    edits.remember_the_save(request, form, saved[0])
    return saved


def _offer_the_later_version(form, error):
    """Refused as changed meanwhile, the form keeps what was typed; sent again, it replaces the later
    change on purpose."""
    if getattr(error, "code", None) == "changed_meanwhile":
        form.data = form.data.copy()
        form.data["shown_version"] = error.params["version"]


def _beside_the_reason(error):
    """An approved month's refusal beside the reason field, or, for whoever may give none, the date."""
    if hasattr(error, "error_dict") or getattr(error, "code", None) == "changed_meanwhile":
        return error
    field = "starts_at" if getattr(error, "code", None) == "month_closed" else "change_reason"
    return ValidationError({field: error.error_list})


def _key(text):
    """The key a page's button was shown with, or None (an old page, or no key)."""
    try:
        return uuid.UUID(text or "")
    except ValueError:
        return None


def _prefill_from_request(course_request, course_format):
    if course_format not in (CourseFormat.SCHEDULED, CourseFormat.ON_SITE):
        course_format = CourseFormat.ON_SITE
    return {
        "format": course_format,
        "title": course_request.organisation_name,
        "audiences": [course_request.audience],
        "capacity": course_request.number_of_people,
        "languages": ["da"],
        "published": False,
    }


@require_safe
@permission_required(PLANNING_PERMISSION)
def course_detail(request, pk):
    course = _course_for(request, pk)
    attendance = getattr(course, "attendance", None) if course.status == Course.Status.HELD else None
    trainers = list(course.trainers.all())
    warnings = []
    if course.status == Course.Status.PLANNED:
        warnings = planning.trainer_warnings(trainers, course.starts_at, course.ends_at, course)
    return render(
        request,
        "courses/course_detail.html",
        {
            "course": course,
            "trainers": trainers,
            "attendance": attendance,
            "warnings": warnings,
            "publish_problem": planning.publish_problem(course),
            "requests": course.requests.all(),
            "audience_labels": [Audience(value).label for value in course.audiences if value in Audience.values],
            "language_labels": [
                CourseLanguage(value).label for value in course.languages if value in CourseLanguage.values
            ],
            "now": timezone.now(),
            "copy_key": uuid.uuid4(),
        },
    )


@require_get_or_post
@permission_required(PLANNING_PERMISSION)
def course_edit(request, pk):
    course = _course_for(request, pk)
    if edits.sent_again(request, course):
        messages.success(request, _("The course was saved."))
        return redirect("courses:course-detail", pk=course.pk)
    form = CourseForm(request.POST or None, instance=course, user=request.user)
    if request.method == "POST" and form.is_valid() and (saved := _save(form, request)):
        course, _saved = saved
        messages.success(request, _("The course was saved."))
        if course.status == Course.Status.PLANNED:
            _warn(request, planning.trainer_warnings(course.trainers.all(), course.starts_at, course.ends_at, course))
        return redirect("courses:course-detail", pk=course.pk)
    return render(request, "courses/course_form.html", {"form": form, "course": course})


@require_POST
@permission_required(PLANNING_PERMISSION)
def course_copy(request, pk):
    course = _course_for(request, pk)
    try:
        copy, made = planning.copy_to_next_week(course, request.user, key=_key(request.POST.get("key")))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("courses:course-detail", pk=course.pk)
    if not made:
        messages.info(request, _("This copy was already made from this page; it is stored once."))
        return redirect("courses:course-detail", pk=copy.pk)
    messages.success(request, _("A copy of the course was planned for a week later. Check it below."))
    _warn(request, planning.trainer_warnings(copy.trainers.all(), copy.starts_at, copy.ends_at, copy))
    return redirect("courses:course-detail", pk=copy.pk)


@require_get_or_post
@permission_required(PLANNING_PERMISSION)
def course_cancel(request, pk):
    course = _course_for(request, pk)
    if course.status == Course.Status.CANCELLED and request.method == "POST":
        # A double click, or the form sent again from another tab: cancelled, as asked.
        messages.info(request, _("The course is cancelled already."))
        return redirect("courses:course-detail", pk=course.pk)
    if course.status != Course.Status.PLANNED:
        messages.error(request, _("Only a planned course can be cancelled."))
        return redirect("courses:course-detail", pk=course.pk)
    form = CancelCourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            planning.cancel_course(course, form.cleaned_data["reason"], request.user)
        except ValidationError as error:
            if getattr(error, "code", None) in ("cancelled_already", "not_planned"):
                # Cancelled (or held) by another request since this one read the course: its answer, not the form.
                (messages.info if error.code == "cancelled_already" else messages.error)(request, error.message)
                return redirect("courses:course-detail", pk=course.pk)
            add_service_errors(form, ValidationError({"reason": error.error_list}))
        else:
            messages.success(request, _("The course was cancelled."))
            for course_request in course.reopened_requests:
                messages.warning(
                    request,
                    _("The course request from %(organisation)s is open again: agree on a new date with them.")
                    % {"organisation": course_request.organisation_name},
                )
            return redirect("courses:course-detail", pk=course.pk)
    return render(request, "courses/course_cancel.html", {"form": form, "course": course})


@require_POST
@permission_required(PLANNING_PERMISSION)
def course_publish(request, pk):
    course = _course_for(request, pk)
    publish = request.POST.get("published") == "1"
    problem = planning.publish_problem(course) if publish else None
    if problem:
        messages.error(request, problem)
    else:
        planning.set_published(course, publish)
        messages.success(
            request,
            _("The course is shown in the public course finder.")
            if publish
            else _("The course is no longer shown in the public course finder."),
        )
    return redirect("courses:course-detail", pk=course.pk)


# --- standing drop-in hours -------------------------------------------------------------------


def _schedule_for(request, pk):
    return get_for_user(request, DropInSchedule.objects.select_related("venue"), pk=pk)


@require_safe
@permission_required(PLANNING_PERMISSION)
def dropin_list(request):
    schedules = (
        DropInSchedule.objects.for_user(request.user)
        .select_related("venue")
        .prefetch_related(
            Prefetch("exceptions", queryset=DropInException.objects.filter(date__gte=timezone.localdate()))
        )
    )
    return render(request, "courses/dropin_list.html", {"schedules": schedules})


@require_get_or_post
@permission_required(PLANNING_PERMISSION)
def dropin_create(request):
    if request.user.municipality_id is None:
        raise PermissionDenied
    form = DropInScheduleForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        schedule, created = planning.save_dropin(form, request.user)
        if created:
            messages.success(request, _("The drop-in hours were created. Add dates when they are closed below."))
        else:
            messages.info(request, _("These drop-in hours were already created from this form; they are stored once."))
        return redirect("courses:dropin-edit", pk=schedule.pk)
    return render(request, "courses/dropin_form.html", {"form": form})


@require_get_or_post
@permission_required(PLANNING_PERMISSION)
def dropin_edit(request, pk):
    schedule = _schedule_for(request, pk)
    if edits.sent_again(request, schedule):
        messages.success(request, _("The drop-in hours were saved."))
        return redirect("courses:dropin-edit", pk=schedule.pk)
    form = DropInScheduleForm(request.POST or None, instance=schedule, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            edits.remember_the_save(request, form, planning.save_dropin(form, request.user)[0])
        except ValidationError as error:
            _offer_the_later_version(form, error)
            add_service_errors(form, error)
        else:
            messages.success(request, _("The drop-in hours were saved."))
            _warn_of_closures_off_the_hours(request, schedule)
            return redirect("courses:dropin-edit", pk=schedule.pk)
    return render(
        request,
        "courses/dropin_form.html",
        {
            "form": form,
            "schedule": schedule,
            "exceptions": schedule.exceptions.all(),
            "exception_form": DropInExceptionForm(schedule=schedule),
        },
    )


def _warn_of_closures_off_the_hours(request, schedule):
    """Hours moved to another weekday or period: their coming closures may now fall on days they are not held."""
    today = timezone.localdate()
    stranded = [e.date for e in schedule.exceptions.all() if e.date >= today and not falls_on(schedule, e.date)]
    if stranded:
        messages.warning(
            request,
            _(
                "These dates without drop-in are no longer days the drop-in hours are held: %(dates)s. "
                "Remove them, and add the dates the hours are now closed."
            )
            % {"dates": ", ".join(date_format(date, "SHORT_DATE_FORMAT") for date in stranded)},
        )


def _close_on(form, schedule):
    """The exception stored, or None with the refusal beside the date (the same date from another tab)."""
    try:
        return planning.close_dropin_on(form, schedule)
    except ValidationError as error:
        add_service_errors(form, error)
        return None


@require_POST
@permission_required(PLANNING_PERMISSION)
def dropin_exception_add(request, pk):
    schedule = _schedule_for(request, pk)
    exception_form = DropInExceptionForm(request.POST, schedule=schedule)
    if exception_form.is_valid() and (exception := _close_on(exception_form, schedule)):
        messages.success(
            request,
            _("The drop-in hours are closed on %(date)s.") % {"date": date_format(exception.date, "SHORT_DATE_FORMAT")},
        )
        return redirect("courses:dropin-edit", pk=schedule.pk)
    return render(
        request,
        "courses/dropin_form.html",
        {
            "form": DropInScheduleForm(instance=schedule, user=request.user),
            "schedule": schedule,
            "exceptions": schedule.exceptions.all(),
            "exception_form": exception_form,
        },
    )


@require_POST
@permission_required(PLANNING_PERMISSION)
def dropin_exception_delete(request, pk, exception_pk):
    schedule = _schedule_for(request, pk)
    exception = schedule.exceptions.filter(pk=exception_pk).first()
    if exception is None:  # a double click, or the button in another tab: the date is open, as asked
        messages.info(request, _("The exception was removed already."))
    else:
        planning.reopen_dropin_on(exception)
        messages.success(request, _("The exception was removed."))
    return redirect("courses:dropin-edit", pk=schedule.pk)


# --- trainers ---------------------------------------------------------------------------------


@require_safe
@permission_required(PLANNING_PERMISSION)
def trainer_list(request):
    trainers = planning.trainers_with_totals(request.user).order_by("-active", "name")
    return render(
        request,
        "courses/trainer_list.html",
        {
            "trainers": trainers,
            "today": timezone.localdate(),
        },
    )


@require_safe
@permission_required(PLANNING_PERMISSION)
def trainer_detail(request, pk):
    trainer = get_for_user(request, Trainer.objects.select_related("organisation"), pk=pk)
    courses = (
        trainer.courses.filter(status=Course.Status.HELD).select_related("venue", "attendance").order_by("-starts_at")
    )
    # Still to come: once the trainer is inactive, these have one trainer fewer (the public pages
    # stop naming them at once), and the coordinator finds someone else from this list.
    planned = (
        trainer.courses.filter(status=Course.Status.PLANNED, ends_at__gt=timezone.now())
        .select_related("venue")
        .order_by("starts_at")
    )
    return render(
        request,
        "courses/trainer_detail.html",
        {
            "trainer": trainer,
            # The contact's label as the trainer's form says it (the model's), not a text of its own.
            "contact_label": Trainer._meta.get_field("contact").verbose_name,
            "courses": courses,
            "planned": planned,
            "totals": planning.trainer_totals_by_kind(trainer),
            "certifications": trainer.certifications.all(),
            "today": timezone.localdate(),
        },
    )


@require_get_or_post
@permission_required(PLANNING_PERMISSION)
def trainer_create(request):
    return _trainer_form(request, Trainer())


@require_get_or_post
@permission_required(PLANNING_PERMISSION)
def trainer_edit(request, pk):
    return _trainer_form(request, get_for_user(request, Trainer.objects, pk=pk))


def _trainer_form(request, trainer):
    if edits.sent_again(request, trainer):
        messages.success(request, _("The trainer was saved."))
        return redirect("courses:trainer-detail", pk=trainer.pk)
    form = TrainerForm(request.POST or None, instance=trainer, user=request.user)
    formset = CertificationFormSet(request.POST or None, instance=trainer, prefix="cert")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            trainer, saved = planning.save_trainer(form, formset)
            edits.remember_the_save(request, form, trainer)
        except ValidationError as error:  # changed in another tab meanwhile: said above the form, nothing saved
            _offer_the_later_version(form, error)
            add_service_errors(form, error)
        else:
            if saved:
                messages.success(request, _("The trainer was saved."))
            else:
                messages.info(request, _("This trainer was already registered from this form; they are stored once."))
            return redirect("courses:trainer-detail", pk=trainer.pk)
    elif request.method == "POST" and _certification_gone(formset):
        # Refused on a hidden field, which no field shows: said above the form.
        form.add_error(
            None,
            _(
                "A certification on this page was removed elsewhere after you opened it (in another tab, or by "
                "another coordinator). Open the trainer in a new tab to see the certifications as they are now."
            ),
        )
    return render(request, "courses/trainer_form.html", {"form": form, "formset": formset, "trainer": trainer})


def _certification_gone(formset):
    """Whether a certification the page showed no longer exists: its hidden id is refused as no longer a choice."""
    return any("id" in certification_form.errors for certification_form in formset.forms)


# --- venues -----------------------------------------------------------------------------------


@require_safe
@permission_required(VENUE_PERMISSION)
def venue_list(request):
    venues = Venue.objects.for_user(request.user).select_related("organisation", "district").order_by("-active", "name")
    return render(request, "courses/venue_list.html", {"venues": venues})


@require_get_or_post
@permission_required(VENUE_PERMISSION, "courses.add_venue")
def venue_create(request):
    if request.user.municipality_id is None:
        raise PermissionDenied
    return _venue_form(request, Venue())


@require_get_or_post
@permission_required(VENUE_PERMISSION)
def venue_edit(request, pk):
    return _venue_form(request, get_for_user(request, Venue.objects.select_related("municipality"), pk=pk))


def _venue_form(request, venue):
    if edits.sent_again(request, venue):
        messages.success(request, _("The venue was saved."))
        return redirect("courses:venue-list")
    form = VenueForm(request.POST or None, instance=venue, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            venue, saved = planning.save_venue(form)
            edits.remember_the_save(request, form, venue)
        except ValidationError as error:  # changed in another tab meanwhile: said above the form, nothing saved
            _offer_the_later_version(form, error)
            add_service_errors(form, error)
        else:
            if saved:
                messages.success(request, _("The venue was saved."))
            else:
                messages.info(request, _("This venue was already created from this form; it is stored once."))
            return redirect("courses:venue-list")
    planned_courses, planned_hours = [], []
    if venue.pk is not None:  # what must be cancelled, moved or ended before the venue can close
        planned_courses, planned_hours = venue.planned_from_today()
        planned_courses = planned_courses.select_related("venue")
    return render(
        request,
        "courses/venue_form.html",
        {"form": form, "venue": venue, "planned_courses": planned_courses, "planned_hours": planned_hours},
    )


# --- course requests --------------------------------------------------------------------------


@require_safe
@permission_required(PLANNING_PERMISSION)
def request_list(request):
    show_closed = request.GET.get("alle") == "1"
    requests = CourseRequest.objects.for_user(request.user).select_related("assigned_to", "course")
    if not show_closed:
        requests = requests.filter(status__in=[CourseRequest.Status.NEW, CourseRequest.Status.IN_PROGRESS])
    return render(request, "courses/request_list.html", {"requests": requests, "show_closed": show_closed})


@require_get_or_post
@permission_required(PLANNING_PERMISSION)
def request_detail(request, pk):
    course_request = get_for_user(request, CourseRequest.objects.select_related("assigned_to", "course"), pk=pk)
    form = CourseRequestForm(request.POST or None, instance=course_request, user=request.user)
    if request.method == "POST" and form.is_valid():
        planning.handle_request(course_request, form.cleaned_data["assigned_to"], form.cleaned_data["status"])
        messages.success(request, _("The course request was saved."))
        return redirect("courses:request-detail", pk=course_request.pk)
    return render(
        request,
        "courses/request_detail.html",
        {
            "course_request": course_request,
            "form": form,
            "answer_form": AnswerRequestForm(),
            # Answered already (planning.refuse_a_request_answered_already): no second course is offered.
            "answered": course_request.course is not None and course_request.course.status != Course.Status.CANCELLED,
        },
    )
