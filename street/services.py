"""Corrections and withdrawals from the street tablet: each applied once, by its key, for its author."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model

from courses.models import Attendance
from courses.services import OWN_ENTRY_WINDOW, correct_held_course, withdraw_held_course
from kits.services import withdraw_handout
from redliv import roles
from redliv.idempotency import create_once
from reversals.services import withdraw_reversal_report
from street.models import AppliedChange

# What a person typed is not part of the digest: nothing of it is kept with the key.
FREE_TEXT = {"note", "change_reason", "reason"}
# Nor is when the page was made and the entry saved (street.forms.StreetForm): they say nothing about the change.
NOT_CONTENT = FREE_TEXT | {"key", "entry", "csrfmiddlewaretoken", "opened", "written"}


class Outcome:
    """What became of a correction or withdrawal sent with a key."""

    APPLIED = "applied"  # applied now
    ALREADY = "already"  # applied before, under this key: not again
    UNCHANGED = "unchanged"  # a correction that changes nothing: nothing stored, not even its key


class _Unchanged(Exception):
    """Raised inside the key's transaction to undo the key's row: there was nothing to apply."""


def apply_change(*, user, action: str, entry, key, data: dict, cleaned: dict) -> str:
    """Apply a correction or withdrawal once per key. Returns an `Outcome`.

    `data` is what was sent (its free text left out of the digest); `cleaned` the form's values.
    A key used before by another user, or for another change, is refused (IdempotencyConflict).

    A correction with the values the entry already has (a page loaded again, by Back, and saved
    as it was shown: a new key, with the same values) stores nothing: no history row, no stock
    movement and no AppliedChange. The key's row is undone with it: a resend of that key is judged
    again on the entry as it then is (nothing to save again, or refused if it changed since).
    """
    payload = {
        "action": action,
        "entry": entry.pk,
        "user": user.pk,
        **{name: value for name, value in data.items() if name not in NOT_CONTENT},
    }

    def create(digest):
        change = AppliedChange.objects.create(
            idempotency_key=key, payload_digest=digest, action=action, entry_id=entry.pk, user=user
        )
        if not _apply(user, action, entry, cleaned):
            raise _Unchanged  # rolls back the savepoint create_once made, the key's row with it
        return change

    try:
        _change, created = create_once(AppliedChange, key, payload, create, author=user)
    except _Unchanged:
        return Outcome.UNCHANGED
    return Outcome.APPLIED if created else Outcome.ALREADY


def _apply(user, action, entry, cleaned) -> bool:
    """Apply the change; False: a correction that changes nothing (nothing was written)."""
    reason = cleaned.get("reason", "")
    if action == AppliedChange.Action.CORRECT_COURSE:
        return correct_held_course(
            user=user,
            attendance=entry,
            venue=cleaned["venue"],
            starts_at=cleaned["when"],
            counts={field: cleaned[field] for field in Attendance.AUDIENCE_FIELDS.values()},
            refresher=cleaned["refresher"] or 0,
            kits=cleaned["kits"] or 0,
            note=cleaned["note"],
            location=cleaned.get("location"),
            reason=cleaned["change_reason"],
            version=cleaned.get("version") or None,
        )
    if action == AppliedChange.Action.WITHDRAW_COURSE:
        withdraw_held_course(user=user, attendance=entry, reason=reason)
    elif action == AppliedChange.Action.WITHDRAW_HANDOUT:
        withdraw_handout(user=user, handout=entry, reason=reason)
    else:
        withdraw_reversal_report(user=user, report=entry, reason=reason)
    return True


def delete_expired_changes(now) -> int:
    """Delete the AppliedChange rows no resend from a tablet's queue can be answered from any more.

    A change waits in the queue until its author is logged in, and is applied (or answered from its key)
    only while the author may change the entry (`street.views._changeable`, which a resend passes before
    its key is looked up). A street worker or trainer may for OWN_ENTRY_WINDOW (24 hours) after the entry
    was logged, and a change is applied after its entry was logged: once a change is 24 hours old, a
    resend of it is refused for the 24 hours without reading its key. Such rows go at the next purge.

    Those who oversee entries (coordinators) may change them at any time, so their queue may resend a
    change however late. Their rows stay FREE_TEXT_RETENTION_DAYS (180 days), as long as an entry's own
    digest, after which a retry is taken on trust anyway. A resend after that is still never applied
    twice: a withdrawal finds the entry withdrawn, a correction either changes nothing or was opened on
    a version the entry no longer has, and is refused.
    """
    worker_cutoff = now - OWN_ENTRY_WINDOW
    overseer_cutoff = now - dt.timedelta(days=settings.FREE_TEXT_RETENTION_DAYS)
    old = AppliedChange.objects.filter(applied_at__lt=worker_cutoff)
    # Permissions come from roles (redliv.backends), not from the database: asked user by user (a few).
    authors = get_user_model().objects.filter(pk__in=old.values("user_id").distinct())
    overseers = [author.pk for author in authors if author.has_perm(roles.OVERSEE_ENTRIES)]
    due = old.exclude(user__in=overseers) | old.filter(applied_at__lt=overseer_cutoff)
    deleted, _by_model = due.delete()
    return deleted
