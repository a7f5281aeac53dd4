"""Where and when RED LIV courses are held, who teaches them, and who came.

Attendance is counted, never named: the registry stores no participant's name,
CPR number, address or phone number.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from redliv.models import (
    Audience,
    CourseLanguage,
    District,
    IdempotentModel,
    Municipality,
    Organisation,
    ScopedQuerySet,
    refuse_moving_what_is_in_use,
)
from redliv.personal_data import refuse_identifiers

MAX_COUNT_PER_GROUP = 500

# A venue that cannot close yet names at most this many of its courses and of its drop-in hours.
PLANS_NAMED = 10


# Where a venue may lie, in decimal degrees: Denmark, Bornholm and Skagen included (54.56 to 57.75 north,
# 8.07 to 15.20 east), with a margin. A swapped pair (10.4, 55.4), a dropped sign or a missing point is refused.
LATITUDE_RANGE = (Decimal(54), Decimal(58))
LONGITUDE_RANGE = (Decimal(8), Decimal(16))


def within(bounds):
    return [MinValueValidator(bounds[0]), MaxValueValidator(bounds[1])]


def choices_array(base_field, verbose_name, **kwargs):
    return ArrayField(base_field, verbose_name=verbose_name, default=list, blank=True, **kwargs)


# The kinds of venue that are never open to the public (`Venue.Kind`): nothing held there is shown in the finder,
# its API, feed or widget, and the publication counts them together, unnamed (reports.figures.NOT_PUBLIC_VENUES).
RESIDENTS_ONLY_KINDS = ("shelter", "stairwell")


class Venue(models.Model):
    class Kind(models.TextChoices):
        PREMISES = "premises", _("Premises")
        CLINIC = "clinic", _("Clinic")
        TREATMENT_CENTRE = "treatment_centre", _("Treatment centre")
        SHELTER = "shelter", _("Shelter (residents only)")
        # Courses for the residents of a stairwell where people who use drugs live (a secondary audience): the
        # place's name or address, published, would tell everyone where they live.
        STAIRWELL = "stairwell", _("Stairwell (residents only)")
        STREET_STAND = "street_stand", _("Street stand")
        ONLINE = "online", _("Online")

    name = models.CharField(_("name"), max_length=150)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="venues",
        verbose_name=_("organisation"),
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="venues",
        verbose_name=_("municipality"),
    )
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=Kind.choices,
        help_text=_(
            "Shelters and stairwells are for their residents only: never shown in the public finder, and never "
            "named in the published figures."
        ),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=4, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="venues",
        verbose_name=_("district"),
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=6, null=True, blank=True, validators=within(LATITUDE_RANGE)
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True, validators=within(LONGITUDE_RANGE)
    )
    open_to_public = models.BooleanField(
        _("open to the public"),
        default=True,
        help_text=_("Off for places only their residents may enter, such as municipal shelters."),
    )
    accessibility_notes = models.TextField(_("accessibility notes"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    # The key of the coordinator's venue form that created it (made when the form is shown): a double
    # submit or a second tab of the same form creates the venue once. Venues made otherwise have none.
    form_key = models.UUIDField(_("form key"), null=True, blank=True, unique=True, editable=False)
    # When the venue was last saved: a save from a form shown before that is refused
    # (`redliv.edits.refuse_a_later_change`), as for a trainer.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="venue_unique_name_per_municipality"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    latitude__isnull=False,
                    longitude__isnull=False,
                    latitude__gte=LATITUDE_RANGE[0],
                    latitude__lte=LATITUDE_RANGE[1],
                    longitude__gte=LONGITUDE_RANGE[0],
                    longitude__lte=LONGITUDE_RANGE[1],
                ),
                name="venue_coordinates_both_or_neither_and_in_range",
            ),
            models.CheckConstraint(
                condition=Q(postcode="") | Q(postcode__regex=r"^[0-9]{4}$"),
                name="venue_postcode_four_digits",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=RESIDENTS_ONLY_KINDS) | Q(open_to_public=False),
                name="venue_residents_only_kinds_are_not_public",
                violation_error_message=_(
                    "A shelter or a stairwell is for its residents only: untick “open to the public”, or choose "
                    "another kind."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        """Closing the venue, or making it residents-only, takes what is held here off the public finder at
        once: refused while courses or drop-in hours are still planned here, so that each is cancelled
        (its page then says so) or moved first, and the people who planned to come are told."""
        super().clean()
        if self.district_id and self.municipality_id and self.district.municipality_id != self.municipality_id:
            raise ValidationError(
                {
                    "district": ValidationError(
                        _("Choose a district in %(municipality)s, where the venue is."),
                        code="district_elsewhere",
                        params={"municipality": self.municipality},
                    )
                }
            )
        before = (
            Venue.objects.filter(pk=self.pk).values("active", "open_to_public", "municipality").first()
            if self.pk
            else None
        )
        if before is None:
            return
        self._refuse_moving_what_is_held_here(before["municipality"])
        closing = before["active"] and not self.active
        residents_only = before["open_to_public"] and not self.open_to_public
        if not (closing or residents_only):
            return
        courses, hours = self.planned_from_today()
        if not closing:  # residents may still be taught here, off the finder
            courses, hours = courses.filter(published=True), hours.filter(published=True)
        plans = [
            f"{date_format(timezone.localtime(course.starts_at), 'SHORT_DATETIME_FORMAT')} "
            f"{course.title or course.get_format_display()}"
            for course in courses[:PLANS_NAMED]
        ] + [str(schedule) for schedule in hours[:PLANS_NAMED]]
        if not plans:
            return
        params = {"venue": self.name, "plans": "; ".join(plans)}
        if closing:
            message = _(
                "%(venue)s still has plans from today on: %(plans)s. Cancel or move these courses, and end or "
                "move these drop-in hours, before you close the venue, so that those who planned to come are told."
            )
            raise ValidationError({"active": ValidationError(message, code="plans_left", params=params)})
        message = _(
            "%(venue)s still has plans in the public finder: %(plans)s. Cancel or move these courses, and end or "
            "move these drop-in hours (or take them out of the finder), before the venue becomes residents-only."
        )
        raise ValidationError({"open_to_public": ValidationError(message, code="plans_left", params=params)})

    def _refuse_moving_what_is_held_here(self, stored_municipality_id):
        """A venue with courses, drop-in hours or stock locations stays in its municipality (the coordinator's form
        offers no other; the admin did). Moved, its page showed another municipality's coordinator what was held
        and planned there, and the courses counted in one municipality at a venue of another."""
        message = _(
            "%(venue)s has courses, drop-in hours or stock locations in %(municipality)s, so it "
            "stays in %(municipality)s. Create the venue again in the other municipality."
        )
        refuse_moving_what_is_in_use(self, message, code="venue_in_use", name="venue", stored=stored_municipality_id)

    def planned_from_today(self):
        """The courses still planned here that are not over, and the drop-in hours not ended before today."""
        now = timezone.now()
        courses = self.courses.filter(status=Course.Status.PLANNED, ends_at__gt=now).order_by("starts_at")
        hours = self.drop_in_schedules.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=timezone.localdate(now))
        ).order_by("weekday", "starts_at")
        return courses, hours

    def not_public_reason(self):
        """Why nothing held here may be shown in the public finder, or None: residents-only venues never are."""
        if self.open_to_public:
            return None
        if self.kind == Venue.Kind.STAIRWELL:
            return _(
                "%(venue)s is a stairwell where people live: showing a course there in the public finder would "
                "tell everyone where they live. Keep it out of the finder, and tell the residents yourself."
            ) % {"venue": self.name}
        return _(
            "%(venue)s is for residents only, so nothing held there can be shown in the public finder. "
            "Choose another venue, or keep it out of the finder."
        ) % {"venue": self.name}


class TrainerQuerySet(ScopedQuerySet):
    municipality_lookup = "organisation__municipality"


class Trainer(models.Model):
    """Someone who teaches RED LIV courses; volunteers may have no user account."""

    name = models.CharField(_("name"), max_length=150, help_text=_("Shown to staff only, unless the trainer agrees."))
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="trainers",
        verbose_name=_("organisation"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="trainer",
        verbose_name=_("user account"),
    )
    contact = models.CharField(_("contact (staff only)"), max_length=200, blank=True)
    show_name_publicly = models.BooleanField(
        _("name may be shown publicly"),
        default=False,
        help_text=_("Only when the trainer has agreed to be named on the public site."),
    )
    active = models.BooleanField(_("active"), default=True)
    # The key of the coordinator's trainer form that registered them (made when the form is shown): a double
    # submit or a second tab of the same form registers the trainer once. Trainers made otherwise have none.
    form_key = models.UUIDField(_("form key"), null=True, blank=True, unique=True, editable=False)
    # When the trainer was last saved: a save from a form shown before that is refused
    # (`redliv.edits.refuse_a_later_change`), as for a course.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TrainerQuerySet.as_manager()

    class Meta:
        verbose_name = _("trainer")
        verbose_name_plural = _("trainers")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        """A trainer with courses stays in their courses' municipality (checked on every form, the admin's too).

        A trainer belongs to their organisation's municipality (`TrainerQuerySet`): its coordinator sees the
        trainer's page, with every course they taught. Moved to another municipality's organisation, the
        trainer took those courses along to that municipality's coordinator, and left their own coordinator's
        course forms without them. A trainer without courses (registered in the wrong place) may move.
        """
        super().clean()
        if self.pk is None or not self.organisation_id:
            return
        stored = Trainer.objects.filter(pk=self.pk).values_list("organisation_id", flat=True).first()
        if stored is None or stored == self.organisation_id:
            return
        elsewhere = (
            self.courses.exclude(municipality_id=self.organisation.municipality_id)
            .select_related("municipality")
            .first()
        )
        if elsewhere is not None:
            raise ValidationError(
                {
                    "organisation": ValidationError(
                        _(
                            "%(trainer)s has courses in %(municipality)s, where they are seen and counted, so the "
                            "trainer stays in %(municipality)s. Register them again in the other municipality."
                        ),
                        code="trainer_has_courses",
                        params={"trainer": self.name, "municipality": elsewhere.municipality},
                    )
                }
            )


class Certification(models.Model):
    class Kind(models.TextChoices):
        REDLIV_TRAINER = "redliv_trainer", _("RED LIV trainer")
        FIRST_AID_INSTRUCTOR = "first_aid_instructor", _("First-aid instructor")

    trainer = models.ForeignKey(
        Trainer,
        on_delete=models.CASCADE,
        related_name="certifications",
        verbose_name=_("trainer"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["trainer__name", "kind", "-issued_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=F("issued_on")),
                name="certification_expires_after_issue",
            ),
        ]

    def __str__(self):
        return f"{self.trainer}: {self.get_kind_display()}"


class CourseFormat(models.TextChoices):
    """Also the values used in public URLs and the API."""

    DROP_IN = "drop_in", _("Drop-in")
    POP_UP = "pop_up", _("Pop-up")
    ONLINE = "online", _("Online")
    SCHEDULED = "scheduled", _("By appointment")
    ON_SITE = "on_site", _("On-site at a partner")


# A cancelled course stays on the public pages, with its reason, for this long after
# it was cancelled (and never after it would have ended).
CANCELLATION_NOTICE_DAYS = 14


class CourseQuerySet(ScopedQuerySet):
    def recently_cancelled(self, now):
        """Published courses cancelled lately whose time has not passed: the public sees why."""
        return self.filter(
            published=True,
            status=Course.Status.CANCELLED,
            ends_at__gte=now,
            cancelled_at__gte=now - dt.timedelta(days=CANCELLATION_NOTICE_DAYS),
        )


class Course(models.Model):
    class Kind(models.TextChoices):
        PARTICIPANT = "participant", _("RED LIV course")
        TRAIN_THE_TRAINER = "train_the_trainer", _("Train-the-trainer course")
        NETWORK_MEETING = "network_meeting", _("Network meeting")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="courses",
        verbose_name=_("municipality"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PARTICIPANT)
    format = models.CharField(_("format"), max_length=20, choices=CourseFormat.choices)
    title = models.CharField(_("title"), max_length=150, blank=True)
    venue = models.ForeignKey(
        Venue,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
        verbose_name=_("venue"),
    )
    joining_url = models.URLField(_("joining link"), blank=True, help_text=_("For online courses."))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    audiences = choices_array(models.CharField(max_length=30, choices=Audience.choices), _("audiences"))
    languages = choices_array(models.CharField(max_length=5, choices=CourseLanguage.choices), _("languages"))
    capacity = models.PositiveSmallIntegerField(_("capacity"), null=True, blank=True)
    trainers = models.ManyToManyField(Trainer, blank=True, related_name="courses", verbose_name=_("trainers"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    cancellation_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    published = models.BooleanField(
        _("shown in the public course finder"),
        default=False,
    )
    public_description = models.TextField(_("public description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The key of the coordinator's course form that planned it (made when the form is shown): a double
    # submit or a second tab of the same form plans the course once. Courses planned otherwise have none.
    form_key = models.UUIDField(_("form key"), null=True, blank=True, unique=True, editable=False)

    objects = CourseQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["municipality", "starts_at"], name="course_municipality_start"),
            models.Index(
                fields=["starts_at"],
                name="course_published_planned_start",
                condition=Q(published=True, status="planned"),
            ),
            # The finder's courses still to end (past planned courses never logged stay "planned"),
            # and its courses cancelled lately: both read a short range instead of the whole table.
            # What the finder filters and orders by rides along, so it counts its matches and finds
            # the first one's start from the index alone, under any filter but a district (2,500
            # courses at national scale: 26 pages read instead of 2,540).
            models.Index(
                fields=["ends_at"],
                name="course_published_planned_end",
                condition=Q(published=True, status="planned"),
                include=["venue", "id", "starts_at", "format", "audiences", "languages"],
            ),
            models.Index(
                fields=["cancelled_at"],
                name="course_published_cancelled",
                condition=Q(published=True, status="cancelled"),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="course_ends_after_start"),
            models.CheckConstraint(
                condition=Q(format="online", venue__isnull=True) & ~Q(joining_url="")
                | ~Q(format="online") & Q(venue__isnull=False),
                name="course_online_has_link_others_have_venue",
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1),
                name="course_capacity_positive",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancellation_reason=""),
                name="course_cancelled_has_reason",
            ),
        ]

    def __str__(self):
        # Copenhagen time, as every page prints it: "Pop-up 5. dec 2026 12:00", never the UTC hour.
        return (
            self.title
            or f"{self.get_format_display()} {date_format(timezone.localtime(self.starts_at), 'SHORT_DATETIME_FORMAT')}"
        )


# Drop-in hours that end at 00:00 end at midnight, at the end of their day ("20:00–00:00"): the time
# field holds no 24:00. Hours that start at 00:00 cannot end then (that would be a whole day).
MIDNIGHT = dt.time(0)


def ends_after_start(starts_at: dt.time, ends_at: dt.time) -> bool:
    """Whether drop-in hours from `starts_at` to `ends_at` end after they start, 00:00 being midnight at the end
    of the day (the database's dropin_ends_after_start says the same)."""
    return ends_at > starts_at or (ends_at == MIDNIGHT and starts_at > MIDNIGHT)


class DropInSchedule(models.Model):
    """Standing drop-in hours: every given weekday, at a venue, for a period.

    The finder expands them into dates; single dates can be skipped with an
    exception (a holiday, the venue closed).
    """

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="drop_in_schedules",
        verbose_name=_("municipality"),
    )
    venue = models.ForeignKey(
        Venue,
        on_delete=models.PROTECT,
        related_name="drop_in_schedules",
        verbose_name=_("venue"),
    )
    title = models.CharField(_("title"), max_length=150, blank=True)
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    audiences = choices_array(models.CharField(max_length=30, choices=Audience.choices), _("audiences"))
    languages = choices_array(models.CharField(max_length=5, choices=CourseLanguage.choices), _("languages"))
    published = models.BooleanField(_("shown in the public course finder"), default=True)
    public_description = models.TextField(_("public description"), blank=True)
    # When the hours last changed: the calendar files' DTSTAMP (finder/ics.py), as a course's updated_at.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The key of the coordinator's drop-in form that created them (made when the form is shown): a double
    # submit or a second tab of the same form creates the hours once. Hours made otherwise have none.
    form_key = models.UUIDField(_("form key"), null=True, blank=True, unique=True, editable=False)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("standing drop-in hours")
        verbose_name_plural = _("standing drop-in hours")
        ordering = ["weekday", "starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="dropin_weekday_valid"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")) | Q(ends_at=MIDNIGHT, starts_at__gt=MIDNIGHT),
                name="dropin_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="dropin_valid_until_after_from",
            ),
        ]

    def __str__(self):
        return self.title or f"{self.get_weekday_display()} {self.starts_at:%H:%M}, {self.venue}"


