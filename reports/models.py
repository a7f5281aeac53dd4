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
