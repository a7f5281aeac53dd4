"""What coordinators do when they plan: copy, cancel, publish, answer requests,
and the checks and counts their pages show.

Writes run in `transaction.atomic`; reads are scoped with `for_user`.
"""

import datetime as dt

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from courses.models import Certification, Course, CourseRequest, DropInSchedule, Trainer, Venue, participants
from redliv.closing import check_change_allowed
from redliv.db import violated_constraint
from redliv.edits import refuse_a_later_change
from redliv.models import Municipality
from redliv.months import Month

CERTIFICATION_WARNING_DAYS = 60


def people_trained(prefix: str = "attendance__"):
    """The number of people held courses trained, in SQL; a withdrawn entry counts for nothing."""
    return Coalesce(
        Sum(participants(prefix), filter=Q(**{f"{prefix}withdrawn_at__isnull": True})),
        Value(0),
        output_field=IntegerField(),
    )


# --- courses ----------------------------------------------------------------------------


# What a course counts with in the month report: its month, kind, format, venue, trainers and status.
COUNTED_FIELDS = ("starts_at", "kind", "format", "venue_id", "status")


def check_closed_months(user, course, before: dict | None, reason: str, trainers_changed: bool = False) -> None:
    """A course added to, moved into or out of, or changed in an approved month needs a coordinator and a reason.

    `before` holds the COUNTED_FIELDS as stored (None for a new course). The reason is kept in
    the course's history, where the month page and the exports read who changed it and why.
    """
    if before is None:
        check_change_allowed(user, course.municipality_id, course.starts_at, reason, adding=True)
    elif trainers_changed or any(before[name] != getattr(course, name) for name in COUNTED_FIELDS):
        check_change_allowed(user, course.municipality_id, before["starts_at"], reason)
        if Month.of(course.starts_at) != Month.of(before["starts_at"]):
            check_change_allowed(user, course.municipality_id, course.starts_at, reason, adding=True)
    course._change_reason = reason.strip() or None
    course._history_user = user


def _stored(course) -> dict | None:
    if course.pk is None:
        return None
    return Course.objects.select_for_update(no_key=True).filter(pk=course.pk).values(*COUNTED_FIELDS).first()


