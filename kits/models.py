"""Naloxone kits: lots, where they are and where they went.

Stock is an append-only ledger of movements. A database trigger (migration
0003) keeps `StockLevel` in step with every movement inserted, and its CHECK
constraint refuses any movement that would take a location's stock of a batch
below zero, also when many requests arrive at once. The same trigger refuses a
handout from an expired batch and any UPDATE or DELETE of a movement, and
(migration 0007) any correction that is not the mirror image of its original or
would undo more kits than the original moved. A movement taking kits out that is dated on a day
before later movements (the stock forms' effective date) is refused (migration 0015) if the stock at
the end of any day from then on would be below zero; of the handouts, only those dated on the office
form (`dated_at_office`, migration 0016): a tablet's late handout records what happened. No handout
comes from a location for return or destruction (migration 0017), and such a location stays one while it holds
kits (migration 0021). Kits taken out of it into an ordinary location carry a written reason, and never while
their lot is recalled, a correction included (migration 0022).
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Sum, When
from django.db.models.functions import Coalesce, Lower
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.models import HistoricalRecords

from redliv.models import (
    Audience,
    IdempotentModel,
    Municipality,
    Organisation,
    ScopedQuerySet,
    refuse_moving_what_is_in_use,
)
from redliv.personal_data import refuse_identifiers

# Constraint names the services translate into messages for people.
STOCK_NON_NEGATIVE = "stocklevel_quantity_non_negative"
HANDOUT_NOT_EXPIRED = "handout_batch_not_expired"
# Raised by the ledger trigger for a correction (a movement with `corrects` set).
CORRECTS_AN_ORIGINAL = "movement_corrects_an_original"
CORRECTION_MIRRORS_ORIGINAL = "movement_correction_mirrors_original"
CORRECTIONS_WITHIN_ORIGINAL = "movement_corrections_within_original"
# Raised by the ledger trigger (migration 0009): a recalled lot is not handed out, and
# expired or recalled kits move only to a location for return or destruction.
HANDOUT_NOT_RECALLED = "handout_batch_not_recalled"
TRANSFER_EXPIRED_ONLY_FOR_RETURN = "transfer_expired_only_for_return"
TRANSFER_RECALLED_ONLY_FOR_RETURN = "transfer_recalled_only_for_return"
# Raised by the ledger trigger (migration 0017): kits in a location for return or destruction are
# set aside (expired, recalled, damaged) and never handed out, whatever their lot says today.
HANDOUT_NOT_FROM_RETURN_LOCATION = "handout_not_from_return_location"
# Raised by the trigger on stock locations (migration 0021): a location for return or destruction stays one while
# it holds kits. Made an ordinary location, the kits set aside in it (damaged, recalled) could be handed out.
RETURN_LOCATION_KEPT_WHILE_HOLDING_KITS = "stocklocation_for_return_kept_while_holding_kits"
# Raised by the ledger trigger (migration 0022): kits taken out of a location for return or destruction into an
# ordinary one (back into use) carry a written reason, and never while their lot is recalled.
TAKEN_BACK_WITH_A_REASON = "transfer_back_into_use_has_reason"
RECALLED_KITS_STAY_FOR_RETURN = "recalled_kits_stay_for_return"
# Raised by the ledger trigger (migration 0015): a movement dated before later ones would take a
# location's stock of a batch below zero on some date between (the stock of today may be fine).
STOCK_NON_NEGATIVE_ON_EVERY_DATE = "stock_non_negative_on_every_date"


# The dates a lot can have: received from 2000 (the registry's data begins long after), expiring by 2100
# (naloxone keeps a few years). A typo such as year 1 or 9999 is refused, on the forms and by the database
# (batch_dates_within_range), before it puts a lot out of every expiry list or keeps it usable for ever. A recall's
# dates too (batch_recall_dates_within_range).
EARLIEST_LOT_DATE = dt.date(2000, 1, 1)
LATEST_LOT_DATE = dt.date(2100, 12, 31)


def validate_lot_date(value):
    """A lot's received, expiry or recall date from EARLIEST_LOT_DATE to LATEST_LOT_DATE."""
    if value is not None and not EARLIEST_LOT_DATE <= value <= LATEST_LOT_DATE:
        raise ValidationError(
            _("Choose a date from %(first)s to %(last)s."),
            code="lot_date_out_of_range",
            params={
                "first": date_format(EARLIEST_LOT_DATE, "SHORT_DATE_FORMAT"),
                "last": date_format(LATEST_LOT_DATE, "SHORT_DATE_FORMAT"),
            },
        )


