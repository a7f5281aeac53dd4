"""How a view decides who gets in: one decorator, one object lookup, one way to show a refusal.

- `permission_required(name, ...)`: a visitor goes to the login page, a user without the
  permission (from `roles.PERMISSIONS`) gets a 403.
- `get_for_user(request, queryset, *permissions, pk=...)`: the object if it is in the
  user's municipality (else 404), and the user has the permissions (else 403).
- `add_service_errors(form, error, renamed)`: a service's `ValidationError` beside the field
  it is about, or above the form.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404


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
