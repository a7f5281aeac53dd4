from django.contrib import admin

from kits.models import (
    RETURN_LOCATION_KEPT_WHILE_HOLDING_KITS,
    Batch,
    Handout,
    KitType,
    StockLevel,
    StockLocation,
    StockMovement,
)
from redliv.admin import ModelAdmin, ReadOnlyAdmin, ScopedAdmin, ScopedHistoryAdmin, VersionCheckedAdmin


@admin.register(KitType)
class KitTypeAdmin(VersionCheckedAdmin, ModelAdmin):
    list_display = ["name", "active"]
    search_fields = ["name"]


@admin.register(Batch)
class BatchAdmin(VersionCheckedAdmin, ModelAdmin):
    list_display = ["lot_number", "product", "kit_type", "expiry_date", "received_on"]
    list_filter = ["kit_type", "product"]
    search_fields = ["lot_number", "product"]
    date_hierarchy = "expiry_date"
    # A recall begins and ends on the lot trace page (kits.services), which records who and why.
    readonly_fields = Batch.RECALL_FIELDS


@admin.register(StockLocation)
class StockLocationAdmin(VersionCheckedAdmin, ScopedAdmin):
    list_display = ["name", "kind", "organisation", "venue", "active", "for_return"]
    # StockLocation.clean checks both; the database refuses them too, if the location changed in between.
    constraints_the_form_checks = (RETURN_LOCATION_KEPT_WHILE_HOLDING_KITS, "stocklocation_keeps_its_municipality")
    list_filter = ["kind", "active", "municipality"]
    search_fields = ["name"]


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ["location", "batch", "quantity"]
    list_filter = ["location__municipality", "location"]
    list_select_related = ["location", "batch"]
    search_fields = ["batch__lot_number", "location__name"]


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin, ScopedHistoryAdmin):
    """The ledger: movements are added on the stock pages through `kits.services`, never changed."""

    list_display = ["occurred_at", "kind", "batch", "quantity", "from_location", "to_location", "recorded_by"]
    list_filter = ["kind", "handout_reason", "recipient_audience"]
    list_select_related = ["batch", "from_location", "to_location", "recorded_by"]
    search_fields = ["batch__lot_number", "reason"]
    date_hierarchy = "occurred_at"
    raw_id_fields = ["course", "corrects"]


@admin.register(Handout)
class HandoutAdmin(ReadOnlyAdmin, ScopedAdmin):
    """Handouts are movements; their history is on the stock movement page."""

    list_display = [
        "occurred_at",
        "batch",
        "quantity",
        "from_location",
        "handout_reason",
        "recipient_audience",
        "course",
    ]
    list_filter = ["handout_reason", "recipient_audience"]
    list_select_related = ["batch", "from_location", "course"]
    search_fields = ["batch__lot_number"]
    date_hierarchy = "occurred_at"
    fields = [
        "batch",
        "from_location",
        "quantity",
        "occurred_at",
        "handout_reason",
        "recipient_audience",
        "course",
        "recorded_by",
    ]
    raw_id_fields = ["course"]
