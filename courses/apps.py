from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _answered_and_left_alone(rows, cutoff):
    """Requests that were answered (a course scheduled) or closed, and not changed since the cutoff."""
    from django.db.models import Exists, OuterRef

    from courses.models import CourseRequest

    changed_since = CourseRequest.history.model.objects.filter(id=OuterRef("pk"), history_date__gte=cutoff)
    return rows.filter(status__in=[CourseRequest.Status.SCHEDULED, CourseRequest.Status.CLOSED]).exclude(
        Exists(changed_since)
    )


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")

    def ready(self):
        from redliv import purge

        purge.register("courses.Attendance", fields=["note"], age="logged_at")
        purge.register("courses.DropInException", fields=["reason"], age="date")
        purge.register(
            "courses.CourseRequest",
            fields=["contact_name", "contact_email", "contact_phone", "wishes"],
            age="created_at",
            setting="COURSE_REQUEST_RETENTION_DAYS",
            due=_answered_and_left_alone,
        )