class KitType(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    contents = models.TextField(
        _("contents"), help_text=_("For example: naloxone nasal spray, gloves, a ventilation mask.")
    )
    active = models.BooleanField(_("active"), default=True)

    # When it was last saved: a save from an admin form shown before that is refused (a stale tab would silently
    # undo the later change; redliv.admin.VersionChecked).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("kit type")
        verbose_name_plural = _("kit types")
        ordering = ["name"]

    def __str__(self):
        return self.name


class BatchQuerySet(ScopedQuerySet):
    """A lot is national; a municipality sees the lots it has held (any movement in or out)."""

    def municipality_q(self, municipality):
        movements = StockMovement.objects.filter(batch=OuterRef("pk")).filter(
            Q(from_location__municipality=municipality) | Q(to_location__municipality=municipality)
        )
        return Q(Exists(movements))


class Batch(models.Model):
    """One lot of a product, with its expiry date. Deliveries are receive movements."""

    kit_type = models.ForeignKey(KitType, on_delete=models.PROTECT, related_name="batches", verbose_name=_("kit type"))
    product = models.CharField(_("product"), max_length=150, help_text=_("For example: Nyxoid 1.8 mg nasal spray."))
    lot_number = models.CharField(_("lot number"), max_length=50)
    expiry_date = models.DateField(_("expiry date"), validators=[validate_lot_date])
    received_on = models.DateField(_("received on"), validators=[validate_lot_date])
    # A recall (by the manufacturer or the authorities): from this date the lot is not
    # handed out, and it moves only to a location for return or destruction.
    recalled_on = models.DateField(_("recalled on"), null=True, blank=True, validators=[validate_lot_date])
    # Defaults in the database too, for the bulk loaders that write SQL (bench/generate.py).
    recall_reason = models.CharField(_("reason for the recall"), max_length=300, blank=True, default="", db_default="")
    recall_instructions = models.TextField(
        _("what holders should do"),
        blank=True,
        default="",
        db_default="",
        help_text=_("Shown to the public on the “Check your kit” page: what to do, and where to get a new kit."),
    )
    recalled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recalled by"),
    )
    # The municipality whose coordinator started the recall, as it was then: its coordinators may change or end
    # it (redliv.roles.may_change_recall). Not the starter's municipality today: a coordinator who moves to
    # another municipality's organisation takes no recall with them.
    recalled_in = models.ForeignKey(
        "redliv.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recalled in"),
    )
    # The end of a recall (the lot was cleared after investigation, or the recall is over):
    # from this date the lot is handed out again if it has not expired.
    recall_ended_on = models.DateField(_("recall ended on"), null=True, blank=True, validators=[validate_lot_date])
    recall_ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recall ended by"),
    )
    recall_end_reason = models.CharField(
        _("why the recall ended"), max_length=300, blank=True, default="", db_default=""
    )

    # Written only by kits.services (recall_lot, end_recall), which record who and why.
    RECALL_FIELDS = (
        "recalled_on",
        "recall_reason",
        "recall_instructions",
        "recalled_by",
        "recalled_in",
        "recall_ended_on",
        "recall_ended_by",
        "recall_end_reason",
    )

    # When it was last saved: a save from an admin form shown before that is refused (a stale tab would silently
    # undo the later change; redliv.admin.VersionChecked).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = BatchQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering = ["expiry_date", "lot_number"]
        # Who has them: redliv.roles (RECALL_LOTS, CHANGE_EVERY_RECALL, may_change_recall).
        permissions = [
            ("recall_batch", _("Can recall a lot")),
            ("change_every_recall", _("Can change or end the recall of any lot")),
        ]
        constraints = [
            # Deliveries find their batch by product and lot in any case ("nx2511" is "NX2511").
            models.UniqueConstraint(Lower("product"), Lower("lot_number"), name="batch_unique_lot_per_product"),
            models.CheckConstraint(condition=Q(expiry_date__gt=F("received_on")), name="batch_expires_after_receipt"),
            models.CheckConstraint(
                condition=Q(received_on__gte=EARLIEST_LOT_DATE, received_on__lte=LATEST_LOT_DATE)
                & Q(expiry_date__gte=EARLIEST_LOT_DATE, expiry_date__lte=LATEST_LOT_DATE),
                name="batch_dates_within_range",
            ),
            # A recall's dates too: a recall dated in year 1 would hold the lot back in every month since.
            models.CheckConstraint(
                condition=(
                    Q(recalled_on__isnull=True)
                    | Q(recalled_on__gte=EARLIEST_LOT_DATE, recalled_on__lte=LATEST_LOT_DATE)
                )
                & (
                    Q(recall_ended_on__isnull=True)
                    | Q(recall_ended_on__gte=EARLIEST_LOT_DATE, recall_ended_on__lte=LATEST_LOT_DATE)
                ),
                name="batch_recall_dates_within_range",
            ),
            models.CheckConstraint(condition=~Q(lot_number=""), name="batch_lot_number_not_empty"),
            models.CheckConstraint(
                condition=Q(recalled_on__isnull=True, recall_reason="", recall_instructions="")
                | Q(recalled_on__isnull=False) & ~Q(recall_reason="") & ~Q(recall_instructions=""),
                name="batch_recall_has_reason_and_instructions",
            ),
            models.CheckConstraint(
                condition=Q(recalled_by__isnull=True) | Q(recalled_on__isnull=False),
                name="batch_recalled_by_only_with_a_recall",
            ),
            # A recall ends on or after the day it began, and says who ended it and why.
            models.CheckConstraint(
                condition=Q(recall_ended_on__isnull=True)
                | Q(recalled_on__isnull=False, recall_ended_on__gte=F("recalled_on")),
                name="batch_recall_ends_after_it_began",
            ),
            models.CheckConstraint(
                condition=Q(recall_ended_on__isnull=True, recall_ended_by__isnull=True, recall_end_reason="")
                | Q(recall_ended_on__isnull=False, recall_ended_by__isnull=False) & ~Q(recall_end_reason=""),
                name="batch_recall_end_has_who_and_why",
            ),
        ]

    def __str__(self):
        return f"{self.product} · {self.lot_number} ({date_format(self.expiry_date, 'SHORT_DATE_FORMAT')})"

    def is_recalled(self, on_date) -> bool:
        """Recalled on `on_date`: from the recall date until (not including) the day it ended."""
        return (
            self.recalled_on is not None
            and self.recalled_on <= on_date
            and (self.recall_ended_on is None or on_date < self.recall_ended_on)
        )

    @staticmethod
    def recalled_q(on_date, prefix="") -> Q:
        """`is_recalled(on_date)` as a filter; `prefix` leads from another model ("batch__")."""
        return Q(**{f"{prefix}recalled_on__lte": on_date}) & (
            Q(**{f"{prefix}recall_ended_on__isnull": True}) | Q(**{f"{prefix}recall_ended_on__gt": on_date})
        )

    @staticmethod
    def usable_q(on_date, prefix="") -> Q:
        """Neither expired nor recalled on `on_date`, as a filter: may be handed out.

        Written as what is allowed rather than `.exclude(recalled_q(...))`: the same rows, and a
        plain condition that Django compiles in half the time on the street's hot path."""
        return Q(**{f"{prefix}expiry_date__gte": on_date}) & (
            Q(**{f"{prefix}recalled_on__isnull": True})
            | Q(**{f"{prefix}recalled_on__gt": on_date})
            | Q(**{f"{prefix}recall_ended_on__lte": on_date})
        )

    def is_expired(self, on_date) -> bool:
        return self.expiry_date < on_date

    @property
    def quantity_received(self) -> int:
        received = self.movements.filter(kind=StockMovement.Kind.RECEIVE).aggregate(total=Sum("quantity"))
        return received["total"] or 0


