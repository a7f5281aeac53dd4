"""How a view decides who gets in: one decorator, one object lookup, one way to show a refusal.

- `permission_required(name, ...)`: a visitor goes to the login page, a user without the
  permission (from `roles.PERMISSIONS`) gets a 403.
- `get_for_user(request, queryset, *permissions, pk=...)`: the object if it is in the
  user's municipality (else 404), and the user has the permissions (else 403).
- `municipality_asked_for(request)`: the municipality a page of figures or stock is asked for
  (`?municipality=`): any one, or None for the whole country, for a user who sees every
  municipality; otherwise the user's own (another is a 404, no municipality a 403).
- `add_service_errors(form, error, renamed)`: a service's `ValidationError` beside the field
  it is about, or above the form.

Before any of them, each view says the methods it serves, as its first decorator: `require_safe` (a page that is
only read), `require_get_or_post` (a page with its form) or `require_POST` (a button's action). Any other method
(PUT, DELETE, PATCH) is a 405 with Allow, for everyone alike: nobody is sent to log in to be refused, and a
public page no longer answers a DELETE as if it were a GET (tests/test_permission_matrix.py walks every URL).
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_http_methods

from redliv import inputs, roles
from redliv.models import Municipality

# A page with a form: shown with GET (and HEAD), sent with POST.
require_get_or_post = require_http_methods(["GET", "HEAD", "POST"])


def permission_required(*permissions):
    """Log in first; then a missing permission is a 403, not a loop back to the login."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.has_perms(permissions):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def get_for_user(request, queryset, *permissions, **lookup):
    """One object the user may see: 404 outside their municipality, then 403 without the permissions.

    `queryset` is a scoped queryset (or a model with a scoped manager); `lookup` names the
    object, as for `get_object_or_404`.
    """
    if not hasattr(queryset, "for_user"):
        queryset = queryset._default_manager.all()
    found = get_object_or_404(queryset.for_user(request.user), **lookup)
    if not request.user.has_perms(permissions):
        raise PermissionDenied
    return found


def municipality_asked_for(request):
    """The municipality whose figures or stock a page shows, from `?municipality=` (or the form's).

    A user who sees every municipality (`roles.SEE_EVERY_MUNICIPALITY`) gets the one asked for,
    or None when none is asked for: the whole country. Anyone else gets their own municipality,
    the one their organisation belongs to (`User.municipality_id`, as `ScopedQuerySet.for_user`
    reads it): asking for another is a 404, and a user without one (no organisation) gets a 403,
    never a municipality that merely has no organisation either.
    """
    wanted = request.GET.get("municipality") or request.POST.get("municipality") or ""
    if request.user.has_perm(roles.SEE_EVERY_MUNICIPALITY):
        if not wanted:
            return None
        if not inputs.is_id(wanted):
            raise Http404
        return get_object_or_404(Municipality, pk=wanted)
    own = request.user.municipality_id
    if own is None:
        raise PermissionDenied
    if wanted and wanted != str(own):
        raise Http404
    return request.user.municipality


def add_service_errors(form, error: ValidationError, renamed=None):
    """Put a service's refusal beside the field it is about (or above the form).

    `renamed` maps a service's argument to the form field that holds it, as
    `{"occurred_at": "date"}` where the form asks for a date and a time apart.
    """
    renamed = renamed or {}
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            field = renamed.get(field, field)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
