"""Read-only questions about stock, scoped to what a user may see.

Used by the stock screens here and by the coordinator's start page.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
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


@dataclass
class LocationStock:
    location: StockLocation
    usable: list = field(default_factory=list)
    expired: list = field(default_factory=list)

    @property
    def total(self):
        return sum(level.quantity for level in self.usable)

    @property
    def unusable_total(self):
        return sum(level.quantity for level in self.expired)


def stock_by_location(user, today=None):
    """Each active location the user may see, with its usable and its expired batches."""
    today = today or timezone.localdate()
    by_location = {
        location.pk: LocationStock(location) for location in StockLocation.objects.for_user(user).filter(active=True)
    }
    for level in stock_levels(user):
        entry = by_location.setdefault(level.location_id, LocationStock(level.location))
        level.expires_soon = level.batch.expiry_date <= warning_date(today)
        level.recalled = level.batch.is_recalled(today)
        level.expired = level.batch.is_expired(today)
        (entry.expired if level.expired or level.recalled else entry.usable).append(level)
    return list(by_location.values())


def expiring_in(locations):
    """The usable kits of `locations` (from stock_by_location) in the warning window, soonest first."""
    levels = (level for entry in locations for level in entry.usable if level.expires_soon)
    return sorted(levels, key=lambda level: (level.batch.expiry_date, level.location.name))


def unusable_in(locations):
    """The expired or recalled kits of `locations` (from stock_by_location): to be discarded, never handed out."""
    levels = (level for entry in locations for level in entry.expired)
    return sorted(levels, key=lambda level: (level.location.name, level.batch.expiry_date))


def expiring_soon(user, today=None):
    """Kits on hand that are still usable but expire within KIT_EXPIRY_WARNING_DAYS, soonest first."""
    return expiring_in(stock_by_location(user, today))


def expired_stock(user, today=None):
    """Kits on hand past their expiry date or recalled: to be discarded, never handed out."""
    return unusable_in(stock_by_location(user, today))


def stock_plan(user, today=None):
    """The reorder and redistribution plan for the user's active locations (kits.planning)."""
    from kits.planning import plan_stock

    today = today or timezone.localdate()
    locations = list(StockLocation.objects.for_user(user).filter(active=True).select_related("municipality"))
    # Every level, also at inactive locations: the start page lists their expiring kits from these.
    return plan_stock(locations, list(stock_levels(user)), today)


def movements(user):
    """The stock ledger as the user may see it, with everything a list or an export shows."""
    return (
        StockMovement.objects.for_user(user)
        .select_related(
            "batch",
            "from_location",
            "to_location",
            "course__venue",
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


# ---------------------------------------------------------------------------
# The public "Check your kit" page and the finder's recall banner. They read
# lot numbers, expiry dates and recalls only: never stock, places or handouts.
# ---------------------------------------------------------------------------

LOT_NUMBER_MAX = 50


def normalise_lot(text: str) -> str:
    """What a person typed, as lot numbers are stored: no spaces, at most 50 characters."""
    return "".join((text or "").split())[:LOT_NUMBER_MAX]


@dataclass
class KitCheck:
    """The answer for one product with this lot number: "fine", "expired" or "recalled"."""

    status: str
    product: str
    expiry_date: dt.date
    recalled_on: dt.date | None = None
    instructions: str = ""


def check_lot(text: str, today=None) -> list:
    """The answers for a lot number typed by anyone; an empty list when it is not known.

    A recall comes before expiry: a recalled kit must go back whatever its date.
    """
    from kits.models import Batch

    today = today or timezone.localdate()
    lot_number = normalise_lot(text)
    if not lot_number:
        return []
    answers = []
    for batch in Batch.objects.filter(lot_number__iexact=lot_number).order_by("product", "expiry_date"):
        if batch.is_recalled(today):
            status = "recalled"
        elif batch.is_expired(today):
            status = "expired"
        else:
            status = "fine"
        answers.append(
            KitCheck(
                status=status,
                product=batch.product,
                expiry_date=batch.expiry_date,
                recalled_on=batch.recalled_on if status == "recalled" else None,
                instructions=batch.recall_instructions if status == "recalled" else "",
            )
        )
    return answers


def active_recalls(today=None):
    """Lots recalled by today, newest recall first: for the finder's banner."""
    from kits.models import Batch

    today = today or timezone.localdate()
    return list(
        Batch.objects.filter(recalled_on__lte=today)
        .order_by("-recalled_on", "lot_number")
        .values_list("lot_number", flat=True)
    )