def venue_open_and_held(venue_id) -> bool:
    """Whether the venue is open, read under a share lock held until the transaction ends: closing it waits
    for this plan to commit and then sees it (`save_venue` locks before `Venue.clean`), and a plan made
    while it closes waits and reads it closed. The foreign key's own lock (FOR KEY SHARE) does not wait."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT active FROM courses_venue WHERE id = %s FOR SHARE", [venue_id])
        row = cursor.fetchone()
    return bool(row and row[0])


def refuse_a_closed_venue(venue_id, planned_from_today: bool) -> None:
    """A ValidationError beside the venue when it has closed since the form was checked (`venue_open_and_held`)."""
    if venue_id and planned_from_today and not venue_open_and_held(venue_id):
        raise ValidationError(
            {"venue": _("The venue was closed meanwhile: choose an open venue for what is planned from today on.")},
            code="venue_closed",
        )


@transaction.atomic
def save_course(form, user, course_request=None, reason: str = ""):
    """Save a course from the coordinator's form; answer a course request with it. Returns (course, saved).

    In an approved month (where the course was or is now), only with a coordinator's
    `reason`: a ValidationError otherwise, and nothing is saved. A new course is planned
    once per form (its `key`): sent again, from a double click or a second tab, the course
    planned the first time comes back with saved False, and nothing is written.
    """
    course = form.save(commit=False)
    new = course.pk is None
    if new:
        if (planned := made_with(Course, form.cleaned_data.get("key"))) is not None:
            return planned, False
        if course_request is not None:
            refuse_a_request_answered_already(course_request)
        # The venue's municipality: an administrator plans at any municipality's venue, and the course
        # counts, and is seen, there. An online course (no venue) belongs to the planner's municipality.
        course.municipality_id = course.venue.municipality_id if course.venue_id else user.municipality_id
        if course_request is not None and course_request.municipality_id != course.municipality_id:
            # Its coordinators see the request and the course answering it: both in the same municipality.
            message = _("Choose a venue in %(municipality)s, where the request came from.") % {
                "municipality": course_request.municipality
            }
            raise ValidationError({"venue": ValidationError(message, code="request_elsewhere")})
        course.created_by = user
        course.form_key = form.cleaned_data.get("key")
    before = _stored(course)
    refuse_a_later_change(
        course,
        form.cleaned_data.get("shown_version"),
        _(
            "The course was changed elsewhere after you opened this page (in another tab, or by another "
            "coordinator). Your changes are not saved: open the course in a new tab to see what changed, "
            "and save again here if yours should replace it."
        ),
    )
    refuse_trainers_elsewhere(form.cleaned_data.get("trainers") or [], course.municipality_id)
    refuse_a_closed_venue(course.venue_id, course.status == Course.Status.PLANNED and course.ends_at > timezone.now())
    trainers_changed = before is not None and (
        {trainer.pk for trainer in form.cleaned_data.get("trainers", [])}
        != set(course.trainers.values_list("pk", flat=True))
    )
    check_closed_months(user, course, before, reason, trainers_changed)
    if not new:
        course.save()
    else:
        course, saved = save_once(course)
        if not saved:
            return course, False
    form.save_m2m()
    if course_request is not None:
        course_request.course = course
        course_request.status = CourseRequest.Status.SCHEDULED
        if course_request.assigned_to_id is None:
            course_request.assigned_to = user
        course_request.save()
    return course, True


def refuse_a_request_answered_already(course_request):
    """A ValidationError when the request has a course that is not cancelled: another tab (or another coordinator)
    answered it after this form was shown. A second course would be planned for the same workplace, and the first
    would lose its link to the request. The request stays locked until this answer commits, so two answers sent
    at once are one course."""
    answered = (
        CourseRequest.objects.select_for_update(no_key=True, of=("self",))
        .filter(pk=course_request.pk, course__isnull=False)
        .exclude(course__status=Course.Status.CANCELLED)
        .values_list("course__starts_at", flat=True)
        .first()
    )
    if answered is not None:
        # Above the form (not beside a field): the view puts a refusal without a field beside the reason.
        message = ValidationError(
            _(
                "The request from %(organisation)s is already answered with a course on %(date)s. Open the request "
                "to see it; cancel that course first if another should be planned instead."
            )
            % {
                "organisation": course_request.organisation_name,
                "date": date_format(timezone.localtime(answered), "SHORT_DATETIME_FORMAT"),
            },
            code="request_answered",
        )
        raise ValidationError({NON_FIELD_ERRORS: message})


def refuse_trainers_elsewhere(trainers, municipality_id):
    """A ValidationError beside the trainers when one belongs to another municipality than the course.

    A trainer belongs to their organisation's municipality (`TrainerQuerySet`): there their coordinator
    sees them, their courses and their totals. An administrator is offered every municipality's
    trainers; the database refuses the link too (course_trainer_in_course_municipality).
    """
    chosen = [trainer.pk for trainer in trainers]
    if not chosen:
        return
    elsewhere = list(
        Trainer.objects.filter(pk__in=chosen).exclude(organisation__municipality_id=municipality_id).order_by("name")
    )
    if not elsewhere:
        return
    municipality = Municipality.objects.get(pk=municipality_id)
    message = ngettext(
        "%(trainers)s belongs to another municipality than the course. Only trainers from %(municipality)s "
        "can teach this course.",
        "%(trainers)s belong to another municipality than the course. Only trainers from %(municipality)s "
        "can teach this course.",
        len(elsewhere),
    ) % {"trainers": ", ".join(trainer.name for trainer in elsewhere), "municipality": municipality}
    raise ValidationError({"trainers": ValidationError(message, code="trainer_elsewhere")})


def made_with(model, key):
    """The row a form shown with `key` made already, or None (no key: a row made otherwise)."""
    return None if key is None else model.objects.filter(form_key=key).first()


def save_once(row):
    """Insert a new row from a form, once per its `form_key`. Returns (row, True).

    The same form sent at the same moment (a double click, two tabs) passed `made_with` in both
    requests; the unique index decides: this insert waited for the other's commit, and the row
    made first comes back as (that row, False), with nothing written.
    """
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        if (made := made_with(type(row), row.form_key)) is None:
            raise
        return made, False
    return row, True


def trainer_changed_elsewhere() -> str:
    """Why a trainer's form saved nothing: the trainer was saved after the form was shown (the staff page's and the
    admin's, redliv.admin.VersionCheckedForm)."""
    return _(
        "The trainer was changed elsewhere after you opened this page (in another tab, or by another "
        "coordinator). Your changes are not saved: open the trainer in a new tab to see what changed, "
        "and save again here if yours should replace it."
    )


