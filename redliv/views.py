from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from courses import views as course_views


@require_GET
@never_cache
def healthz(request):
    """For load balancers and monitoring: is the app up, and can it reach PostgreSQL?"""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def privacy(request):
    return render(
        request,
        "privacy.html",
        {
            "retention_days": settings.FREE_TEXT_RETENTION_DAYS,
            "course_request_days": settings.COURSE_REQUEST_RETENTION_DAYS,
        },
    )


@login_required
def staff_home(request):
    if request.user.has_perm(course_views.PLANNING_PERMISSION):
        return course_views.start_page(request)
    return render(request, "staff_home.html", {"municipality": request.user.municipality})
