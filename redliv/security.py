"""Cross-cutting protections: session lifetime, no caching of staff pages, and logs of
logins and refused access that hold no personal data.
"""

import functools
import hashlib
import hmac
import ipaddress
import logging
import math
import time

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.contrib.auth.views import LoginView as DjangoLoginView
from django.contrib.auth.views import LogoutView as DjangoLogoutView
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.crypto import salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from redliv import language_switch, roles
from redliv.inputs import HostileInputMixin

log = logging.getLogger("redliv.security")

LOGIN_AT = "redliv_login_at"
LAST_SEEN = "redliv_last_seen"
# Writing the session on every request would cost a query each time; a minute's
# precision is plenty for a 30-minute idle limit.
LAST_SEEN_RESOLUTION = 60


def _parse_address(text: str):
    """An IP address from a header or REMOTE_ADDR, tolerating a port ("1.2.3.4:80", "[::1]:80"); None if none."""
    text = text.strip()
    candidates = [text]
    if text.startswith("[") and "]" in text:
        candidates.append(text[1 : text.index("]")])
    elif text.count(":") == 1:
        candidates.append(text.split(":")[0])
    for candidate in candidates:
        try:
            return ipaddress.ip_address(candidate)
        except ValueError:
            continue
    return None


def client_address(request) -> str:
    """The one rule for who is asking, used by every throttle (django-axes and the public forms).

    With no trusted proxy (settings.TRUSTED_PROXIES = 0, the default) it is REMOTE_ADDR and
    X-Forwarded-For is ignored: anyone can write that header. Behind N trusted proxies, each
    appending the address it saw, it is the Nth address from the right of X-Forwarded-For;
    whatever stands further left was written by the client. An IPv6 address counts as its
    /64, the block one home or phone is given, so that rotating within it changes nothing.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    address_text = remote
    hops = settings.TRUSTED_PROXIES
    if hops:
        forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            # Fewer entries than proxies: the outermost proxy saw the client at the left-most one.
            address_text = forwarded[-min(hops, len(forwarded))]
    address = _parse_address(address_text)
    if address is None:
        # Not an address (a misconfigured proxy): count it as written, but never as the proxy itself.
        return address_text.strip()[:64] or remote
    if address.version == 6 and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    if address.version == 6:
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def address_digest(address: str) -> str:
    """A keyed hash (HMAC-SHA256 with SECRET_KEY) of an address: enough to count, useless to identify."""
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


def address_fingerprint(request) -> str:
    return address_digest(client_address(request))


def client_fingerprint(request) -> str:
    """The address fingerprint shaped as an IPv6 address, for tables with an address column."""
    return str(ipaddress.IPv6Address(bytes.fromhex(address_fingerprint(request))[:16]))


def username_digest(request, credentials=None) -> str | None:
    """What django-axes stores for the username typed: a keyed hash (HMAC-SHA256 with SECRET_KEY).

    A mistyped username can be a real name or a CPR number ("Jens Jensen 0101901234"); the
    hash still lets axes count failures per account and reset them on success.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    username = credentials.get(field) if credentials else getattr(request, "POST", {}).get(field)
    if username is None:
        return None
    return salted_hmac("redliv.security.username_digest", username, algorithm="sha256").hexdigest()


class AxesHandler(AxesDatabaseHandler):
    """django-axes's database handler, storing neither the browser's User-Agent nor its Accept header.

    Lockouts are per account and address (AXES_LOCKOUT_PARAMETERS), so neither is needed,
    and together they help pick one person out.
    """

    @staticmethod
    def forget_the_browser(request):
        if request is not None:
            request.axes_user_agent = ""
            request.axes_http_accept = ""

    def is_allowed(self, request, credentials=None):
        self.forget_the_browser(request)
        return super().is_allowed(request, credentials)

    def get_failures(self, request, credentials=None):
        self.forget_the_browser(request)
        return super().get_failures(request, credentials)

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        self.forget_the_browser(request)
        return super().user_login_failed(sender, credentials, request, **kwargs)

    def user_logged_in(self, sender, request, user, **kwargs):
        self.forget_the_browser(request)
        return super().user_logged_in(sender, request, user, **kwargs)

    def user_logged_out(self, sender, request, user, **kwargs):
        self.forget_the_browser(request)
        return super().user_logged_out(sender, request, user, **kwargs)


class LoginForm(HostileInputMixin, AuthenticationForm):
    """Django's login form, answering a username longer than any username can be as it answers
    a wrong password, before authentication: django-axes could not record such an attempt
    (its column holds 255 characters) and the login would fail with a server error.

    `shown_again`: the refused login shown again after a language switch (redliv.language_switch). Its
    fields are checked as a login checks them, but no login is tried: with both fields filled in, the
    refusal was the username and password, and it says so again."""

    shown_again = False

    def clean(self):
        username = self.cleaned_data.get("username")
        if username is not None and len(username) > self.fields["username"].max_length:
            raise self.get_invalid_login_error()
        if self.shown_again:
            if username is not None and self.cleaned_data.get("password") is not None:
                raise self.get_invalid_login_error()
            return self.cleaned_data
        return super().clean()


