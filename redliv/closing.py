"""Closing a month: once a coordinator approves a month, its entries are only
changed by a coordinator who gives a reason. Reopening is possible and recorded.

Other screens call `check_change_allowed(user, municipality, when, reason)` in the
transaction that changes an entry dated `when`; it raises a ValidationError with a
message for the person at the screen.

An approval and a change to an entry of the month never overlap. For an ended month the
check holds the municipality's row (FOR SHARE) until the change commits, and an approval
takes the same row (FOR NO KEY UPDATE, which waits for those holders and makes new ones
wait) before it works out the figures it keeps. So an entry either is in the approved
figures, or meets the approval and needs a coordinator's reason: it cannot slip in
between the figures and the approval.
"""

import datetime as dt
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from redliv import roles
from redliv.models import MonthClosing, Municipality, name_of
from redliv.months import Month, first_of_month
from redliv.personal_data import refuse_identifiers


def latest_closing(municipality, when) -> MonthClosing | None:
    """The latest approval or reopening of the month `when` falls in, or None."""
    return (
        MonthClosing.objects.filter(municipality=municipality, month=first_of_month(when))
        .select_related("by")
        .order_by("-at", "-id")
        .first()
    )


def _when_and_who(closing: MonthClosing) -> dict:
    """When, and by whom by the name they had then (kept in the row: a user renamed since reads as they were)."""
    return {
        "date": formats.date_format(timezone.localtime(closing.at), "SHORT_DATETIME_FORMAT"),
        "name": closing.by_name or name_of(closing.by),
    }


def approval_text(closing: MonthClosing) -> str:
    return _("Approved on %(date)s by %(name)s") % _when_and_who(closing)


def approval_date_text(closing: MonthClosing) -> str:
    """The approval line of a publication: when, not by whom (public pages name no staff)."""
    return _("Approved on %(date)s") % _when_and_who(closing)


def reopening_text(closing: MonthClosing) -> str:
    return _("Reopened on %(date)s by %(name)s: %(reason)s") % {**_when_and_who(closing), "reason": closing.reason}


def approval_status(municipality, when) -> tuple[MonthClosing | None, str]:
    """(the month's latest approval or reopening, the approval line or "" when it is not approved).

    One query; no municipality (all of them) is never approved.
    """
    if municipality is None:
        return None, ""
    latest = latest_closing(municipality, when)
    if latest is not None and latest.action == MonthClosing.Action.APPROVED:
        return latest, approval_text(latest)
    return latest, ""


def month_is_closed(municipality, when) -> bool:
    return bool(approval_status(municipality, when)[1])


def check_change_allowed(user, municipality, when, reason: str = "", adding: bool = False) -> None:
    """Raise a ValidationError when `user` may not change (or, `adding`, add) an entry dated `when` now.

    The one rule for entries in an approved month, used by every service that writes
    one: new entries, corrections and withdrawals alike. The reason is kept in the
    change history: it must not identify anyone either.
    """
    refuse_identifiers(reason)
    if not Month.of(when).is_over:
        return  # only an ended month is approved (the database holds it): no look-up for today's entries
    _hold(municipality)
    approved = approval_status(municipality, when)[1]
    if not approved:
        return
    values = {"approved": approved, "month": Month.of(when).label}
    if user is None or not user.has_perm(roles.OVERSEE_ENTRIES):
        if adding:
            message = _(
                "%(month)s is approved (%(approved)s). Only a coordinator can add entries to it now: "
                "change the date, or ask a coordinator."
            )
        else:
            message = _("%(month)s is approved (%(approved)s). Only a coordinator can change its entries now.")
        raise ValidationError(message % values, code="month_closed")
    if not (reason or "").strip():
        if adding:
            message = _("%(month)s is approved (%(approved)s). Give a reason for adding an entry to it.")
        else:
            message = _("%(month)s is approved (%(approved)s). Give a reason for changing an entry in it.")
        raise ValidationError(message % values, code="month_closed_reason_needed")


def _pk(municipality) -> int:
    return getattr(municipality, "pk", municipality)


def _hold(municipality) -> None:
    """Keep the month's approval as it is until the change being checked commits (see the module's docstring).

    The hold lasts as long as the transaction it is taken in: every service checks in the one that
    writes (tests/test_approval_and_changes_never_overlap.py). Outside any, it would end at once.
    """
    if not connection.in_atomic_block:
        return
    with connection.cursor() as cursor:  # Django's ORM has FOR UPDATE but not FOR SHARE
        cursor.execute("SELECT 1 FROM redliv_municipality WHERE id = %s FOR SHARE", [_pk(municipality)])


def _lock(municipality) -> str:
    """Hold the municipality's row until the transaction ends, so two clicks cannot both pass the check,
    and changes to its entries (`_hold`) wait for the approval, as it waits for those under way.

    Returns the municipality's name as it is stored now, which the approval or reopening keeps."""
    return Municipality.objects.select_for_update(no_key=True).values_list("name", flat=True).get(pk=_pk(municipality))


@transaction.atomic
def _approve_month(
    user,
    municipality,
    month: dt.date,
    figures: dict | Callable[[], dict] | None = None,
    settings: dict | Callable[[], dict] | None = None,
) -> MonthClosing:
    """Record a month's approval, keeping `figures` (the month's figures as approved). Publishes nothing.

    The approval keeps the municipality's name and the approver's as they are, and `settings`: the
    fields of the settings the report shows, worked out like the figures (reports.approval.kept_settings).

    Approve a month with `reports.publication.approve_and_publish`, the one way in: it calls this and
    publishes the month in the same transaction. The public statistics read only what it publishes,
    so an approval recorded here alone would leave the month "–" there for good; and redliv cannot
    call reports (the apps depend one way), hence the private name.
    tests/test_every_approval_is_published.py fails on any other caller.

    Given as a function, the figures are worked out once the month's entries are held still, so
    that they are the figures of exactly what the approval covers. An approved month can be
    approved again only when its figures have changed since.
    """
    municipality_name = _lock(municipality)
    if callable(figures):
        figures = figures()
    latest, approved = approval_status(municipality, month)
    if approved and (figures is None or latest.figures == figures):
        raise ValidationError(_("This month is already approved."), code="already_approved")
    if not Month.of(month).is_over:
        raise ValidationError(_("Only a month that has ended can be approved."), code="month_not_over")
    if callable(settings):
        settings = settings()
    return MonthClosing.objects.create(
        municipality=municipality,
        month=first_of_month(month),
        action=MonthClosing.Action.APPROVED,
        by=user,
        figures=figures,
        municipality_name=municipality_name,
        by_name=name_of(user),
        **(settings or {}),
    )


@transaction.atomic
def reopen_month(user, municipality, month: dt.date, reason: str) -> MonthClosing:
    municipality_name = _lock(municipality)
    if not month_is_closed(municipality, month):
        raise ValidationError(_("This month is not approved."), code="not_approved")
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give a reason for reopening the month.")}, code="reason_needed")
    try:
        refuse_identifiers(reason)
    except ValidationError as error:
        raise ValidationError({"reason": error.error_list}) from error
    return MonthClosing.objects.create(
        municipality=municipality,
        month=first_of_month(month),
        action=MonthClosing.Action.REOPENED,
        reason=reason.strip(),
        by=user,
        municipality_name=municipality_name,
        by_name=name_of(user),
    )
