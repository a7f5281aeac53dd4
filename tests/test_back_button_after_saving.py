"""The browser's Back button after a saved form, then Save again, stores nothing twice.

A form that creates a row is shown with a new key each time (`inputs.offer_key`). After
Back, Chromium fetches the page again (it is never cached) and gets a new key, but used to
fill the visible fields in again with what was typed: one more click stored the same
delivery, course or report a second time, with the new key. Such forms are sent with
`autocomplete="off"`, so that Back shows them empty.
"""

import datetime as dt
import hashlib
import json
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Course, CourseRequest
from kits.models import StockMovement
from tests import factories
from tests.conftest import log_in


class _KeyedForms(HTMLParser):
    """The attributes of each <form> that holds a hidden input named "key"."""

    def __init__(self):
        super().__init__()
        self.current = None
        self.keyed = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.current = attrs
        elif tag == "input" and attrs.get("name") == "key" and self.current is not None:
            self.keyed.append(self.current)

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


def keyed_forms(html):
    parser = _KeyedForms()
    parser.feed(html)
    return parser.keyed


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        reverse("kits:delivery"),
        reverse("kits:transfer"),
        reverse("kits:discard"),
        reverse("kits:count"),
        reverse("kits:handout"),
        reverse("courses:course-create"),
        reverse("courses:dropin-create"),
        reverse("courses:trainer-create"),
        reverse("courses:venue-create"),
        reverse("reversals:record"),
    ],
)
def test_a_form_shown_with_a_new_key_is_not_filled_in_again_by_the_back_button(planner, url):
    response = planner.get(url)
    assert response.status_code == 200
    forms = keyed_forms(response.content.decode())
    assert forms, "the page offers a form with a key"
    assert all(form.get("autocomplete") == "off" for form in forms)


@pytest.mark.django_db
def test_the_public_use_report_is_not_filled_in_again_by_the_back_button(client, odense):
    response = client.get(reverse("report-naloxone-use"))
    forms = keyed_forms(response.content.decode())
    assert forms and all(form.get("autocomplete") == "off" for form in forms)


@pytest.mark.django_db
def test_the_course_request_is_not_filled_in_again_by_the_back_button(client, odense):
    response = client.get(reverse("finder:request-course"))
    forms = keyed_forms(response.content.decode())
    assert forms and all(form.get("autocomplete") == "off" for form in forms)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_back_after_a_course_request_and_send_again_sends_it_once(live_server, phone_page, odense):
    """Back from the thank-you page showed the request filled in again, with a new key: one more tap
    sent the coordinators the same workplace's request twice."""
    page = phone_page
    page.goto(live_server.url + "/bestil-kursus/")
    page.get_by_label("Arbejdsplads eller organisation").fill("Opgang 7, Vollsmose")
    page.get_by_label("Arbejdspladsens kommune").select_option(label="Odense")
    page.get_by_label("Kontaktperson").fill("Anna")
    page.get_by_label("Telefon").fill("+45 12 34 56 78")
    page.get_by_label("Målgruppe").select_option("residents")
    page.get_by_label("Antal personer").fill("6")
    page.get_by_role("button", name="Send forespørgslen").click()
    page.wait_for_url(live_server.url + "/bestil-kursus/tak/")

    page.go_back()
    page.wait_for_url(live_server.url + "/bestil-kursus/")
    assert page.get_by_label("Arbejdsplads eller organisation").input_value() == ""
    assert page.get_by_label("Telefon").input_value() == ""
    page.get_by_role("button", name="Send forespørgslen").click()
    page.locator(".invalid-feedback").first.wait_for()
    assert CourseRequest.objects.count() == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_back_after_a_delivery_and_save_again_registers_it_once(live_server, desktop_page, coordinator, red_liv, venue):
    factories.make_location(red_liv, name="Antidote Danmark, kontoret", kind="venue", venue=venue)
    factories.make_kit_type()
    page = desktop_page
    log_in(page, live_server.url, coordinator, next_path="/personale/lager/levering/")
    page.get_by_label("Til lagerlokation").select_option(label="Antidote Danmark, kontoret")
    page.get_by_label("Kittype").select_option(label="Naloxon-kit")
    page.get_by_label("Produkt").fill("Nyxoid 1,8 mg næsespray")
    page.get_by_label("Lotnummer").fill("NX2612")
    page.get_by_label("Udløbsdato").fill((timezone.localdate() + dt.timedelta(days=900)).isoformat())
    page.get_by_label("Antal kit").fill("50")
    page.get_by_role("button", name="Registrér leveringen").click()
    page.wait_for_url(live_server.url + "/personale/lager/")

    page.go_back()
    page.wait_for_url(live_server.url + "/personale/lager/levering/")
    assert page.get_by_label("Lotnummer").input_value() == ""
    assert page.get_by_label("Antal kit").input_value() == ""
    page.get_by_role("button", name="Registrér leveringen").click()
    page.locator(".invalid-feedback").first.wait_for()
    assert StockMovement.objects.filter(kind="receive").count() == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_back_after_planning_a_course_and_save_again_plans_it_once(live_server, desktop_page, coordinator, venue):
    page = desktop_page
    log_in(page, live_server.url, coordinator, next_path="/personale/kurser/ny/")
    day = timezone.localdate() + dt.timedelta(days=10)
    page.get_by_label("Form").select_option("pop_up")
    page.get_by_label("Sted", exact=True).select_option(str(venue.pk))
    page.get_by_label("Starter").fill(f"{day:%Y-%m-%d}T12:00")
    page.get_by_label("Slutter").fill(f"{day:%Y-%m-%d}T14:00")
    page.get_by_role("button", name="Gem").click()
    page.get_by_text("Kurset blev oprettet.").wait_for()

    page.go_back()
    page.wait_for_url(live_server.url + "/personale/kurser/ny/")
    assert page.get_by_label("Starter").input_value() == ""
    page.get_by_role("button", name="Gem").click()
    page.locator(".invalid-feedback").first.wait_for()
    assert Course.objects.count() == 1