class LoginView(DjangoLoginView):
    """The login page. Street workers and trainers land on the street page, the rest on the staff start page.

    Its language switch sends the form (redliv.language_switch): the other language shows it again with the
    username typed, never the password, and tries no login (django-axes counts no failure). A refused login
    is shown refused again, in the new language, without checking the password again: the lockout if
    django-axes holds this username at this address locked (read, not counted), otherwise the refusal the
    fields give (one left empty, or the username and password not accepted)."""

    authentication_form = LoginForm
    # Django's form views take PUT as POST: a PUT logged in. GET shows the page, POST logs in (redliv/access.py).
    http_method_names = ["get", "head", "post", "options"]
    redirect_authenticated_user = True
    extra_context = {"language_switch_form": "login-form"}

    def post(self, request, *args, **kwargs):
        if language_switch.refused(request):
            if AxesProxyHandler.is_locked(request, {settings.AXES_USERNAME_FORM_FIELD: request.POST.get("username")}):
                return lockout_response(request)
            form = self.get_form_class()(request, data=request.POST)
            form.shown_again = True
            form.is_valid()
            return self.render_to_response(self.get_context_data(form=form))
        if language_switch.switching(request):
            form = language_switch.as_typed(self.get_form_class(), request, request=request)
            return self.render_to_response(self.get_context_data(form=form))
        return super().post(request, *args, **kwargs)

    def get_default_redirect_url(self):
        user = self.request.user
        # Those who log held courses and oversee nothing (street workers, trainers) work on the street page.
        if user.has_perm("courses.add_attendance") and not user.has_perm(roles.OVERSEE_ENTRIES):
            return reverse("street:start")
        return super().get_default_redirect_url()


# After a logout, on the page it leads to (the login page): said for the one who logged out and for the next person
# at the tablet alike, and naming no one. The login page adds how many entries wait on the tablet
# (static/js/forget-street-pages.js).
LOGGED_OUT = gettext_lazy(
    "You are logged out. No one is logged in here now, and nothing of the one who was logged in is shown."
)

NOT_THIS_TABS_SESSION = gettext_lazy(
    "No one was logged out: the page you logged out from was of a worker who was already logged out. Someone else "
    "has logged in on this tablet since, and is still logged in; log them out too if they are done."
)


class LogoutView(DjangoLogoutView):
    """Log out; never a session that is not the worker's of the page the logout came from.

    On a shared tablet a tab left open by one worker outlives their session: after another worker has logged in,
    its "Log out" (logout.js sends the CSRF cookie's token, which is the new session's) ended the other worker's
    session. The form names its worker (`user`): a logout for someone other than the one logged in ends nothing,
    and the page says so. A post without it (a page from before it) logs out as before.
    """

    def post(self, request, *args, **kwargs):
        tab_user = request.POST.get("user", "")
        if request.user.is_authenticated and tab_user and tab_user != str(request.user.pk):
            log.info("logout refused: the page was another user's")
            messages.warning(request, NOT_THIS_TABS_SESSION)
            return HttpResponseRedirect(self.get_success_url(), status=303)
        response = super().post(request, *args, **kwargs)
        messages.success(request, LOGGED_OUT)  # kept for the next page (the session is a new, empty one)
        return response


def typed_answers_not_kept(view):
    """A public form's answer to a POST that is a page (a refused form, a language switch) holds what was typed:
    a note that may name someone, a phone number. The browser keeps no copy of it (no-store), as it keeps none of
    the kit check's or the login's: on a borrowed or shared phone, the next person to open the history or the
    cache would read it. A redirect (the thanks page) holds nothing and is left as it is."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if request.method == "POST" and not 300 <= response.status_code < 400:
            add_never_cache_headers(response)
        return response

    return wrapped


def lockout_response(request, original_response=None, credentials=None):
    """The page for a login refused because of too many failures (AXES_LOCKOUT_CALLABLE), status 429.

    On the login page its language switch sends a form holding the username typed (never the password) and
    marked refused, so that the other language says the lockout again (LoginView): a plain link led to an
    empty login form, without the one message the person switched language to read."""
    context = {}
    match = getattr(request, "resolver_match", None)
    if request.method == "POST" and match is not None and match.url_name == "login":
        form = language_switch.as_typed(LoginForm, request, request=request)
        wanted = request.POST.get("next", "")
        safe = url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        context = {
            "form": form,
            "next": wanted if safe else "",  # as LoginView keeps it: only an address on this site
            "language_switch_form": "login-form",
            "language_switch_refused": True,
        }
    response = render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=429)
    # Each try during a lockout starts its cool-off again (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT, on by
    # default), this one included: the account is open again at this address after the whole cool-off from now.
    response["Retry-After"] = str(max(1, math.ceil(get_cool_off(request).total_seconds())))
    return response


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
