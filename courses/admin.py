from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from courses.models import (
    Attendance,
    Certification,
    Course,
    CourseRequest,
    DropInException,
    DropInSchedule,
    Trainer,
    Venue,
)
from courses.services_planning import trainer_changed_elsewhere, venue_changed_elsewhere
from redliv.admin import ReadOnlyAdmin, ScopedAdmin, ScopedHistoryAdmin, VersionCheckedAdmin, VersionCheckedForm

KEPT_TRAINER = gettext_lazy(
    "A trainer who taught a held course is kept: the months count them among their active trainers. Untick "
    "Active instead. If they asked to be forgotten, choose Forget the selected trainers on the list of trainers."
)


class VenueAdminForm(VersionCheckedForm):
    class Meta:
        model = Venue
        fields = "__all__"  # the admin's fieldsets choose

    def changed_elsewhere(self) -> str:
        return venue_changed_elsewhere()


@admin.register(Venue)
class VenueAdmin(VersionCheckedAdmin, ScopedAdmin):
    form = VenueAdminForm
    saved_message = gettext_lazy("The venue was saved.")
    list_display = ["name", "kind", "organisation", "district", "open_to_public", "active"]
    list_filter = ["kind", "open_to_public", "active", "municipality"]
    list_select_related = ["organisation", "district"]
    search_fields = ["name", "address", "postcode", "city"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """Districts by name and municipality: every municipality has its own "Centrum"."""
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "district":
            field.queryset = field.queryset.select_related("municipality").order_by("municipality__name", "name")
            field.label_from_instance = lambda district: f"{district.name} ({district.municipality})"
        return field


class CertificationInline(admin.TabularInline):
    model = Certification
    extra = 0


class TrainerAdminForm(VersionCheckedForm):
    class Meta:
        model = Trainer
        fields = "__all__"

    def changed_elsewhere(self) -> str:
        return trainer_changed_elsewhere()


@admin.register(Trainer)
class TrainerAdmin(VersionCheckedAdmin, ScopedAdmin):
    form = TrainerAdminForm
    saved_message = gettext_lazy("The trainer was saved.")
    list_display = ["name", "organisation", "active", "show_name_publicly"]
    list_filter = ["active", "show_name_publicly", "organisation__municipality"]
    list_select_related = ["organisation"]
    search_fields = ["name"]
    inlines = [CertificationInline]
    autocomplete_fields = ["user"]

    actions = ["forget"]

    @staticmethod
    def held_courses(trainers):
        return Course.objects.filter(
            trainers__in=trainers, attendance__isnull=False, attendance__withdrawn_at__isnull=True
        ).distinct()

    def delete_view(self, request, object_id, extra_context=None):
        """The page refusing the delete said only that courses would have to be deleted (which no one can): it
        says what to do instead."""
        if request.method == "GET" and object_id.isdigit() and self.held_courses([int(object_id)]).exists():
            self.message_user(request, KEPT_TRAINER, messages.WARNING)
        return super().delete_view(request, object_id, extra_context)

    @admin.action(description=gettext_lazy("Forget the selected trainers (they asked to be)"), permissions=["change"])
    def forget(self, request, queryset):
        """A trainer who taught a held course is kept (the months count them), and their name may not be left
        empty: forgetting them replaces the name with "Former trainer <number>", removes the contact, the
        public naming and the user account's link, deactivates them, and gives the admin's log of them the new
        name (it named them as they were)."""
        trainers = list(queryset)
        content_type = ContentType.objects.get_for_model(Trainer)
        with transaction.atomic():
            for trainer in trainers:
                trainer.name = _("Former trainer %(number)d") % {"number": trainer.pk}
                trainer.contact = ""
                trainer.show_name_publicly = False
                trainer.user = None
                trainer.active = False
                trainer.save()
                LogEntry.objects.filter(content_type=content_type, object_id=str(trainer.pk)).update(
                    object_repr=trainer.name
                )
                self.log_change(request, trainer, _("Forgotten at their request"))
        self.message_user(
            request,
            ngettext("%(count)d trainer is forgotten.", "%(count)d trainers are forgotten.", len(trainers))
            % {"count": len(trainers)},
            messages.SUCCESS,
        )

    def get_deleted_objects(self, objs, request):
        """A trainer who taught a held course is kept: the months count them among their "Trainers active",
        approved months too (the database refuses it as well, trainer_of_a_held_course_is_kept). The page
        names those courses as protected, and says to deactivate the trainer instead, or to forget them (`forget`)
        if they asked to be forgotten."""
        deleted, counts, permissions_needed, protected = super().get_deleted_objects(objs, request)
        held = self.held_courses(objs)
        protected = [*protected, *(f"{Course._meta.verbose_name.capitalize()}: {course}" for course in held)]
        return deleted, counts, permissions_needed, protected


@admin.register(Course)
class CourseAdmin(ReadOnlyAdmin, ScopedHistoryAdmin):
    """Courses are planned, changed and cancelled on the coordinator's pages (`courses.services_planning`),
    which ask a reason in an approved month and plan a course once per form; the admin skipped both."""

    list_display = ["__str__", "format", "kind", "starts_at", "venue", "status", "published"]
    list_filter = ["format", "kind", "status", "published", "municipality"]
    list_select_related = ["venue"]
    search_fields = ["title", "venue__name"]
    date_hierarchy = "starts_at"
    filter_horizontal = ["trainers"]


class DropInExceptionInline(admin.TabularInline):
    model = DropInException
    extra = 0


@admin.register(DropInSchedule)
class DropInScheduleAdmin(ReadOnlyAdmin, ScopedHistoryAdmin):
    """Drop-in hours are made and changed on the coordinator's pages, once per form (the admin made them twice)."""

    list_display = ["__str__", "weekday", "starts_at", "ends_at", "venue", "valid_from", "valid_until", "published"]
    list_filter = ["weekday", "published", "municipality"]
    list_select_related = ["venue"]
    search_fields = ["title", "venue__name"]
    inlines = [DropInExceptionInline]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin, ScopedHistoryAdmin):
    """Attendance is logged and corrected on the street pages (`courses.services`), which check a closed month."""

    list_display = ["course", "total", "first_time", "refresher", "logged_by", "logged_at", "withdrawn_at"]
    list_filter = ["course__format", "course__municipality"]
    list_select_related = ["course", "logged_by"]
    search_fields = ["course__title", "course__venue__name"]
    readonly_fields = ["idempotency_key", "logged_at"]
    raw_id_fields = ["course"]


@admin.register(CourseRequest)
class CourseRequestAdmin(VersionCheckedAdmin, ScopedHistoryAdmin):
    list_display = ["organisation_name", "audience", "number_of_people", "status", "created_at"]
    list_filter = ["status", "audience", "municipality"]
    search_fields = ["organisation_name", "contact_name"]