class StockLocation(models.Model):
    """Where kits are kept: a venue's cupboard or a street team's bag."""

    class Kind(models.TextChoices):
        VENUE = "venue", _("Venue")
        BAG = "bag", _("Team bag")

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="stock_locations",
        verbose_name=_("municipality"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="stock_locations",
        verbose_name=_("organisation"),
    )
    venue = models.ForeignKey(
        "courses.Venue",  # by name: kits sits below courses and imports nothing from it
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stock_locations",
        verbose_name=_("venue"),
    )
    active = models.BooleanField(_("active"), default=True)
    # Planning: the months of consumption a location should hold (OpenLMIS/mSupply min/max).
    min_months = models.DecimalField(
        _("minimum months of stock"),
        max_digits=3,
        decimal_places=1,
        default=Decimal(1),
        db_default=Decimal(1),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(24))],
        help_text=_("Below this, the location is flagged for a new order."),
    )
    max_months = models.DecimalField(
        _("maximum months of stock"),
        max_digits=3,
        decimal_places=1,
        default=Decimal(3),
        db_default=Decimal(3),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal(24))],
        help_text=_("The suggested order fills the location up to this many months of consumption."),
    )
    for_return = models.BooleanField(
        _("for return or destruction"),
        default=False,
        db_default=False,
        help_text=_("Expired and recalled kits may only be moved to such a location (for example the pharmacy)."),
    )

    # When it was last saved: a save from an admin form shown before that is refused (a stale tab would silently
    # undo the later change; redliv.admin.VersionChecked).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock location")
        verbose_name_plural = _("stock locations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="stocklocation_unique_name_per_municipality"),
            models.CheckConstraint(
                condition=Q(kind="venue", venue__isnull=False) | Q(kind="bag", venue__isnull=True),
                name="stocklocation_venue_iff_kind_venue",
            ),
            models.CheckConstraint(
                condition=Q(min_months__gte=0, max_months__gt=0, max_months__lte=24, min_months__lte=F("max_months")),
                name="stocklocation_min_months_within_max",
            ),
        ]

    def __str__(self):
        return self.name

    @staticmethod
    def handing_out_q(prefix="") -> Q:
        """Locations kits may be handed out from: active, and not for return or destruction (whose kits are set
        aside; the ledger trigger refuses a handout from one). `prefix` leads from another model ("location__")."""
        return Q(**{f"{prefix}active": True, f"{prefix}for_return": False})

    def clean(self):
        """A location whose kits have moved stays in its municipality: its handouts and its stock are counted
        there, also in the months it approved (the database refuses it too, stocklocation_keeps_its_municipality)."""
        super().clean()
        message = _(
            "Kits have moved in and out of %(location)s, and they are counted in its municipality: it stays "
            "there. Make a new location in the other municipality, and move the kits to it."
        )
        refuse_moving_what_is_in_use(
            self,
            message,
            code="location_in_use",
            name="location",
            in_use=lambda location: location.outgoing.exists() or location.incoming.exists(),
        )
        self.refuse_ordinary_while_holding_kits()

    def kits_held(self) -> int:
        """Every kit here, of any lot (one query)."""
        return self.levels.aggregate(total=Sum("quantity"))["total"] or 0

    def refuse_ordinary_while_holding_kits(self):
        """A location for return or destruction stays one while it holds kits: they were set aside (expired,
        recalled, damaged), and in an ordinary location they could be handed out again. They are moved to
        another location for return, or discarded, first (the database refuses it too, migration 0021)."""
        if self.pk is None or self.for_return:
            return
        stored = StockLocation._base_manager.filter(pk=self.pk).values_list("for_return", flat=True).first()
        if not stored:
            return
        kits = self.kits_held()
        if kits:
            raise ValidationError({"for_return": return_location_holds_kits(self, kits)})


