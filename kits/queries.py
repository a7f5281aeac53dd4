"""Read-only questions about stock, scoped to what a user may see.

Used by the stock screens here and by the coordinator's start page.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from kits.models import StockLevel, StockLocation, StockMovement


def warning_date(today=None):
    """Kits expiring on or before this date are highlighted."""
    return (today or timezone.localdate()) + dt.timedelta(days=settings.KIT_EXPIRY_WARNING_DAYS)


def stock_levels(user):
    """Every batch on hand somewhere the user may see, with its location and batch loaded."""
    return (
        StockLevel.objects.for_user(user)
        .filter(quantity__gt=0)
        .select_related("location", "batch", "batch__kit_type")
        .order_by("location__name", "batch__expiry_date", "batch__lot_number")
    )


def expiring_soon(user, today=None):
    """Kits on hand that are still usable but expire within KIT_EXPIRY_WARNING_DAYS, soonest first."""
    today = today or timezone.localdate()
    return (
        stock_levels(user)
        .filter(batch__expiry_date__gte=today, batch__expiry_date__lte=warning_date(today))
        .order_by("batch__expiry_date", "location__name")
    )


def expired_stock(user, today=None):
    """Kits on hand past their expiry date: to be discarded, never handed out."""
    today = today or timezone.localdate()
    return stock_levels(user).filter(batch__expiry_date__lt=today).order_by("batch__expiry_date", "location__name")


@dataclass
class LocationStock:
    location: StockLocation
    usable: list = field(default_factory=list)
    expired: list = field(default_factory=list)

    @property
    def total(self):
        return sum(level.quantity for level in self.usable)


def stock_by_location(user, today=None):
    """Each active location the user may see, with its usable and its expired batches."""
    today = today or timezone.localdate()
    by_location = {
        location.pk: LocationStock(location) for location in StockLocation.objects.for_user(user).filter(active=True)
    }
    for level in stock_levels(user):
        entry = by_location.setdefault(level.location_id, LocationStock(level.location))
        level.expires_soon = level.batch.expiry_date <= warning_date(today)
        (entry.expired if level.batch.expiry_date < today else entry.usable).append(level)
    return list(by_location.values())


def stock_by_batch(user, today=None):
    """Each batch on hand, with its total across the user's locations."""
    today = today or timezone.localdate()
    rows = (
        stock_levels(user)
        .order_by()
        .values("batch__pk", "batch__lot_number", "batch__product", "batch__expiry_date")
        .annotate(quantity=Sum("quantity"))
        .order_by("batch__expiry_date", "batch__lot_number")
    )
    for row in rows:
        row["expired"] = row["batch__expiry_date"] < today
        row["expires_soon"] = not row["expired"] and row["batch__expiry_date"] <= warning_date(today)
    return list(rows)


def movements(user):
    """The stock ledger as the user may see it, with everything a list or an export shows."""
    return (
        StockMovement.objects.for_user(user)
        .select_related(
            "batch",
            "from_location",
            "to_location",
            "course",
            "corrects",
        )
        .order_by("occurred_at", "id")
    )


def movements_between(user, start: dt.date, end: dt.date):
    """Movements dated from `start` to `end`, both included (local dates)."""
    return movements(user).filter(occurred_at__date__gte=start, occurred_at__date__lte=end)


def lot_movements(user, lot_number: str):
    """Where the kits of a lot went, within the user's municipality: every movement of it."""
    return movements(user).filter(batch__lot_number__iexact=lot_number.strip())


def lot_summary(trace):
    """Totals for a lot trace: received, handed out, discarded, and what each location holds."""
    totals = {kind: 0 for kind in StockMovement.Kind.values}
    held = {}
    for movement in trace:
        totals[movement.kind] += movement.quantity
        if movement.to_location_id:
            held[movement.to_location] = held.get(movement.to_location, 0) + movement.quantity
        if movement.from_location_id:
            held[movement.from_location] = held.get(movement.from_location, 0) - movement.quantity
    courses = sorted({movement.course for movement in trace if movement.course_id}, key=lambda c: c.starts_at)
    return {"totals": totals, "held": sorted(held.items(), key=lambda item: item[0].name), "courses": courses}
