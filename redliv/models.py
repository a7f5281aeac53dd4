"""What every part of the programme shares: municipalities, organisations, staff users.

Everything a coordinator may see is scoped to a municipality; `ScopedQuerySet`
is the single place that rule lives.
"""

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from redliv import roles


class Audience(models.TextChoices):
    """The audience groups a course is for and participants are counted by."""

    PEOPLE_WHO_USE_DRUGS = "people_who_use_drugs", _("People who use drugs")
    RELATIVES_NETWORK = "relatives_network", _("Relatives, friends and network")
    PROFESSIONALS = "professionals", _("Professionals")
    RESIDENTS = "residents", _("Residents")
    STUDENTS = "students", _("Students")
    OTHER = "other", pgettext_lazy("audience group", "Other")


class CourseLanguage(models.TextChoices):
    DANISH = "da", _("Danish")
    ENGLISH = "en", _("English")
    ARABIC = "ar", _("Arabic")
    FARSI = "fa", _("Farsi")
    POLISH = "pl", _("Polish")
    ROMANIAN = "ro", _("Romanian")
    SOMALI = "so", _("Somali")
    UKRAINIAN = "uk", _("Ukrainian")


def has_rows_pointing_to(instance) -> bool:
    """Whether a row of any model has a foreign key to `instance`: every reverse one-to-many relation, those of
    models added later too. For the rows that decide which municipality other rows are seen in (organisations,
    districts, venues): one in use stays in its municipality, or what points to it moves along unseen."""
    return any(
        relation.related_model._base_manager.filter(**{relation.field.name: instance.pk}).exists()
        for relation in instance._meta.related_objects
        if relation.one_to_many
    )


def refuse_moving_what_is_in_use(instance, message, *, code, name, stored=None, in_use=has_rows_pointing_to):
    """Refuse (on `municipality`) moving `instance` out of the municipality it is stored in while it is in use.

    Organisations, districts, venues and stock locations decide which municipality other rows are seen and counted
    in: moved in the admin, what points to them moved along unseen, out of months already approved. One made in the
    wrong municipality, with nothing in it yet, may move. `stored`: the stored municipality's id, if already read;
    `message` may name `%(<name>)s` (the instance's name) and `%(municipality)s` (where it stays)."""
    if instance.pk is None or not instance.municipality_id:
        return
    if stored is None:
        stored = type(instance)._base_manager.filter(pk=instance.pk).values_list("municipality_id", flat=True).first()
    if stored is None or stored == instance.municipality_id or not in_use(instance):
        return
    params = {name: instance.name, "municipality": Municipality.objects.get(pk=stored)}
    raise ValidationError({"municipality": ValidationError(message, code=code, params=params)})


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows how to limit itself to what a user may see.

    Subclasses name the lookup from their model to `Municipality` in
    `municipality_lookup`. Administrators see everything; other staff see their
    own municipality; anyone else sees nothing: a visitor, a deactivated account, a
    user without an organisation, and a user whose roles give no permission (a role
    taken away while they were logged in, or an account given none yet).
    """

    municipality_lookup = "municipality"

    def municipality_q(self, municipality) -> models.Q:
        return models.Q(**{self.municipality_lookup: municipality})

    def for_user(self, user):
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.has_perm(roles.SEE_EVERY_MUNICIPALITY):
            return self
        if user.municipality_id is None or not roles.has_a_role(user):
            return self.none()
        return self.filter(self.municipality_q(user.municipality_id))

    def in_municipality(self, municipality):
        return self.filter(self.municipality_q(municipality))


class IdempotentModel(models.Model):
    """A row written by a request that a flaky network may send more than once.

    The client makes the key (the tablet does so on the device); the unique
    constraint makes the database store each key once whatever Python does.
    """

    idempotency_key = models.UUIDField(
        _("idempotency key"),
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text=_("Made by the device that sent the entry, so a retry is stored once."),
    )
    # A digest of what the entry said when first sent: a retry must say the same.
    payload_digest = models.CharField(max_length=64, blank=True, editable=False)
    # The user the entry is stored for (a foreign key): a retry must come from them (redliv.idempotency).
    AUTHOR_FIELD: str

    class Meta:
        abstract = True


class PostCount(models.Model):
    """Posts to a public form from one (hashed) address in one hour: see redliv.ratelimit."""

    scope = models.CharField(max_length=30)
    sender_digest = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "sender_digest", "window_start"], name="postcount_one_row_per_form_sender_hour"
            ),
        ]
        indexes = [models.Index(fields=["window_start"], name="postcount_window")]

    def __str__(self):
        return f"{self.scope} {timezone.localtime(self.window_start):%d.%m.%Y %H:%M}: {self.count}"


class Municipality(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.PositiveSmallIntegerField(
        _("municipality code"),
        unique=True,
        help_text=_("The official three-digit code, e.g. 461 for Odense."),
    )

    # When it was last saved: a save from an admin form shown before that is refused (a stale tab would silently
    # undo the later change; redliv.admin.VersionChecked).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__gte=100, code__lte=999),
                name="municipality_code_three_digits",
            ),
        ]

    def __str__(self):
        return self.name


class District(models.Model):
    """A part of a municipality: where a course is, and where an overdose happened.

    Reversal reports name a district, never an address.
    """

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="districts",
        verbose_name=_("municipality"),
    )
    name = models.CharField(_("name"), max_length=100)
    postcodes = models.CharField(
        _("postcodes"),
        max_length=200,
        blank=True,
        help_text=_("Postcodes in the district, separated by commas; used to find courses near a postcode."),
    )

    # When it was last saved: a save from an admin form shown before that is refused (a stale tab would silently
    # undo the later change; redliv.admin.VersionChecked).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["municipality__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="district_unique_name_per_municipality"),
            # The finder splits the list on commas to match a visitor's postcode (finder/listing.py).
            models.CheckConstraint(
                condition=models.Q(postcodes="") | models.Q(postcodes__regex=r"^[0-9]{4}(, ?[0-9]{4})*$"),
                name="district_postcodes_four_digits_comma_separated",
                violation_error_message=_("Write four-digit postcodes separated by commas, for example 5000, 5200."),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        """A district with venues or reversal reports stays in its municipality: they are seen and counted in the
        district's municipality, so another chosen in the admin moved Odense's reports, and their counts in
        approved months, to Aarhus's coordinator and figures. One made in the wrong municipality may move."""
        super().clean()
        message = _(
            "%(district)s has venues or reversal reports in %(municipality)s, where they are seen and "
            "counted, so it stays in %(municipality)s. Create the district again in the other municipality."
        )
        refuse_moving_what_is_in_use(self, message, code="district_in_use", name="district")