def return_location_holds_kits(location, kits) -> ValidationError:
    """Why `location` must stay for return or destruction: the `kits` it holds, and what to do with them."""
    message = ngettext(
        "%(location)s holds %(count)d kit set aside for return or destruction. Move it to another location for "
        "return or destruction, or discard it, before %(location)s becomes an ordinary stock location: there it "
        "could be handed out.",
        "%(location)s holds %(count)d kits set aside for return or destruction. Move them to another location for "
        "return or destruction, or discard them, before %(location)s becomes an ordinary stock location: there "
        "they could be handed out.",
        kits,
    ) % {"location": location.name, "count": kits}
    return ValidationError(message, code="return_location_holds_kits")


class StockLevelQuerySet(ScopedQuerySet):
    municipality_lookup = "location__municipality"


class StockLevel(models.Model):
    """Kits of one batch at one location, kept by the database trigger. Never written by Python."""

    location = models.ForeignKey(
        StockLocation, on_delete=models.PROTECT, related_name="levels", verbose_name=_("location")
    )
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="levels", verbose_name=_("batch"))
    quantity = models.IntegerField(_("quantity"))
    # The latest date of the movements here (kept by the trigger): a movement dated before it is
    # back-dated between later ones, and the trigger checks the stock on every date after it.
    last_movement_at = models.DateTimeField(_("latest movement"), null=True, blank=True, editable=False)

    objects = StockLevelQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        ordering = ["location__name", "batch__expiry_date"]
        constraints = [
            models.UniqueConstraint(fields=["location", "batch"], name="stocklevel_one_row_per_location_batch"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name=STOCK_NON_NEGATIVE),
        ]

    def __str__(self):
        return f"{self.location}: {self.batch} × {self.quantity}"