class DropInException(models.Model):
    schedule = models.ForeignKey(
        DropInSchedule,
        on_delete=models.CASCADE,
        related_name="exceptions",
        verbose_name=_("drop-in hours"),
    )
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("exception to drop-in hours")
        verbose_name_plural = _("exceptions to drop-in hours")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "date"], name="dropin_exception_once_per_date"),
        ]

    def __str__(self):
        return f"{self.date}: {self.reason}"


def _count_field(verbose_name):
    return models.PositiveSmallIntegerField(verbose_name, default=0)


# The six audience groups participants are counted by, and the attendance field counting each:
# written once here; forms, services, reports and the street script take them from this.
AUDIENCE_FIELDS = {
    Audience.PEOPLE_WHO_USE_DRUGS: "people_who_use_drugs",
    Audience.RELATIVES_NETWORK: "relatives_network",
    Audience.PROFESSIONALS: "professionals",
    Audience.RESIDENTS: "residents",
    Audience.STUDENTS: "students",
    Audience.OTHER: "other",
}


def participants(prefix=""):
    """The number of participants of an attendance in SQL: the sum of its audience counts."""
    first, *rest = (F(f"{prefix}{field}") for field in AUDIENCE_FIELDS.values())
    return sum(rest, first)


class AttendanceQuerySet(ScopedQuerySet):
    municipality_lookup = "course__municipality"