class Organisation(models.Model):
    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("Municipality")
        NGO = "ngo", _("Voluntary organisation")
        TREATMENT = "treatment", _("Treatment or health service")
        POLICE = "police", _("Police")
        SHELTER = "shelter", _("Shelter or drop-in centre")
        EDUCATION = "education", _("School or education")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("municipality"),
    )

    # When it was last saved: a save from an admin form shown before that is refused (a stale tab would silently
    # undo the later change; redliv.admin.VersionChecked).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"],
                name="organisation_unique_name_per_municipality",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        """An organisation with users, trainers, venues or stock locations stays in its municipality.

        Each of these is seen in its organisation's municipality (a user's and a trainer's scope is their
        organisation's): moved in the admin, the organisation took its trainers along with the courses they
        taught elsewhere, and its staff into another municipality's rows. One made in the wrong municipality
        with nothing in it yet may move.
        """
        super().clean()
        message = _(
            "%(organisation)s has users, trainers, venues or stock locations in %(municipality)s, "
            "where they are seen and counted, so it stays in %(municipality)s. Create the "
            "organisation again in the other municipality."
        )
        refuse_moving_what_is_in_use(self, message, code="organisation_in_use", name="organisation")


class User(AbstractUser):
    """A staff user. Participants, recipients and overdose victims never have one."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("organisation"),
        help_text=_("Every staff user belongs to an organisation; its municipality scopes what they see."),
    )

    # When it was last saved: a save from an admin form shown before that is refused (a stale tab would silently
    # undo the later change; redliv.admin.VersionChecked).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [
            ("oversee_entries", _("Can log any day back and correct other people's entries")),
            ("see_every_municipality", _("Can see every municipality's rows, not only their own")),
        ]

    @property
    def display_name(self) -> str:
        """How other staff see this user named (`name_of`), in templates."""
        return name_of(self)

    @property
    def municipality_id(self):
        return self.organisation.municipality_id if self.organisation_id else None

    @property
    def municipality(self):
        return self.organisation.municipality if self.organisation_id else None

    def _group_names(self):
        if not hasattr(self, "_group_name_cache"):
            self._group_name_cache = frozenset(self.groups.values_list("name", flat=True))
        return self._group_name_cache

    def has_role(self, role: str) -> bool:
        return self.is_active and role in self._group_names()

    @property
    def role_names(self) -> list[str]:
        return [str(roles.LABELS[name]) for name in roles.ALL if name in self._group_names()]


def name_of(user) -> str:
    """A staff member as other staff see them named, wherever one is: the full name, or the username of a user
    with no name entered. The username itself is for logging in and the admin."""
    return user.get_full_name() or user.username


class MonthAction(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REOPENED = "reopened", _("Reopened")


# The first day of the Copenhagen month a closing was made in. Spelt out (not TruncMonth with a
# tzinfo, which a migration cannot write down): date_trunc('month', timezone('Europe/Copenhagen', at))::date.
# The zone the database's own rules count days in: this one, a kit's expiry in the stock triggers
# (kits/migrations, which spell it out), and redliv.checks, which holds settings.TIME_ZONE to it.
DATABASE_TIME_ZONE = "Europe/Copenhagen"
MONTH_OF_AT = Cast(
    Func(Value("month"), Func(Value(DATABASE_TIME_ZONE), F("at"), function="timezone"), function="date_trunc"),
    models.DateField(),
)


class MonthClosing(models.Model):
    """One approval or reopening of a month. The latest row for a month is its state."""

    Action = MonthAction

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="month_closings",
        verbose_name=_("municipality"),
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    # Set when the retention purge blanked the reason (redliv.purge).
    purged_at = models.DateTimeField(_("free text purged at"), null=True, blank=True, editable=False)
    # An approval keeps the month's figures as they were approved (reports.approval.snapshot): counts,
    # and the labels of their rows (figure names, venues), never a person.
    figures = models.JSONField(_("figures at approval"), null=True, blank=True, editable=False)
    # What else the month's page and exports show, as it was when the month was approved or reopened: the page
    # of an approved month reads as approved, whatever is renamed or set since (reports.approval.as_approved).
    # The names of the municipality and of who approved it, in every approval and reopening.
    municipality_name = models.CharField(_("municipality's name then"), max_length=100, blank=True, editable=False)
    by_name = models.CharField(_("name of who approved or reopened"), max_length=300, blank=True, editable=False)
    # An approval's settings (reports.approval.kept_settings): the training target (none: no target_people),
    # and the residents the kits per 100,000 residents were divided by, {"residents": [one per column of the
    # month's report], "year": …, "source": …} (none: no population entered).
    target_people = models.PositiveIntegerField(_("training target then"), null=True, blank=True, editable=False)
    target_audience = models.CharField(
        _("training target's audience then"), max_length=30, choices=Audience.choices, blank=True, editable=False
    )
    population = models.JSONField(_("population then"), null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        db_table = "reports_monthclosing"  # moved from `reports` with its table
        verbose_name = _("month approval")
        verbose_name_plural = _("month approvals")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["municipality", "month", "-at"], name="monthclosing_latest")]
        constraints = [
            models.CheckConstraint(condition=Q(month__day=1), name="monthclosing_month_is_first_day"),
            models.CheckConstraint(condition=Q(action__in=MonthAction.values), name="monthclosing_action_valid"),
            models.CheckConstraint(
                condition=~Q(action="reopened") | ~Q(reason="") | Q(purged_at__isnull=False),
                name="monthclosing_reopening_has_reason",
            ),
            # Only a month that has ended in Danish time is approved or reopened (closing._approve_month):
            # an entry dated in a month that has not ended needs no look-up (closing.check_change_allowed).
            models.CheckConstraint(condition=Q(month__lt=MONTH_OF_AT), name="monthclosing_month_has_ended"),
        ]

    def __str__(self):
        return f"{self.municipality} {self.month:%Y-%m}: {self.get_action_display()}"