@transaction.atomic
def save_trainer(form, certifications):
    """Save a trainer and their certifications from the coordinator's form and formset, together.

    Returns (trainer, saved). A new trainer is registered once per form (its `key`): sent again,
    the trainer registered the first time comes back with saved False, and nothing is written. A
    trainer saved again after the form was shown (another tab) is a ValidationError, nothing saved.
    """
    trainer = form.save(commit=False)
    if trainer.pk is not None:
        refuse_a_later_change(trainer, form.cleaned_data.get("shown_version"), trainer_changed_elsewhere())
        trainer.save()  # also when only the certifications changed: a later save from another tab is refused
    else:
        if (made := made_with(Trainer, form.cleaned_data.get("key"))) is not None:
            return made, False
        trainer.form_key = form.cleaned_data.get("key")
        trainer, saved = save_once(trainer)
        if not saved:
            return trainer, False
    form.save_m2m()
    certifications.instance = trainer
    certifications.save()
    return trainer, True


# --- venues ----------------------------------------------------------------------------------


def venue_changed_elsewhere() -> str:
    """Why a venue's form saved nothing: the venue was saved after the form was shown (the staff page's and the
    admin's, redliv.admin.VersionCheckedForm)."""
    return _(
        "The venue was changed elsewhere after you opened this page (in another tab, or by another "
        "coordinator). Your changes are not saved: open the venue in a new tab to see what changed, "
        "and save again here if yours should replace it."
    )


@transaction.atomic
def save_venue(form):
    """Save a venue from the coordinator's form. Returns (venue, saved).

    A new venue is created once per form (its `key`), in its organisation's municipality (the form
    sets it): sent again, the venue created the first time comes back with saved False, and nothing is
    written. A venue saved again after the form was shown (another tab, another coordinator) is a
    ValidationError, nothing saved. The venue's own rules (`Venue.clean`) are checked once more under
    the lock: what is planned there may have changed since the form was checked.
    """
    venue = form.save(commit=False)
    if venue.pk is not None:
        refuse_a_later_change(venue, form.cleaned_data.get("shown_version"), venue_changed_elsewhere())
        # Locked before its rules are checked: a course or drop-in hours planned here meanwhile wait for the
        # lock (`venue_open_and_held`) or have committed, and `Venue.clean` then sees them.
        list(Venue.objects.select_for_update(no_key=True).filter(pk=venue.pk).values_list("pk", flat=True))
        venue.clean()
        _save_venue_row(venue)
        return venue, True
    if (made := made_with(Venue, form.cleaned_data.get("key"))) is not None:
        return made, False
    venue.form_key = form.cleaned_data.get("key")
    try:
        return save_once(venue)
    except IntegrityError as error:
        raise _venue_refusal(venue, error) from error


def _save_venue_row(venue):
    try:
        with transaction.atomic():
            venue.save()
    except IntegrityError as error:
        raise _venue_refusal(venue, error) from error


def _venue_refusal(venue, error):
    """The database's refusal of a venue in words, beside its field (the same name saved from another tab
    at the same moment, or a district the form did not offer); any other refusal is raised as it was."""
    constraint = violated_constraint(error)
    if constraint == "venue_unique_name_per_municipality":
        message = _("%(municipality)s already has a venue with this name.") % {"municipality": venue.municipality}
        return ValidationError({"name": ValidationError(message, code="name_taken")})
    if constraint == "venue_district_in_venue_municipality":
        message = _("Choose a district in %(municipality)s, where the venue is.") % {"municipality": venue.municipality}
        return ValidationError({"district": ValidationError(message, code="district_elsewhere")})
    raise error


@transaction.atomic
def copy_to_next_week(course, user, key=None):
    """The same course again, seven days later: planned, with the same trainers. Returns (copy, made).
    Not of a cancelled course (a ValidationError).

    Not into an approved month: that needs a reason, which the course form asks for. The
    copy button's `key` makes one copy per showing of the page: sent again (a double click,
    a second tab), the copy made the first time comes back with made False.
    """
    if (made := made_with(Course, key)) is not None:
        return made, False
    if course.status == Course.Status.CANCELLED:
        # Its copy would be planned, and shown publicly if it was, at the venue and with the trainers that may
        # be why it was cancelled: a new course is planned on the form, where each is chosen again.
        raise ValidationError(
            _(
                "A cancelled course is not copied: plan a new course instead, so that its venue, trainers and "
                "whether it is shown publicly are chosen again."
            ),
            code="cancelled",
        )
    if course.venue_id and a_week_later(course.ends_at) > timezone.now() and not venue_open_and_held(course.venue_id):
        # Closed because nothing was planned there, and the finder shows nothing held at a closed venue.
        raise ValidationError(
            _("%(venue)s is closed: plan the next course at an open venue instead.") % {"venue": course.venue},
            code="venue_closed",
        )
    check_change_allowed(user, course.municipality_id, a_week_later(course.starts_at), adding=True)
    # Those of the course's municipality: a course linked to another's trainers before the database
    # refused that (course_trainer_in_course_municipality) is copied without them.
    trainers = list(course.trainers.filter(organisation__municipality_id=course.municipality_id))
    copy, made = save_once(_copy(course, user, key))
    if made:
        copy.trainers.set(trainers)
    return copy, made


