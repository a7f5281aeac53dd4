from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KitsConfig(AppConfig):
    name = "kits"
    verbose_name = _("Naloxone kits")

    def ready(self):
        from redliv import purge

        purge.register("kits.StockMovement", fields=["reason"], age="recorded_at")
