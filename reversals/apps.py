from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReversalsConfig(AppConfig):
    """Overdose-reversal reports: the report itself, the public form, staff entry, review and kit replacement.

    `ReversalReport` moved here from kits (kits is about stock alone); its table keeps
    the name kits_reversalreport.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "reversals"
    verbose_name = _("Overdose-reversal reports")

    def ready(self):
        from redliv import purge

        purge.register("reversals.ReversalReport", fields=["note", "review_reason"], age="created_at")
