"""Reorder and redistribution suggestions: how long each location's stock lasts, what to
order, and which kits will expire unused unless they move.

The rules are those of OpenLMIS and mSupply:

- consumption: kits handed out in the last KIT_CONSUMPTION_MONTHS full months, less the
  kits of those handouts put back since (returns and corrections), per month. A
  location whose first kits arrived inside that window is averaged over the months it
  has held stock (the month of its first kits counts whole); one whose first kits
  arrived this month has no consumption yet.
- months of stock = usable kits on hand / consumption.
- suggested order = consumption × maximum months − usable kits on hand, never below zero.
- kits at risk: per location, batches are used first-expiry-first-out at the current
  rate; what would still be there on a batch's expiry date is at risk. A suggested
  transfer moves kits at risk to another location of the same municipality whose own
  consumption will use them before they expire.
- what a suggestion leaves: never fewer kits than the location's minimum (consumption ×
  minimum months, rounded up), nor fewer than KIT_RESERVE (all it holds, if fewer). A
  place that hands out little or nothing (a clinic's cabinet) keeps naloxone for an
  overdose on the spot; a suggestion must not strip it bare. Its freshest kits stay:
  the soonest-expiring are suggested first.

The sums are done by PostgreSQL (one statement, grouped by location); the
first-expiry-first-out walk runs over the few batches each location holds.
"""

import datetime as dt
import math
from dataclasses import dataclass, field
from fractions import Fraction

from django.conf import settings
from django.db import connection
from django.utils import timezone

from kits.models import StockLocation

DAYS_PER_MONTH = Fraction(36525, 1200)  # 365.25 / 12


def consumption_window(today, months=None):
    """The last `months` full months before `today`'s month: (first day, first day of this month)."""
    months = months or settings.KIT_CONSUMPTION_MONTHS
    end = today.replace(day=1)
    year, month = divmod(end.year * 12 + end.month - 1 - months, 12)
    return dt.date(year, month + 1, 1), end


