"""Cross-cutting protections: session lifetime, no caching of staff pages, and logs of
logins and refused access that hold no personal data.
"""

import hashlib
import hmac
import ipaddress
import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from redliv.inputs import HostileInputMixin

log = logging.getLogger("redliv.security")

LOGIN_AT = "redliv_login_at"
LAST_SEEN = "redliv_last_seen"
# Writing the session on every request would cost a query each time; a minute's
# precision is plenty for a 30-minute idle limit.
LAST_SEEN_RESOLUTION = 60


def client_address(request) -> str:
    """The client's address: the one the proxy appended when behind one."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.BEHIND_PROXY and forwarded:
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def address_digest(address: str) -> str:
    """A keyed hash (HMAC-SHA256 with SECRET_KEY) of an address: enough to count, useless to identify."""
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


def address_fingerprint(request) -> str:
    return address_digest(client_address(request))


def client_fingerprint(request) -> str:
    """The address fingerprint shaped as an IPv6 address, for tables with an address column."""
    return str(ipaddress.IPv6Address(bytes.fromhex(address_fingerprint(request))[:16]))


class LoginForm(HostileInputMixin, AuthenticationForm):
    """Django's login form, answering a username longer than any username can be as it answers
    a wrong password, before authentication: django-axes could not record such an attempt
    (its column holds 255 characters) and the login would fail with a server error."""

    def clean(self):
        username = self.cleaned_data.get("username")
        if username is not None and len(username) > self.fields["username"].max_length:
            raise self.get_invalid_login_error()
        return super().clean()


class SessionTimeoutMiddleware:
    """End a session after SESSION_IDLE_TIMEOUT without activity, and SESSION_MAX_AGE after login.

    Tablets are shared on the street: an unattended one must not stay logged in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            login_at = session.setdefault(LOGIN_AT, now)
            last_seen = session.get(LAST_SEEN, now)
            if now - last_seen > settings.SESSION_IDLE_TIMEOUT or now - login_at > settings.SESSION_MAX_AGE:
                logout(request)
                log.info("session ended by timeout")
                messages.info(request, _("You were logged out because the session timed out. Please log in again."))
                return redirect_to_login(request.get_full_path())
            if now - last_seen >= LAST_SEEN_RESOLUTION or LAST_SEEN not in session:
                session[LAST_SEEN] = now
        return self.get_response(request)


class StaffPagesNoStoreMiddleware:
    """Pages shown to a logged-in user hold data about the programme: never cache them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return response
        add_never_cache_headers(response)  # Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private
        if response.status_code in (403, 404):
            match = getattr(request, "resolver_match", None)
            log.warning(
                "access refused status=%s view=%s user_id=%s",
                response.status_code,
                match.view_name if match else "-",
                user.pk,
            )
        return response


@receiver(user_logged_in, dispatch_uid="redliv.log_login")
def log_login(sender, request, user, **kwargs):
    log.info("login succeeded user_id=%s", user.pk)
    if request is not None:
        request.session[LOGIN_AT] = int(time.time())
        request.session[LAST_SEEN] = int(time.time())


@receiver(user_login_failed, dispatch_uid="redliv.log_login_failure")
def log_login_failure(sender, credentials, request=None, **kwargs):
    # Neither the username typed nor the address: a typo'd username can be a real name.
    log.warning("login failed")
