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
