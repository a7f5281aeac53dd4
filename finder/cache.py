"""The finder's lists, kept for a minute for visitors who are not logged in.

The public pages already tell browsers and proxies they may keep them for
PUBLIC_MAX_AGE seconds, so keeping them as long in each app worker's memory shows
visitors nothing older than they could already be shown. Saving anything the
finder lists clears this worker's copy once the change is committed (a clear
before the commit would let a visitor's request put the old list back); other
workers follow within the minute. Logged-in users (coordinators checking what they published) always get a
fresh page, and so does a visitor with a message waiting for them.
"""

import functools
import hashlib

from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse
from django.utils.translation import get_language

from finder.headers import PUBLIC_MAX_AGE

CACHE = "finder"


def _cacheable(request) -> bool:
    return request.method == "GET" and not request.user.is_authenticated and "messages" not in request.COOKIES


def cached_for_visitors(view):
    """Serve a list page from this worker's memory when a visitor asked the same within a minute."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"{view.__name__}:{get_language()}:{path}"
        cached = caches[CACHE].get(key)
        if cached is not None:
            content, content_type = cached
            return HttpResponse(content, content_type=content_type)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            caches[CACHE].set(key, (response.content, response["Content-Type"]), PUBLIC_MAX_AGE)
        return response

    return wrapped


def forget_the_lists(**kwargs):
    """After the change is committed: cleared earlier, a concurrent visitor could cache the old rows again."""
    transaction.on_commit(caches[CACHE].clear)


def connect_signals():
    from courses.models import Course, DropInException, DropInSchedule, Venue
    from finder.models import InfoPage

    for model in (Course, DropInSchedule, DropInException, Venue, InfoPage):
        post_save.connect(forget_the_lists, sender=model, dispatch_uid=f"finder.cache.save.{model.__name__}")
        post_delete.connect(forget_the_lists, sender=model, dispatch_uid=f"finder.cache.delete.{model.__name__}")
