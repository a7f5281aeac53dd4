"""Read-only questions about stock, scoped to what a user may see.

Used by the stock screens here and by the coordinator's start page.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from fractions import Fraction

from django.conf import settings
from django.db.models import CharField, F, Func, Q, Sum, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from kits.models import Batch, StockLevel, StockLocation, StockMovement
from redliv import inputs
from redliv.models import Municipality


def warning_date(today=None):
    """Kits expiring on or before this date are highlighted."""
    return (today or timezone.localdate()) + dt.timedelta(days=settings.KIT_EXPIRY_WARNING_DAYS)


def stock_levels(user, municipality=None):
    """Every batch on hand somewhere the user may see (in `municipality` when given), with its
    location and batch loaded."""
    levels = StockLevel.objects.for_user(user)
    if municipality is not None:
        levels = levels.in_municipality(municipality)
    return (
        levels.filter(quantity__gt=0)
        .select_related("location__municipality", "batch", "batch__kit_type")
        .order_by("location__municipality__name", "location__name", "batch__expiry_date", "batch__lot_number")
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


def stock_by_location(user, today=None, municipality=None):
    """Each active location the user may see (in `municipality` when given), with its usable and its
    expired batches."""
    today = today or timezone.localdate()
    locations = StockLocation.objects.for_user(user).filter(active=True)
    if municipality is not None:
        locations = locations.in_municipality(municipality)
    by_location = {location.pk: LocationStock(location) for location in locations}
    for level in stock_levels(user, municipality):
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


def stock_plan(user, today=None, municipality=None):
    """The reorder and redistribution plan for the user's active locations (kits.planning)."""
    from kits.planning import plan_stock

    today = today or timezone.localdate()
    locations = StockLocation.objects.for_user(user).filter(active=True).select_related("municipality")
    if municipality is not None:
        locations = locations.in_municipality(municipality)
    # Every level, also at inactive locations: the start page lists their expiring kits from these.
    return plan_stock(list(locations), list(stock_levels(user, municipality)), today)


# ---------------------------------------------------------------------------
# The national summary: one row per municipality, for an administrator. At
# national scale the per-location page is thousands of rows; this reads the
# same levels and ledger in a few plain statements, without model instances
# for each of them, and plans every location as the detail page does.
# ---------------------------------------------------------------------------


@dataclass
class PlanLevel:
    """A stock level as the planner needs it: no location instance, a shared batch instance."""

    location_id: int
    batch_id: int
    batch: Batch
    quantity: int


@dataclass
class PlanLocation:
    """A stock location as the planner needs it (the fields kits.planning reads)."""

    pk: int
    name: str
    municipality_id: int
    min_months: object
    max_months: object
    for_return: bool
    active: bool = True


@dataclass
class MunicipalityStock:
    municipality: Municipality
    locations: int = 0
    usable: int = 0
    unusable: int = 0
    consumption: Fraction = Fraction(0)
    counted: bool = False  # some location has a full month of consumption
    suggested_order: int = 0
    below_minimum: int = 0
    at_risk: int = 0

    @property
    def kits_a_month(self) -> float:
        return float(self.consumption)

    @property
    def months_of_stock(self) -> float | None:
        return float(self.usable / self.consumption) if self.consumption else None


@dataclass
class NationalStock:
    municipalities: list  # MunicipalityStock, by name
    window: tuple

    @property
    def window_last_day(self) -> dt.date:
        """The window's last day, as the page names it (its end is the first day after it)."""
        return self.window[1] - dt.timedelta(days=1)

    @property
    def total(self) -> MunicipalityStock:
        """The municipalities' rows added up (municipality None)."""
        total = MunicipalityStock(None)
        for row in self.municipalities:
            for name in (
                "locations",
                "usable",
                "unusable",
                "consumption",
                "suggested_order",
                "below_minimum",
                "at_risk",
            ):
                setattr(total, name, getattr(total, name) + getattr(row, name))
            total.counted = total.counted or row.counted
        return total


