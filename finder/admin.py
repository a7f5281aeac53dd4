from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from finder.models import InfoPage
from redliv.admin import SecondSubmitAnswered, VersionCheckedAdmin


@admin.register(InfoPage)
class InfoPageAdmin(VersionCheckedAdmin, SecondSubmitAnswered, SimpleHistoryAdmin):
    list_display = ["title_da", "title_en", "slug", "position", "updated_at"]
    prepopulated_fields = {"slug": ["title_en"]}
