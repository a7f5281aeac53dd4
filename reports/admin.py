from django.contrib import admin

from redliv.admin import ScopedAdmin
from reports.models import TrainingTarget


@admin.register(TrainingTarget)
class TrainingTargetAdmin(ScopedAdmin):
    list_display = ["municipality", "people", "audience", "set_by", "set_at"]
