import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from redliv import language_switch


@require_safe
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


# Search engines may read the public pages (in both languages), not the staff, account or street pages.
ROBOTS_TXT = """User-agent: *
Disallow: /personale/
Disallow: /en/personale/
Disallow: /konto/
Disallow: /en/konto/
Disallow: /gade/
Disallow: /en/gade/
Disallow: /admin/
Disallow: /en/admin/
Allow: /
"""


def csrf_failure(request, reason=""):
    """A form sent without its CSRF cookie (CSRF_FAILURE_VIEW): cookies blocked for the site, or deleted
    after the page was opened. The site's own page in the visitor's language, saying that nothing was saved
    and what to do, instead of Django's technical page in English.

    The language switch of a form page (redliv.language_switch) without the cookie leads to the page in
    the other language, as the plain link does, its query string (the login's ?next=) kept: what was typed could
    not have been sent anyway."""
    if language_switch.switching(request):
        return HttpResponseRedirect(request.get_full_path(), status=303)
    return render(request, "403_csrf.html", status=403)


@require_safe
def robots_txt(request):
    response = HttpResponse(ROBOTS_TXT, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_safe
def favicon(request):
    """Where a browser looks for the icon of a page that names none (the API's JSON, a download opened in a tab):
    the pages' own icon, not a 404 in the log and the browser's console."""
    response = HttpResponsePermanentRedirect(static("street/icon-192.png"))
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_safe
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


# The accessibility statement: when it was written and when it was last checked against the pages.
# Check the pages again (the axe browser tests, bench/lighthouse.py, a screen reader) and move
# ACCESSIBILITY_REVIEWED on when the public pages change.
ACCESSIBILITY_PREPARED = dt.date(2026, 11, 30)
ACCESSIBILITY_REVIEWED = dt.date(2026, 11, 30)


@require_safe
def accessibility(request):
    """The site's own accessibility statement, as the Danish web accessibility act asks of it.

    The footer links here unless ACCESSIBILITY_STATEMENT_URL names another (the WAS address).
    """
    return render(
        request,
        "accessibility.html",
        {"prepared": ACCESSIBILITY_PREPARED, "reviewed": ACCESSIBILITY_REVIEWED, "site": request.get_host()},
    )
