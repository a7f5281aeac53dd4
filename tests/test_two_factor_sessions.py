"""Two-step login holds against an attacker who knows only the password (issue 15 review)."""

import base64
import datetime as dt

import pytest
import time_machine
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from redliv import roles
from tests.conftest import PASSWORD, make_user, totp_code

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


def password_login(client, user):
    response = client.post("/konto/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def code_from_secret(shown: str) -> str:
    """What an authenticator app shows for the key typed in from the setup page."""
    key = base64.b32decode(shown.replace(" ", "") + "=" * (-len(shown.replace(" ", "")) % 8))
    return f"{TOTP(key, 30, 0, 6, 0).token():06d}"


def new_coordinator(red_liv):
    from django.contrib.auth.models import Group

    user = make_user("ny-koordinator", red_liv, None)
    user.groups.add(*Group.objects.filter(name=roles.COORDINATOR))
    return user


def test_a_password_only_session_never_sees_the_secret_the_owner_confirms(red_liv):
    owner = new_coordinator(red_liv)
    with time_machine.travel(START, tick=False) as traveller:
        attacker = Client()
        password_login(attacker, owner)
        seen_by_attacker = attacker.get("/konto/to-trins/opsaet/").context["secret"]

        owners_session = Client()
        password_login(owners_session, owner)
        seen_by_owner = owners_session.get("/konto/to-trins/opsaet/").context["secret"]
        assert seen_by_owner != seen_by_attacker
        confirmed = owners_session.post("/konto/to-trins/opsaet/", {"token": code_from_secret(seen_by_owner)})
        assert confirmed.status_code == 200 and "<li>" in confirmed.content.decode()
        # Every other enrolment begun for the owner is gone with the confirmation.
        assert list(TOTPDevice.objects.filter(user=owner).values_list("confirmed", flat=True)) == [True]

        traveller.shift(dt.timedelta(seconds=60))
        attacker = Client()
        password_login(attacker, owner)
        refused = attacker.post(
            "/konto/to-trins/", {"token": code_from_secret(seen_by_attacker), "next": "/personale/"}
        )
        assert refused.status_code == 200 and "Koden er ikke rigtig" in refused.content.decode()
        assert attacker.get("/personale/afrapporteringer/").status_code == 302
        # The owner's app works.
        assert owners_session.get("/personale/afrapporteringer/").status_code == 200


def test_a_session_cannot_confirm_an_enrolment_another_session_began(red_liv):
    owner = new_coordinator(red_liv)
    with time_machine.travel(START, tick=False):
        first, second = Client(), Client()
        password_login(first, owner)
        password_login(second, owner)
        first.get("/konto/to-trins/opsaet/")
        seen_by_second = second.get("/konto/to-trins/opsaet/").context["secret"]
        firsts_device = TOTPDevice.objects.get(pk=first.session["redliv_otp_enrolment"])
        code = f"{TOTP(firsts_device.bin_key, 30, 0, 6, 0).token():06d}"
        if code != code_from_secret(seen_by_second):
            refused = second.post("/konto/to-trins/opsaet/", {"token": code})
            assert "Koden er ikke rigtig" in refused.content.decode()
        assert not TOTPDevice.objects.filter(user=owner, confirmed=True).exists()
        # The same session sees the same key on every visit until it confirms.
        assert second.get("/konto/to-trins/opsaet/").context["secret"] == seen_by_second


def recovery_code_session(user, code="abcd2345"):
    device = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    device.token_set.create(token=code)
    session = Client()
    password_login(session, user)
    assert session.post("/konto/to-trins/", {"token": code}).status_code == 302
    assert session.get("/personale/afrapporteringer/").status_code == 200
    return session


def test_new_recovery_codes_end_every_session_verified_with_an_old_one(coordinator):
    with time_machine.travel(START, tick=False):
        stolen = recovery_code_session(coordinator)
        owner = Client()
        password_login(owner, coordinator)
        assert owner.post("/konto/to-trins/", {"token": totp_code(coordinator)}).status_code == 302
        assert owner.post("/konto/to-trins/gendannelseskoder/").status_code == 200

        response = stolen.get("/personale/afrapporteringer/")
        assert response.status_code == 302 and response["Location"].startswith("/konto/to-trins/?next=")
        assert owner.get("/personale/afrapporteringer/").status_code == 200


def test_new_recovery_codes_keep_the_session_that_asked_for_them_verified(coordinator):
    with time_machine.travel(START, tick=False):
        owner = recovery_code_session(coordinator)
        assert owner.post("/konto/to-trins/gendannelseskoder/").status_code == 200
        assert owner.get("/personale/afrapporteringer/").status_code == 200
        assert StaticDevice.objects.filter(user=coordinator).count() == 1


def test_replacing_the_app_ends_every_session_verified_with_the_old_app_or_codes(coordinator):
    with time_machine.travel(START, tick=False) as traveller:
        by_recovery_code = recovery_code_session(coordinator)
        by_old_app = Client()
        password_login(by_old_app, coordinator)
        assert by_old_app.post("/konto/to-trins/", {"token": totp_code(coordinator)}).status_code == 302

        traveller.shift(dt.timedelta(seconds=60))
        owner = Client()
        password_login(owner, coordinator)
        assert owner.post("/konto/to-trins/", {"token": totp_code(coordinator)}).status_code == 302
        traveller.shift(dt.timedelta(seconds=60))
        old_code = totp_code(coordinator)
        new_secret = owner.get("/konto/to-trins/opsaet/").context["secret"]
        replaced = owner.post(
            "/konto/to-trins/opsaet/", {"current_token": old_code, "token": code_from_secret(new_secret)}
        )
        assert replaced.status_code == 200 and "<li>" in replaced.content.decode()

        for session in (by_recovery_code, by_old_app):
            response = session.get("/personale/afrapporteringer/")
            assert response.status_code == 302 and response["Location"].startswith("/konto/to-trins/?next=")
        assert owner.get("/personale/afrapporteringer/").status_code == 200
