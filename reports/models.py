"""What the monthly report keeps besides the figures: the training target and the
history of approving (closing) and reopening months.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from redliv.models import Audience, Municipality, ScopedQuerySet


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


class MonthAction(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REOPENED = "reopened", _("Reopened")


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

    objects = ScopedQuerySet.as_manager()

    class Meta:
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
        ]

    def __str__(self):
        return f"{self.municipality} {self.month:%Y-%m}: {self.get_action_display()}"
