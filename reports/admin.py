from django.contrib import admin

from redliv.admin import ScopedAdmin
from reports.models import MonthClosing, TrainingTarget


@admin.register(TrainingTarget)
class TrainingTargetAdmin(ScopedAdmin):
    list_display = ["municipality", "people", "audience", "set_by", "set_at"]


@admin.register(MonthClosing)
class MonthClosingAdmin(ScopedAdmin):
    list_display = ["municipality", "month", "action", "by", "at", "reason"]
    list_filter = ["action", "municipality"]
    readonly_fields = ["municipality", "month", "action", "reason", "by", "at"]

    def has_add_permission(self, request):
        """Months are approved and reopened on the month page, which records who and why."""
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
