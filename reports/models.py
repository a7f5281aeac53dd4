"""What the monthly report keeps besides the figures: the training target, the population,
and each version of a municipality's month as the public statistics publish it.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from redliv.models import Audience, MonthClosing, Municipality, ScopedQuerySet


class TrainingTarget(models.Model):
    """How many people a municipality means to train, e.g. 350 people who use drugs."""

    municipality = models.OneToOneField(
        Municipality,
        on_delete=models.CASCADE,
        related_name="training_target",
        verbose_name=_("municipality"),
    )
    people = models.PositiveIntegerField(_("people to train"), validators=[MinValueValidator(1)])
    audience = models.CharField(
        _("audience"),
        max_length=30,
        choices=Audience.choices,
        blank=True,
        help_text=_("Leave empty to count every participant."),
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("set by"),
    )
    set_at = models.DateTimeField(_("set at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("training target")
        verbose_name_plural = _("training targets")
        constraints = [
            models.CheckConstraint(condition=Q(people__gte=1), name="trainingtarget_people_positive"),
        ]

    def __str__(self):
        return f"{self.municipality}: {self.people}"

    @classmethod
    def set_for(cls, municipality, user, *, people: int, audience: str):
        """Set a municipality's target: one row each (the one-to-one key decides).

        Two tabs sending the first target at once both find none; the second insert meets the
        first's row and updates it instead, as a second tab sent later does: the last one wins.
        """
        target, _created = cls.objects.update_or_create(
            municipality=municipality, defaults={"people": people, "audience": audience, "set_by": user}
        )
        return target


class Population(models.Model):
    """How many residents a municipality had in a year, and where the figure comes from.

    Entered by an administrator; the month report divides the kits handed out by it
    ("kits per 100,000 residents", as North Carolina and Rhode Island publish).
    """

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="populations", verbose_name=_("municipality")
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    residents = models.PositiveIntegerField(_("number of residents"), validators=[MinValueValidator(1)])
    source = models.CharField(
        _("source"), max_length=200, help_text=_("For example: Danmarks Statistik, FOLK1A, 1 January 2026.")
    )

    # When it was last saved: a save from an admin form shown before that is refused (a stale tab would silently
    # undo the later change; redliv.admin.VersionChecked).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("population")
        verbose_name_plural = _("populations")
        ordering = ["municipality__name", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year"], name="population_one_per_municipality_year"),
            models.CheckConstraint(condition=Q(residents__gte=1), name="population_residents_positive"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="population_year_plausible"),
        ]

    def __str__(self):
        return f"{self.municipality} {self.year}: {self.residents}"


class PublishedMonth(models.Model):
    """One version of a municipality's month as the public statistics show it, made when it is approved.

    The public pages read these rows, never today's entries: a late entry, a correction, a
    reopening changes nothing a reader sees. Approving the month again makes the next version,
    and only when a reader cannot subtract the two to find a change of 1 to 4
    (`reports.publication`, `reports.disclosure.revision_problems`). A version is never changed
    (trigger publishedmonth_never_changes) and follows the one before it (publishedmonth_follows_its_approval).
    """

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="published_months", verbose_name=_("municipality")
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    version = models.PositiveIntegerField(_("version"))
    approval = models.OneToOneField(
        MonthClosing, on_delete=models.PROTECT, related_name="publication", verbose_name=_("approval")
    )
    # The month's counts (reports.figures.municipality_cells), which the next version is checked against;
    # never shown. `cells` are the figures as published: the counts protected (reports.disclosure.protect).
    counts = models.JSONField(_("counts"), editable=False)
    cells = models.JSONField(_("published figures"), editable=False)
    # A venue's cell is its id ("venue_id:12"); its name as published, by cell: renamed since, it is the same
    # venue, and the versions published before read as they were published (reports.figures._published_venues).
    # Venues not open to the public have no cell of their own (NOT_PUBLIC_VENUES) and so no name here; versions
    # published before that named them, and stay as they are (read through _published_venues, which names none).
    venue_names = models.JSONField(_("venue names as published"), default=dict, blank=True, editable=False)
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)

    class Meta:
        verbose_name = _("published month")
        verbose_name_plural = _("published months")
        ordering = ["municipality", "month", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "month", "version"], name="publishedmonth_one_per_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="publishedmonth_version_positive"),
            models.CheckConstraint(condition=Q(month__day=1), name="publishedmonth_month_is_first_day"),
        ]

    def __str__(self):
        return f"{self.municipality} {self.month:%Y-%m} v{self.version}"
