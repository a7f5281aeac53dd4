"""The one answer to "may this user do X": `roles.PERMISSIONS`, through Django's `has_perm`.

Users get their roles as groups (the Group admin only shows what `roles` says); this
backend reads the user's group names once per request (they are cached on the user
object, which lives for one request) and answers every `has_perm`, `has_perms` and
`has_module_perms` from the dictionary. Permissions given to a single user or edited
on a group in the database are not a second source: they count for nothing.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef

from redliv import roles


class RolePermissionBackend(ModelBackend):
    """Logs in like `ModelBackend`; permissions come from `roles.PERMISSIONS` alone."""

    def get_user(self, user_id):
        """The session's user with its organisation and role names: one query at the start of every staff request."""
        model = get_user_model()
        memberships = model.groups.through.objects.filter(**{model.groups.field.m2m_field_name(): OuterRef("pk")})
        try:
            user = (
                model._default_manager.select_related("organisation")
                .annotate(group_name_list=ArraySubquery(memberships.values("group__name")))
                .get(pk=user_id)
            )
        except model.DoesNotExist:
            return None
        user._group_name_cache = frozenset(user.group_name_list)
        return user if self.user_can_authenticate(user) else None

    def _role_permissions(self, user_obj):
        """The set of permission names, or None for every permission (administrators, superusers)."""
        if not hasattr(user_obj, "_role_permission_cache"):
            user_obj._role_permission_cache = roles.permissions_of(user_obj)
        return user_obj._role_permission_cache

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return self.get_all_permissions(user_obj, obj)

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        permissions = self._role_permissions(user_obj)
        return set(roles.every_permission() if permissions is None else permissions)

    def has_perm(self, user_obj, perm, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return False
        permissions = self._role_permissions(user_obj)
        return permissions is None or perm in permissions

    def has_module_perms(self, user_obj, app_label):
        if not user_obj.is_active or user_obj.is_anonymous:
            return False
        permissions = self._role_permissions(user_obj)
        return permissions is None or any(name.startswith(f"{app_label}.") for name in permissions)
