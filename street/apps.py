from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StreetConfig(AppConfig):
    name = "street"
    verbose_name = _("Street logging")

    def ready(self):
        from django.conf import settings

        from redliv import purge
        from street.services import delete_expired_changes

        # The keys of applied corrections and withdrawals: deleted once no resend can be answered from them.
        purge.register_expiry(
            "street.AppliedChange",
            delete=delete_expired_changes,
            when=(
                f"24 hours after it was applied; {settings.FREE_TEXT_RETENTION_DAYS} days for those who oversee entries"
            ),
        )
