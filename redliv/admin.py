from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db import IntegrityError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from redliv import twofactor
from redliv.db import unique_violation, violated_constraint
from redliv.models import District, MonthClosing, Municipality, Organisation, User

admin.site.site_header = _("RED LIV administration")
admin.site.site_title = _("RED LIV administration")
admin.site.index_title = _("Registry")


class SecondSubmitAnswered:
    """A second identical submit that lost the race to the database gets the form back, not a 500.

    The admin's form checks a unique name (or code) before it saves. Two identical submits at the
    same instant (a double click, two administrators, two tabs) both pass that check before either
    commits; the second insert then meets the unique constraint. The admin saves inside a
    transaction, which that error rolls back whole; the form is then worked out once more, and its
    check now sees the stored row and says so beside the field, as for any other duplicate.
    """

    # Other constraints the model's clean() checks too: refused by the database after the form's check (a row
    # that changed in between), the form worked out again says why beside the field.
    constraints_the_form_checks = ()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError as error:
            answered = unique_violation(error) or violated_constraint(error) in self.constraints_the_form_checks
            if request.method != "POST" or not answered:
                raise
        return super().changeform_view(request, object_id, form_url, extra_context)


class ModelAdmin(SecondSubmitAnswered, admin.ModelAdmin):
    """The registry's admin pages start from here (see SecondSubmitAnswered)."""


class ScopedAdmin(ModelAdmin):
    """Even in the admin, staff see only their municipality's rows (administrators see all)."""

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)


class ScopedHistoryAdmin(ScopedAdmin, SimpleHistoryAdmin):
    """A scoped admin that also shows who changed what, and when."""


class ReadOnlyAdmin:
    """Shown, never written here: these rows are written on their own pages, through their services.

    The services check what the admin would skip (a closed month, the stock ledger, the
    idempotency key), so the admin only lets an administrator look, search and see history.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Municipality)
class MunicipalityAdmin(ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(District)
class DistrictAdmin(ScopedAdmin):
    list_display = ["name", "municipality", "postcodes"]
    list_filter = ["municipality"]
    search_fields = ["name", "postcodes"]


@admin.register(Organisation)
class OrganisationAdmin(ScopedAdmin):
    list_display = ["name", "kind", "municipality"]
    list_filter = ["kind", "municipality"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(SecondSubmitAnswered, SimpleHistoryAdmin, BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "organisation", "is_active", "last_login"]
    list_filter = ["groups", "organisation__municipality", "is_active", "is_staff"]
    list_select_related = ["organisation"]
    search_fields = ["username", "first_name", "last_name", "email"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Organisation"), {"fields": ["organisation"]}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("Organisation"), {"fields": ["organisation"]}),)
    actions = ["reset_two_factor"]

    @admin.action(description=_("Reset two-step login (lost phone)"), permissions=["change"])
    def reset_two_factor(self, request, queryset):
        """The user's app and recovery codes are removed; at the next login they set up a new app."""
        users = list(queryset)
        for user in users:
            twofactor.reset_second_factor(user, by=request.user)
            self.log_change(request, user, [{"changed": {"fields": [str(_("Two-step login"))]}}])
        self.message_user(
            request,
            ngettext(
                "Two-step login is reset for %(count)d user. They set up a new app at their next login.",
                "Two-step login is reset for %(count)d users. They set up a new app at their next login.",
                len(users),
            )
            % {"count": len(users)},
            messages.SUCCESS,
        )


@admin.register(MonthClosing)
class MonthClosingAdmin(ReadOnlyAdmin, ScopedAdmin):
    """Months are approved and reopened on the month page, which records who and why."""

    list_display = ["municipality", "month", "action", "by", "at", "reason"]
    list_filter = ["action", "municipality"]
    readonly_fields = ["municipality", "month", "action", "reason", "by", "at"]


class RoleGroupAdmin(ReadOnlyAdmin, GroupAdmin):
    """The roles, read-only: what each may do is `redliv.roles.PERMISSIONS`, synced after every migrate.

    A permission ticked here would count for nothing (the permission backend reads the
    dictionary), so the page only shows it; users get their roles on the user page.
    """


admin.site.unregister(Group)
admin.site.register(Group, RoleGroupAdmin)