def _months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def _midnight(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass
class Transfer:
    from_location: StockLocation
    to_location: StockLocation
    batch: object
    quantity: int


@dataclass
class AtRisk:
    location: StockLocation
    batch: object
    on_hand: int
    quantity: int  # kits still there on the expiry date at the current rate
    transfers: list = field(default_factory=list)

    @property
    def left_at_risk(self):
        return self.quantity - sum(transfer.quantity for transfer in self.transfers)


@dataclass
class LocationPlan:
    location: StockLocation
    usable: int = 0
    unusable: int = 0
    handed_out: int = 0  # in the window, less what was put back
    months_counted: int = 0
    batches: list = field(default_factory=list)  # usable StockLevels, first expiry first

    @property
    def is_new(self) -> bool:
        return self.months_counted == 0

    @property
    def consumption_exact(self) -> Fraction | None:
        return None if self.is_new else Fraction(max(self.handed_out, 0), self.months_counted)

    @property
    def consumption(self) -> float | None:
        exact = self.consumption_exact
        return None if exact is None else float(exact)

    @property
    def months_of_stock(self) -> float | None:
        exact = self.consumption_exact
        if not exact:
            return None
        return float(self.usable / exact)

    @property
    def suggested_order(self) -> int | None:
        exact = self.consumption_exact
        if exact is None:
            return None
        return max(0, math.ceil(exact * Fraction(self.location.max_months) - self.usable))

    @property
    def below_minimum(self) -> bool:
        exact = self.consumption_exact
        return bool(exact) and self.usable < exact * Fraction(self.location.min_months)

    @property
    def kept(self) -> int:
        """The kits a suggested transfer leaves here: the minimum, and never fewer than the reserve."""
        minimum = math.ceil((self.consumption_exact or Fraction(0)) * Fraction(self.location.min_months))
        return min(self.usable, max(minimum, settings.KIT_RESERVE))

    @property
    def daily_rate(self) -> float:
        """Kits a day. A float: the walk below runs over every batch of every location."""
        return float((self.consumption_exact or Fraction(0)) / DAYS_PER_MONTH)


@dataclass
class StockPlan:
    locations: list  # LocationPlan, in the order given
    at_risk: list  # AtRisk, soonest expiry first
    window: tuple
    levels: list = field(default_factory=list)  # every level given, as given

    @property
    def below_minimum(self):
        return [plan for plan in self.locations if plan.below_minimum]

    @property
    def window_last_day(self) -> dt.date:
        """The window's last day, as a page names it ("until 31 May"; its end, 1 June, is not in it)."""
        return self.window[1] - dt.timedelta(days=1)

    @property
    def transfers(self):
        return [transfer for risk in self.at_risk for transfer in risk.transfers]


LEDGER_SQL = """
SELECT location_id, sum(handed_out), min(first_in) FROM (
    SELECT from_location_id AS location_id, quantity AS handed_out, NULL::timestamptz AS first_in
      FROM kits_stockmovement
     WHERE kind = 'handout' AND occurred_at >= %(start)s AND occurred_at < %(end)s
       AND from_location_id = ANY(%(ids)s)
    UNION ALL
    SELECT back.to_location_id, -back.quantity, NULL
      FROM kits_stockmovement back JOIN kits_stockmovement handout ON handout.id = back.corrects_id
     WHERE back.corrects_id IS NOT NULL AND handout.kind = 'handout'
       AND handout.occurred_at >= %(start)s AND handout.occurred_at < %(end)s
       AND back.to_location_id = ANY(%(ids)s)
    UNION ALL
    SELECT to_location_id, 0, min(occurred_at)
      FROM kits_stockmovement
     WHERE to_location_id = ANY(%(ids)s)
     GROUP BY to_location_id
) AS ledger
GROUP BY location_id
"""


def _ledger_facts(location_ids, start, end):
    """{location id: (kits handed out in [start, end) less what was put back of them, first arrival)}.

    One statement: the handouts of the window, the corrections and returns of those
    handouts (few; found through the partial index on `corrects`), and each
    location's first incoming movement.
    """
    with connection.cursor() as cursor:
        cursor.execute(LEDGER_SQL, {"start": _midnight(start), "end": _midnight(end), "ids": list(location_ids)})
        return {location_id: (int(total or 0), first) for location_id, total, first in cursor.fetchall()}


def plan_stock(locations, levels, today=None, months=None) -> StockPlan:
    """The plan for `locations` (StockLocations) holding `levels` (StockLevels with their batch).

    One query, whatever the size of the ledger.
    """
    today = today or timezone.localdate()
    start, end = consumption_window(today, months)
    window_months = _months_between(start, end)
    plans = {location.pk: LocationPlan(location) for location in locations}
    ids = list(plans)
    facts = _ledger_facts(ids, start, end) if ids else {}
    for location_id, plan in plans.items():
        plan.handed_out, first = facts.get(location_id, (0, None))
        if first is None:
            plan.months_counted = 0
        else:
            first_month = timezone.localdate(first).replace(day=1)
            plan.months_counted = max(0, min(window_months, _months_between(max(first_month, start), end)))
    for level in levels:
        plan = plans.get(level.location_id)
        if plan is None or level.quantity <= 0:
            continue
        batch = level.batch
        if batch.is_expired(today) or batch.is_recalled(today):
            plan.unusable += level.quantity
        else:
            plan.usable += level.quantity
            plan.batches.append(level)
    at_risk, capacity = _at_risk(plans.values(), today)
    _suggest_transfers(at_risk, plans.values(), capacity, today)
    return StockPlan(locations=list(plans.values()), at_risk=at_risk, window=(start, end), levels=list(levels))


def _fefo(batches):
    return sorted(batches, key=lambda level: (level.batch.expiry_date, level.batch.lot_number, level.batch_id))


# Kits are whole: a fraction of a kit within this of a whole one counts as the whole one.
EPSILON = 1e-9


def _whole(kits: float) -> int:
    return math.floor(kits + EPSILON)


def _demand_until(rate: float, expiry_date, today) -> float:
    return rate * max(0, (expiry_date - today).days)


def _at_risk(plans, today):
    """Walk each location's batches first-expiry-first-out; return the kits at risk and each
    location's use of its own stock up to each expiry date (what a transfer must leave room for)."""
    at_risk = []
    used_by = {}  # location id -> [(expiry date, kits used by then)]
    for plan in plans:
        if plan.is_new or plan.location.for_return:
            continue
        used = 0.0
        steps = []
        rate = plan.daily_rate
        for level in _fefo(plan.batches):
            room = max(0.0, _demand_until(rate, level.batch.expiry_date, today) - used)
            consumed = min(float(level.quantity), room)
            used += consumed
            steps.append((level.batch.expiry_date, used))
            left = level.quantity - _whole(consumed)
            if left > 0:
                at_risk.append(AtRisk(plan.location, level.batch, level.quantity, left))
        used_by[plan.location.pk] = steps
    at_risk.sort(key=lambda risk: (risk.batch.expiry_date, risk.location.name, risk.batch.lot_number))
    return at_risk, used_by


def _suggest_transfers(at_risk, plans, used_by, today):
    """Give kits at risk to locations of the same municipality that will use them before they expire.

    A receiving location's room for a batch is what it will hand out until the batch
    expires, less its own kits that expire no later (it uses those first) and less what
    was already suggested to it of batches expiring no later. Soonest expiry first;
    the location with the most room first. A giving location keeps `LocationPlan.kept`.
    """
    by_municipality = {}
    movable = {plan.location.pk: plan.usable - plan.kept for plan in plans}
    for plan in plans:
        if not plan.is_new and not plan.location.for_return and plan.location.active and plan.daily_rate > 0:
            by_municipality.setdefault(plan.location.municipality_id, []).append((plan, plan.daily_rate))
    given = {}  # location id -> [(expiry date, kits suggested)]
    for risk in at_risk:
        expiry = risk.batch.expiry_date
        rooms = []
        for plan, rate in by_municipality.get(risk.location.municipality_id, []):
            if plan.location.pk == risk.location.pk:
                continue
            own = max((used for until, used in used_by.get(plan.location.pk, []) if until <= expiry), default=0)
            suggested = sum(quantity for until, quantity in given.get(plan.location.pk, []) if until <= expiry)
            room = _whole(_demand_until(rate, expiry, today) - own - suggested)
            if room > 0:
                rooms.append((room, plan))
        rooms.sort(key=lambda item: (-item[0], item[1].location.name))
        for room, plan in rooms:
            quantity = min(room, risk.left_at_risk, movable[risk.location.pk])
            if quantity <= 0:
                break
            movable[risk.location.pk] -= quantity
            risk.transfers.append(Transfer(risk.location, plan.location, risk.batch, quantity))
            given.setdefault(plan.location.pk, []).append((expiry, quantity))
