from urllib.parse import urlsplit

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


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
            # The finder's map asks this host for tiles only when an operator configured one.
            "map_tile_host": (urlsplit(settings.MAP_TILE_URL).hostname or "").replace("{s}.", ""),
        },
    )
