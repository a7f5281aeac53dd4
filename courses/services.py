"""Writes for held courses: log one with its attendance and kits, correct it, withdraw it.

The street screen, its offline queue and the office forms all come through here.
Each function runs in one transaction: a refusal (too few kits, an expired batch,
a repeat with other content) writes nothing.
"""

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from courses.models import Attendance, Course, CourseFormat, Trainer
from kits.models import HandoutReason, StockLocation, StockMovement
from kits.services import create_choosing_again, hand_out_at_course, record_handout, return_kits, stock_refusal
from redliv import roles
from redliv.closing import check_change_allowed

COUNT_FIELDS = list(Attendance.AUDIENCE_FIELDS.values())
DEFAULT_LENGTH = dt.timedelta(hours=1)
# Street workers and trainers may correct or withdraw their own entry this long after logging it.
OWN_ENTRY_WINDOW = dt.timedelta(hours=24)


def _derived_key(key, what: str) -> uuid.UUID:
    """A stable key for a row written as part of another entry (its kits handout, say)."""
    return uuid.uuid5(uuid.UUID(str(key)), what)


def check_counts(counts: dict, refresher: int) -> tuple[dict, int]:
    """The counts by audience (missing ones 0) and their total; at least one participant, refreshers among them.

    The one statement of the rule: the street form checks a typed entry with it before the service does.
    """
    counts = {field: int(counts.get(field) or 0) for field in COUNT_FIELDS}
    total = sum(counts.values())
    if total < 1:
        raise ValidationError({"people_who_use_drugs": _("Count at least one participant.")}, code="no_participants")
    if not 0 <= refresher <= total:
        raise ValidationError(
            {"refresher": _("Refreshers cannot be more than the participants (%(total)d).") % {"total": total}},
            code="too_many_refreshers",
        )
    return counts, total


def check_kits_source(kits: int, location) -> None:
    """Kits handed out at a course come from a stock location."""
    if kits and location is None:
        raise ValidationError({"location": _("Choose where the kits came from.")}, code="no_location")


def log_held_course(
    *,
    user,
    venue,
    starts_at,
    counts: dict,
    refresher: int = 0,
    kits: int = 0,
    location: StockLocation | None = None,
    batch=None,
    course_format=CourseFormat.DROP_IN,
    note: str = "",
    course: Course | None = None,
    key=None,
    change_reason: str = "",
):
    """Log a held course: the course (new, or a planned one), its attendance and its kits.

    Returns (attendance, created). The same key with the same content returns the
    stored attendance and writes nothing; with other content it raises
    IdempotencyConflict. A course dated in an approved month is refused unless a
    coordinator gives `change_reason` (a resend of an entry stored before is not refused).
    """
    key = uuid.UUID(str(key)) if key else uuid.uuid4()
    counts, total = check_counts(counts, refresher)
    check_kits_source(kits, location)
    payload = {
        "kind": "course",
        "venue": getattr(venue, "pk", None),  # a planned online course has none
        "starts_at": starts_at.isoformat(),
        "format": course_format,
        "counts": counts,
        "refresher": refresher,
        "kits": kits,
        "location": getattr(location, "pk", None),
        "batch": getattr(batch, "pk", None),
        "note": note,
        "course": getattr(course, "pk", None),
    }

    def create(digest):
        municipality_id = course.municipality_id if course is not None else venue.municipality_id
        check_change_allowed(user, municipality_id, starts_at, change_reason, adding=True)
        held = course
        if held is None:
            held = Course.objects.create(
                municipality_id=venue.municipality_id,
                format=course_format,
                venue=venue,
                starts_at=starts_at,
                ends_at=starts_at + DEFAULT_LENGTH,
                status=Course.Status.HELD,
                audiences=[audience for audience, field in Attendance.AUDIENCE_FIELDS.items() if counts[field]],
                languages=["da"],
                published=False,
                created_by=user,
            )
        else:
            held.status = Course.Status.HELD
            held.save(update_fields=["status", "updated_at"])
        add_me_as_trainer(held, user)
        attendance = Attendance(
            idempotency_key=key,
            payload_digest=digest,
            course=held,
            **counts,
            first_time=total - refresher,
            refresher=refresher,
            note=note,
            logged_by=user,
        )
        attendance._change_reason = change_reason or None  # kept in the history: why a closed month got an entry
        attendance.save(force_insert=True)
        if kits:
            hand_out_at_course(
                user=user,
                location=location,
                quantity=kits,
                course=held,
                batch=batch,
                occurred_at=starts_at,
                key=_derived_key(key, "kits"),
            )
        return attendance

    try:
        # The whole entry is stored again if the lot chosen for its kits was emptied meanwhile.
        return create_choosing_again(
            Attendance, key, payload, create, author=user, chooses=bool(kits) and batch is None
        )
    except ValidationError as error:
        raise _as_kits_error(error) from error
    except IntegrityError as error:
        refusal = stock_refusal(
            error, location, kits, batch=batch, on_date=timezone.localdate(starts_at), at_course=True
        )
        if refusal is None:
            raise
        raise _as_kits_error(refusal) from error


