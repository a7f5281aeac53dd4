"""A responder reports a naloxone use on a phone, in a real browser."""

import datetime as dt

import pytest
from django.utils import timezone

from reversals.models import ReversalReport
from tests import factories
from tests.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_responder_sends_the_public_form_on_a_phone(live_server, phone_page, odense):
    factories.make_district(odense, name="Vollsmose")
    page = phone_page
    page.goto(live_server.url + "/afrapporter/")
    assert page.get_by_role("heading", level=1).inner_text() == "Har du givet naloxon? Fortæl os det"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(page) == []

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    page.get_by_label("Dato").fill(yesterday.isoformat())
    page.get_by_label("Omtrentligt klokkeslæt").fill("23:15")
    page.get_by_label("Bydel").select_option(label="Vollsmose")
    page.get_by_label("Heroin").check()
    page.get_by_label("Hvor mange doser naloxon gav du?").fill("2")
    for question, answer in [
        ("Ringede du eller en anden 112?", "Ja"),
        ("Kom der en ambulance?", "Ja"),
        ("Gav du indblæsninger eller anden førstehjælp?", "Ja"),
        ("Blev du, til hjælpen kom?", "Ja"),
        ("Hvordan gik det?", "Kørt på hospitalet"),
        ("Har du taget et RED LIV-kursus?", "Ja"),
        ("Har du allerede fået et nyt kit?", "Nej"),
    ]:
        page.get_by_role("group", name=question).get_by_label(answer, exact=True).check()
    page.get_by_role("button", name="Send afrapporteringen").click()

    page.wait_for_url(live_server.url + "/afrapporter/tak/")
    assert page.get_by_role("heading", level=1).inner_text() == "Tak for din afrapportering"
    assert page.get_by_role("link", name="Find et kursus eller drop-in nær dig").get_attribute("href") == "/"
    assert axe_violations(page) == []
    report = ReversalReport.objects.get()
    assert report.review_status == "pending" and report.outcome == "hospital" and report.naloxone_doses == 2


def test_a_mistake_is_shown_beside_the_field_on_a_phone(live_server, phone_page, odense):
    factories.make_district(odense, name="Vollsmose")
    page = phone_page
    page.goto(live_server.url + "/afrapporter/")
    page.get_by_role("button", name="Send afrapporteringen").click()
    page.wait_for_load_state()
    assert "Vælg hvordan det gik." in page.content()
    assert axe_violations(page) == []
    assert not ReversalReport.objects.exists()
