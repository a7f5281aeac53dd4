"""What the street tablet sends besides new entries: corrections and withdrawals, each applied once."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from redliv.models import IdempotentModel


class AppliedChange(IdempotentModel):
    """A correction or withdrawal of an entry, by the key the tablet made when it was asked for.

    The unique key is what keeps a retry, a double tap or a resend from applying a change a
    second time. The digest covers the change without its free text (the note, the reason),
    so nothing anyone typed is kept here.
    """

    AUTHOR_FIELD = "user"

    class Action(models.TextChoices):
        CORRECT_COURSE = "correct-course", _("Correction of a course")
        WITHDRAW_COURSE = "withdraw-course", _("Withdrawal of a course")
        WITHDRAW_HANDOUT = "withdraw-handout", _("Withdrawal of a handout")
        WITHDRAW_REPORT = "withdraw-report", _("Withdrawal of an overdose report")

    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    entry_id = models.PositiveBigIntegerField(_("entry"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    applied_at = models.DateTimeField(_("applied at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("applied change")
        verbose_name_plural = _("applied changes")

    def __str__(self):
        return f"{self.get_action_display()} {self.entry_id}"
