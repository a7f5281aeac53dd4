"""The admin site: entered only by those who see every municipality (administrators).

Several of its pages are national, not scoped to a municipality: every staff user with their
names and e-mail addresses, every lot (which the stock's triggers read), the kit types, the
populations and the public information pages. Django lets in any active user with staff
status and shows them what their permissions allow; a coordinator had `view_user` and
`change_batch` for their own pages, so a coordinator with staff status (one tick in the
user's form) saw every user in the country and could change any municipality's lots. Staff
status is not a second source of who may do what: the admin asks `roles` too.
"""

from functools import wraps

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.views.decorators.http import require_http_methods

from redliv import roles


class RegistryAdminSite(AdminSite):
    def has_permission(self, request):
        return super().has_permission(request) and request.user.has_perm(roles.SEE_EVERY_MUNICIPALITY)

    def admin_view(self, view, cacheable=False):
        """A logged-in user who may not enter gets a 403; a visitor goes to the login page.

        Django sends both to the admin's login, which is the site's own (/konto/login/), and that
        sends a logged-in user on to `next`, the admin page: the browser went round until it
        gave up ("too many redirects").
        """
        inner = super().admin_view(view, cacheable)

        @require_http_methods(["GET", "HEAD", "POST"])  # Django's admin answered PUT and DELETE as GET (access.py)
        @wraps(inner)
        def refuse_the_logged_in(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return refuse_the_logged_in


class RegistryAdminConfig(AdminConfig):
    """django.contrib.admin, with `RegistryAdminSite` as its site (INSTALLED_APPS names this)."""

    default_site = "redliv.admin_site.RegistryAdminSite"