def a_week_later(moment):
    """The same clock time in Copenhagen seven days later: not 168 hours, which is an hour off the week the
    clocks change."""
    return timezone.make_aware(timezone.localtime(moment).replace(tzinfo=None) + dt.timedelta(days=7))


def _copy(course, user, key):
    return Course(
        form_key=key,
        municipality=course.municipality,
        kind=course.kind,
        format=course.format,
        title=course.title,
        venue=course.venue,
        joining_url=course.joining_url,
        starts_at=a_week_later(course.starts_at),
        ends_at=a_week_later(course.ends_at),
        audiences=course.audiences,
        languages=course.languages,
        capacity=course.capacity,
        published=course.published,
        public_description=course.public_description,
        created_by=user,
    )


@transaction.atomic
def cancel_course(course, reason, user=None):
    """Cancel a planned course; its reason (required) is also the reason for changing an approved month.

    The requests it answered are in progress again (`course.reopened_requests`).

    The status is read from the locked row, not from `course`: of two cancellations sent at once (a double
    click, two tabs) both read "planned" and the second reason overwrote the first. Now the second waits for the
    first and is refused with code "cancelled_already"; a course that is not planned, with "not_planned"."""
    locked = Course.objects.select_for_update().get(pk=course.pk)
    if locked.status == Course.Status.CANCELLED:
        raise ValidationError(_("The course is cancelled already."), code="cancelled_already")
    if locked.status != Course.Status.PLANNED:
        raise ValidationError(_("Only a planned course can be cancelled."), code="not_planned")
    if user is not None:
        check_change_allowed(user, locked.municipality_id, locked.starts_at, reason)
        locked._history_user = user
    locked.status = Course.Status.CANCELLED
    locked.cancellation_reason = reason
    locked.cancelled_at = timezone.now()
    locked.save(update_fields=["status", "cancellation_reason", "cancelled_at", "updated_at"])
    for field in ("status", "cancellation_reason", "cancelled_at", "updated_at"):
        setattr(course, field, getattr(locked, field))
    # The workplace that asked for it still wants a course: its request is open again, for a new date.
    course.reopened_requests = list(course.requests.filter(status=CourseRequest.Status.SCHEDULED))
    for course_request in course.reopened_requests:
        course_request.status = CourseRequest.Status.IN_PROGRESS
        course_request.save(update_fields=["status"])
    return course


@transaction.atomic
def set_published(course, published: bool):
    course.published = published
    course.save(update_fields=["published", "updated_at"])
    return course


def publish_problem(course):
    """Why a course may not be shown in the public finder, or None."""
    if course.venue_id and (reason := course.venue.not_public_reason()):
        return reason
    if course.status != Course.Status.PLANNED:
        return _("Only a planned course can be shown in the public finder.")
    return None


def trainer_warnings(trainers, starts_at, ends_at, exclude_course=None):
    """Warnings, not refusals: a trainer booked twice at the same time, or without a
    valid certification on the course date."""
    trainers = list(trainers)
    if not trainers or starts_at is None or ends_at is None:
        return []
    day = timezone.localtime(starts_at).date()
    clashes = (
        Course.objects.filter(trainers__in=trainers, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .exclude(status=Course.Status.CANCELLED)
        .exclude(pk=getattr(exclude_course, "pk", None))
        .values_list("trainers", flat=True)
    )
    double_booked = set(clashes)
    certified = set(
        Certification.objects.filter(trainer__in=trainers, issued_on__lte=day)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=day))
        .values_list("trainer", flat=True)
    )
    warnings = []
    for trainer in trainers:
        if trainer.pk in double_booked:
            warnings.append(
                _("%(trainer)s is already booked for another course at that time.") % {"trainer": trainer.name}
            )
        if trainer.pk not in certified:
            warnings.append(
                _("%(trainer)s has no valid certification on %(date)s.")
                % {"trainer": trainer.name, "date": date_format(day, "SHORT_DATE_FORMAT")}
            )
    return warnings


