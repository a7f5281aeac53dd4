"""Two-step login: required for coordinators and administrators, open to everyone."""

import re

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from redliv import roles
from tests.conftest import PASSWORD, make_user, totp_code

pytestmark = pytest.mark.django_db


def password_login(client, user):
    response = client.post("/konto/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client.get(response["Location"], follow=False)


def code_for(device):
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def test_a_coordinator_without_an_app_must_set_one_up_before_anything_else(red_liv):
    coordinator = make_user("ny-koordinator", red_liv, None)
    coordinator.groups.add(*roles_groups(roles.COORDINATOR))
    client = Client()
    response = password_login(client, coordinator)
    assert response.status_code == 302 and response["Location"].startswith("/konto/to-trins/opsaet/")
    assert client.get("/personale/").status_code == 302

    page = client.get("/konto/to-trins/opsaet/")
    assert "data:image/svg+xml" in page.content.decode()
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    wrong = client.post("/konto/to-trins/opsaet/", {"token": "000000" if code_for(device) != "000000" else "111111"})
    assert "Koden er ikke rigtig" in wrong.content.decode()
    assert (
        "Vent et par sekunder" in client.post("/konto/to-trins/opsaet/", {"token": code_for(device)}).content.decode()
    )
    wait_out_the_throttle(device)
    done = client.post("/konto/to-trins/opsaet/", {"token": code_for(device), "next": "/personale/"})
    codes = re.findall(r"<li>([a-z0-9]{8})</li>", done.content.decode())
    assert len(codes) == 10
    assert StaticToken.objects.filter(device__user=coordinator).count() == 10
    assert client.get("/personale/").status_code == 200


def wait_out_the_throttle(device):
    """What waiting a few seconds does: django-otp lets the next try through."""
    type(device).objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)


def roles_groups(*names):
    from django.contrib.auth.models import Group

    return Group.objects.filter(name__in=names)


def test_a_coordinator_with_an_app_gives_its_code_after_the_password(coordinator):
    client = Client()
    response = password_login(client, coordinator)
    assert response["Location"].startswith("/konto/to-trins/?next=")
    refused = client.post("/konto/to-trins/", {"token": "12345x"})
    assert "Koden er ikke rigtig" in refused.content.decode()
    assert client.get("/personale/").status_code == 302
    wait_out_the_throttle(TOTPDevice.objects.get(user=coordinator))
    accepted = client.post("/konto/to-trins/", {"token": totp_code(coordinator), "next": "/personale/"})
    assert accepted.status_code == 302 and accepted["Location"] == "/personale/"
    assert client.get("/personale/").status_code == 200


def test_a_recovery_code_works_once(coordinator):
    from django_otp.plugins.otp_static.models import StaticDevice

    device = StaticDevice.objects.create(user=coordinator, name="recovery", confirmed=True)
    device.token_set.create(token="abcd2345")
    first = Client()
    password_login(first, coordinator)
    assert first.post("/konto/to-trins/", {"token": "abcd 2345"}).status_code == 302
    second = Client()
    password_login(second, coordinator)
    assert "Koden er ikke rigtig" in second.post("/konto/to-trins/", {"token": "abcd2345"}).content.decode()


def test_a_street_worker_logs_in_with_a_password_alone_but_may_turn_on_the_second_step(street_worker):
    client = Client()
    response = password_login(client, street_worker)
    assert response.status_code == 200
    assert response.wsgi_request.path == "/gade/"  # a street worker lands on the street page (issue 16)
    assert "Slå totrinslogin til" in client.get("/personale/").content.decode()
    assert client.get("/konto/to-trins/opsaet/").status_code == 200


def test_the_admin_is_behind_the_second_step(administrator):
    client = Client()
    client.post("/konto/login/", {"username": administrator.username, "password": PASSWORD})
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/konto/to-trins/")
    client.post("/konto/to-trins/", {"token": totp_code(administrator)})
    assert client.get("/admin/").status_code == 200


def test_the_admin_login_page_sends_people_to_the_two_step_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == "/konto/login/?next=/admin/"


def test_new_recovery_codes_need_a_verified_session(client, coordinator):
    client.force_login(coordinator)
    response = client.post("/konto/to-trins/gendannelseskoder/")
    assert len(re.findall(r"<li>([a-z0-9]{8})</li>", response.content.decode())) == 10


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_coordinator_logs_in_with_both_steps_in_the_browser(live_server, desktop_page, coordinator):
    from tests.conftest import axe_violations

    desktop_page.goto(live_server.url + "/konto/login/")
    desktop_page.get_by_label("Brugernavn").fill(coordinator.username)
    desktop_page.get_by_label("Adgangskode").fill(PASSWORD)
    desktop_page.get_by_role("button", name="Log ind").click()
    desktop_page.wait_for_url("**/konto/to-trins/**")
    assert axe_violations(desktop_page) == []
    desktop_page.get_by_label("Kode").fill(totp_code(coordinator))
    desktop_page.get_by_role("button", name="Fortsæt").click()
    desktop_page.wait_for_url(live_server.url + "/personale/")
    assert "Koordinator" in desktop_page.content()


