"""The two-step login taken out of order, as an attacker who knows only the password would.

Every later step (enrolment, its confirmation, recovery codes, the admin, the month's CSV,
the report list) is tried from every earlier state: password only, verified, verified as
someone else, logged out. Only a user without a confirmed device enrols with the password
alone; replacing a device takes a code from the old one or a recovery code.
"""

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from redliv import roles
from tests.conftest import PASSWORD, make_user, totp_code
from tests.test_permission_matrix import MATRIX, odense_objects  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

SETUP = "/konto/to-trins/opsaet/"
VERIFY = "/konto/to-trins/"
RECOVERY = "/konto/to-trins/gendannelseskoder/"
PROTECTED = [
    "/admin/",
    "/admin/redliv/user/",
    "/personale/afrapporteringer/",
    "/personale/maaned/csv/?municipality={odense}",
    "/personale/",
]


def code_for(device) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def password_only(user) -> Client:
    client = Client()
    response = client.post("/konto/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def both_steps(user) -> Client:
    client = password_only(user)
    response = client.post(VERIFY, {"token": totp_code(user)})
    assert response.status_code == 302
    return client


def unconfirmed_device(client, user):
    client.get(SETUP)
    return TOTPDevice.objects.filter(user=user, confirmed=False).last()


def assert_locked_out_of_everything(client, odense):
    for path in PROTECTED:
        response = client.get(path.format(odense=odense.pk))
        assert response.status_code == 302, path
        assert response["Location"].startswith(VERIFY), path


def test_a_password_alone_does_not_open_enrolment_for_a_user_who_has_an_app(administrator, odense):
    original = TOTPDevice.objects.get(user=administrator)
    client = password_only(administrator)

    page = client.get(SETUP)
    assert page.status_code == 302 and page["Location"].startswith(VERIFY)
    assert list(TOTPDevice.objects.filter(user=administrator)) == [original]
    assert_locked_out_of_everything(client, odense)


def test_a_password_alone_cannot_confirm_a_new_app_even_with_a_device_made_elsewhere(administrator, odense):
    """The attacker's device, however it came to exist, is never confirmed by a password-only post."""
    original = TOTPDevice.objects.get(user=administrator)
    planted = TOTPDevice.objects.create(user=administrator, name="app", confirmed=False)
    client = password_only(administrator)

    response = client.post(SETUP, {"token": code_for(planted)})
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    planted.refresh_from_db()
    assert not planted.confirmed
    assert TOTPDevice.objects.filter(pk=original.pk, confirmed=True).exists()
    assert not StaticToken.objects.filter(device__user=administrator).exists()
    assert_locked_out_of_everything(client, odense)


def test_a_password_alone_gets_no_recovery_codes(administrator):
    client = password_only(administrator)
    response = client.post(RECOVERY)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert not StaticToken.objects.filter(device__user=administrator).exists()


def test_a_verified_session_replaces_the_app_only_with_a_code_from_the_old_one(administrator):
    original = TOTPDevice.objects.get(user=administrator)
    client = both_steps(administrator)
    page = client.get(SETUP)
    assert page.status_code == 200
    assert "Kode fra din nuværende app" in page.content.decode()
    new = TOTPDevice.objects.get(user=administrator, confirmed=False)

    refused = client.post(SETUP, {"token": code_for(new)})
    assert refused.status_code == 200
    assert "Skriv en kode fra din nuværende app eller en af dine gendannelseskoder" in refused.content.decode()
    new.refresh_from_db()
    assert not new.confirmed and TOTPDevice.objects.filter(pk=original.pk).exists()

    # Half a minute later: the old app shows a code not used for the login.
    TOTPDevice.objects.filter(pk=original.pk).update(last_t=-1)
    done = client.post(SETUP, {"current_token": code_for(original), "token": code_for(new)})
    assert len(re.findall(r"<li>([a-z0-9]{8})</li>", done.content.decode())) == 10
    assert list(TOTPDevice.objects.filter(user=administrator, confirmed=True)) == [new]


def test_a_lost_phone_is_replaced_with_a_recovery_code(coordinator):
    original = TOTPDevice.objects.get(user=coordinator)
    recovery = StaticDevice.objects.create(user=coordinator, name="recovery", confirmed=True)
    recovery.token_set.create(token="abcd2345")
    recovery.token_set.create(token="efgh6789")
    client = password_only(coordinator)
    assert client.post(VERIFY, {"token": "abcd2345"}).status_code == 302
    new = unconfirmed_device(client, coordinator)

    done = client.post(SETUP, {"current_token": "efgh 6789", "token": code_for(new)})
    assert done.status_code == 200
    assert "recovery-codes" in done.content.decode()
    assert not TOTPDevice.objects.filter(pk=original.pk).exists()
    assert list(TOTPDevice.objects.filter(user=coordinator, confirmed=True)) == [new]


def test_a_user_without_an_app_still_enrols_with_the_password_alone(red_liv):
    coordinator = make_user("ny-koordinator", red_liv, None)
    coordinator.groups.add(Group.objects.get(name=roles.COORDINATOR))
    client = password_only(coordinator)
    device = unconfirmed_device(client, coordinator)
    assert "Kode fra din nuværende app" not in client.get(SETUP).content.decode()
    done = client.post(SETUP, {"token": code_for(device)})
    assert len(re.findall(r"<li>([a-z0-9]{8})</li>", done.content.decode())) == 10
    assert client.get("/personale/").status_code == 200


def test_an_enrolment_begun_before_another_session_confirmed_an_app_cannot_be_finished(red_liv):
    """Two tabs (or the owner and an attacker): once one confirms an app, the other's page is stale."""
    user = make_user("ny-koordinator", red_liv, None)
    user.groups.add(Group.objects.get(name=roles.COORDINATOR))
    owner, attacker = password_only(user), password_only(user)
    owners = unconfirmed_device(owner, user)
    attackers = unconfirmed_device(attacker, user)
    assert owner.post(SETUP, {"token": code_for(owners)}).status_code == 200
    assert TOTPDevice.objects.filter(pk=owners.pk, confirmed=True).exists()

    response = attacker.post(SETUP, {"token": code_for(attackers)})
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert list(TOTPDevice.objects.filter(user=user, confirmed=True)) == [owners]


def test_a_verified_session_of_one_user_does_not_carry_over_to_another(coordinator, administrator, odense):
    client = both_steps(coordinator)
    assert client.get("/personale/afrapporteringer/").status_code == 200
    client.post("/konto/logout/")
    client.post("/konto/login/", {"username": administrator.username, "password": PASSWORD})
    assert_locked_out_of_everything(client, odense)
    assert client.get(SETUP)["Location"].startswith(VERIFY)


def test_logging_out_and_back_in_asks_for_the_code_again(administrator, odense):
    client = both_steps(administrator)
    assert client.get("/admin/").status_code == 200
    client.post("/konto/logout/")
    assert client.get("/admin/").status_code == 302
    client.post("/konto/login/", {"username": administrator.username, "password": PASSWORD})
    assert_locked_out_of_everything(client, odense)


def test_an_administrator_resets_another_users_two_step_login_in_the_admin_with_a_trace(
    client, administrator, coordinator
):
    recovery = StaticDevice.objects.create(user=coordinator, name="recovery", confirmed=True)
    recovery.token_set.create(token="abcd2345")
    victim_session = both_steps(coordinator)
    client.force_login(administrator)

    response = client.post(
        "/admin/redliv/user/",
        {"action": "reset_two_factor", "_selected_action": [coordinator.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Totrinslogin er nulstillet for 1 bruger" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    assert not StaticDevice.objects.filter(user=coordinator).exists()
    latest = coordinator.history.latest()
    assert latest.history_user == administrator
    assert latest.history_change_reason == "Totrinslogin nulstillet"
    history_page = client.get(f"/admin/redliv/user/{coordinator.pk}/history/")
    assert "Totrinslogin nulstillet" in history_page.content.decode()

    # The session verified with the old app is verified no more: the user enrols again.
    response = victim_session.get("/personale/afrapporteringer/")
    assert response.status_code == 302
    again = victim_session.get(response["Location"], follow=True)
    assert again.redirect_chain[-1][0].startswith(SETUP)


def test_only_an_administrator_may_reset_two_step_login(client, coordinator, other_coordinator):
    client.force_login(coordinator)
    response = client.post(
        "/admin/redliv/user/", {"action": "reset_two_factor", "_selected_action": [other_coordinator.pk]}
    )
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=other_coordinator).exists()


def test_a_wrong_code_from_the_new_app_does_not_use_up_the_recovery_code_given_with_it(coordinator):
    recovery = StaticDevice.objects.create(user=coordinator, name="recovery", confirmed=True)
    recovery.token_set.create(token="abcd2345")
    client = both_steps(coordinator)
    new = unconfirmed_device(client, coordinator)
    wrong = "000000" if code_for(new) != "000000" else "111111"

    response = client.post(SETUP, {"current_token": "abcd2345", "token": wrong})
    assert "Koden er ikke rigtig" in response.content.decode()
    assert StaticToken.objects.filter(device=recovery, token="abcd2345").exists()
    assert TOTPDevice.objects.filter(user=coordinator, confirmed=True).count() == 1


def test_a_wrong_code_from_the_old_app_leaves_it_in_place(coordinator):
    original = TOTPDevice.objects.get(user=coordinator)
    client = both_steps(coordinator)
    new = unconfirmed_device(client, coordinator)

    response = client.post(SETUP, {"current_token": "nope1234", "token": code_for(new)})
    assert "Koden er ikke rigtig, eller den er allerede brugt." in response.content.decode()
    assert list(TOTPDevice.objects.filter(user=coordinator, confirmed=True)) == [original]
    assert not StaticToken.objects.filter(device__user=coordinator).exists()


def test_the_second_step_shows_no_staff_menu_whose_links_all_lead_back_to_it(coordinator):
    """On the setup and code pages, the header offered the stock, the reports and the month report:
    each led straight back to the same page, which a new coordinator read as the links being broken."""
    newcomer = make_user("koordinator-ny", coordinator.organisation, roles.COORDINATOR)
    TOTPDevice.objects.filter(user=newcomer).delete()  # the first login: the app is still to be set up
    for client, path in [(password_only(newcomer), SETUP), (password_only(coordinator), VERIFY)]:
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.content.decode()
        assert 'href="/personale/lager/"' not in page and 'href="/personale/maaned/"' not in page, path
    client = password_only(coordinator)
    client.post(VERIFY, {"token": totp_code(coordinator)})
    page = client.get("/personale/").content.decode()
    assert 'href="/personale/lager/"' in page and 'href="/personale/maaned/"' in page


# What a session with the password alone reaches: the pages SecondFactorMiddleware leaves open, and nothing else.
OPEN_WITH_THE_PASSWORD_ALONE = {
    ("get", "healthz"): 200,
    ("post", "healthz"): 405,
    ("get", "i18n/setlang/"): 302,
    ("post", "i18n/setlang/"): 302,
    ("get", "privatliv/"): 200,
    ("post", "privatliv/"): 405,  # a page to read: other methods are a 405 (CONTRIBUTING.md)
    ("get", "konto/logout/"): 405,
    ("post", "konto/logout/"): 302,
    ("get", "konto/to-trins/"): 200,
    ("post", "konto/to-trins/"): 200,
}


@pytest.mark.long(seconds=6)
def test_a_password_alone_reaches_no_url_of_the_project_but_the_code_page_logout_and_privacy(
    odense_objects,  # noqa: F811 (fixture)
    coordinator,
):
    """Every URL pattern (the permission matrix's rows, so a new URL is asked too), by GET and by POST."""
    reached = {}
    for route, (path, _answers) in MATRIX.items():
        for method in ("get", "post"):
            response = getattr(password_only(coordinator), method)(path.format(**odense_objects))
            if not (response.status_code == 302 and response["Location"].startswith(VERIFY)):
                reached[method, route] = response.status_code
    assert reached == OPEN_WITH_THE_PASSWORD_ALONE


def test_a_password_alone_opens_no_page_that_merely_shares_a_name_with_an_open_one(administrator):
    """The open pages are named with their namespace: the admin's logout (admin:logout) is not the site's."""
    client = password_only(administrator)
    response = client.post("/admin/logout/")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert "_auth_user_id" in client.session
