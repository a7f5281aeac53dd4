from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReversalsConfig(AppConfig):
    """Overdose-reversal reports: the public form, staff entry, review and kit replacement.

    The report itself (`kits.ReversalReport`) lives in the kits app, beside the
    handouts that replace the used kits.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "reversals"
    verbose_name = _("Overdose-reversal reports")
