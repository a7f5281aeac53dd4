"""Closing a month: once a coordinator approves a month, its entries are only
changed by a coordinator who gives a reason. Reopening is possible and recorded.

Other screens call `check_change_allowed(user, municipality, when, reason)` before
they change an entry dated `when`; it raises a ValidationError with a message for
the person at the screen.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from reports.models import MonthClosing


def first_of_month(when) -> dt.date:
    if isinstance(when, dt.datetime):
        when = timezone.localdate(when) if timezone.is_aware(when) else when.date()
    return when.replace(day=1)


def latest_closing(municipality, when) -> MonthClosing | None:
    """The latest approval or reopening of the month `when` falls in, or None."""
    return (
        MonthClosing.objects.filter(municipality=municipality, month=first_of_month(when))
        .select_related("by").order_by("-at", "-id").first()
    )


def month_is_closed(municipality, when) -> bool:
    closing = latest_closing(municipality, when)
    return closing is not None and closing.action == MonthClosing.Action.APPROVED


def approval_text(closing: MonthClosing) -> str:
    return _("Approved on %(date)s by %(name)s") % {
        "date": formats.date_format(timezone.localtime(closing.at), "SHORT_DATETIME_FORMAT"),
        "name": closing.by.get_full_name() or closing.by.username,
    }


def check_change_allowed(user, municipality, when, reason: str = "") -> None:
    """Raise a ValidationError when `user` may not change an entry dated `when` now."""
    closing = latest_closing(municipality, when)
    if closing is None or closing.action != MonthClosing.Action.APPROVED:
        return
    if not (user.is_coordinator or user.is_administrator):
        raise ValidationError(
            _("%(approved)s. Only a coordinator can change its entries now.") % {"approved": approval_text(closing)},
            code="month_closed",
        )
    if not (reason or "").strip():
        raise ValidationError(
            _("%(approved)s. Give a reason for changing an entry in it.") % {"approved": approval_text(closing)},
            code="month_closed_reason_needed",
        )


def may_close(user, municipality) -> bool:
    if user.is_administrator:
        return True
    return user.is_coordinator and user.municipality_id == getattr(municipality, "pk", municipality)


@transaction.atomic
def approve_month(user, municipality, month: dt.date) -> MonthClosing:
    if month_is_closed(municipality, month):
        raise ValidationError(_("This month is already approved."), code="already_approved")
    if first_of_month(month) >= first_of_month(timezone.localdate()):
        raise ValidationError(_("Only a month that has ended can be approved."), code="month_not_over")
    return MonthClosing.objects.create(
        municipality=municipality, month=first_of_month(month), action=MonthClosing.Action.APPROVED, by=user,
    )


@transaction.atomic
def reopen_month(user, municipality, month: dt.date, reason: str) -> MonthClosing:
    if not month_is_closed(municipality, month):
        raise ValidationError(_("This month is not approved."), code="not_approved")
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give a reason for reopening the month.")}, code="reason_needed")
    return MonthClosing.objects.create(
        municipality=municipality, month=first_of_month(month), action=MonthClosing.Action.REOPENED,
        reason=reason.strip(), by=user,
    )
