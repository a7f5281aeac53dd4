"""The admin site: entered only by those who see every municipality (administrators).

Several of its pages are national, not scoped to a municipality: every staff user with their
names and e-mail addresses, every lot (which the stock's triggers read), the kit types, the
populations and the public information pages. Django lets in any active user with staff
status and shows them what their permissions allow; a coordinator has `view_user` and
`change_batch` for their own pages, so a coordinator with staff status (one tick in the
user's form) saw every user in the country and could change any municipality's lots. Staff
status is not a second source of who may do what: the admin asks `roles` too.
"""

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig

from redliv import roles


class RegistryAdminSite(AdminSite):
    def has_permission(self, request):
        return super().has_permission(request) and request.user.has_perm(roles.SEE_EVERY_MUNICIPALITY)


class RegistryAdminConfig(AdminConfig):
    """django.contrib.admin, with `RegistryAdminSite` as its site (INSTALLED_APPS names this)."""

    default_site = "redliv.admin_site.RegistryAdminSite"