class Attendance(IdempotentModel):
    """Who came to a held course, counted per audience group. Never names."""

    AUTHOR_FIELD = "logged_by"

    AUDIENCE_FIELDS = AUDIENCE_FIELDS

    course = models.OneToOneField(
        Course,
        on_delete=models.PROTECT,
        related_name="attendance",
        verbose_name=_("course"),
    )
    people_who_use_drugs = _count_field(_("people who use drugs"))
    relatives_network = _count_field(_("relatives, friends and network"))
    professionals = _count_field(_("professionals"))
    residents = _count_field(_("residents"))
    students = _count_field(_("students"))
    other = _count_field(_("other"))
    first_time = _count_field(_("first-time participants"))
    refresher = _count_field(_("refresher participants"))
    note = models.TextField(
        _("note"),
        blank=True,
        validators=[refuse_identifiers],
        help_text=_("Never write names or other personal data. Purged after a while."),
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("logged by"),
    )
    logged_at = models.DateTimeField(_("logged at"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    objects = AttendanceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["-logged_at"]
        constraints = [
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{field}__lte": MAX_COUNT_PER_GROUP}),
                    name=f"attendance_{field}_at_most_{MAX_COUNT_PER_GROUP}",
                )
                for field in AUDIENCE_FIELDS.values()
            ],
            models.CheckConstraint(
                condition=Q(first_time=participants() - F("refresher")),
                name="attendance_first_time_plus_refresher_is_total",
            ),
            models.CheckConstraint(
                condition=Q(first_time__gt=0) | Q(refresher__gt=0),
                name="attendance_at_least_one_participant",
            ),
        ]

    def __str__(self):
        return f"{self.course}: {self.total}"

    def counts_by_audience(self):
        """[(audience, count), …] in the order of AUDIENCE_FIELDS."""
        return [(audience, getattr(self, field)) for audience, field in self.AUDIENCE_FIELDS.items()]

    @property
    def total(self):
        return sum(count for _audience, count in self.counts_by_audience())


