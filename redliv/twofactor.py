"""Two-factor login with an authenticator app (TOTP) and one-time recovery codes.

Required for coordinators and administrators (settings.OTP_REQUIRED_ROLES), open to
everyone. After the password step, `SecondFactorMiddleware` keeps a user who has a
device, or must have one, on these pages until a code is given.
"""

import datetime as dt
import math

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import devices_for_user, user_has_device, verify_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from redliv import inputs, language_switch, purge
from redliv.access import require_get_or_post
from redliv.ratelimit import with_retry_after

# Whether the user had a confirmed device at login, so that each request need not ask.
HAS_DEVICE_SESSION_KEY = "redliv_has_otp_device"
# The unconfirmed app this session began to enrol: only this session sees its key or may confirm it.
ENROLMENT_SESSION_KEY = "redliv_otp_enrolment"
# The app this session confirmed: the confirmation sent again (a double click) shows recovery codes once more.
CONFIRMED_SESSION_KEY = "redliv_otp_confirmed"
# Enrolments begun and left longer ago than this are removed when a new one begins.
ABANDONED_ENROLMENT = dt.timedelta(hours=1)
RECOVERY_CODE_COUNT = 10
# django-otp doubles the wait after each wrong code, so guessing is hopeless.
TOO_MANY_TRIES = gettext_lazy("Too many wrong codes in a row. Wait a few seconds and try again.")
CODE_NOT_RIGHT = gettext_lazy("That code is not right, or it was used already. Try the newest code.")
NEW_CODE_NOT_RIGHT = gettext_lazy("That code is not right. Check the time on your phone and try the newest code.")
CURRENT_CODE_NOT_RIGHT = gettext_lazy("That code is not right, or it was used already.")
# The pages a user who still owes a second factor may open (view names, with their namespace if any).
OPEN_VIEWS = {"otp-verify", "logout", "set_language", "healthz", "privacy"}
# Enrolment, open before the second step only to a user who has no confirmed device yet:
# with the password alone, anyone could otherwise replace the owner's app with their own.
ENROLMENT_VIEW = "otp-setup"