class HandoutReason(models.TextChoices):
    FIRST_SUPPLY = "first_supply", _("First supply")
    REPLACES_USED = "replaces_used", _("Replaces a used kit")
    REPLACES_EXPIRED = "replaces_expired", _("Replaces an expired kit")
    LOST = "lost", _("Lost, stolen or confiscated")
    DAMAGED = "damaged", _("Damaged")


class StockMovementQuerySet(ScopedQuerySet):
    def municipality_q(self, municipality):
        return Q(from_location__municipality=municipality) | Q(to_location__municipality=municipality)

    def with_kits_out(self):
        """Annotate `kits_out`: the quantity less what the corrections of each movement put back.

        Few movements are ever corrected, so the corrections are summed only for those in
        the set of corrected ids (which PostgreSQL hashes once), not probed for each of the
        hundred thousand handouts of a year. Not an aggregate: it can be filtered and summed.
        """
        corrected_ids = StockMovement.objects.filter(corrects__isnull=False).values("corrects")
        put_back = (
            StockMovement.objects.filter(corrects=OuterRef("pk"))
            .order_by()
            .values("corrects")
            .annotate(total=Sum("quantity"))
            .values("total")
        )
        return self.annotate(
            kits_out=F("quantity") - Case(When(pk__in=corrected_ids, then=Coalesce(Subquery(put_back), 0)), default=0),
        )


