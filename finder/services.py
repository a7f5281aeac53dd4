"""Writes from the public site: course requests, behind a honeypot and a rate limit."""

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from finder.models import RequestThrottle

# At most this many course requests per address per window.
REQUESTS_PER_WINDOW = 5
WINDOW = dt.timedelta(hours=1)


def client_address(request):
    """The sender's address. Behind the reverse proxy, the address it appended to X-Forwarded-For."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def address_digest(address):
    """A keyed hash of the address: the same address gives the same digest, and it cannot be reversed."""
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


def allow_request_from(address, now=None):
    """Count one course request from the address; False when it has sent too many lately.

    Stored in PostgreSQL so every gunicorn worker sees the same count; a transaction-level
    advisory lock on the digest makes concurrent requests from one address count in turn.
    """
    now = now or timezone.now()
    digest = address_digest(address)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [digest])
        RequestThrottle.objects.filter(created_at__lt=now - WINDOW).delete()
        if RequestThrottle.objects.filter(address_digest=digest).count() >= REQUESTS_PER_WINDOW:
            return False
        RequestThrottle.objects.create(address_digest=digest)
        return True
