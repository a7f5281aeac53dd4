"""Writes to the stock ledger. Every screen that hands out kits comes through here:
the street screen, the office form, the admin and the demo seed.
"""

import datetime as dt
import functools
import uuid

from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import BigIntegerField, Case, Exists, F, Func, OuterRef, Q, Sum, Value, When, signals
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kits.models import (
    CORRECTIONS_WITHIN_ORIGINAL,
    HANDOUT_NOT_EXPIRED,
    HANDOUT_NOT_FROM_RETURN_LOCATION,
    HANDOUT_NOT_RECALLED,
    RECALLED_KITS_STAY_FOR_RETURN,
    STOCK_NON_NEGATIVE,
    STOCK_NON_NEGATIVE_ON_EVERY_DATE,
    TAKEN_BACK_WITH_A_REASON,
    TRANSFER_EXPIRED_ONLY_FOR_RETURN,
    TRANSFER_RECALLED_ONLY_FOR_RETURN,
    Batch,
    Handout,
    HandoutReason,
    KitType,
    StockLevel,
    StockLocation,
    StockMovement,
    is_taken_back_into_use,
    validate_lot_date,
)
from redliv import roles
from redliv.closing import check_change_allowed
from redliv.db import IsAnyOf, null_refused, read_back_on_use, violated_constraint
from redliv.idempotency import IdempotencyConflict, KeyStoredBefore, create_once
from redliv.models import MonthClosing
from redliv.months import Month, first_of_month


def stock_on_hand(location: StockLocation) -> int:
    """Every kit here, usable or not (expired and recalled kits wait for return or discard)."""
    return sum(StockLevel.objects.filter(location=location).values_list("quantity", flat=True))


def usable_levels(on_date=None):
    """Stock levels that may be handed out on `on_date`: not expired, not recalled, above zero.

    The usable lots are an array PostgreSQL works out once per statement: joined lot by lot, the
    finder's "kits are handed out here" (then one EXISTS a venue) looked up every lot each cupboard
    ever held, most of them expired (4.0 ms for the 98 drop-in hours at national scale, then 1.5;
    now one query for the page's venues, finder.listing.venues_with_kits)."""
    on_date = on_date or timezone.localdate()
    usable_lots = Batch.objects.filter(Batch.usable_q(on_date)).order_by().values("pk")
    return StockLevel.objects.filter(IsAnyOf(F("batch_id"), ArraySubquery(usable_lots)), quantity__gt=0)


def usable_by_batch(location: StockLocation, on_date=None) -> list[int]:
    """The kits here that could be handed out on `on_date`, one number for each batch."""
    return list(usable_levels(on_date).filter(location=location).values_list("quantity", flat=True))


# Times a batch the service chose itself is chosen again when it changed between the choice and the
# ledger trigger's check: another movement emptied it, or a recall (or a corrected expiry date) began.
CHOOSE_AGAIN = 5
CHOSEN_BATCH_CHANGED = {STOCK_NON_NEGATIVE, HANDOUT_NOT_RECALLED, HANDOUT_NOT_EXPIRED}


def create_choosing_again(model, key, payload, create, *, author, chooses: bool, one_statement: bool = False):
    """`create_once` (with its `one_statement`); when `create` chooses the batch itself (first
    expiry first) and the database refuses that batch because it changed after it was chosen
    (another movement emptied it, or a recall began), `create` runs again and chooses from what is
    left (CHOOSE_AGAIN times). The worker chose no lot: "this lot has been recalled" would be news
    about a choice they did not make."""
    attempts = CHOOSE_AGAIN if chooses else 1
    for attempt in range(1, attempts + 1):
        try:
            return create_once(model, key, payload, create, author=author, one_statement=one_statement)
        except IntegrityError as error:
            if attempt == attempts or violated_constraint(error) not in CHOSEN_BATCH_CHANGED:
                raise


class FirstExpiringBatch(Func):
    """First expiry, first out, for an insert to name as its batch: the id of the earliest-expiring
    batch at `location` that holds `quantity` kits usable on `on_date`, or NULL (which the column's
    NOT NULL refuses). Worked out by the database function of migration kits 0014, which also locks
    that batch's stock row, so that simultaneous handouts go on to the next lot instead of failing;
    Django compiles three values, not a subquery (1.2 ms of a street entry's 7). Volatile (it
    locks): for an insert's VALUES only, never a WHERE, where PostgreSQL would run it for every row."""

    function = "kits_first_expiring_batch"
    output_field = BigIntegerField()

    def __init__(self, location: StockLocation, quantity: int, on_date):
        super().__init__(Value(location.pk), Value(quantity), Value(on_date))


def first_expiring_batch(location: StockLocation, quantity: int, on_date) -> Batch | None:
    """The same choice as `FirstExpiringBatch`, as a Batch (a transfer moves it), by the Python rules."""
    return (
        Batch.objects.filter(Batch.usable_q(on_date), levels__location=location, levels__quantity__gte=quantity)
        .order_by("expiry_date", "id")
        .first()
    )


def not_enough_kits(location, quantity, on_date=None, at_course=False) -> ValidationError:
    """No usable batch here holds `quantity` kits: the message counts what could have been handed out.

    A handout comes from one batch: with enough kits here in all but none in one batch, "6 on
    hand, 4 asked for" read as a contradiction (found by a review helper), so it says so, and what
    to do: a handout is logged in parts; a course, which has one kits field, is logged with what one
    batch holds and corrected to add the rest (`at_course`)."""
    batches = usable_by_batch(location, on_date)
    values = {"location": location, "available": sum(batches), "wanted": quantity, "largest": max(batches, default=0)}
    if values["largest"] < quantity <= values["available"] and at_course:
        message = _(
            "No batch at %(location)s holds %(wanted)d kits: at most %(largest)d kits in one batch, %(available)d "
            "in all. Kits come from one batch at a time: save the course with at most %(largest)d kits, then "
            "correct it under “My entries” to add the rest."
        )
    elif values["largest"] < quantity <= values["available"]:  # else another handout took them meanwhile
        message = _(
            "No batch at %(location)s holds %(wanted)d kits: at most %(largest)d in one batch, %(available)d in "
            "all. A handout comes from one batch: log the kits as two handouts or more."
        )
    else:
        message = _("Not enough kits at %(location)s: %(available)d on hand, %(wanted)d asked for.")
    return ValidationError({"quantity": message % values}, code="not_enough_kits")