def _as_sent(form, **changes):
    """What the browser sends for an edit form as shown, with `changes`."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value in (None, False, "", []):
            continue
        data[name] = [str(item) for item in value] if isinstance(value, list) else str(value)
    data.update({"cert-TOTAL_FORMS": "0", "cert-INITIAL_FORMS": "0"}, **changes)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["course", "drop-in", "trainer", "venue"])
def test_a_double_click_on_saving_an_edit_says_saved_not_changed_elsewhere(planner, red_liv, venue, kind):
    """The browser shows the second click's answer: refused as changed "in another tab, or by another
    coordinator" since the page was shown, by the first click's own save, and "your changes are not saved"
    although they were. Another tab's form is still refused (test_coordinator_*: a save from a second tab)."""
    row = {
        "course": lambda: factories.make_course(venue, title="Drop-in"),
        "drop-in": lambda: factories.make_drop_in(venue, title="Torsdag"),
        "trainer": lambda: factories.make_trainer(red_liv, name="Bo Træner"),
        "venue": lambda: venue,
    }[kind]()
    path = {
        "course": reverse("courses:course-edit", args=[row.pk]),
        "drop-in": reverse("courses:dropin-edit", args=[row.pk]),
        "trainer": reverse("courses:trainer-edit", args=[row.pk]),
        "venue": reverse("courses:venue-edit", args=[row.pk]),
    }[kind]
    name = "title" if kind in ("course", "drop-in") else "name"
    sent = _as_sent(planner.get(path).context["form"], **{name: "Rettet"})
    assert planner.post(path, sent).status_code == 302
    again = planner.post(path, sent, follow=True)
    page = again.content.decode()
    assert "ændret et andet sted" not in page and "blev gemt" in page
    assert type(row).objects.filter(pk=row.pk, **{name: "Rettet"}).exists()
    # Sent once more with other content, it is still refused (a second tab's form: test_coordinator_*).
    assert "ændret et andet sted" in planner.post(path, {**sent, name: "Rettet igen"}).content.decode()
    # What the session keeps of the content is keyed with the server's secret: a plain hash of a name and a
    # phone number would let anyone with the session table test guesses of them.
    from redliv.edits import SAVED_EDITS_SESSION_KEY

    content = sorted(
        (field, [str(value)] if not isinstance(value, list) else [str(v) for v in value])
        for field, value in sent.items()
    )
    plain = hashlib.sha256(json.dumps(content).encode()).hexdigest()
    kept = " ".join(planner.session[SAVED_EDITS_SESSION_KEY].values())
    assert plain not in kept and len(kept.split()[-1]) == 64
