from django.contrib import admin

from redliv.admin import ModelAdmin, ScopedAdmin, VersionCheckedAdmin
from reports.models import Population, TrainingTarget


@admin.register(TrainingTarget)
class TrainingTargetAdmin(ScopedAdmin):
    list_display = ["municipality", "people", "audience", "set_by", "set_at"]


@admin.register(Population)
class PopulationAdmin(VersionCheckedAdmin, ModelAdmin):
    """Administrators enter each municipality's residents per year, with the source (kits per 100,000 residents)."""

    list_display = ["municipality", "year", "residents", "source"]
    list_filter = ["year"]
    search_fields = ["municipality__name", "source"]