def test_a_double_click_on_confirming_a_new_app_shows_recovery_codes_not_a_replacement(red_liv):
    """The browser shows the answer to the second click: it asked to replace the app just set up (a new QR code
    and "type a code from your current app"), and the recovery codes of the first were never seen."""
    coordinator = make_user("ny-koordinator", red_liv, None)
    coordinator.groups.add(*roles_groups(roles.COORDINATOR))
    client = Client()
    password_login(client, coordinator)
    client.get("/konto/to-trins/opsaet/")
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    confirm = {"token": code_for(device), "next": "/personale/"}
    first = client.post("/konto/to-trins/opsaet/", confirm)
    codes = re.findall(r"<li>([a-z0-9]{8})</li>", first.content.decode())
    assert len(codes) == 10
    second = client.post("/konto/to-trins/opsaet/", confirm)
    # The same codes: any written down from the first answer still work.
    assert second.status_code == 200 and re.findall(r"<li>([a-z0-9]{8})</li>", second.content.decode()) == codes
    assert set(StaticToken.objects.filter(device__user=coordinator).values_list("token", flat=True)) == set(codes)
    assert list(TOTPDevice.objects.filter(user=coordinator).values_list("pk", "confirmed")) == [(device.pk, True)]
    assert client.get("/personale/").status_code == 200


def test_a_double_click_on_the_code_page_goes_on_instead_of_saying_the_code_was_used(coordinator):
    """The first click logged in with the code; the second, whose answer the browser shows, was refused with
    "the code is not right, or it was used already", on the code page, although the session was verified."""
    client = Client()
    password_login(client, coordinator)
    code = {"token": totp_code(coordinator), "next": "/personale/traenere/"}
    assert client.post("/konto/to-trins/", code)["Location"] == "/personale/traenere/"
    again = client.post("/konto/to-trins/", code)
    assert again.status_code == 302 and again["Location"] == "/personale/traenere/"


def test_a_code_page_sent_with_a_next_that_is_no_path_goes_to_the_start_page(coordinator, next_path="²"):
    """`redirect()` takes a `next` without a slash for a view name: a valid code sent with next=² was a 500."""
    client = Client()
    password_login(client, coordinator)
    response = client.post("/konto/to-trins/", {"token": totp_code(coordinator), "next": next_path})
    assert response.status_code == 302 and response["Location"] == "/personale/"
    assert client.post("/konto/to-trins/", {"token": "123456", "next": next_path})["Location"] == "/personale/"


def test_a_code_refused_after_too_many_wrong_ones_is_a_429_that_says_when_to_try_again(coordinator):
    """The code page refused a code while django-otp held the app back after wrong ones with 200, as if the code
    were merely mistyped; the login's lockout answers 429 with Retry-After. So does the code page now: the
    seconds until the app takes a code again. A code that is only wrong stays a form to correct (200)."""
    import datetime as dt

    from django.utils import timezone

    client = Client()
    password_login(client, coordinator)
    wrong = client.post("/konto/to-trins/", {"token": "12345x"})
    assert wrong.status_code == 200 and "Retry-After" not in wrong
    # Five wrong codes in a row, the last one two seconds ago: django-otp waits 16 seconds after it.
    TOTPDevice.objects.filter(user=coordinator).update(
        throttling_failure_count=5, throttling_failure_timestamp=timezone.now() - dt.timedelta(seconds=2)
    )
    held = client.post("/konto/to-trins/", {"token": totp_code(coordinator), "next": "/personale/"})
    assert held.status_code == 429 and "Vent et par sekunder" in held.content.decode()
    assert 12 <= int(held["Retry-After"]) <= 14
    assert client.get("/personale/").status_code == 302  # the right code was not taken while held back


def test_a_first_code_refused_after_too_many_wrong_ones_is_a_429_that_says_when_to_try_again(street_worker):
    """The set-up page answered 200 while django-otp held the new app back after wrong codes, as the code page did
    before: now a 429 with Retry-After, the seconds until the app takes a code again. A wrong code stays 200."""
    import datetime as dt

    from django.utils import timezone

    client = Client()
    password_login(client, street_worker)
    client.get("/konto/to-trins/opsaet/")
    device = TOTPDevice.objects.get(user=street_worker, confirmed=False)
    wrong = client.post("/konto/to-trins/opsaet/", {"token": "12345x"})
    assert wrong.status_code == 200 and "Retry-After" not in wrong
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=5, throttling_failure_timestamp=timezone.now() - dt.timedelta(seconds=2)
    )
    held = client.post("/konto/to-trins/opsaet/", {"token": code_for(device), "next": "/personale/"})
    assert held.status_code == 429 and "Vent et par sekunder" in held.content.decode()
    assert 12 <= int(held["Retry-After"]) <= 14
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed  # the right code was not taken while held back


def test_a_replacement_refused_for_a_current_code_held_back_is_a_429(coordinator):
    """Replacing the app: the current app's code, held back by django-otp after wrong ones, is refused with 429 and
    Retry-After too, and the new app is not confirmed."""
    from django.utils import timezone

    client = Client()
    password_login(client, coordinator)
    assert client.post("/konto/to-trins/", {"token": totp_code(coordinator)}).status_code == 302
    client.get("/konto/to-trins/opsaet/")
    new = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    TOTPDevice.objects.filter(user=coordinator, confirmed=True).update(
        throttling_failure_count=5, throttling_failure_timestamp=timezone.now()
    )
    held = client.post("/konto/to-trins/opsaet/", {"token": code_for(new), "current_token": "123456"})
    assert held.status_code == 429 and 1 <= int(held["Retry-After"]) <= 16
    assert "Vent et par sekunder" in held.content.decode()
    assert list(TOTPDevice.objects.filter(user=coordinator).values_list("confirmed", flat=True)) == [True, False]