class StockMovement(IdempotentModel):
    """One line of the stock ledger. Append-only: a mistake is undone by an opposite movement."""

    AUTHOR_FIELD = "recorded_by"

    class Kind(models.TextChoices):
        RECEIVE = "receive", _("Delivery received")
        TRANSFER = "transfer", _("Transfer")
        HANDOUT = "handout", _("Handout")
        DISCARD = "discard", _("Discarded")
        ADJUSTMENT = "adjustment", _("Adjustment after a count")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="movements", verbose_name=_("batch"))
    from_location = models.ForeignKey(
        StockLocation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outgoing",
        verbose_name=_("from"),
    )
    to_location = models.ForeignKey(
        StockLocation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incoming",
        verbose_name=_("to"),
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    occurred_at = models.DateTimeField(_("date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True, validators=[refuse_identifiers])
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects"),
        db_index=False,  # indexed below, only where set
    )
    # Handouts only: NULL on every other movement, which a CHECK enforces.
    handout_reason = models.CharField(  # noqa: DJ001
        _("handout reason"),
        max_length=20,
        choices=HandoutReason.choices,
        null=True,
        blank=True,
    )
    recipient_audience = models.CharField(  # noqa: DJ001
        _("recipient's audience group"),
        max_length=30,
        choices=Audience.choices,
        null=True,
        blank=True,
    )
    course = models.ForeignKey(
        "courses.Course",  # by name: kits sits below courses and imports nothing from it
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handouts",
        verbose_name=_("course"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    # A handout given the office form's date (the stock forms' effective date), set by the service. Dated back,
    # the ledger trigger refuses it like any movement out if a later day's closing stock would go below zero
    # (migration 0016); a handout without it (sent late from a tablet) records what happened and is exempt.
    # Why unmarked means exempt, and not the other way round: every handout without the mark (the street
    # screen's, a course's kits, kits added by correcting a course, a replacement kit) is dated when kits were put
    # in someone's hand; refused, that handout would be lost, though it happened (the day short of kits lacks a
    # transfer entered late). The stock today is never below zero for any handout (stocklevel_quantity_non_negative),
    # and only the per-day check of a movement dated back is skipped. A date a person chooses is the mark itself:
    # `record_handout` sets it whenever it is given `on_date`, so no caller picks a date and leaves it off. The
    # opposite polarity would make a handout path that forgot a mark refuse entries made on the street.
    dated_at_office = models.BooleanField(
        _("dated on the office form"), default=False, db_default=False, editable=False
    )
    # Set when the retention purge blanked the reason (redliv.purge); the only change the ledger allows.
    purged_at = models.DateTimeField(_("free text purged at"), null=True, blank=True, editable=False)

    objects = StockMovementQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-occurred_at", "-id"]
        # Who has it: redliv.roles (TAKE_BACK_INTO_USE).
        permissions = [
            ("take_back_into_use", _("Can take kits out of a location for return or destruction back into use")),
        ]
        indexes = [
            models.Index(fields=["kind", "occurred_at"], name="movement_kind_occurred"),
            # Stock at a past month's end reads the movements dated after it.
            models.Index(fields=["occurred_at"], name="movement_occurred"),
            # Corrections are few: the monthly report hashes their ids instead of probing for each handout.
            models.Index(fields=["corrects"], condition=Q(corrects__isnull=False), name="movement_corrects"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="movement_quantity_positive"),
            models.CheckConstraint(
                condition=Q(kind="receive", from_location__isnull=True, to_location__isnull=False)
                | Q(kind="transfer", from_location__isnull=False, to_location__isnull=False)
                & ~Q(from_location=F("to_location"))
                | Q(kind__in=["handout", "discard"], from_location__isnull=False, to_location__isnull=True)
                | Q(kind="adjustment")
                & (
                    Q(from_location__isnull=False, to_location__isnull=True)
                    | Q(from_location__isnull=True, to_location__isnull=False)
                ),
                name="movement_locations_match_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["discard", "adjustment"]) | ~Q(reason="") | Q(purged_at__isnull=False),
                name="movement_discard_and_adjustment_have_reason",
            ),
            models.CheckConstraint(
                condition=Q(kind="handout", handout_reason__isnull=False)
                & (Q(recipient_audience__isnull=False) | Q(course__isnull=False))
                | ~Q(kind="handout")
                & Q(handout_reason__isnull=True, recipient_audience__isnull=True, course__isnull=True),
                name="movement_handout_fields_only_on_handouts",
            ),
            models.CheckConstraint(
                condition=Q(dated_at_office=False) | Q(kind="handout"), name="movement_dated_at_office_only_on_handouts"
            ),
            # A correction puts kits back where they came from: an adjustment, or a transfer back.
            models.CheckConstraint(
                condition=Q(corrects__isnull=True) | Q(kind__in=["adjustment", "transfer"]),
                name="movement_correction_is_adjustment_or_transfer",
            ),
        ]

    def __str__(self):
        return f"{self.kind_label} {self.quantity} × {self.batch.lot_number}"

    @property
    def kind_label(self):
        """The kind as people read it: an adjustment that corrects a movement (a handout corrected or
        withdrawn, a delivery undone) is a correction, not an adjustment after a count."""
        if self.kind == self.Kind.ADJUSTMENT and self.corrects_id is not None:
            return _("Correction")
        return self.get_kind_display()

    @property
    def location(self):
        return self.from_location or self.to_location

    @property
    def takes_back_into_use(self) -> bool:
        """Kits moved out of a location for return or destruction into an ordinary one: set aside, now usable."""
        return is_taken_back_into_use(self.from_location, self.to_location) and self.kind == self.Kind.TRANSFER


def is_taken_back_into_use(source, target) -> bool:
    """Whether kits moved from `source` to `target` leave a location for return or destruction for an ordinary
    one: they were set aside (damaged, recalled, expired) and could be handed out there."""
    return source is not None and target is not None and source.for_return and not target.for_return


class HandoutManager(models.Manager.from_queryset(StockMovementQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(kind=StockMovement.Kind.HANDOUT)


class Handout(StockMovement):
    """Kits given to someone: a stock movement of kind "handout", never with a name."""

    objects = HandoutManager()

    class Meta:
        proxy = True
        verbose_name = _("handout")
        verbose_name_plural = _("handouts")

    def save(self, *args, **kwargs):
        self.kind = StockMovement.Kind.HANDOUT
        super().save(*args, **kwargs)