@receiver(user_logged_in, dispatch_uid="redliv.remember_otp_device")
def remember_whether_the_user_has_a_device(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[HAS_DEVICE_SESSION_KEY] = user_has_device(user)


def second_factor_required(user) -> bool:
    return any(user.has_role(role) for role in settings.OTP_REQUIRED_ROLES) or user.is_superuser


def owes_second_factor(request) -> bool:
    """Whether the logged-in user must still give (or set up) a second factor before the staff pages open."""
    user = request.user
    is_verified = getattr(user, "is_verified", None)
    if not user.is_authenticated or is_verified is None or is_verified():
        return False
    has_device = request.session.get(HAS_DEVICE_SESSION_KEY)
    if has_device is None:
        has_device = user_has_device(user)
    return bool(has_device) or second_factor_required(user)


class SecondFactorMiddleware:
    """Send a logged-in user who owes a second factor to give it (or to set one up)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Runs after URL resolution, so `resolver_match` is set; WhiteNoise has already
        # answered for static files, which therefore never get here.
        user = request.user
        # The full name, namespace and all: the admin's own "logout" (admin:logout) is not the open one.
        view_name = request.resolver_match.view_name
        if not user.is_authenticated or user.is_verified() or view_name in OPEN_VIEWS:
            return None
        has_device = request.session.get(HAS_DEVICE_SESSION_KEY)
        if has_device is None:
            has_device = request.session[HAS_DEVICE_SESSION_KEY] = user_has_device(user)
        if not has_device and (view_name == ENROLMENT_VIEW or not second_factor_required(user)):
            return None
        target = "otp-verify" if has_device else "otp-setup"
        return HttpResponseRedirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")


class TokenForm(inputs.Form):
    token = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        help_text=gettext_lazy("The six digits from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )

    def clean_token(self):
        return self.cleaned_data["token"].replace(" ", "").strip()


def _next_url(request):
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    # A path on this site: `redirect()` takes anything else without a slash for a view name ("²" was a 500).
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


class SetupForm(TokenForm):
    """The first code of the new app; when it replaces one, also a code from the old app or a recovery code."""

    current_token = forms.CharField(
        label=gettext_lazy("Code from your current app, or a recovery code"),
        max_length=16,
        required=False,
        help_text=gettext_lazy(
            "Replacing the app needs proof that you hold the old one, or one of your recovery codes."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text"}),
    )
    field_order = ["current_token", "token"]

    def __init__(self, *args, replacing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["token"].label = gettext_lazy("Code from the new app")
        self.fields["token"].help_text = gettext_lazy("The six digits the new app shows.")
        if replacing:
            self.fields["token"].widget.attrs.pop("autofocus", None)
            self.fields["current_token"].widget.attrs["autofocus"] = True
        else:
            del self.fields["current_token"]

    def clean_current_token(self):
        token = self.cleaned_data["current_token"].replace(" ", "").strip()
        if not token:
            raise forms.ValidationError(_("Type a code from your current app, or one of your recovery codes."))
        return token


def _devices_for(user, token):
    """The user's confirmed devices of the kind `token` is for. A six-digit code is for the app, anything else a
    recovery code: trying it on the other kind of device would count as a wrong guess there."""
    kind = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
    return [device for device in devices_for_user(user) if isinstance(device, kind)]


def _throttled_until(devices):
    """When the last of `devices` that django-otp holds back after wrong codes takes a code again; None if none
    does. Only read: nothing is counted."""
    until = [
        data["locked_until"] for allowed, data in (device.verify_is_allowed() for device in devices) if not allowed
    ]
    until = [moment for moment in until if moment is not None]
    return max(until) if until else None


def _confirmed_device_accepting(user, token):
    """The user's confirmed device that accepts `token` (using it up), or None; and until when a device that
    could take it was held back after wrong codes (None if none was: `_throttled_until`)."""
    devices = _devices_for(user, token)
    throttled_until = _throttled_until(devices)
    for device in devices:
        if verify_token(user, device.persistent_id, token):
            return device, throttled_until
    return None, throttled_until


def _seconds_until(moment) -> int:
    return max(1, math.ceil((moment - timezone.now()).total_seconds()))


@require_get_or_post
@sensitive_post_parameters("token")
@login_required
def verify(request):
    if not user_has_device(request.user):
        # No device (never had one, or an administrator reset it): there is nothing to verify with.
        request.session[HAS_DEVICE_SESSION_KEY] = False
        return redirect(f"{reverse('otp-setup')}?{urlencode({'next': _next_url(request)})}")
    if request.method == "POST" and request.user.is_verified():
        # Given already: a double click on the button (the browser shows the second answer, whose code was used by
        # the first), or the page sent again. On to where the code was asked for.
        return redirect(_next_url(request))
    if language_switch.switching(request):
        return _verify_in_the_other_language(request)
    form = TokenForm(request.POST or None)
    throttled_until = None
    if request.method == "POST" and form.is_valid():
        device, throttled_until = _confirmed_device_accepting(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("token", TOO_MANY_TRIES if throttled_until else CODE_NOT_RIGHT)
    return _verify_page(request, form, throttled_until)


def _verify_page(request, form, throttled_until=None):
    """The code page; refused because django-otp holds the devices back after wrong codes, 429 with Retry-After
    (when the next code is taken), as the login's lockout (security.lockout_response); refused otherwise, 200."""
    context = {"form": form, "next": _next_url(request), "language_switch_form": "otp-form"}
    return _held_back_or_not(render(request, "registration/otp_verify.html", context), throttled_until)


def _held_back_or_not(response, throttled_until):
    """`response` as it is (200: a form to correct), or, when django-otp held a code back after wrong ones (until
    `throttled_until`), a 429 with Retry-After: the seconds until it takes a code again."""
    if throttled_until is None:
        return response
    response.status_code = 429
    return with_retry_after(response, _seconds_until(throttled_until))


def _verify_in_the_other_language(request):
    """The page's language switch (redliv.language_switch), as the login's: the page again in the other language,
    where the code was asked for kept. The code typed is neither shown again (a recovery code is as secret as a
    password) nor tried: nothing is counted against the devices and nobody is verified. A refused code is shown
    refused again, without trying it: held back after wrong codes if django-otp still holds the devices back (read,
    429 again), otherwise the refusal the field gives (left empty, or not right)."""
    if not language_switch.refused(request):
        return _verify_page(request, TokenForm())
    form = TokenForm(request.POST)
    throttled_until = None
    if form.is_valid():
        throttled_until = _throttled_until(_devices_for(request.user, form.cleaned_data["token"]))
        form.add_error("token", TOO_MANY_TRIES if throttled_until else CODE_NOT_RIGHT)
    form.data = form.data.copy()
    form.data["token"] = ""  # the errors stay; the code typed is not written into the page
    return _verify_page(request, form, throttled_until)


def _issue_recovery_codes(user) -> tuple[StaticDevice, list[str]]:
    """A new set of recovery codes on a new device; the old device goes, codes and all.

    django-otp remembers a verified session by its device's id, so a new record (not new
    tokens on the old one) ends every session that was verified with an old code.
    """
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return device, codes


def _enrolment_of_this_session(request):
    """The unconfirmed app this session began to enrol, or a new one bound to this session.

    Another session's enrolment is never shown: with the password alone one could otherwise
    read the key of the app the owner is about to confirm.
    """
    user = request.user
    device = TOTPDevice.objects.filter(
        pk=request.session.get(ENROLMENT_SESSION_KEY), user=user, confirmed=False
    ).first()
    if device is None:
        TOTPDevice.objects.filter(
            user=user, confirmed=False, created_at__lt=timezone.now() - ABANDONED_ENROLMENT
        ).delete()
        device = TOTPDevice.objects.create(user=user, name="app", confirmed=False)
        request.session[ENROLMENT_SESSION_KEY] = device.pk
    return device


def _confirmation_sent_again(request) -> bool:
    """Whether a POST to the setup page repeats the one that confirmed the app this session is verified with.

    Confirming ends this session's enrolment; a replacement begun on purpose afterwards shows the page first,
    which begins a new one (`_enrolment_of_this_session`)."""
    device = getattr(request.user, "otp_device", None)
    return (
        ENROLMENT_SESSION_KEY not in request.session
        and isinstance(device, TOTPDevice)
        and request.session.get(CONFIRMED_SESSION_KEY) == device.pk
    )


def _start_again(request):
    """This session's enrolment is gone (another session confirmed an app): begin anew."""
    request.session.pop(ENROLMENT_SESSION_KEY, None)
    messages.info(request, _("This setup was replaced by another one. Scan the new code."))
    return redirect(f"{reverse('otp-setup')}?{urlencode({'next': _next_url(request)})}")


def _give_the_existing_code_first(request):
    """A session that has given only the password, for a user who has a device: verify first."""
    request.session[HAS_DEVICE_SESSION_KEY] = True
    messages.info(
        request,
        _(
            "You already use two-step login. Give a code from your app or a recovery code first; "
            "then you can replace the app."
        ),
    )
    return redirect(f"{reverse('otp-verify')}?next={reverse('otp-setup')}")


@require_get_or_post
@sensitive_post_parameters("token", "current_token")
@login_required
def setup(request):
    """Enrol an authenticator app: show its QR code, confirm it with a first code.

    With the password alone only a user without a confirmed device may enrol. Replacing
    an app needs a session verified with the existing device and, on the form, a code
    from the old app or a recovery code.
    """
    user = request.user
    replacing = user_has_device(user)
    if replacing and not user.is_verified():
        return _give_the_existing_code_first(request)
    if language_switch.switching(request):
        return _setup_in_the_other_language(request, replacing)
    if request.method == "POST" and _confirmation_sent_again(request):
        # A double click, or the page reloaded: the browser shows this answer, and the first one's recovery codes
        # may never have been seen. The same codes again (those not used since), not a page to replace the app
        # just set up; new ones only if none is left. Codes already written down stay valid.
        codes = list(
            StaticToken.objects.filter(device__user=user, device__confirmed=True)
            .order_by("pk")
            .values_list("token", flat=True)
        )
        if not codes:
            _device, codes = _issue_recovery_codes(user)
        return render(request, "registration/otp_recovery_codes.html", {"codes": codes, "next": _next_url(request)})
    device = _enrolment_of_this_session(request)
    form = SetupForm(request.POST or None, replacing=replacing)
    throttled_until = None
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            # One enrolment at a time per user: a second tab, or someone else who began one
            # with the password before the owner confirmed theirs, finds the device confirmed.
            get_user_model().objects.select_for_update(no_key=True).filter(pk=user.pk).first()
            if user_has_device(user) != replacing:
                return _give_the_existing_code_first(request)
            device = TOTPDevice.objects.filter(pk=device.pk, confirmed=False).first()
            if device is None:
                return _start_again(request)
            throttled_until = _throttled_until([device])
            # The new app's code first: a wrong one must not use up the recovery code given with it.
            if not device.verify_token(form.cleaned_data["token"]):
                form.add_error("token", TOO_MANY_TRIES if throttled_until else NEW_CODE_NOT_RIGHT)
            elif replacing:
                old_device, throttled_until = _confirmed_device_accepting(user, form.cleaned_data["current_token"])
                if old_device is None:
                    form.add_error("current_token", TOO_MANY_TRIES if throttled_until else CURRENT_CODE_NOT_RIGHT)
            if not form.errors:
                # The old app, its recovery codes and any other enrolment begun for this user
                # stop working; so does every session verified with them.
                TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
                device.confirmed = True
                device.save()
                _device, codes = _issue_recovery_codes(user)
                otp_login(request, device)
                request.session.pop(ENROLMENT_SESSION_KEY, None)
                request.session[CONFIRMED_SESSION_KEY] = device.pk
                request.session[HAS_DEVICE_SESSION_KEY] = True
                return render(
                    request, "registration/otp_recovery_codes.html", {"codes": codes, "next": _next_url(request)}
                )
    return _setup_page(request, form, device, replacing, throttled_until)


def _setup_page(request, form, device, replacing, throttled_until=None):
    """The set-up page; refused because django-otp holds a device back after wrong codes (the new app, or when
    replacing, the current one), 429 with Retry-After, as the code page (`_verify_page`); refused otherwise, 200."""
    import segno

    secret = device.config_url.split("secret=")[1].split("&")[0]
    context = {
        "form": form,
        "next": _next_url(request),
        "qr_code": segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "required": second_factor_required(request.user),
        "replacing": replacing,
        "language_switch_form": "otp-setup-form",
    }
    return _held_back_or_not(render(request, "registration/otp_setup.html", context), throttled_until)


def _setup_in_the_other_language(request, replacing):
    """The set-up page's language switch, as the code page's (`_verify_in_the_other_language`): the page again in
    the other language, with the same app to scan (this session's enrolment) and where it leads kept. The codes
    typed are neither shown again (a recovery code is as secret as a password) nor tried: nothing is counted and
    no app is confirmed. A refused form is shown refused again without trying them: held back after wrong codes
    if django-otp still holds the device back (read only, 429 again), otherwise the refusal the field gives."""
    device = _enrolment_of_this_session(request)
    if not language_switch.refused(request):
        return _setup_page(request, SetupForm(replacing=replacing), device, replacing)
    form = SetupForm(request.POST, replacing=replacing)
    throttled_until = None
    if form.is_valid():
        if throttled_until := _throttled_until([device]):
            form.add_error("token", TOO_MANY_TRIES)
        elif replacing and (
            throttled_until := _throttled_until(_devices_for(request.user, form.cleaned_data["current_token"]))
        ):
            form.add_error("current_token", TOO_MANY_TRIES)
        else:
            # Which of the two was refused is not known without trying them: the new app's code is tried first.
            form.add_error("token", NEW_CODE_NOT_RIGHT)
    form.data = form.data.copy()
    form.data["token"] = form.data["current_token"] = ""  # the errors stay; the codes typed are not in the page
    return _setup_page(request, form, device, replacing, throttled_until)


@require_get_or_post
@login_required
def recovery_codes(request):
    """New recovery codes (the old ones stop working). Needs a verified session."""
    if request.method != "POST" or not request.user.is_verified():
        return redirect("staff-home")
    verified_with_a_code = isinstance(request.user.otp_device, StaticDevice)
    device, codes = _issue_recovery_codes(request.user)
    if verified_with_a_code:
        # The device this session was verified with is gone; the owner who asked stays in.
        otp_login(request, device)
    messages.success(request, _("New recovery codes made. The old ones no longer work."))
    return render(request, "registration/otp_recovery_codes.html", {"codes": codes, "next": reverse("staff-home")})


RESET_REASON = gettext_lazy("Two-step login reset")
purge.keep_change_reason(RESET_REASON)


def reset_second_factor(user, by) -> None:
    """Remove every device of `user` (app, recovery codes, enrolments begun), for a lost phone.

    Done by an administrator; kept in the user's history with who did it. The user's
    sessions verified with the old app are verified no more, and the next login enrols anew.
    """
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        user._change_reason = str(RESET_REASON)
        user._history_user = by
        user.save(update_fields=["username"])  # records the history row; no field changes
