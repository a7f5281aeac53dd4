"""Every throttle (failed logins, the public report form, course requests) counts by one rule
for the client's address: REMOTE_ADDR unless the operator says how many proxies stand in
front (TRUSTED_PROXIES), never an X-Forwarded-For the client wrote, IPv6 per /64. And only
posts that pass CSRF and validation count toward the public forms' limits.
"""

import re

import pytest
from django.test import Client, RequestFactory

from courses.models import CourseRequest
from finder.views import REQUESTS_PER_WINDOW
from redliv.security import client_address
from reversals import services
from reversals.models import ReversalReport
from tests.conftest import PASSWORD
from tests.test_course_request_form import valid
from tests.test_platform import PRODUCTION, run_check
from tests.test_public_reversal_report import answers

pytestmark = pytest.mark.django_db

LOGIN = "/konto/login/"
REPORT = "/afrapporter/"
REQUEST = "/bestil-kursus/"


def wrong_password(client, user, **meta):
    return client.post(LOGIN, {"username": user.username, "password": "wrong password"}, **meta)


def right_password(user, **meta):
    return Client().post(LOGIN, {"username": user.username, "password": PASSWORD}, **meta)


def report_key(number: int) -> str:
    return f"5a1c7d2e-8f1b-4c52-9a57-3f0c6f1d{number:04d}"


# --- failed logins ----------------------------------------------------------------------------


