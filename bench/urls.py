"""The project's URLs plus the benchmark's floors, through the same middleware as every page.

`/bench/floor` is the cheapest read Django can answer; `/bench/floor-write` the cheapest
write: one row with a unique key inserted in a transaction (a retry of the key inserts
nothing), into a table `bench/run.py` creates. Only `bench.settings` serves this URLconf;
production serves `redliv.urls`, which has neither.
"""

import json

from django.db import connection, transaction
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_POST

from redliv.urls import urlpatterns as project_urlpatterns

FLOOR_WRITE_TABLE = "bench_floor_write"


def floor(request):
    return HttpResponse(b"ok", content_type="text/plain")


@require_POST
def floor_write(request):
    """The body street logging sends ({"fields": {"key": …}}); 201 stored, 200 the key was stored before."""
    key = json.loads(request.body)["fields"]["key"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FLOOR_WRITE_TABLE} (key) VALUES (%s) ON CONFLICT (key) DO NOTHING RETURNING key", [key]
        )
        created = cursor.fetchone() is not None
    return HttpResponse(b"ok", content_type="text/plain", status=201 if created else 200)


urlpatterns = [path("bench/floor", floor), path("bench/floor-write", floor_write), *project_urlpatterns]