def _expired_error(batch, field="batch"):
    return ValidationError(
        {
            field: _("Batch %(lot)s expired on %(date)s and must not be handed out.")
            % {"lot": batch.lot_number, "date": date_format(batch.expiry_date, "SHORT_DATE_FORMAT")}
        },
        code="expired_batch",
    )


def _recalled_error(batch, field="batch"):
    return ValidationError(
        {
            field: _("Lot %(lot)s was recalled on %(date)s and must not be handed out. Return it instead.")
            % {"lot": batch.lot_number, "date": date_format(batch.recalled_on, "SHORT_DATE_FORMAT")}
        },
        code="recalled_batch",
    )


def _from_return_location_error(location):
    return ValidationError(
        {
            "location": _(
                "No kits are handed out from %(location)s: it is for return or destruction. Choose another "
                "stock location."
            )
            % {"location": location}
        },
        code="return_location",
    )


def record_handout(
    *,
    user,
    location: StockLocation,
    quantity: int,
    reason: str,
    audience: str | None = None,
    course=None,
    batch: Batch | None = None,
    occurred_at=None,
    on_date=None,
    key: uuid.UUID | None = None,
    change_reason: str = "",
):
    """Hand out kits from a location. Returns (handout, created).

    `on_date` (the office form's date) dates it at the end of that day, unless today (`_at`), and marks it
    `dated_at_office`: dated back, the ledger then refuses it if a later day's closing stock would go below
    zero, as it does a transfer dated back. Without it (a tablet's `occurred_at`) a late handout is taken.

    A handout dated in an approved month is refused unless a coordinator gives `change_reason`.

    The batch is chosen first-expiry-first-out unless given. Stock and expiry are
    enforced by the database; its refusals come back as ValidationErrors with a
    message for the person at the screen, and nothing is written.
    """
    key = key or uuid.uuid4()
    if quantity is None or quantity < 1:
        raise ValidationError({"quantity": _("Hand out at least one kit.")}, code="min_quantity")
    # What the sender said, not what the server derived: a retry must match it.
    payload = {
        "kind": "handout",
        "location": location.pk,
        "quantity": quantity,
        "reason": reason,
        "audience": audience,
        "course": getattr(course, "pk", None),
        "batch": getattr(batch, "pk", None),
        "occurred_at": occurred_at.isoformat() if occurred_at else None,
    }
    dated = on_date is not None
    if dated:
        payload["on_date"] = on_date.isoformat()
        occurred_at = occurred_at or _at(on_date)
    occurred_at = occurred_at or timezone.now()
    on_date = timezone.localdate(occurred_at)

    def create(digest):
        if dated:  # the office form: its date, also before a later approved month
            check_stock_date_allowed(user, location.municipality_id, occurred_at, change_reason)
        else:
            check_change_allowed(user, location.municipality_id, occurred_at, change_reason, adding=True)
        handout = Handout(
            idempotency_key=key,
            payload_digest=digest,
            from_location=location,
            quantity=quantity,
            occurred_at=occurred_at,
            handout_reason=reason,
            recipient_audience=audience,
            course=course,
            recorded_by=user,
            # The office form's date: dated back, unlike a handout sent late from a tablet (which the ledger takes
            # as it happened), it may not leave a later day's closing stock below zero. The ledger trigger
            # refuses it then (migration 0016), and `stock_refusal` says so.
            dated_at_office=dated,
        )
        return insert_handout(handout, batch, on_date)

    try:
        # create() reads (an approved month, when the handout is dated in an ended one) and inserts one row.
        # Dated in an ended month, the check holds the month's approval until the insert commits
        # (redliv.closing): then the insert needs a transaction of its own around the two.
        one_statement = not Month.of(occurred_at).is_over
        return create_choosing_again(
            Handout, key, payload, create, author=user, chooses=batch is None, one_statement=one_statement
        )
    except IntegrityError as error:
        refusal = stock_refusal(error, location, quantity, batch=batch, on_date=on_date, at_course=course is not None)
        if refusal is None:
            raise
        raise refusal from error


def save_handout(handout: Handout, batch: Batch | None, on_date) -> Handout:
    """Insert a new handout from `batch` if it is usable on `on_date`; without one, the insert itself
    chooses the first-expiring usable batch at the handout's location that holds enough (one
    statement, not a look-up and an insert). If none does, the NOT NULL on the batch refuses the
    row, and `stock_refusal` explains it. Never from a location for return or destruction (its kits
    are set aside), which the ledger trigger refuses too."""
    if handout.from_location.for_return:
        raise _from_return_location_error(handout.from_location)
    if batch is None:
        handout.batch_id = FirstExpiringBatch(handout.from_location, handout.quantity, on_date)
        handout.save(force_insert=True)
        return read_back_on_use(handout, "batch_id")
    if batch.is_expired(on_date):
        raise _expired_error(batch)
    if batch.is_recalled(on_date):
        raise _recalled_error(batch)
    handout.batch = batch
    handout.save(force_insert=True)
    return handout


@functools.cache
def _insert_statement() -> tuple[str, list]:
    """The statement `insert_handout` sends, and the fields whose values it takes, in their order.

    Written from the model's own definition: the columns and values are those of every concrete field, as
    Django's insert names them (tests/test_handout_insert.py holds the two together); written by hand only the
    three things the ORM cannot say. The batch, when none was given, is `FirstExpiringBatch`'s function. A
    key stored before is no error (ON CONFLICT DO NOTHING, on the key's unique constraint, which still decides:
    a trigger runs only for a row inserted, the ledger's is AFTER INSERT). And the same statement reads the row
    stored under the key then, so a repeat is answered without a second statement (none when the other request
    committed while this one ran: its snapshot is older, and KeyStoredBefore carries no row)."""
    table = connection.ops.quote_name(StockMovement._meta.db_table)
    every = StockMovement._meta.concrete_fields
    written = [field for field in every if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in written)
    values = ", ".join(
        f"COALESCE(%s, {FirstExpiringBatch.function}(%s, %s, %s))" if field.attname == "batch_id" else "%s"
        for field in written
    )
    key = connection.ops.quote_name(StockMovement._meta.get_field("idempotency_key").column)
    read = ", ".join(connection.ops.quote_name(field.column) for field in every)
    sql = (
        f"WITH new AS (INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT ({key}) DO NOTHING "  # noqa: S608 (names from _meta, values parameters)
        f"RETURNING {read}) "
        f"SELECT true, {read} FROM new UNION ALL "
        f"SELECT false, {read} FROM {table} WHERE {key} = %s AND NOT EXISTS (SELECT FROM new)"
    )
    return sql, written


def insert_handout(handout: Handout, batch: Batch | None, on_date) -> Handout:
    """`save_handout` for a handout with a key of its own (`record_handout`), in one statement that also answers
    a repeat: the handout inserted, or KeyStoredBefore with the row stored under its key (create_once answers
    with it). The same rules: never from a location for return or destruction, a given batch usable on
    `on_date`, none given the first-expiring usable batch at the location that holds enough (or NULL, which the
    column's NOT NULL refuses, and `stock_refusal` explains); stock and expiry enforced by the ledger trigger.

    Sent as SQL rather than through `save()`: Django's building and compiling of the insert cost 0.6 ms of
    CPU of a street entry's ~7, and a repeat a second statement and its 0.5 ms (bench/analysis.md, run 29)."""
    if handout.from_location.for_return:
        raise _from_return_location_error(handout.from_location)
    if batch is not None:
        if batch.is_expired(on_date):
            raise _expired_error(batch)
        if batch.is_recalled(on_date):
            raise _recalled_error(batch)
        handout.batch = batch
    handout.kind = StockMovement.Kind.HANDOUT
    sql, written = _insert_statement()
    signals.pre_save.send(sender=Handout, instance=handout, raw=False, using=connection.alias, update_fields=None)
    params = []
    for field in written:
        params.append(field.get_db_prep_save(field.pre_save(handout, True), connection))
        if field.attname == "batch_id":
            params += [handout.from_location_id, handout.quantity, on_date]
    params.append(
        StockMovement._meta.get_field("idempotency_key").get_db_prep_save(handout.idempotency_key, connection)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:  # stored by a request that committed while this statement ran
        raise KeyStoredBefore()
    inserted, *values = row
    if not inserted:
        raise KeyStoredBefore(Handout.from_db(connection.alias, None, values))
    for field, value in zip(StockMovement._meta.concrete_fields, values, strict=True):
        setattr(handout, field.attname, value)
    handout._state.adding = False
    handout._state.db = connection.alias
    signals.post_save.send(
        sender=Handout, instance=handout, created=True, update_fields=None, raw=False, using=connection.alias
    )
    return handout


def stock_refusal(
    error: IntegrityError, location, quantity, batch=None, on_date=None, at_course=False
) -> ValidationError | None:
    """The message for a handout the database refused, or None if it was refused for another reason.

    Short of stock, the message counts what could have been handed out: the chosen
    batch here, or else the usable kits of the location (`at_course`: the kits of a course).
    """
    if null_refused(error) == "batch_id":  # the insert found no usable batch here that holds enough
        return not_enough_kits(location, quantity, on_date, at_course)
    constraint = violated_constraint(error)
    if constraint == HANDOUT_NOT_FROM_RETURN_LOCATION:  # made a return location since the form was read
        return _from_return_location_error(location)
    if constraint == STOCK_NON_NEGATIVE_ON_EVERY_DATE:
        return _short_on_a_later_date(location, on_date)
    if constraint == STOCK_NON_NEGATIVE:
        if batch is not None:
            return _not_enough_of_batch(location, batch, quantity)
        return not_enough_kits(location, quantity, on_date, at_course)
    if constraint == HANDOUT_NOT_EXPIRED:
        return ValidationError({"batch": _("This batch has expired and must not be handed out.")}, code="expired_batch")
    if constraint == HANDOUT_NOT_RECALLED:
        return ValidationError(
            {"batch": _("This lot has been recalled and must not be handed out. Return it instead.")},
            code="recalled_batch",
        )
    return None


# ---------------------------------------------------------------------------
# The coordinator's stock screens: deliveries, transfers, discards, counts and
# corrections. Each write is one movement (a delivery may also create its batch),
# stored once per idempotency key; the database trigger keeps the stock.
# ---------------------------------------------------------------------------


def _at(on_date):
    """When a movement with the effective date `on_date` took effect: now if today (or no date), else
    the end of that day in Copenhagen time, after everything else dated that day. A count entered on
    the 1st for the last day of the month before is the stock at that month's end, after its last
    handouts; a delivery or a transfer dated that day counts in that month's closing stock."""
    if on_date is None or on_date == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(dt.datetime.combine(on_date, dt.time.max))


def check_stock_date_allowed(user, municipality, occurred_at, reason: str = "") -> None:
    """Refuse a stock movement dated in the future or in an approved month, with `check_change_allowed`'s
    rule and messages. A movement changes the stock at the end of its month and of every month after it,
    so a month approved later than the date counts too: the date must not lie before the earliest open
    month (the message names the approved month whose stock it would change). A coordinator may add it
    with a reason, as anywhere else.

    The refusal of the date stands beside the stock forms' `on_date` (kits.forms.DatedForm); asking for a
    reason, beside their `change_reason`."""
    if timezone.localdate(occurred_at) > timezone.localdate():
        raise ValidationError({"on_date": _("The date cannot be in the future.")}, code="future")
    try:
        check_change_allowed(user, municipality, occurred_at, reason, adding=True)
        if Month.of(occurred_at).is_over:
            later = _latest_approved_month_after(municipality, occurred_at)
            if later is not None:
                check_change_allowed(user, municipality, later, reason, adding=True)
    except ValidationError as error:
        where = "on_date" if getattr(error, "code", None) == "month_closed" else "change_reason"
        raise ValidationError({where: error.error_list}) from error


def _latest_approved_month_after(municipality, occurred_at):
    """The latest month after the one of `occurred_at` whose latest closing is an approval, or None (one query)."""
    closings = (
        MonthClosing.objects.filter(
            municipality=getattr(municipality, "pk", municipality), month__gt=first_of_month(occurred_at)
        )
        .order_by("-month", "-at", "-id")
        .values_list("month", "action")
    )
    seen = set()
    for month, action in closings:
        if month in seen:
            continue
        seen.add(month)
        if action == MonthClosing.Action.APPROVED:
            return timezone.make_aware(dt.datetime.combine(month, dt.time(12)))
    return None


def _create_movement(change_reason: str, **fields) -> StockMovement:
    """Insert a movement; `change_reason` (why it is dated in an approved month) goes into its history."""
    movement = StockMovement(**fields)
    if change_reason:
        movement._change_reason = change_reason.strip()
    movement.save(force_insert=True)
    return movement


def _short_on_a_later_date(location, on_date) -> ValidationError:
    """The ledger trigger refused a movement dated back: the stock today would do, a day between would not."""
    return ValidationError(
        {
            "on_date": _(
                "Dated %(date)s, these kits would leave %(location)s with fewer than no kits on a later day: "
                "movements after that date took kits this one would already have taken. Choose a later date, "
                "or check the movements since %(date)s."
            )
            % {"date": date_format(on_date, "SHORT_DATE_FORMAT"), "location": location}
        },
        code="short_on_a_later_date",
    )


def _quantity_at_least_one(quantity, field="quantity"):
    if quantity is None or quantity < 1:
        raise ValidationError({field: _("Enter at least one kit.")}, code="min_quantity")


def _not_enough_of_batch(location, batch, quantity) -> ValidationError:
    level = StockLevel.objects.filter(location=location, batch=batch).values_list("quantity", flat=True).first()
    return ValidationError(
        {
            "quantity": _(
                "Not enough kits of lot %(lot)s at %(location)s: %(available)d on hand, %(wanted)d asked for."
            )
            % {"lot": batch.lot_number, "location": location, "available": level or 0, "wanted": quantity}
        },
        code="not_enough_kits",
    )


def _only_for_return(constraint) -> ValidationError:
    if constraint == TRANSFER_RECALLED_ONLY_FOR_RETURN:
        message = _("This lot has been recalled: move it only to a location for return or destruction.")
        return ValidationError({"to_location": message}, code="recalled_only_for_return")
    message = _("These kits have expired: move them only to a location for return or destruction.")
    return ValidationError({"to_location": message}, code="expired_only_for_return")


def _store_movement(key, payload, create, not_enough, *, author, chooses=False, short_back_then=None, refusals=None):
    """Run create_once (`create_choosing_again` when `create` chooses the batch); a refusal for
    lack of stock becomes `not_enough()`, lack of stock on a day after a movement dated back
    `short_back_then()`, one of a correction the database found undone already becomes its message.
    `refusals` maps other constraints to the function that makes their message."""
    try:
        return create_choosing_again(StockMovement, key, payload, create, author=author, chooses=chooses)
    except IntegrityError as error:
        constraint = violated_constraint(error)
        if refusals and constraint in refusals:
            raise refusals[constraint]() from error
        if constraint == STOCK_NON_NEGATIVE_ON_EVERY_DATE and short_back_then is not None:
            raise short_back_then() from error
        if constraint == STOCK_NON_NEGATIVE:
            raise not_enough() from error
        if constraint == CORRECTIONS_WITHIN_ORIGINAL:
            raise ValidationError(_("This movement has already been corrected."), code="already_corrected") from error
        if constraint in (TRANSFER_EXPIRED_ONLY_FOR_RETURN, TRANSFER_RECALLED_ONLY_FOR_RETURN):
            raise _only_for_return(constraint) from error
        raise


def register_delivery(
    *,
    user,
    location: StockLocation,
    kit_type: KitType,
    product: str,
    lot_number: str,
    expiry_date,
    quantity: int,
    on_date=None,
    change_reason: str = "",
    key: uuid.UUID | None = None,
    registered_on=None,
):
    """Receive a delivery of one lot into a location. Returns (movement, created).

    `on_date` is the day it was received (today if None), the stock forms' effective date, with their rule
    (`check_stock_date_allowed`, its refusals beside `on_date` and `change_reason`): not in the future, and
    in an approved month (or before one) only by a coordinator with `change_reason`, which the movement keeps
    as its reason (a delivery has no other note).

    A new lot creates its batch; a further delivery of a known lot with the same
    expiry date adds to it; the same lot with another expiry date is refused. Kits already
    expired on the day the delivery is registered (`registered_on`, today unless the demo
    replays its past) are refused.
    """
    key = key or uuid.uuid4()
    product, lot_number = (product or "").strip(), (lot_number or "").strip()
    reason = (change_reason or "").strip()
    received_on = on_date or timezone.localdate()
    registered_on = registered_on or timezone.localdate()
    _quantity_at_least_one(quantity)
    if received_on > timezone.localdate():
        raise ValidationError({"on_date": _("The date cannot be in the future.")}, code="future")
    for field, day in (("on_date", received_on), ("expiry_date", expiry_date)):  # batch_dates_within_range
        try:
            validate_lot_date(day)
        except ValidationError as error:
            raise ValidationError({field: error}) from None
    if expiry_date <= received_on:
        raise ValidationError(
            {"expiry_date": _("The expiry date must be after the received date.")}, code="expiry_before_receipt"
        )
    if expiry_date < registered_on:
        raise ValidationError(
            {
                "expiry_date": _(
                    "These kits expired on %(date)s and cannot be received. Return them to the supplier or "
                    "discard them."
                )
                % {"date": date_format(expiry_date, "SHORT_DATE_FORMAT")}
            },
            code="expired_on_receipt",
        )
    # The names the delivery form posted before it took the shared date fields: a resend keeps its digest.
    payload = {
        "kind": "receive",
        "location": location.pk,
        "kit_type": kit_type.pk,
        "product": product,
        "lot_number": lot_number,
        "expiry_date": expiry_date.isoformat(),
        "received_on": received_on.isoformat(),
        "quantity": quantity,
        "reason": reason,
    }
    occurred_at = _at(received_on)

    def create(digest):
        check_stock_date_allowed(user, location.municipality_id, occurred_at, reason)
        batch, _created = Batch.objects.get_or_create(
            product__iexact=product,
            lot_number__iexact=lot_number,
            defaults={
                "product": product,
                "lot_number": lot_number,
                "kit_type": kit_type,
                "expiry_date": expiry_date,
                "received_on": received_on,
            },
        )
        if batch.expiry_date != expiry_date:
            raise ValidationError(
                {
                    "lot_number": _(
                        "Lot %(lot)s of %(product)s is already registered with expiry date %(date)s. "
                        "Check the lot number and the expiry date on the package."
                    )
                    % {
                        "lot": batch.lot_number,
                        "product": batch.product,
                        "date": date_format(batch.expiry_date, "SHORT_DATE_FORMAT"),
                    }
                },
                code="lot_other_expiry",
            )
        if batch.kit_type_id != kit_type.pk:
            raise ValidationError(
                {
                    "kit_type": _("Lot %(lot)s is already registered as %(kit_type)s.")
                    % {"lot": batch.lot_number, "kit_type": batch.kit_type}
                },
                code="lot_other_kit_type",
            )
        return StockMovement.objects.create(
            idempotency_key=key,
            payload_digest=digest,
            kind=StockMovement.Kind.RECEIVE,
            batch=batch,
            to_location=location,
            quantity=quantity,
            occurred_at=occurred_at,
            reason=reason,
            recorded_by=user,
        )

    return create_once(StockMovement, key, payload, create, author=user)


# ---------------------------------------------------------------------------
# Kits taken back into use: out of a location for return or destruction (the return box) into an ordinary
# one, where they may be handed out. Legitimate after a recall has ended, or for kits put there by mistake;
# but it undoes what the return box is for (damaged kits, kits of a recalled lot). So: only a coordinator or an
# administrator (roles.TAKE_BACK_INTO_USE), with a written reason the ledger keeps beside who did it (the
# movement's reason and recorded_by), and never while the lot is recalled. The ledger trigger refuses a take-back
# without a reason or of a recalled lot too, also as a correction (migration 0022).
# ---------------------------------------------------------------------------


def check_taking_back(user, source: StockLocation, reason: str) -> None:
    """Refuse taking kits out of `source` (a location for return or destruction) back into use without the
    permission or without a written reason."""
    if not user.has_perm(roles.TAKE_BACK_INTO_USE):
        raise ValidationError(
            {
                "from_location": _(
                    "%(location)s is for return or destruction: only a coordinator or an administrator can take "
                    "kits out of it back into use."
                )
                % {"location": source}
            },
            code="take_back_not_allowed",
        )
    if not (reason or "").strip():
        raise _taken_back_without_a_reason(source)


def _taken_back_without_a_reason(source) -> ValidationError:
    return ValidationError(
        {
            "reason": _(
                "The kits leave %(location)s, a location for return or destruction, to be used again: write why "
                "(for example: the recall of the lot has ended, or they were put there by mistake)."
            )
            % {"location": source}
        },
        code="take_back_reason",
    )


def recalled_kits_stay(batch, source) -> ValidationError:
    return ValidationError(
        {
            "batch": _(
                "Lot %(lot)s is recalled: its kits stay in %(location)s, for return or destruction, until the "
                "recall ends. Discard them there, or move them to another location for return."
            )
            % {"lot": batch.lot_number, "location": source}
        },
        code="recalled_stays_for_return",
    )


def transfer_kits(
    *,
    user,
    from_location: StockLocation,
    to_location: StockLocation,
    quantity: int,
    batch: Batch | None = None,
    reason: str = "",
    on_date=None,
    change_reason: str = "",
    key: uuid.UUID | None = None,
):
    """Move kits of one batch between two locations. Returns (movement, created).

    Without a chosen batch, the earliest-expiring unexpired batch that holds enough is moved.

    Out of a location for return or destruction into an ordinary one (kits taken back into use): only with
    `roles.TAKE_BACK_INTO_USE` and a written `reason`, and never kits of a recalled lot (`check_taking_back`).
    """
    key = key or uuid.uuid4()
    if to_location.pk == from_location.pk:
        raise ValidationError(
            {"to_location": _("Choose another location than the one the kits come from.")}, code="same_location"
        )
    _quantity_at_least_one(quantity)
    taken_back = is_taken_back_into_use(from_location, to_location)
    if taken_back:
        check_taking_back(user, from_location, reason)
    payload = {
        "kind": "transfer",
        "from": from_location.pk,
        "to": to_location.pk,
        "quantity": quantity,
        "batch": getattr(batch, "pk", None),
        "reason": reason,
        "on_date": on_date.isoformat() if on_date else None,
    }
    occurred_at = _at(on_date)
    day = timezone.localdate(occurred_at)

    def create(digest):
        # A transfer changes the stock of both ends; in one municipality, as the forms offer.
        check_stock_date_allowed(user, from_location.municipality_id, occurred_at, change_reason)
        if to_location.municipality_id != from_location.municipality_id:
            check_stock_date_allowed(user, to_location.municipality_id, occurred_at, change_reason)
        chosen = batch or first_expiring_batch(from_location, quantity, day)
        if chosen is None:
            raise not_enough_kits(from_location, quantity, day)
        if taken_back and chosen.is_recalled(day):
            raise recalled_kits_stay(chosen, from_location)
        if not to_location.for_return:
            if chosen.is_recalled(day):
                raise _only_for_return(TRANSFER_RECALLED_ONLY_FOR_RETURN)
            if chosen.is_expired(day):
                raise _only_for_return(TRANSFER_EXPIRED_ONLY_FOR_RETURN)
        return _create_movement(
            change_reason,
            idempotency_key=key,
            payload_digest=digest,
            kind=StockMovement.Kind.TRANSFER,
            batch=chosen,
            from_location=from_location,
            to_location=to_location,
            quantity=quantity,
            occurred_at=occurred_at,
            reason=reason,
            recorded_by=user,
        )

    def not_enough():
        if batch is None:
            return not_enough_kits(from_location, quantity, day)
        return _not_enough_of_batch(from_location, batch, quantity)

    return _store_movement(
        key,
        payload,
        create,
        not_enough,
        author=user,
        chooses=batch is None,
        short_back_then=lambda: _short_on_a_later_date(from_location, day),
        refusals=_taking_back_refusals(from_location, batch),
    )


def _taking_back_refusals(source, batch):
    """The messages for the ledger trigger's refusals of kits taken back into use (when the location or the
    lot changed after the service's own check: made a return location, or recalled, in between)."""
    return {
        TAKEN_BACK_WITH_A_REASON: lambda: _taken_back_without_a_reason(source),
        RECALLED_KITS_STAY_FOR_RETURN: lambda: (
            recalled_kits_stay(batch, source)
            if batch is not None
            else ValidationError(
                {"batch": _("A lot here is recalled: its kits stay in %(location)s.") % {"location": source}},
                code="recalled_stays_for_return",
            )
        ),
    }


def _reason_given(reason):
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give a reason.")}, code="reason_required")
    return reason.strip()


def discard_kits(
    *,
    user,
    location: StockLocation,
    batch: Batch,
    quantity: int,
    reason: str,
    on_date=None,
    change_reason: str = "",
    key: uuid.UUID | None = None,
):
    """Take expired or damaged kits out of stock, with a reason. Returns (movement, created)."""
    key = key or uuid.uuid4()
    _quantity_at_least_one(quantity)
    reason = _reason_given(reason)
    payload = {
        "kind": "discard",
        "location": location.pk,
        "batch": batch.pk,
        "quantity": quantity,
        "reason": reason,
        "on_date": on_date.isoformat() if on_date else None,
    }

    occurred_at = _at(on_date)

    def create(digest):
        check_stock_date_allowed(user, location.municipality_id, occurred_at, change_reason)
        return _create_movement(
            change_reason,
            idempotency_key=key,
            payload_digest=digest,
            kind=StockMovement.Kind.DISCARD,
            batch=batch,
            from_location=location,
            quantity=quantity,
            occurred_at=occurred_at,
            reason=reason,
            recorded_by=user,
        )

    return _store_movement(
        key,
        payload,
        create,
        lambda: _not_enough_of_batch(location, batch, quantity),
        author=user,
        short_back_then=lambda: _short_on_a_later_date(location, timezone.localdate(occurred_at)),
    )


def adjust_after_count(
    *,
    user,
    location: StockLocation,
    batch: Batch,
    counted: int,
    reason: str,
    on_date=None,
    change_reason: str = "",
    arrivals_confirmed: bool = False,
    key: uuid.UUID | None = None,
):
    """Bring the stock of a batch at a location to what was counted. Returns (movement, created).

    The difference is recorded as one adjustment, into or out of the location. A count dated
    `on_date` before today is the stock at the end of that day: the difference is taken against
    the stock then (what is here now less what moved after it), and the adjustment is dated then.
    If kits of the batch came in after that day (a delivery, a transfer), the count is refused
    unless `arrivals_confirmed`, with a message naming them: a count of the kits here now, dated
    back before they came, would add them a second time.
    """
    key = key or uuid.uuid4()
    if counted is None or counted < 0:
        raise ValidationError({"counted": _("The count cannot be negative.")}, code="negative_count")
    reason = _reason_given(reason)
    payload = {"kind": "adjustment", "location": location.pk, "batch": batch.pk, "counted": counted, "reason": reason}
    if on_date is not None:  # keys made before the date existed keep their digest
        payload["on_date"] = on_date.isoformat()
    occurred_at = _at(on_date)

    def create(digest):
        check_stock_date_allowed(user, location.municipality_id, occurred_at, change_reason)
        # Lock the level so that the difference is taken against the stock as it is now.
        level = StockLevel.objects.select_for_update(no_key=True).filter(location=location, batch=batch).first()
        on_hand = level.quantity if level else 0
        dated_back = level is not None and level.last_movement_at is not None and level.last_movement_at > occurred_at
        if dated_back:
            on_hand -= moved_in_since(location, batch, occurred_at)
        if counted == on_hand:
            raise ValidationError(
                {
                    "counted": _("The count matches the stock (%(quantity)d); nothing to adjust.")
                    % {"quantity": on_hand}
                },
                code="nothing_to_adjust",
            )
        if dated_back and not arrivals_confirmed:
            arrivals = list(arrived_since(location, batch, occurred_at))
            if arrivals:
                raise _arrived_after_the_count(location, batch, timezone.localdate(occurred_at), arrivals)
        return _create_movement(
            change_reason,
            idempotency_key=key,
            payload_digest=digest,
            kind=StockMovement.Kind.ADJUSTMENT,
            batch=batch,
            from_location=location if counted < on_hand else None,
            to_location=location if counted > on_hand else None,
            quantity=abs(counted - on_hand),
            occurred_at=occurred_at,
            reason=reason,
            recorded_by=user,
        )

    return _store_movement(
        key,
        payload,
        create,
        lambda: _not_enough_of_batch(location, batch, counted),
        author=user,
        short_back_then=lambda: _short_on_a_later_date(location, timezone.localdate(occurred_at)),
    )


def arrived_since(location: StockLocation, batch: Batch, moment):
    """The deliveries and transfers of `batch` into `location` dated after `moment`, oldest first (one query).

    Not a correction (a transfer moved back undoes a mistake: no kit came), nor one corrected since (a delivery
    logged by mistake brought none)."""
    return (
        StockMovement.objects.filter(
            batch=batch,
            to_location=location,
            kind__in=[StockMovement.Kind.RECEIVE, StockMovement.Kind.TRANSFER],
            occurred_at__gt=moment,
            corrects__isnull=True,
        )
        .exclude(Exists(StockMovement.objects.filter(corrects=OuterRef("pk"))))
        .select_related("from_location")
        .order_by("occurred_at", "id")
    )


def _arrived_after_the_count(location, batch, on_date, arrivals) -> ValidationError:
    """A count dated `on_date`, before `arrivals` came: asks to confirm that the count is of that day's stock."""
    described = []
    for movement in arrivals:
        values = {
            "quantity": movement.quantity,
            "date": date_format(timezone.localdate(movement.occurred_at), "SHORT_DATE_FORMAT"),
            "location": movement.from_location,
        }
        if movement.kind == StockMovement.Kind.RECEIVE:
            described.append(_("%(quantity)d kits received on %(date)s") % values)
        else:
            described.append(_("%(quantity)d kits moved here from %(location)s on %(date)s") % values)
    message = _(
        "After %(date)s, kits of lot %(lot)s came into %(location)s: %(arrivals)s. A count dated %(date)s is "
        "the stock at the end of that day, before these kits came: if you counted them too, date the count on "
        "the day you counted. Tick the box if the count is of the stock on %(date)s."
    ) % {
        "date": date_format(on_date, "SHORT_DATE_FORMAT"),
        "lot": batch.lot_number,
        "location": location,
        "arrivals": "; ".join(described),
    }
    return ValidationError({"confirm_arrivals": message}, code="arrived_after_the_count")


def moved_in_since(location: StockLocation, batch: Batch, moment) -> int:
    """Kits of `batch` that came into `location` after `moment`, less those that left it (one query).

    A correction dated after `moment` of a movement dated at or before it is left out: it is dated when it was
    made, but it says the mistake never moved a kit, so the stock at `moment` is already without the mistake (a
    handout logged by mistake and withdrawn since: its kits were on the shelf all along). Counted, it would
    undo the mistake a second time."""
    later = StockMovement.objects.filter(batch=batch, occurred_at__gt=moment).filter(
        Q(to_location=location) | Q(from_location=location),
        Q(corrects__isnull=True) | Q(corrects__occurred_at__gt=moment),
    )
    net = later.aggregate(net=Sum(Case(When(to_location=location, then=F("quantity")), default=-F("quantity"))))["net"]
    return net or 0


def correct_movement(*, user, movement: StockMovement, reason: str, key: uuid.UUID | None = None):
    """Undo a mistaken movement by recording its opposite, with a reason. Returns (movement, created).

    History is never edited: a transfer is moved back; kits received, handed out,
    discarded or adjusted are adjusted the other way.
    """
    key = key or uuid.uuid4()
    reason = _reason_given(reason)
    if movement.corrects_id is not None:
        raise ValidationError(
            _("This movement is itself a correction and cannot be corrected again."), code="correction_of_correction"
        )
    payload = {"kind": "correction", "movement": movement.pk, "reason": reason}
    if movement.kind == StockMovement.Kind.TRANSFER:
        kind, from_location, to_location = movement.kind, movement.to_location, movement.from_location
    else:
        kind, from_location, to_location = StockMovement.Kind.ADJUSTMENT, movement.to_location, movement.from_location
    # A transfer into a return location moved back takes its kits back into use: the same rule as a transfer.
    taken_back = kind == StockMovement.Kind.TRANSFER and is_taken_back_into_use(from_location, to_location)
    if taken_back:
        check_taking_back(user, from_location, reason)
        if movement.batch.is_recalled(timezone.localdate()):
            raise recalled_kits_stay(movement.batch, from_location)

    def create(digest):
        if movement.kind == StockMovement.Kind.HANDOUT:  # it changes the kits handed out in the handout's month
            check_change_allowed(user, movement.from_location.municipality_id, movement.occurred_at, reason)
        # The ledger trigger locks the original and refuses a second correction of it.
        return StockMovement.objects.create(
            idempotency_key=key,
            payload_digest=digest,
            kind=kind,
            batch=movement.batch,
            from_location=from_location,
            to_location=to_location,
            quantity=movement.quantity,
            occurred_at=timezone.now(),
            reason=reason,
            corrects=movement,
            recorded_by=user,
        )

    return _store_movement(
        key,
        payload,
        create,
        lambda: _not_enough_of_batch(from_location, movement.batch, movement.quantity),
        author=user,
        refusals=_taking_back_refusals(from_location, movement.batch),
    )


# ---------------------------------------------------------------------------
# Kits put back: withdrawn handouts and corrected courses.
# ---------------------------------------------------------------------------


def return_kits(*, user, handout, quantity: int | None = None, reason: str, key: uuid.UUID | None = None):
    """Put kits of a handout back where they came from, as an adjustment that corrects it. Returns it.

    `quantity` None puts back all still out. Written in the caller's transaction, if
    any, without a savepoint. The ledger trigger refuses putting back more than was
    handed out, also when two requests race; the refusal comes back as a message.
    """
    if quantity is None:
        refusal = ValidationError(_("This entry has been withdrawn."), code="withdrawn")
    else:
        refusal = ValidationError(_("This entry has already been corrected."), code="already_corrected")
    try:
        with transaction.atomic(savepoint=False):
            if quantity is None:
                quantity = (
                    StockMovement.objects.filter(pk=handout.pk).with_kits_out().values_list("kits_out", flat=True).get()
                )
            if quantity <= 0:
                raise refusal
            return StockMovement.objects.create(
                idempotency_key=key or uuid.uuid4(),
                kind=StockMovement.Kind.ADJUSTMENT,
                batch_id=handout.batch_id,
                to_location_id=handout.from_location_id,
                quantity=quantity,
                occurred_at=timezone.now(),
                reason=reason,
                corrects=handout,
                recorded_by=user,
            )
    except IntegrityError as error:
        # Another request put the kits back first.
        if violated_constraint(error) == CORRECTIONS_WITHIN_ORIGINAL:
            raise refusal from error
        raise


def withdraw_handout(*, user, handout, reason: str = ""):
    """Undo a handout logged by mistake: the kits still out go back where they came from."""
    with transaction.atomic():  # a refusal leaves the caller's transaction usable
        check_change_allowed(user, handout.from_location.municipality_id, handout.occurred_at, reason)
        return return_kits(user=user, handout=handout, reason=reason or _("Withdrawn: logged by mistake"))


def hand_out_at_course(*, user, location: StockLocation, quantity: int, course, occurred_at, batch=None, key=None):
    """The kits handed out at a held course (reason: first supply), written in the caller's transaction.

    Unlike `record_handout` it opens no savepoint and keeps no key of its own: the
    caller's entry is idempotent as a whole, and the street screen must store an
    entry in at most 15 queries. Stock and expiry are still enforced by the
    database; a refusal aborts the caller's transaction, which turns it into a
    message with `stock_refusal`.
    """
    handout = Handout(
        idempotency_key=key or uuid.uuid4(),
        from_location=location,
        quantity=quantity,
        occurred_at=occurred_at,
        handout_reason=HandoutReason.FIRST_SUPPLY,
        course=course,
        recorded_by=user,
    )
    return save_handout(handout, batch, timezone.localdate(occurred_at))


# ---------------------------------------------------------------------------
# Expired and recalled kits: out of stock in one step, and a recall of a lot.
# ---------------------------------------------------------------------------


def _whole_level(location, batch) -> int:
    return StockLevel.objects.filter(location=location, batch=batch).values_list("quantity", flat=True).first() or 0


def clear_unusable(*, user, location: StockLocation, batch: Batch, to_location=None, key: uuid.UUID | None = None):
    """Take every expired or recalled kit of a batch out of a location in one step. Returns (movement, created).

    With `to_location` (a location for return or destruction) the kits are moved there;
    without, they are discarded. A usable batch is refused: it is not taken out this way.
    """
    if key is not None:
        stored = _one_step_stored(user, key, location, batch, to_location)
        if stored is not None:  # a double tap or a resend: the kits are gone, the answer is the step stored
            return stored, False
    today = timezone.localdate()
    if not (batch.is_expired(today) or batch.is_recalled(today)):
        raise ValidationError(
            _("Lot %(lot)s is neither expired nor recalled; move or discard it with the usual forms.")
            % {"lot": batch.lot_number},
            code="batch_usable",
        )
    quantity = _whole_level(location, batch)
    if not quantity:  # taken out since the page was shown (its other button, another tab, another person)
        raise ValidationError(
            _("No kits of lot %(lot)s are left at %(location)s: they have been discarded or moved already.")
            % {"lot": batch.lot_number, "location": location},
            code="nothing_left",
        )
    reason = _("Recalled lot") if batch.is_recalled(today) else _("Expired")
    if to_location is None:
        return discard_kits(user=user, location=location, batch=batch, quantity=quantity, reason=reason, key=key)
    if not to_location.for_return:
        raise _only_for_return(
            TRANSFER_RECALLED_ONLY_FOR_RETURN if batch.is_recalled(today) else TRANSFER_EXPIRED_ONLY_FOR_RETURN
        )
    return transfer_kits(
        user=user,
        from_location=location,
        to_location=to_location,
        quantity=quantity,
        batch=batch,
        reason=reason,
        key=key,
    )


def _one_step_stored(user, key, location, batch, to_location) -> StockMovement | None:
    """The movement a one-step button stored with `key` before (a double tap, a resend), or None.

    Known by what was pressed (location, lot, where to), not by the number of kits: that is worked out when the
    button is pressed, and none are left by the resend. The key of another step, or of another person's, is
    refused (`IdempotencyConflict`)."""
    stored = StockMovement.objects.filter(idempotency_key=key).first()
    if stored is None:
        return None
    kind = StockMovement.Kind.DISCARD if to_location is None else StockMovement.Kind.TRANSFER
    pressed = (kind, location.pk, batch.pk, getattr(to_location, "pk", None), user.pk)
    if (stored.kind, stored.from_location_id, stored.batch_id, stored.to_location_id, stored.recorded_by_id) != pressed:
        raise IdempotencyConflict()
    return stored


def recall_changes_refused(batch: Batch) -> PermissionDenied:
    """Why a user may not change or end the recall of `batch` (`roles.may_change_recall`), and whom to ask."""
    municipality = batch.recalled_in
    if municipality is None:
        return PermissionDenied(_("Only an administrator can change or end this recall."))
    return PermissionDenied(
        _(
            "Only the coordinators of %(municipality)s, where the recall was started, or an administrator can "
            "change or end it."
        )
        % {"municipality": municipality}
    )


def recall_lot(*, user, batch: Batch, recalled_on, reason: str, instructions: str):
    """Mark a lot as recalled. From `recalled_on` it is not handed out and moves only for return.

    The database refuses both from then on (the ledger trigger); the public "Check your kit"
    page tells holders what to do. Recalling an active recall again changes its date, reason
    and instructions (who recalled it stays); recalling a lot whose recall has ended starts a
    new recall. A new recall that starts before the day the last one ended overlaps
    it: the lot was under recall throughout, so the two are one recall from the earlier start.
    The lot keeps one period, and the ledger trigger refuses kits of the lot dated inside it;
    a new recall that began later would drop the earlier days, and an entry from them (an
    offline handout) would be taken. The lot's history keeps every step and who took it.

    Who may start one is the view's to check (`roles.RECALL_LOTS`, for a lot the user's municipality has
    held); an active recall is changed only by whom `roles.may_change_recall` names, checked here on the
    locked lot (it may have been recalled by another municipality since the form was shown).
    """
    reason, instructions = (reason or "").strip(), (instructions or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("Give the reason for the recall.")
    if not instructions:
        errors["instructions"] = _("Tell holders what to do with their kit and where to get a new one.")
    if recalled_on is None or recalled_on > timezone.localdate():
        errors["recalled_on"] = _("The recall date cannot be in the future.")
    if errors:
        raise ValidationError(errors, code="recall_incomplete")
    with transaction.atomic():
        batch = Batch.objects.select_for_update(no_key=True).get(pk=batch.pk)
        if batch.recalled_on is not None and batch.recall_ended_on is None and not roles.may_change_recall(user, batch):
            raise recall_changes_refused(batch)
        if batch.recalled_on is None or batch.recall_ended_on is not None:
            if batch.recall_ended_on is not None and recalled_on < batch.recall_ended_on:
                recalled_on = min(recalled_on, batch.recalled_on)  # overlapping: one recall
            batch.recalled_by = user
            batch.recalled_in_id = getattr(user, "municipality_id", None)
            batch.recall_ended_on, batch.recall_ended_by, batch.recall_end_reason = None, None, ""
        batch.recalled_on = recalled_on
        batch.recall_reason = reason
        batch.recall_instructions = instructions
        batch._history_user = user
        batch.save(update_fields=Batch.RECALL_FIELDS)
    return batch


def end_recall(*, user, batch: Batch, reason: str):
    """End a lot's recall today: cleared after investigation, or the recall is over.

    From today the lot is handed out again if it has not expired (the ledger trigger reads
    the end date), the public "Check your kit" page and the finder's banner stop showing it.
    Who ended it, when and why stay on the lot and in its history. Only whom `roles.may_change_recall` names.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the recall ends.")}, code="recall_end_reason")
    today = timezone.localdate()
    with transaction.atomic():
        batch = Batch.objects.select_for_update(no_key=True).get(pk=batch.pk)
        if batch.recalled_on is None:
            raise ValidationError(_("Lot %(lot)s is not recalled.") % {"lot": batch.lot_number}, code="not_recalled")
        if batch.recall_ended_on is not None:
            raise ValidationError(
                _("The recall of lot %(lot)s already ended on %(date)s.")
                % {"lot": batch.lot_number, "date": date_format(batch.recall_ended_on, "SHORT_DATE_FORMAT")},
                code="recall_already_ended",
            )
        if not roles.may_change_recall(user, batch):
            raise recall_changes_refused(batch)
        batch.recall_ended_on = max(today, batch.recalled_on)
        batch.recall_ended_by = user
        batch.recall_end_reason = reason
        batch._history_user = user
        batch.save(update_fields=["recall_ended_on", "recall_ended_by", "recall_end_reason"])
    return batch