def test_twelve_wrong_passwords_each_with_a_new_forwarded_for_lock_the_account(client, street_worker):
    for number in range(12):
        wrong_password(client, street_worker, REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR=f"203.0.113.{number}")
    locked = right_password(street_worker, REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_behind_one_trusted_proxy_the_address_it_appended_is_the_client(client, settings, street_worker):
    settings.TRUSTED_PROXIES = 1
    for number in range(12):
        # Whatever the client wrote stands left of what the proxy appended.
        wrong_password(client, street_worker, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"1.2.3.{number}, 192.0.2.7")
    assert right_password(street_worker, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.7").status_code == 429
    # Another client behind the same proxy is not locked out.
    assert right_password(street_worker, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.8").status_code == 302


def test_eight_addresses_of_one_ipv6_64_count_as_one(client, street_worker):
    for number in range(1, 9):
        wrong_password(client, street_worker, REMOTE_ADDR=f"2001:db8:1:2::{number:x}")
    assert right_password(street_worker, REMOTE_ADDR="2001:db8:1:2:ffff:ffff:ffff:ffff").status_code == 429
    assert right_password(street_worker, REMOTE_ADDR="2001:db8:1:3::1").status_code == 302


# --- the public forms ----------------------------------------------------------------------


def test_the_report_limit_ignores_a_forwarded_for_the_sender_chose(client, district):
    for number in range(services.PUBLIC_POSTS_PER_HOUR):
        response = client.post(
            REPORT,
            answers(district, key=report_key(number)),
            REMOTE_ADDR="198.51.100.9",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{number}",
        )
        assert response.status_code == 302
    refused = client.post(
        REPORT, answers(district, key=report_key(99)), REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="203.0.113.99"
    )
    assert refused.status_code == 429
    assert ReversalReport.objects.count() == services.PUBLIC_POSTS_PER_HOUR


def test_the_course_request_limit_ignores_a_forwarded_for_the_sender_chose(client, odense):
    for number in range(REQUESTS_PER_WINDOW):
        response = client.post(
            REQUEST, valid(odense), REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR=f"203.0.113.{number}"
        )
        assert response.status_code == 302
    refused = client.post(REQUEST, valid(odense), REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert refused.status_code == 429
    assert CourseRequest.objects.count() == REQUESTS_PER_WINDOW


def test_the_public_forms_count_one_ipv6_64_as_one_sender(client, odense):
    for number in range(1, REQUESTS_PER_WINDOW + 1):
        assert client.post(REQUEST, valid(odense), REMOTE_ADDR=f"2001:db8:7:7::{number:x}").status_code == 302
    assert client.post(REQUEST, valid(odense), REMOTE_ADDR="2001:db8:7:7::ff").status_code == 429


def csrf_token_from(client, path):
    page = client.get(path)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)


def test_token_less_cross_site_reports_do_not_lock_out_a_real_reporter_at_the_same_address(district):
    attacker = Client(enforce_csrf_checks=True)
    for number in range(10 * services.PUBLIC_POSTS_PER_HOUR // 10):
        response = attacker.post(REPORT, answers(district, key=report_key(number)), REMOTE_ADDR="10.1.2.3")
        assert response.status_code == 403
    assert ReversalReport.objects.count() == 0

    reporter = Client(enforce_csrf_checks=True)
    token = csrf_token_from(reporter, REPORT)
    response = reporter.post(
        REPORT, {**answers(district, key=report_key(500)), "csrfmiddlewaretoken": token}, REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 302
    assert ReversalReport.objects.count() == 1


def test_reports_that_fail_validation_do_not_count_toward_the_limit(client, district):
    for _ in range(2 * services.PUBLIC_POSTS_PER_HOUR):
        assert client.post(REPORT, answers(district, outcome=""), REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.post(REPORT, answers(district, key=report_key(1)), REMOTE_ADDR="10.1.2.3").status_code == 302


def test_token_less_cross_site_course_requests_do_not_lock_out_a_real_one(odense):
    attacker = Client(enforce_csrf_checks=True)
    for _ in range(10):
        assert attacker.post(REQUEST, valid(odense), REMOTE_ADDR="10.1.2.3").status_code == 403
    requester = Client(enforce_csrf_checks=True)
    token = csrf_token_from(requester, REQUEST)
    response = requester.post(REQUEST, {**valid(odense), "csrfmiddlewaretoken": token}, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302
    assert CourseRequest.objects.count() == 1


def test_course_requests_that_fail_validation_do_not_count_toward_the_limit(client, odense):
    for _ in range(2 * REQUESTS_PER_WINDOW):
        assert client.post(REQUEST, valid(odense, organisation_name=""), REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.post(REQUEST, valid(odense), REMOTE_ADDR="10.1.2.3").status_code == 302


# --- the rule itself ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "192.0.2.1", "203.0.113.5", "192.0.2.1"),
        (0, "2001:db8:a:b:1:2:3:4", "", "2001:db8:a:b::/64"),
        (0, "::ffff:192.0.2.1", "", "192.0.2.1"),
        (1, "10.0.0.2", "", "10.0.0.2"),
        (1, "10.0.0.2", "6.6.6.6, 192.0.2.1", "192.0.2.1"),
        (1, "10.0.0.2", "6.6.6.6,192.0.2.1:51234", "192.0.2.1"),
        (1, "10.0.0.2", "[2001:db8::1]:443", "2001:db8::/64"),
        (2, "10.0.0.2", "6.6.6.6, 192.0.2.1, 10.0.0.1", "192.0.2.1"),
        # Fewer entries than proxies: the outermost proxy saw the client at the left-most.
        (2, "10.0.0.2", "192.0.2.1", "192.0.2.1"),
    ],
)
def test_the_client_address_is_the_nth_from_the_right_behind_n_trusted_proxies(
    settings, proxies, remote, forwarded, expected
):
    settings.TRUSTED_PROXIES = proxies
    meta = {"REMOTE_ADDR": remote}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_address(RequestFactory().get("/", **meta)) == expected


@pytest.mark.long(seconds=4)
def test_trusted_proxies_is_how_production_trusts_the_proxy_and_behind_proxy_is_refused():
    assert run_check({**PRODUCTION, "TRUSTED_PROXIES": "1"}, "--deploy", "--fail-level", "WARNING").returncode == 0
    refused = run_check({**PRODUCTION, "BEHIND_PROXY": "1"})
    assert refused.returncode != 0 and "TRUSTED_PROXIES" in refused.stderr