# What the public request form takes in its free-text field: enough for dates, place and wishes.
WISHES_MAX_LENGTH = 1000


class CourseRequest(models.Model):
    """An organisation asks for a course at its own premises (from the public site)."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        SCHEDULED = "scheduled", _("Course scheduled")
        CLOSED = "closed", _("Closed")

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="course_requests",
        verbose_name=_("municipality"),
    )
    organisation_name = models.CharField(_("organisation"), max_length=150)
    contact_name = models.CharField(_("contact person"), max_length=150)
    contact_email = models.EmailField(_("e-mail"), blank=True)
    contact_phone = models.CharField(_("phone"), max_length=30, blank=True)
    audience = models.CharField(_("audience"), max_length=30, choices=Audience.choices)
    number_of_people = models.PositiveSmallIntegerField(_("number of people"))
    wishes = models.TextField(_("wishes"), blank=True, max_length=WISHES_MAX_LENGTH)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    course = models.ForeignKey(
        Course,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("course"),
    )
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    # Set when the retention purge blanked the contact data (redliv.purge).
    purged_at = models.DateTimeField(_("free text purged at"), null=True, blank=True, editable=False)
    # The key the public form was shown with: sent twice (a double tap, Back and send again), it is one request.
    form_key = models.UUIDField(_("form key"), null=True, blank=True, unique=True, editable=False)

    # When it was last saved: a save from an admin form shown before that is refused (a stale tab would silently
    # undo the later change; redliv.admin.VersionChecked).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("course request")
        verbose_name_plural = _("course requests")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(number_of_people__gte=1, number_of_people__lte=1000),
                name="courserequest_number_of_people_1_to_1000",
            ),
            models.CheckConstraint(
                condition=~Q(contact_email="") | ~Q(contact_phone="") | Q(purged_at__isnull=False),
                name="courserequest_has_email_or_phone",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("wishes"), WISHES_MAX_LENGTH),
                name="courserequest_wishes_fit_the_form",
            ),
            # The form takes a number only as a Dane writes it (finder.forms.clean_phone_number);
            # the database holds at least to the characters a number is written with.
            models.CheckConstraint(
                condition=Q(contact_phone__regex=r"^[0-9 +().-]*$"),
                name="courserequest_phone_is_a_number",
            ),
        ]

    def __str__(self):
        return f"{self.organisation_name} ({self.get_status_display()})"
