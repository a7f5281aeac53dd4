"""One copy of a finder page for every app server, served until anything it shows changes.

Working out the list costs tens of milliseconds of server time at national scale
(bench/RESULTS.md); served from the copy, a page costs one query. The copy is exact: it is
kept with the PublicDataVersion it was made under, which PostgreSQL raises in the same
commit as any change to a course, drop-in hours, a venue, a district, a lot or whether a
place holds kits (migration finder/0005). A course cancelled through one app server is
therefore gone from every other's next answer. The list also changes with the clock (a
course ends, a new day begins), so a copy is kept at most SECONDS.

A copy is kept gzipped (finder/compression.py), and sent so to every browser that accepts it
(all do): PostgreSQL hands over the small copy in half the time it takes to unpack the large
one. A client that does not accept gzip gets the page unpacked.

What is never kept: a page asked for with a position or a postcode (where a visitor is
must not be stored, not even as part of a key); a request with a session or a message
(a logged-in worker's page carries their menu and token); parameters the page does not
read; and anything worked out inside a transaction, which may see changes no one else sees.
"""

import datetime as dt
import functools
import gzip
import hashlib
import json
import logging
import os
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers, set_response_etag
from django.utils.translation import get_language

from finder.compression import accepts_gzip, as_gzipped, pack

logger = logging.getLogger(__name__)

SECONDS = 60

# The query parameters the finder, its API, widget and feed read, apart from a position
# ("near", "postcode"): a request with any other is worked out for itself alone.
PARAMETERS = {"format", "audience", "language", "district", "when", "from", "to", "side", "offset", "limit"}

LOOK_UP = """
    SELECT version.number, page.gzipped_body, page.headers
    FROM finder_publicdataversion AS version
    LEFT JOIN finder_sharedpage AS page
        ON page.key = %s AND page.generation = version.number AND page.valid_until > %s
    WHERE version.id = 1
"""

# Stores the copy unless one from a later version is there already, and forgets copies
# whose time has run out (the index on valid_until finds them), so the table holds at
# most a minute's worth of pages.
KEEP = """
    WITH expired AS (DELETE FROM finder_sharedpage WHERE valid_until <= %s AND key <> %s)
    INSERT INTO finder_sharedpage (key, generation, valid_until, gzipped_body, headers) VALUES (%s, %s, %s, %s, %s)
    ON CONFLICT (key) DO UPDATE
        SET generation = EXCLUDED.generation, valid_until = EXCLUDED.valid_until,
            gzipped_body = EXCLUDED.gzipped_body, headers = EXCLUDED.headers
        WHERE finder_sharedpage.generation <= EXCLUDED.generation
"""


# What, besides the data, makes a page: its code, templates, translations and static file names.
RELEASE_FILES = (".py", ".html", ".txt", ".mo", ".js", ".css", ".svg", ".json")
RELEASE_SKIPPED = {"staticfiles", "tests", "bench", "docs", "node_modules", "__pycache__"}  # and hidden folders
# The settings a public page is made from: a map's tile server and links, the programme's contact.
PAGE_SETTINGS = (
    "MAP_TILE_URL",
    "MAP_ATTRIBUTION",
    "MAP_LINK_URL",
    "PROGRAMME_PHONE",
    "PROGRAMME_EMAIL",
    "PUBLIC_SITE_URL",
    "ACCESSIBILITY_STATEMENT_URL",
    "STATIC_URL",
    "TIME_ZONE",
)


@functools.cache
def release():
    """A hash of the code this app server runs, worked out once per process (the page settings join it per request).

    During a rolling deploy, or the minute after one, servers of the old and the new code share
    the table: without this in the key, one could serve the other's pages, whose templates and
    hashed static file names it may not have.
    """
    digest = hashlib.sha256()
    root = settings.BASE_DIR
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [name for name in subfolders if name not in RELEASE_SKIPPED and not name.startswith(".")]
        found += [Path(folder, name) for name in files if name.endswith(RELEASE_FILES)]
    for path in sorted(found):
        try:
            content = path.read_bytes()
        except FileNotFoundError:  # gone since the walk: a temporary file (makemessages writes template.html.py)
            continue
        digest.update(str(path.relative_to(root)).encode())
        digest.update(content)
    return digest.hexdigest()


def copy_key(request):
    """The key of the page asked for, or None when it must not be kept (see the module's docstring)."""
    # HEAD is answered as GET (the server sends no body): a monitor's check is served from the copy.
    if not settings.FINDER_SHARED_COPIES or request.method not in ("GET", "HEAD") or connection.in_atomic_block:
        return None
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
        return None
    asked = sorted(request.GET.lists())
    if any(name not in PARAMETERS or len(values) != 1 for name, values in asked):
        return None  # a position, a repeated or unknown parameter: worked out for this request only
    page_settings = [str(getattr(settings, name, None)) for name in PAGE_SETTINGS]  # read now: they may change
    page = [release(), page_settings, request.resolver_match.view_name, get_language(), request.scheme]
    page += [request.get_host(), asked]
    return hashlib.sha256(json.dumps(page).encode()).hexdigest()


def shared_copy(view):
    """Serve the view's page from the shared copy while it is true; keep a new one otherwise."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        key = copy_key(request)
        if key is None:
            return view(request, *args, **kwargs)
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(LOOK_UP, [key, now])
            found = cursor.fetchone()
        if found is None:  # no number to keep a copy under (the migration makes it; a test's flush empties it)
            return view(request, *args, **kwargs)
        generation, gzipped_body, headers = found
        if gzipped_body is not None:
            # Django's PostgreSQL backend hands jsonb to a raw cursor undecoded.
            return _from_copy(
                request, bytes(gzipped_body), json.loads(headers) if isinstance(headers, str) else headers
            )
        response = view(request, *args, **kwargs)
        if not _keepable(request, response):
            return response
        set_response_etag(response)  # kept with the copy: the page's tag is not worked out again
        gzipped_body = pack(response.content)
        headers = list(response.items())
        page = [now, key, key, generation, now + dt.timedelta(seconds=SECONDS), gzipped_body, json.dumps(headers)]
        try:
            with connection.cursor() as cursor:
                cursor.execute(KEEP, page)
        except DatabaseError:  # two servers clearing the same expired copies, say: the visitor gets the page
            logger.warning("finder page copy not kept", exc_info=True)
        if accepts_gzip(request):
            return as_gzipped(response, gzipped_body)
        patch_vary_headers(response, ["Accept-Encoding"])
        return response

    return wrapped


def _from_copy(request, gzipped_body, headers):
    """The kept page: as kept if the client accepts gzip, unpacked if not."""
    if accepts_gzip(request):
        return as_gzipped(HttpResponse(headers=dict(headers)), gzipped_body)
    response = HttpResponse(gzip.decompress(gzipped_body), headers=dict(headers))
    patch_vary_headers(response, ["Accept-Encoding"])
    return response


def _keepable(request, response):
    """A whole 200 answer in UTF-8 that sets no cookie and made no token (a token is one visitor's)."""
    return (
        response.status_code == 200
        and not response.streaming
        and response.charset.lower() == "utf-8"
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )
