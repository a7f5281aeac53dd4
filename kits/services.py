"""Writes to the stock ledger. Every screen that hands out kits comes through here:
the street screen, the office form, the admin and the demo seed.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kits.models import HANDOUT_NOT_EXPIRED, STOCK_NON_NEGATIVE, Batch, Handout, StockLevel, StockLocation
from redliv.db import violated_constraint
from redliv.idempotency import create_once


def stock_on_hand(location: StockLocation) -> int:
    return sum(StockLevel.objects.filter(location=location).values_list("quantity", flat=True))


def first_expiring_batch(location: StockLocation, quantity: int, on_date) -> Batch | None:
    """First expiry, first out: the earliest-expiring unexpired batch here that holds enough."""
    level = (
        StockLevel.objects.filter(location=location, quantity__gte=quantity, batch__expiry_date__gte=on_date)
        .select_related("batch")
        .order_by("batch__expiry_date", "batch_id")
        .first()
    )
    return level.batch if level else None


def not_enough_kits(location, quantity) -> ValidationError:
    return ValidationError(
        {"quantity": _("Not enough kits at %(location)s: %(available)d on hand, %(wanted)d asked for.") % {
            "location": location, "available": stock_on_hand(location), "wanted": quantity}},
        code="not_enough_kits",
    )


def record_handout(*, user, location: StockLocation, quantity: int, reason: str, audience: str | None = None,
                   course=None, batch: Batch | None = None, occurred_at=None, key: uuid.UUID | None = None):
    """Hand out kits from a location. Returns (handout, created).

    The batch is chosen first-expiry-first-out unless given. Stock and expiry are
    enforced by the database; its refusals come back as ValidationErrors with a
    message for the person at the screen, and nothing is written.
    """
    key = key or uuid.uuid4()
    if quantity is None or quantity < 1:
        raise ValidationError({"quantity": _("Hand out at least one kit.")}, code="min_quantity")
    # What the sender said, not what the server derived: a retry must match it.
    payload = {
        "kind": "handout", "location": location.pk, "quantity": quantity, "reason": reason, "audience": audience,
        "course": getattr(course, "pk", None), "batch": getattr(batch, "pk", None),
        "occurred_at": occurred_at.isoformat() if occurred_at else None,
    }
    occurred_at = occurred_at or timezone.now()
    on_date = timezone.localdate(occurred_at)

    def create(digest):
        chosen = batch
        if chosen is None:
            chosen = first_expiring_batch(location, quantity, on_date)
            if chosen is None:
                raise not_enough_kits(location, quantity)
        elif chosen.expiry_date < on_date:
            raise ValidationError({"batch": _("Batch %(lot)s expired on %(date)s and must not be handed out.") % {
                "lot": chosen.lot_number, "date": chosen.expiry_date.strftime("%d.%m.%Y")}}, code="expired_batch")
        return Handout.objects.create(
            idempotency_key=key, payload_digest=digest, batch=chosen, from_location=location, quantity=quantity,
            occurred_at=occurred_at, handout_reason=reason, recipient_audience=audience, course=course,
            recorded_by=user,
        )

    try:
        with transaction.atomic():
            return create_once(Handout, key, payload, create)
    except IntegrityError as error:
        constraint = violated_constraint(error)
        if constraint == STOCK_NON_NEGATIVE:
            raise not_enough_kits(location, quantity) from error
        if constraint == HANDOUT_NOT_EXPIRED:
            raise ValidationError({"batch": _("This batch has expired and must not be handed out.")},
                                  code="expired_batch") from error
        raise


# --- Street logging: staff reversal reports and withdrawals (appended by the street screen) ---

def record_reversal_report(*, user, district, occurred_at, substances: list, naloxone_doses: int, called_112: bool,
                           ambulance_arrived: bool, first_aid_given: bool, stayed_until_help: bool, outcome: str,
                           responder_trained: str, note: str = "", key: uuid.UUID | None = None):
    """Record an overdose reversal told to a staff member. Returns (report, created).

    Staff reports count at once (review status "verified"); the same key is stored once.
    """
    from kits.models import ReversalReport

    key = uuid.UUID(str(key)) if key else uuid.uuid4()
    fields = {
        "district": district, "occurred_at": occurred_at, "substances": sorted(substances),
        "naloxone_doses": naloxone_doses, "called_112": called_112, "ambulance_arrived": ambulance_arrived,
        "first_aid_given": first_aid_given, "stayed_until_help": stayed_until_help, "outcome": outcome,
        "responder_trained": responder_trained, "note": note,
    }
    payload = {"kind": "report", **fields, "district": district.pk, "occurred_at": occurred_at.isoformat()}

    def create(digest):
        return ReversalReport.objects.create(
            idempotency_key=key, payload_digest=digest, source=ReversalReport.Source.STAFF, reported_by=user,
            review_status=ReversalReport.ReviewStatus.VERIFIED, reviewed_by=user, reviewed_at=timezone.now(),
            **fields,
        )

    with transaction.atomic():
        return create_once(ReversalReport, key, payload, create)


def withdraw_handout(*, user, handout):
    """Undo a handout logged by mistake: an opposite adjustment puts the kits back where they came from."""
    from kits.models import StockMovement

    with transaction.atomic():
        already = handout.corrections.filter(kind=StockMovement.Kind.ADJUSTMENT)
        back = handout.quantity - sum(already.values_list("quantity", flat=True))
        if back <= 0:
            raise ValidationError(_("This entry has been withdrawn."), code="withdrawn")
        return StockMovement.objects.create(
            kind=StockMovement.Kind.ADJUSTMENT, batch=handout.batch, to_location=handout.from_location,
            quantity=back, occurred_at=timezone.now(), reason=_("Withdrawn: logged by mistake"), corrects=handout,
            recorded_by=user,
        )


def withdraw_reversal_report(*, user, report):
    """A staff report logged by mistake stops counting; the row and its history stay."""
    from kits.models import ReversalReport

    if report.review_status == ReversalReport.ReviewStatus.REJECTED:
        raise ValidationError(_("This entry has been withdrawn."), code="withdrawn")
    report.review_status = ReversalReport.ReviewStatus.REJECTED
    report.review_reason = _("Withdrawn: logged by mistake")
    report.reviewed_by, report.reviewed_at = user, timezone.now()
    report.save()
    return report


def hand_out_at_course(*, user, location: StockLocation, quantity: int, course, occurred_at, batch=None, key=None):
    """The kits handed out at a held course (reason: first supply), written in the caller's transaction.

    Unlike `record_handout` it opens no savepoint and keeps no key of its own: the
    caller's entry is idempotent as a whole, and the street screen must store an
    entry in at most 15 queries. Stock and expiry are still enforced by the
    database; a refusal aborts the caller's transaction, which turns it into a
    message with `stock_refusal`.
    """
    from kits.models import HandoutReason

    on_date = timezone.localdate(occurred_at)
    chosen = batch or first_expiring_batch(location, quantity, on_date)
    if chosen is None:
        raise not_enough_kits(location, quantity)
    if chosen.expiry_date < on_date:
        raise ValidationError({"batch": _("Batch %(lot)s expired on %(date)s and must not be handed out.") % {
            "lot": chosen.lot_number, "date": chosen.expiry_date.strftime("%d.%m.%Y")}}, code="expired_batch")
    return Handout.objects.create(
        idempotency_key=key or uuid.uuid4(), batch=chosen, from_location=location, quantity=quantity,
        occurred_at=occurred_at, handout_reason=HandoutReason.FIRST_SUPPLY, course=course, recorded_by=user,
    )


def stock_refusal(error: IntegrityError, location, quantity) -> ValidationError | None:
    """The message for a handout the database refused, or None if it was refused for another reason."""
    constraint = violated_constraint(error)
    if constraint == STOCK_NON_NEGATIVE:
        return not_enough_kits(location, quantity)
    if constraint == HANDOUT_NOT_EXPIRED:
        return ValidationError({"batch": _("This batch has expired and must not be handed out.")},
                               code="expired_batch")
    return None