def national_stock(user, today=None) -> NationalStock:
    """Stock, expired or recalled kits, months of stock, suggested orders and kits at risk per
    municipality: the sums of what each municipality's own stock page shows.

    Four statements however large the ledger: municipalities, locations, levels with their
    batch, and the planner's consumption (kits.planning).
    """
    from kits.planning import plan_stock

    today = today or timezone.localdate()
    rows = {municipality.pk: MunicipalityStock(municipality) for municipality in Municipality.objects.all()}
    locations = {
        values[0]: PlanLocation(*values)
        for values in StockLocation.objects.for_user(user).values_list(
            "pk", "name", "municipality_id", "min_months", "max_months", "for_return", "active"
        )
    }
    batches, levels = {}, []
    for location_id, quantity, batch_id, *fields in (
        StockLevel.objects.for_user(user)
        .filter(quantity__gt=0)
        .values_list("location_id", "quantity", "batch_id", *BATCH_FIELDS)
    ):
        batch = batches.get(batch_id)
        if batch is None:
            batch = batches[batch_id] = Batch(pk=batch_id, **dict(zip(BATCH_ATTRIBUTES, fields, strict=True)))
        levels.append(PlanLevel(location_id, batch_id, batch, quantity))
    for level in levels:
        location = locations[level.location_id]
        row = rows[location.municipality_id]
        if level.batch.is_expired(today) or level.batch.is_recalled(today):
            row.unusable += level.quantity
        elif not location.for_return:
            row.usable += level.quantity
    active = [location for location in locations.values() if location.active]
    plan = plan_stock(active, levels, today)
    for entry in plan.locations:
        if entry.location.for_return:
            continue
        row = rows[entry.location.municipality_id]
        row.locations += 1
        if not entry.is_new:
            row.counted = True
            row.consumption += entry.consumption_exact
            row.suggested_order += entry.suggested_order
        row.below_minimum += entry.below_minimum
    for risk in plan.at_risk:
        rows[risk.location.municipality_id].at_risk += risk.quantity
    return NationalStock(municipalities=list(rows.values()), window=plan.window)


# What the planner and the expiry and recall rules read of a batch.
BATCH_ATTRIBUTES = ("lot_number", "product", "expiry_date", "recalled_on", "recall_ended_on")
BATCH_FIELDS = tuple(f"batch__{name}" for name in BATCH_ATTRIBUTES)


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
    """Where the kits of a lot went, within the user's municipality: every movement of it (with who
    recalled the lot and who ended the recall)."""
    return (
        movements(user)
        .filter(batch__lot_number__iexact=lot_number.strip())
        .select_related("batch__recalled_by", "batch__recalled_in", "batch__recall_ended_by")
    )


@dataclass
class RecallStep:
    """One step of a lot's recall, from its history: "recalled", "changed" or "ended"."""

    action: str
    when: dt.datetime
    who: object
    on_date: dt.date
    reason: str


