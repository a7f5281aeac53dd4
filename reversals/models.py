"""Overdose-reversal reports: a use of naloxone, told by the responder, and its review.

The table was made by the kits app (kits_reversalreport) and kept when the model moved here.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from courses.models import Course
from kits.models import StockMovement
from redliv.models import District, IdempotentModel, ScopedQuerySet
from redliv.personal_data import refuse_identifiers

MAX_DOSES = 10  # naloxone doses one report can give: the forms, the service and the constraint agree


class Substance(models.TextChoices):
    HEROIN = "heroin", _("Heroin")
    METHADONE = "methadone", _("Methadone")
    MORPHINE = "morphine", _("Morphine")
    FENTANYL = "fentanyl", _("Fentanyl")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class ReversalReportQuerySet(ScopedQuerySet):
    municipality_lookup = "district__municipality"

    def counting(self):
        """The reports that count in figures: verified ones (staff reports are verified at once)."""
        return self.filter(review_status=ReversalReport.ReviewStatus.VERIFIED)

    def needing_kit(self):
        """Counting reports whose used kit has not been replaced: the "kits to replace" list.

        A pending public report may still be rejected, so it waits for its review first.
        """
        return self.counting().filter(kit_replaced=False)


class ReversalReport(IdempotentModel):
    """A use of naloxone, told by the responder. Nothing identifies the responder or the person."""

    AUTHOR_FIELD = "reported_by"

    class Source(models.TextChoices):
        STAFF = "staff", _("Staff")
        PUBLIC = "public", _("Public form")

    class Outcome(models.TextChoices):
        RECOVERED = "recovered", _("Recovered on the spot")
        HOSPITAL = "hospital", _("Taken to hospital")
        DIED = "died", _("Died")
        UNKNOWN = "unknown", _("Unknown")

    class Trained(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")
        UNKNOWN = "unknown", _("Unknown")

    class ReviewStatus(models.TextChoices):
        PENDING = "pending", _("Pending review")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")

    occurred_at = models.DateTimeField(_("date and approximate time"))
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="reversal_reports",
        verbose_name=_("district"),
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    substances = ArrayField(
        models.CharField(max_length=20, choices=Substance.choices),
        verbose_name=_("suspected substances"),
    )
    naloxone_doses = models.PositiveSmallIntegerField(_("naloxone doses given"))
    called_112 = models.BooleanField(_("112 was called"))
    # The public form asks these three only in its optional part: empty (None) means not answered.
    ambulance_arrived = models.BooleanField(_("an ambulance came"), null=True, blank=True)
    first_aid_given = models.BooleanField(_("rescue breaths or other first aid given"), null=True, blank=True)
    stayed_until_help = models.BooleanField(_("the responder stayed until help came"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    responder_trained = models.CharField(
        _("the responder had taken a RED LIV course"),
        max_length=10,
        choices=Trained.choices,
    )
    responder_course = models.ForeignKey(
        Course,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("the responder's course"),
    )
    kit_replaced = models.BooleanField(_("the kit has been replaced"), default=False)
    replacement_handout = models.OneToOneField(
        StockMovement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces_report",
        verbose_name=_("replacement handout"),
        limit_choices_to={"kind": StockMovement.Kind.HANDOUT},
    )
    note = models.TextField(
        _("note"),
        blank=True,
        validators=[refuse_identifiers],
        help_text=_("Never write names or other personal data. Purged after a while."),
    )
    review_status = models.CharField(
        _("review"),
        max_length=10,
        choices=ReviewStatus.choices,
        default=ReviewStatus.PENDING,
    )
    review_reason = models.CharField(_("reason"), max_length=200, blank=True, validators=[refuse_identifiers])
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    # Set when the retention purge blanked the note and the review reason (redliv.purge).
    purged_at = models.DateTimeField(_("free text purged at"), null=True, blank=True, editable=False)

    objects = ReversalReportQuerySet.as_manager()
    history = HistoricalRecords(table_name="kits_historicalreversalreport")

    class Meta:
        db_table = "kits_reversalreport"  # moved from `kits` with its table
        verbose_name = _("overdose-reversal report")
        verbose_name_plural = _("overdose-reversal reports")
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["occurred_at"], name="report_occurred")]
        constraints = [
            models.CheckConstraint(
                condition=Q(naloxone_doses__gte=0, naloxone_doses__lte=MAX_DOSES),
                name="report_doses_0_to_10",
            ),
            models.CheckConstraint(condition=Q(substances__len__gte=1), name="report_has_a_substance"),
            models.CheckConstraint(
                condition=Q(source="staff", reported_by__isnull=False)
                | Q(source="public", reported_by__isnull=True, responder_course__isnull=True),
                name="report_staff_reports_name_their_recorder",
            ),
            models.CheckConstraint(
                condition=Q(replacement_handout__isnull=True) | Q(kit_replaced=True),
                name="report_replacement_means_replaced",
            ),
            models.CheckConstraint(
                condition=~Q(review_status="rejected") | ~Q(review_reason="") | Q(purged_at__isnull=False),
                name="report_rejection_has_reason",
            ),
        ]

    def __str__(self):
        day = date_format(timezone.localtime(self.occurred_at), "SHORT_DATE_FORMAT")
        return f"{day} {self.district} ({self.get_outcome_display()})"