# --- standing drop-in hours -----------------------------------------------------------------


@transaction.atomic
def save_dropin(form, user):
    """Save standing drop-in hours from the coordinator's form; new ones belong to their venue's municipality.

    Returns (schedule, saved). New hours are created once per form (its `key`): sent again, the
    hours created the first time come back with saved False, and nothing is written, so the
    public finder never shows the same hours twice.
    """
    schedule = form.save(commit=False)
    refuse_a_closed_venue(
        schedule.venue_id, schedule.valid_until is None or schedule.valid_until >= timezone.localdate()
    )
    if schedule.pk is not None:
        refuse_a_later_change(
            schedule,
            form.cleaned_data.get("shown_version"),
            _(
                "The drop-in hours were changed elsewhere after you opened this page (in another tab, or by "
                "another coordinator). Your changes are not saved: open them in a new tab to see what changed, "
                "and save again here if yours should replace it."
            ),
        )
        schedule.save()
        return schedule, True
    if (made := made_with(DropInSchedule, form.cleaned_data.get("key"))) is not None:
        return made, False
    schedule.municipality_id = schedule.venue.municipality_id  # the venue's, as a course's (save_course)
    schedule.form_key = form.cleaned_data.get("key")
    return save_once(schedule)


@transaction.atomic
def close_dropin_on(form, schedule: DropInSchedule):
    """A date the drop-in hours are closed, from the exception form (which checks the weekday and period).

    The form also checks that the date is not skipped already; two tabs sending it at once both
    pass that check, and the database's constraint refuses the second with the form's message.
    """
    exception = form.save(commit=False)
    exception.schedule = schedule
    try:
        with transaction.atomic():
            exception.save()
    except IntegrityError as error:
        if violated_constraint(error) != "dropin_exception_once_per_date":
            raise
        raise ValidationError({"date": _("That date is already an exception.")}, code="already_skipped") from error
    return exception


@transaction.atomic
def reopen_dropin_on(exception):
    exception.delete()


# --- course requests --------------------------------------------------------------------


def receive_request(form):
    """Store a course request from the public form, once per the key the form was shown with.

    Returns (request, created). Sent again (a double tap on a slow connection, Back and send
    again, a second tab), the request stored the first time comes back with created False and
    nothing is written: the coordinators get one request, not two to answer.
    """
    if (made := made_with(CourseRequest, form.cleaned_data.get("key"))) is not None:
        return made, False
    course_request = form.save(commit=False)
    course_request.form_key = form.cleaned_data.get("key")
    return save_once(course_request)


@transaction.atomic
def handle_request(course_request, assigned_to, status):
    course_request.assigned_to = assigned_to
    course_request.status = status
    course_request.save(update_fields=["assigned_to", "status"])
    return course_request


# --- trainers ---------------------------------------------------------------------------


def trainers_with_totals(user):
    held = Q(courses__status=Course.Status.HELD)
    return (
        Trainer.objects.for_user(user)
        .select_related("organisation")
        .prefetch_related("certifications")
        .annotate(
            courses_held=Count("courses", filter=held, distinct=True),
            people_trained=people_trained("courses__attendance__"),
        )
    )


def trainer_totals_by_kind(trainer):
    """Held courses and people trained, each kind of course counted apart."""
    rows = (
        trainer.courses.filter(status=Course.Status.HELD)
        .values("kind")
        .annotate(courses=Count("id"), people=people_trained())
        .order_by("kind")
    )
    by_kind = {row["kind"]: row for row in rows}
    return [
        {
            "label": label,
            "courses": by_kind.get(kind, {}).get("courses", 0),
            "people": by_kind.get(kind, {}).get("people", 0),
        }
        for kind, label in Course.Kind.choices
    ]


def expiring_certifications(user, today):
    """Active trainers' certifications that end within 60 days and are not renewed yet."""
    renewed = Certification.objects.filter(
        trainer=OuterRef("trainer"),
        kind=OuterRef("kind"),
        expires_on__gt=OuterRef("expires_on"),
    )
    return (
        Certification.objects.filter(
            trainer__in=Trainer.objects.for_user(user).filter(active=True),
            expires_on__gte=today,
            expires_on__lte=today + dt.timedelta(days=CERTIFICATION_WARNING_DAYS),
        )
        .exclude(Exists(renewed))
        .select_related("trainer")
        .order_by("expires_on")
    )
