"""How many times one address posted a public form this hour, without storing the address.

One counter row per (form, keyed hash of the address, hour), bumped by a single
PostgreSQL upsert, so the limit holds across all app workers and two posts at the
same moment both count. Hours older than a day are deleted on the way.
"""

import datetime as dt
import math

from django.db import connection, transaction
from django.utils import timezone

from redliv.models import PostCount
from redliv.security import address_digest, client_address

WINDOW = dt.timedelta(hours=1)


def _window_start(now):
    return now.replace(minute=0, second=0, microsecond=0)


def seconds_until_next_window(now=None) -> int:
    """Seconds until this hour's window ends: a refused address may post again then, its count starting anew."""
    now = now or timezone.now()
    return max(1, math.ceil((_window_start(now) + WINDOW - now).total_seconds()))


def with_retry_after(response, seconds=None):
    """`response` with `Retry-After` if it is a 429: `seconds`, or else until the hour's window frees a slot.

    Every refusal for too many posts says when to try again, for a person's browser and for a client that retries."""
    if response.status_code == 429 and not response.has_header("Retry-After"):
        response["Retry-After"] = str(seconds if seconds is not None else seconds_until_next_window())
    return response


def count_post(scope: str, address: str, now=None) -> int:
    """Count one post from `address` to the form `scope`; returns this hour's count so far."""
    now = now or timezone.now()
    window_start = _window_start(now)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM redliv_postcount WHERE window_start < %s", [window_start - dt.timedelta(days=1)])
        cursor.execute(
            "INSERT INTO redliv_postcount (scope, sender_digest, window_start, count) VALUES (%s, %s, %s, 1) "
            "ON CONFLICT (scope, sender_digest, window_start) "
            "DO UPDATE SET count = redliv_postcount.count + 1 RETURNING count",
            [scope, address_digest(address), window_start],
        )
        return cursor.fetchone()[0]


def allow_post(request, scope: str, per_hour: int) -> bool:
    """Count this request's post; False once the address has posted more than `per_hour` this hour."""
    return count_post(scope, client_address(request)) <= per_hour


def would_allow_post(request, scope: str, per_hour: int) -> bool:
    """Whether a post from this request's address would be allowed now, without counting one: a form shown
    again after a language switch (redliv.language_switch) says the refusal again, and sends nothing."""
    posted = (
        PostCount.objects.filter(
            scope=scope,
            sender_digest=address_digest(client_address(request)),
            window_start=_window_start(timezone.now()),
        )
        .values_list("count", flat=True)
        .first()
    )
    return (posted or 0) < per_hour