def add_me_as_trainer(course, user):
    """Link the user's own trainer profile, if they have one, in one statement (the street budget is tight).

    Only a profile of the course's municipality (the database refuses another,
    course_trainer_in_course_municipality): an administrator logging a course elsewhere is not its trainer.
    """
    through, trainer = Course.trainers.through._meta.db_table, Trainer._meta.db_table
    organisation = Trainer._meta.get_field("organisation").related_model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {through} (course_id, trainer_id) SELECT %s, trainer.id FROM {trainer} AS trainer "  # noqa: S608 (table names from _meta)
            f"JOIN {organisation} AS organisation ON organisation.id = trainer.organisation_id "
            f"WHERE trainer.user_id = %s AND trainer.active AND organisation.municipality_id = %s "
            f"ON CONFLICT DO NOTHING",
            [course.pk, user.pk, course.municipality_id],
        )


def _as_kits_error(error: ValidationError) -> ValidationError:
    """Stock refusals name the field "quantity"; on a course it is "kits"."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {"kits" if field == "quantity" else field: messages for field, messages in error.error_dict.items()}
    )


def may_change(user, entry_logged_by_id, logged_at) -> bool:
    """Coordinators (in their municipality, which scoping already checks) any time; others their own, for 24 h."""
    if user.has_perm(roles.OVERSEE_ENTRIES):
        return True
    return entry_logged_by_id == user.pk and timezone.now() - logged_at <= OWN_ENTRY_WINDOW


def _check_may_change(user, attendance, reason="", moved_to=None):
    """Own entries for 24 hours, coordinators any time; in an approved month, coordinators with a reason."""
    if attendance.withdrawn_at is not None:
        raise ValidationError(_("This entry has been withdrawn."), code="withdrawn")
    if not may_change(user, attendance.logged_by_id, attendance.logged_at):
        raise PermissionDenied(_("You can change your own entries for 24 hours; ask a coordinator."))
    for when in {attendance.course.starts_at, moved_to or attendance.course.starts_at}:
        check_change_allowed(user, attendance.course.municipality_id, when, reason)
    attendance._change_reason = attendance.course._change_reason = reason or None
    # Who changed it, also where no request is (the offline queue, a command): the history names them.
    attendance._history_user = attendance.course._history_user = user


def _course_handouts(course):
    return StockMovement.objects.filter(course=course, kind=StockMovement.Kind.HANDOUT).with_kits_out()


def kits_handed_out(course) -> int:
    """Kits handed out at a course, after any corrections."""
    return _course_handouts(course).aggregate(kits=Sum("kits_out"))["kits"] or 0


def _return_kits(*, user, course, quantity: int | None, reason: str, key):
    """Put kits from a course's handouts back into stock (newest handout first); `quantity` None: all."""
    for handout in _course_handouts(course).filter(kits_out__gt=0).order_by("-id"):
        back = handout.kits_out if quantity is None else min(handout.kits_out, quantity)
        return_kits(
            user=user, handout=handout, quantity=back, reason=reason, key=_derived_key(key, f"return-{handout.pk}")
        )
        if quantity is not None:
            quantity -= back
            if quantity == 0:
                return


def _entry_state(starts_at, venue_id, counts: dict, refresher, note, kits, withdrawn=False) -> str:
    # Keyed (the note is free text, and the token is written into a page), never stored.
    values = [starts_at.timestamp(), venue_id, *(counts[field] for field in COUNT_FIELDS), refresher, note, kits]
    return salted_hmac("courses.entry_version", repr([*values, withdrawn])).hexdigest()


def entry_version(attendance, kits: int | None = None) -> str:
    """The logged course as a correction form shows it, as a token the form sends back with the correction.

    A form opened before someone else's correction (another tab, another coordinator) would
    otherwise put its old counts and kits back over it, and hand out the kits again.
    """
    course = attendance.course
    return _entry_state(
        course.starts_at,
        course.venue_id,
        {field: getattr(attendance, field) for field in COUNT_FIELDS},
        attendance.refresher,
        attendance.note,
        kits_handed_out(course) if kits is None else kits,
        attendance.withdrawn_at is not None,
    )


CHANGED_SINCE_OPENED = "changed_since_opened"


def correct_held_course(
    *,
    user,
    attendance: Attendance,
    venue,
    starts_at,
    counts: dict,
    refresher: int,
    kits: int,
    note: str,
    location: StockLocation | None = None,
    reason: str = "",
    version: str | None = None,
):
    """Correct a logged course. The history tables keep who changed what. Returns whether anything changed.

    Fewer kits are put back into the stock they came from; more kits are a further
    handout from `location`. In an approved month only a coordinator may, with a reason.
    `version` (from `entry_version` when the form was opened) refuses a correction made on
    an entry that has changed since, unless it asks for exactly what the entry is now (the
    same correction sent twice).
    """
    with transaction.atomic():
        if attendance.withdrawn_at is not None or not may_change(user, attendance.logged_by_id, attendance.logged_at):
            _check_may_change(user, attendance, reason)  # refused (withdrawn, or not theirs to change now)
        counts, total = check_counts(counts, refresher)
        if version is not None:
            Attendance.objects.select_for_update().only("pk").get(pk=attendance.pk)
            attendance.refresh_from_db()
            attendance.course.refresh_from_db()
            now = entry_version(attendance)
            state = _entry_state(starts_at, getattr(venue, "pk", None), counts, refresher, note, kits)
            if attendance.withdrawn_at is None and state == now:
                # Nothing to change: a double click, Back and save again, or a page saved as it was
                # opened. Nothing is written, so the history keeps one row for each real correction.
                # Before the month rule: in an approved month too, nothing to save is the answer.
                return False
        # The approved month's rule (and the reason it asks for) holds for every real change.
        _check_may_change(user, attendance, reason, moved_to=starts_at)
        if version is not None and version != now:
            raise ValidationError(
                _(
                    "Someone changed this entry after you opened it (in another tab, or a coordinator), "
                    "so your correction was not saved. Make it again on the entry as it is now."
                ),
                code=CHANGED_SINCE_OPENED,
            )
        course = attendance.course
        course.venue, course.starts_at = venue, starts_at
        course.ends_at = starts_at + (
            course.ends_at - course.starts_at if course.ends_at > course.starts_at else DEFAULT_LENGTH
        )
        course.save()
        for field, value in counts.items():
            setattr(attendance, field, value)
        attendance.first_time, attendance.refresher, attendance.note = total - refresher, refresher, note
        attendance.save()
        change = kits - kits_handed_out(course)
        correction_key = uuid.uuid4()
        if change < 0:
            _return_kits(
                user=user,
                course=course,
                quantity=-change,
                key=correction_key,
                # The coordinator's reason, as a further handout has it: the approved month's page and the
                # movement list say why once, not once more as "Correction of a logged course".
                reason=reason or _("Correction of a logged course"),
            )
        elif change > 0:
            check_kits_source(change, location)
            try:
                record_handout(
                    user=user,
                    location=location,
                    quantity=change,
                    reason=HandoutReason.FIRST_SUPPLY,
                    course=course,
                    occurred_at=starts_at,
                    key=correction_key,
                    change_reason=reason,
                )
            except ValidationError as error:
                raise _as_kits_error(error) from error
    return True


def withdraw_held_course(*, user, attendance: Attendance, reason: str = ""):
    """Withdraw a course logged by mistake: it no longer counts, and its kits go back into stock."""
    with transaction.atomic():
        _check_may_change(user, attendance, reason)
        reason = _("Withdrawn: logged by mistake")
        course = attendance.course
        course.status, course.cancellation_reason = Course.Status.CANCELLED, reason
        course.save()
        attendance.withdrawn_at = timezone.now()
        attendance.save()
        _return_kits(user=user, course=course, quantity=None, key=uuid.uuid4(), reason=reason)
    return attendance
