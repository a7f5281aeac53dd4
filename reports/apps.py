from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from redliv import purge

        purge.register("reports.MonthClosing", fields=["reason"], age="at")
