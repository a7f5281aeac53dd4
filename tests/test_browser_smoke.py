"""The public start page and the login in a real browser, at phone width."""

import pytest

from tests.conftest import PASSWORD, axe_violations
from tests.factories import make_course

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_start_page_is_styled_and_accessible_on_a_phone(live_server, phone_page, venue):
    make_course(venue, title="Drop-in")
    phone_page.goto(live_server.url + "/")
    assert phone_page.get_by_role("heading", level=1).inner_text() == "Vi passer på hinanden"
    # Bootstrap is served by whitenoise from the installed package: the navbar is flex.
    assert phone_page.eval_on_selector(".navbar", "el => getComputedStyle(el).display") == "flex"
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(phone_page) == []


def test_a_street_worker_logs_in_and_sees_the_staff_page(live_server, desktop_page, street_worker):
    desktop_page.goto(live_server.url + "/personale/")
    desktop_page.get_by_label("Brugernavn").fill(street_worker.username)
    desktop_page.get_by_label("Adgangskode").fill(PASSWORD)
    desktop_page.get_by_role("button", name="Log ind").click()
    desktop_page.wait_for_url(live_server.url + "/personale/")
    assert "Gadeplan" in desktop_page.content()
    assert axe_violations(desktop_page) == []
