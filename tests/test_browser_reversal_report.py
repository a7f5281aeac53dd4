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
    page.get_by_label("Hvor mange doser naloxon gav du?").fill("2")
    page.get_by_role("group", name="Ringede du eller en anden 112?").get_by_label("Ja", exact=True).check()
    page.get_by_text("Flere detaljer (valgfrit)").click()
    page.get_by_label("Heroin").check()
    for question, answer in [
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


def test_a_responder_in_a_hurry_answers_only_the_first_questions(live_server, phone_page, odense):
    factories.make_district(odense, name="Vollsmose")
    page = phone_page
    page.goto(live_server.url + "/afrapporter/")
    # The optional part is closed: its questions are out of the way.
    assert not page.get_by_label("Heroin").is_visible()
    today = timezone.localdate()
    page.get_by_label("Dato").fill(today.isoformat())
    page.get_by_label("Omtrentligt klokkeslæt").fill("00:05")
    page.get_by_label("Bydel").select_option(label="Vollsmose")
    page.get_by_label("Hvor mange doser naloxon gav du?").fill("1")
    page.get_by_role("group", name="Ringede du eller en anden 112?").get_by_label("Nej", exact=True).check()
    page.get_by_role("group", name="Hvordan gik det?").get_by_label("Kom sig på stedet", exact=True).check()
    # The send button is within two phone screens of the top.
    assert page.get_by_role("button", name="Send afrapporteringen").bounding_box()["y"] < 2 * 844
    page.get_by_role("button", name="Send afrapporteringen").click()
    page.wait_for_url(live_server.url + "/afrapporter/tak/")
    report = ReversalReport.objects.get()
    assert report.outcome == "recovered" and report.called_112 is False and report.naloxone_doses == 1
    assert report.substances == ["unknown"] and report.ambulance_arrived is None


def test_the_note_counts_the_characters_left(live_server, phone_page, odense):
    factories.make_district(odense, name="Vollsmose")
    page = phone_page
    page.goto(live_server.url + "/afrapporter/")
    page.get_by_text("Flere detaljer (valgfrit)").click()
    note = page.get_by_label("Note (frivillig)")
    counter = page.locator("#id_note_counter")
    assert counter.inner_text() == "1000 af 1000 tegn tilbage"
    note.fill("Der kom hurtigt hjælp")
    assert counter.inner_text() == "979 af 1000 tegn tilbage"
    # The browser stops at the limit; a screen reader hears the count when the typing pauses.
    note.fill("x" * 1200)
    assert len(note.input_value()) == 1000 and counter.inner_text() == "0 af 1000 tegn tilbage"
    page.clock.run_for(1500)
    assert page.locator("#id_note_counter + [aria-live=polite]").inner_text() == "0 af 1000 tegn tilbage"
    assert axe_violations(page) == []


def test_a_refused_form_moves_the_focus_to_the_error_summary(live_server, phone_page, odense):
    factories.make_district(odense, name="Vollsmose")
    page = phone_page
    page.goto(live_server.url + "/afrapporter/")
    page.get_by_label("Hvor mange doser naloxon gav du?").fill("2")
    page.get_by_text("Flere detaljer (valgfrit)").click()
    page.get_by_label("Heroin").check()
    page.get_by_role("button", name="Send afrapporteringen").click()
    page.wait_for_load_state()
    summary = page.get_by_role("alert").filter(has_text="Der er et problem")
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert summary.is_visible() and page.title().startswith("Fejl:")
    # The details that hold an answer stay open, so the answer is not hidden.
    assert page.get_by_label("Heroin").is_checked() and page.get_by_label("Heroin").is_visible()
    summary.get_by_role("link", name="Vælg hvordan det gik.").click()
    assert page.evaluate("document.activeElement.id") == "id_outcome_0"
    assert axe_violations(page) == []
    assert not ReversalReport.objects.exists()


def test_the_course_request_form_counts_what_is_left_and_leads_to_what_was_refused(live_server, phone_page, odense):
    page = phone_page
    page.goto(live_server.url + "/bestil-kursus/")
    counter = page.locator("#id_wishes_counter")
    assert counter.inner_text() == "1000 af 1000 tegn tilbage"
    page.get_by_label("Ønsker").fill("Gerne en eftermiddag")
    assert counter.inner_text() == "980 af 1000 tegn tilbage"
    page.get_by_label("Arbejdsplads eller organisation").fill("Herberget")
    page.get_by_label("Telefon").fill("ring mig")
    page.get_by_role("button", name="Send forespørgslen").click()
    page.wait_for_load_state()
    summary = page.get_by_role("alert").filter(has_text="Der er et problem")
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert summary.is_visible() and page.title().startswith("Fejl:")
    summary.get_by_role("link", name="Skriv et telefonnummer på 8 cifre", exact=False).click()
    assert page.evaluate("document.activeElement.id") == "id_contact_phone"
    assert page.get_by_label("Ønsker").input_value() == "Gerne en eftermiddag"
    assert axe_violations(page) == []
