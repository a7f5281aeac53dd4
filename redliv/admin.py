from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from redliv import inputs, twofactor
from redliv.db import unique_violation, violated_constraint
from redliv.edits import (
    edit_key_field,
    offer_version,
    refuse_a_later_change,
    remember_the_save,
    sent_again,
    shown_version_field,
)
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


class VersionChecked(forms.ModelForm):
    """An admin form that refuses a save from a stale tab: mixed into a model form (`VersionCheckedForm`,
    `UserAdminForm`) of a model with an `updated_at` (auto_now), with a `VersionCheckedAdmin`.

    The admin saved whatever its form sent: a save from a tab opened before another save (another tab, two
    administrators, an administrator and a coordinator at once) silently undid that save. Now it is refused above
    the form, nothing saved, as on the staff pages (`redliv.edits.refuse_a_later_change`, which holds the row
    until the admin's transaction commits); sent again from the page that said so, it replaces the other change
    on purpose. A form without a version (a page shown before this) is saved as before.
    """

    shown_version = shown_version_field()
    edit_key = edit_key_field()

    def changed_elsewhere(self) -> str:
        return gettext(
            "%(row)s was changed elsewhere after you opened this page (in another tab, or by another person). "
            "Your changes are not saved: open it in a new tab to see what changed, and save again here if yours "
            "should replace it."
        ) % {"row": self.instance}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offer_version(self)

    def clean(self):
        data = super().clean()
        if self.instance.pk is None or not data.get("shown_version"):  # a new row, or a page shown before versions
            return data
        try:
            refuse_a_later_change(self.instance, data["shown_version"], self.changed_elsewhere())
        except ValidationError as error:
            self.data = self.data.copy()  # sent again, the form replaces the later change on purpose
            self.data["shown_version"] = error.params["version"]
            raise
        return data


class VersionCheckedForm(VersionChecked, inputs.ModelForm):
    """The project's model form (`redliv.inputs.ModelForm`) of a row with a version (`VersionChecked`)."""


class VersionCheckedModelForm(VersionChecked, forms.ModelForm):
    """The admin's own model form, as the admin makes it for a model without a form of its own, with the version
    check (`VersionChecked`): its other messages stay as they were."""


class VersionCheckedAdmin:
    """The admin of a VersionCheckedForm: the same form sent again once it saved (a double click, a reload),
    with nothing saved since, is answered as saved, as on the staff pages (`redliv.edits.sent_again`),
    not refused by its own first save."""

    form = VersionCheckedModelForm
    saved_message = _("The change was saved.")

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id is not None:
            row = self.get_object(request, unquote(object_id))
            if row is not None and sent_again(request, row):
                self.message_user(request, self.saved_message, messages.SUCCESS)
                return redirect(reverse(f"admin:{row._meta.app_label}_{row._meta.model_name}_changelist"))
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        remember_the_save(request, form, obj)


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
class MunicipalityAdmin(VersionCheckedAdmin, ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(District)
class DistrictAdmin(VersionCheckedAdmin, ScopedAdmin):
    list_display = ["name", "municipality", "postcodes"]
    list_filter = ["municipality"]
    search_fields = ["name", "postcodes"]


@admin.register(Organisation)
class OrganisationAdmin(VersionCheckedAdmin, ScopedAdmin):
    list_display = ["name", "kind", "municipality"]
    list_filter = ["kind", "municipality"]
    search_fields = ["name"]


class UserAdminForm(VersionChecked, inputs.HostileInputMixin, UserChangeForm):
    """The user's page refuses a save from a stale tab (`VersionChecked`): roles, organisation or a deactivation
    given in one tab were silently undone by a save from another."""

    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class UserAdmin(VersionCheckedAdmin, SecondSubmitAnswered, SimpleHistoryAdmin, BaseUserAdmin):
    form = UserAdminForm
    list_display = ["username", "first_name", "last_name", "organisation", "is_active", "last_login"]
    list_filter = ["groups", "organisation__municipality", "is_active", "is_staff"]
    list_select_related = ["organisation"]
    search_fields = ["username", "first_name", "last_name", "email"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Organisation"), {"fields": ["organisation", "shown_version", "edit_key"]}),
    )
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
