from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class RedlivConfig(AppConfig):
    name = "redliv"
    verbose_name = _("Organisations and staff")

    def ready(self):
        from redliv import checks, security, twofactor  # noqa: F401  (register the checks, connect login receivers)
        from redliv.roles import sync_role_groups

        # Without a sender: the groups need the permissions of every app, which exist
        # only once each app's own post_migrate handlers have run.
        post_migrate.connect(sync_role_groups, dispatch_uid="redliv.sync_role_groups")

        from redliv import purge

        purge.register("redliv.MonthClosing", fields=["reason"], age="at")