def recall_steps(batches) -> dict:
    """{batch id: [RecallStep, oldest first]} from the lots' history, in one query.

    A step is read from each saved version against the one before: a recall begun (also
    again after an end), a recall changed while it lasts, or a recall ended.
    """
    steps = {batch.pk: [] for batch in batches}
    previous = {}
    records = (
        Batch.history.filter(id__in=list(steps))
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    for record in records:
        before = previous.get(record.id)
        previous[record.id] = record
        recall = (record.recalled_on, record.recall_reason, record.recall_instructions)
        if record.recall_ended_on and (before is None or not before.recall_ended_on):
            step = RecallStep(
                "ended", record.history_date, record.history_user, record.recall_ended_on, record.recall_end_reason
            )
        elif record.recalled_on and (before is None or not before.recalled_on or before.recall_ended_on):
            step = RecallStep(
                "recalled", record.history_date, record.history_user, record.recalled_on, record.recall_reason
            )
        elif record.recalled_on and recall != (before.recalled_on, before.recall_reason, before.recall_instructions):
            step = RecallStep(
                "changed", record.history_date, record.history_user, record.recalled_on, record.recall_reason
            )
        else:
            continue
        steps[record.id].append(step)
    return steps


# What a correction (an adjustment that `corrects` a movement) is counted against in a lot's totals.
CORRECTED_IN_TOTALS = {StockMovement.Kind.RECEIVE, StockMovement.Kind.HANDOUT, StockMovement.Kind.DISCARD}


def lot_summary(trace):
    """Totals for a lot trace, which add up to what the locations hold, and what each location holds.

    Received, handed out and discarded are less the kits their corrections took back (kits put back
    from a handout are no longer handed out, as in the month report); `adjustment` is what counts
    found more (+) or fewer (−) than the book. Received − handed out − discarded + adjustment is
    the kits still in stock (less any moved to another municipality).
    """
    totals = {kind: 0 for kind in StockMovement.Kind.values}
    kinds = {movement.pk: movement.kind for movement in trace}
    held = {}
    for movement in trace:
        corrected = kinds.get(movement.corrects_id)
        if movement.kind == StockMovement.Kind.ADJUSTMENT and corrected in CORRECTED_IN_TOTALS:
            totals[corrected] -= movement.quantity
        elif movement.kind == StockMovement.Kind.ADJUSTMENT:
            totals[movement.kind] += movement.quantity if movement.to_location_id else -movement.quantity
        else:
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


# What a lot number is read without: spaces, hyphens, dots, slashes, underscores ("NX-2408", "nx 2408",
# "NX.2408" are lot NX2408), on both sides, as digits are read whatever their script.
_SEPARATORS = re.compile(r"[\W_]+")


def lot_key(text: str) -> str:
    """A lot number without separators: its letters and digits only."""
    return _SEPARATORS.sub("", text or "")[:LOT_NUMBER_MAX]


def _batches_with_lot(typed: str):
    """Batches whose lot number, without separators and whatever the case, is the one typed."""
    key = lot_key(typed)
    if not key:
        return Batch.objects.none()
    stored = Func(
        F("lot_number"),
        Value("[^[:alnum:]]+"),
        Value(""),
        Value("g"),
        function="regexp_replace",
        output_field=CharField(),
    )
    return Batch.objects.annotate(lot_key=stored).filter(lot_key__iexact=key).order_by("product", "expiry_date")


# The word in front of a lot number on the box ("LOT NX2408", "Lot: NX2408"), copied with it.
_THE_WORD_LOT = re.compile(r"^\s*lot\b\s*[:.#-]?\s*", re.IGNORECASE)


def check_lot(text: str, today=None) -> list:
    """The answers for a lot number typed by anyone; an empty list when it is not known.

    A recall comes before expiry: a recalled kit must go back whatever its date.
    """
    today = today or timezone.localdate()
    # As the person means it: digits from an Arabic or Persian keyboard, full-width letters and the
    # invisible marks a number copied from a message carries are the lot number printed on the box.
    text = inputs.plain_characters(text or "")
    lot_number = normalise_lot(text)
    if not lot_number:
        return []
    # Typed with a hyphen, a space or a dot the box may or may not show: "NX-2408" is lot NX2408.
    batches = _batches_with_lot(lot_number)
    without_the_word = normalise_lot(_THE_WORD_LOT.sub("", text, count=1))
    if lot_key(without_the_word) and lot_key(without_the_word) != lot_key(lot_number) and not batches:
        # The page says the number is printed "often after Lot": "LOT: NX2408" is lot NX2408.
        batches = _batches_with_lot(without_the_word)
    answers = []
    for batch in batches:
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
    today = today or timezone.localdate()
    return list(
        Batch.objects.filter(Batch.recalled_q(today))
        .order_by("-recalled_on", "lot_number")
        .values_list("lot_number", flat=True)
    )


@dataclass
class MonthMovements:
    """One location's kits in a month, for reconciling by hand: opening + received - sent + counted = closing."""

    location: str
    opening: int = 0
    came_in: int = 0
    went_out: int = 0
    counted: int = 0  # adjustments after a count, into (+) or out of (-) the location
    closing: int = 0


def month_movements(month, municipality) -> list[MonthMovements]:
    """The month's movements per stock location of `municipality`, with the stock at its start and end
    (2 queries). As `reports.figures.stock_table` works it out: today's stock (kept by the ledger
    trigger) less what moved after the month's end, not the whole ledger; the totals of the closing
    column are that table's "On hand". Corrections count as kits in or out; only adjustments after a
    count are "counted". Locations that never held kits are left out; the last row is the total."""
    counted = Q(kind=StockMovement.Kind.ADJUSTMENT, corrects__isnull=True)
    in_month = Q(occurred_at__lt=month.end)
    after = Q(occurred_at__gte=month.end)

    # One row per pair of locations a movement went between (a transfer touches two): few rows.
    pairs = (
        StockMovement.objects.filter(
            Q(to_location__municipality=municipality) | Q(from_location__municipality=municipality),
            occurred_at__gte=month.start,
        )
        .order_by()
        .values("to_location", "from_location")
        .annotate(
            month=Sum("quantity", filter=in_month & ~counted),
            counted=Sum("quantity", filter=in_month & counted),
            after=Sum("quantity", filter=after),
        )
    )
    incoming, outgoing = {}, {}
    for pair in pairs:
        for side, sums in (("to_location", incoming), ("from_location", outgoing)):
            if pair[side] is not None:
                totals = sums.setdefault(pair[side], {"month": 0, "counted": 0, "after": 0})
                for name in totals:
                    totals[name] += pair[name] or 0

    levels = (
        StockLevel.objects.filter(location__municipality=municipality)
        .order_by()
        .values("location", "location__name")
        .annotate(now=Sum("quantity"))
        .order_by("location__name")
    )
    rows = []
    for level in levels:
        none = {"month": 0, "counted": 0, "after": 0}
        into, out = incoming.get(level["location"], none), outgoing.get(level["location"], none)
        row = MonthMovements(
            level["location__name"],
            came_in=into["month"],
            went_out=out["month"],
            counted=into["counted"] - out["counted"],
            closing=level["now"] - into["after"] + out["after"],
        )
        row.opening = row.closing - row.came_in + row.went_out - row.counted
        rows.append(row)
    if rows:
        total = MonthMovements(_("Total"))
        for name in ("opening", "came_in", "went_out", "counted", "closing"):
            setattr(total, name, sum(getattr(row, name) for row in rows))
        rows.append(total)
    return rows
