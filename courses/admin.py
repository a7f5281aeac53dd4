from django.contrib import admin

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
from redliv.admin import ReadOnlyAdmin, ScopedAdmin, ScopedHistoryAdmin


@admin.register(Venue)
class VenueAdmin(ScopedAdmin):
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


@admin.register(Trainer)
class TrainerAdmin(ScopedAdmin):
    list_display = ["name", "organisation", "active", "show_name_publicly"]
    list_filter = ["active", "show_name_publicly", "organisation__municipality"]
    list_select_related = ["organisation"]
    search_fields = ["name"]
    inlines = [CertificationInline]
    autocomplete_fields = ["user"]

    def get_deleted_objects(self, objs, request):
        """A trainer who taught a held course is kept: the months count them among their "Trainers active",
        approved months too (the database refuses it as well, trainer_of_a_held_course_is_kept). The page
        names those courses as protected; deactivate the trainer instead, and blank their name and contact
        if they asked to be forgotten."""
        deleted, counts, permissions_needed, protected = super().get_deleted_objects(objs, request)
        held = Course.objects.filter(
            trainers__in=objs, attendance__isnull=False, attendance__withdrawn_at__isnull=True
        ).distinct()
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
class CourseRequestAdmin(ScopedHistoryAdmin):
    list_display = ["organisation_name", "audience", "number_of_people", "status", "created_at"]
    list_filter = ["status", "audience", "municipality"]
    search_fields = ["organisation_name", "contact_name"]
