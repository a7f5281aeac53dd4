"""The language switch on a form page is a button of the form (redliv/language_switch.py), in the header: before
the form in the page. A browser sends a form on Enter through its first submit button in the page's order."""

import pytest

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_enter_in_a_field_sends_the_form_not_the_language_switch(live_server, phone_page, coordinator):
    """Enter in the password field switched the login page to English instead of logging in, and Enter in the
    lot number's field switched "Tjek dit kit" to English instead of checking the kit: the switch, first in
    the page, was the form's default button. A hidden send button of the form comes before it."""
    page = phone_page
    page.goto(live_server.url + "/en/tjek-dit-kit/")
    page.get_by_label("Lot number").fill("NX-2408")
    with page.expect_navigation(wait_until="load"):
        page.get_by_label("Lot number").press("Enter")
    assert page.url == live_server.url + "/en/tjek-dit-kit/"
    assert page.locator("[data-answer-heading]").count() == 1  # checked, in English
    assert page.evaluate("document.documentElement.lang") == "en"
    page.goto(live_server.url + "/konto/login/")
    page.get_by_label("Brugernavn").fill(coordinator.username)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_label("Adgangskode").press("Enter")
    page.wait_for_url("**/konto/to-trins/**")
    assert page.evaluate("document.documentElement.lang") == "da"
