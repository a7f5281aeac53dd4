from django.contrib import admin

from redliv.admin import ReadOnlyAdmin, ScopedHistoryAdmin
from reversals.models import ReversalReport


@admin.register(ReversalReport)
class ReversalReportAdmin(ReadOnlyAdmin, ScopedHistoryAdmin):
    """Reports are recorded, reviewed and withdrawn on their pages (`reversals.services`)."""

    list_display = ["occurred_at", "district", "outcome", "source", "review_status", "kit_replaced"]
    list_filter = ["review_status", "outcome", "source", "district__municipality"]
    list_select_related = ["district"]
    search_fields = ["district__name"]
    date_hierarchy = "occurred_at"
    readonly_fields = ["idempotency_key", "created_at"]
    raw_id_fields = ["responder_course", "replacement_handout"]
