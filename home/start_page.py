"""The coordinator's morning page: everything to look at, in their municipality. Read-only."""

import datetime as dt

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from courses.models import Attendance, Course, CourseRequest, Trainer, Venue
from courses.services_planning import CERTIFICATION_WARNING_DAYS, expiring_certifications
from kits.queries import stock_plan, warning_date
from redliv import roles
from redliv.closing import approval_status
from redliv.months import Month
from reversals.models import ReversalReport


def _local_midnight(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _last_month_to_approve(user, today):
    """Last month, while the user's municipality has not approved it (they report it to the municipality); or None."""
    if not user.has_perm(roles.OVERSEE_ENTRIES) or user.municipality_id is None:
        return None
    last = Month.of(today).shift(-1)
    return None if approval_status(user.municipality_id, last.first_day)[1] else last


def start_page(user, now=None):
    """Everything a coordinator looks at in the morning. Read-only."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    week_start = today - dt.timedelta(days=today.weekday())
    month_start = today.replace(day=1)
    courses = Course.objects.for_user(user).select_related("venue").order_by("starts_at")
    this_month = Q(courses__starts_at__gte=_local_midnight(month_start), courses__starts_at__lt=now)
    not_cancelled = ~Q(courses__status=Course.Status.CANCELLED)
    logged = Q(courses__attendance__isnull=False, courses__attendance__withdrawn_at__isnull=True)

    def silent(queryset):
        return (
            queryset.annotate(
                planned=Count("courses", filter=this_month & not_cancelled, distinct=True),
                logged=Count("courses", filter=this_month & logged, distinct=True),
            )
            .filter(planned__gt=0, logged=0)
            .order_by("name")
        )

    plan, stock_expiring = None, []
    if user.has_perm("kits.view_stocklevel"):
        # One read of the stock serves the expiring kits, the locations below minimum and the kits at risk.
        plan = stock_plan(user, today)
        warn_until = warning_date(today)
        stock_expiring = sorted(
            (level for level in plan.levels if level.batch.expiry_date <= warn_until),
            key=lambda level: (level.batch.expiry_date, level.location.name),
        )
        for level in stock_expiring:  # marked as the stock page marks them: never to be handed out
            level.recalled = level.batch.is_recalled(today)
    return {
        "today": today,
        "month_to_approve": _last_month_to_approve(user, today),
        "stock_below_minimum": plan.below_minimum if plan else [],
        "stock_at_risk": plan.at_risk if plan else [],
        "courses_today": list(
            courses.filter(
                starts_at__gte=_local_midnight(today), starts_at__lt=_local_midnight(today + dt.timedelta(days=1))
            )
        ),
        "courses_this_week": list(
            courses.filter(
                starts_at__gte=_local_midnight(week_start),
                starts_at__lt=_local_midnight(week_start + dt.timedelta(days=7)),
            )
        ),
        "entries_since_yesterday": list(
            Attendance.objects.for_user(user)
            .filter(logged_at__gte=_local_midnight(today - dt.timedelta(days=1)), withdrawn_at__isnull=True)
            .select_related("course__venue", "logged_by")
        ),
        "reports_to_review": ReversalReport.objects.for_user(user)
        .filter(review_status=ReversalReport.ReviewStatus.PENDING)
        .count(),
        "kits_to_replace": ReversalReport.objects.for_user(user).needing_kit().count(),
        "stock_expiring": stock_expiring,
        "kit_expiry_days": settings.KIT_EXPIRY_WARNING_DAYS,
        "certifications_expiring": list(expiring_certifications(user, today)),
        "certification_days": CERTIFICATION_WARNING_DAYS,
        "open_requests": list(
            CourseRequest.objects.for_user(user)
            .filter(status__in=[CourseRequest.Status.NEW, CourseRequest.Status.IN_PROGRESS])
            .select_related("assigned_to")
        ),
        "silent_venues": list(silent(Venue.objects.for_user(user))),
        "silent_trainers": list(silent(Trainer.objects.for_user(user))),
    }
