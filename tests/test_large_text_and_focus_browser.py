"""Pages one step off the tested paths, for the people the brief names: a phone 320 CSS px wide, text at
200 % (the browser's or the phone's large text), a keyboard or a screen reader after a form was sent.

Text at 200 % is the root font size doubled, as a phone's text-size setting does; Bootstrap sizes
text and controls in rem, so everything grows with it.
"""

import datetime as dt

import pytest
from django.utils import timezone

from tests import factories
from tests.conftest import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def large_text(page):
    page.evaluate("document.documentElement.style.fontSize = '200%'")


def overflow(page):
    """How far the page scrolls sideways, and what sticks out beyond its right edge (none of it may)."""
    return page.evaluate(
        """() => {
        const width = document.documentElement.clientWidth;
        const out = [...document.querySelectorAll('body *')]
          .filter((el) => !el.closest('svg, .visually-hidden, .visually-hidden-focusable'))
          .filter((el) => { const box = el.getBoundingClientRect(); return box.width > 0 && box.right > width + 1; })
          .map((el) => el.tagName + ' ' + el.textContent.trim().slice(0, 40));
        return {scrolls: document.documentElement.scrollWidth - width, out: out.slice(-4)};
    }"""
    )


def test_a_logged_in_header_wraps_on_a_narrow_phone_and_on_a_tablet_with_large_text(
    live_server, tablet_page, street_worker, venue, bag
):
    """The header's links (Staff, Log out, English) stayed on one line: at 320 px, or on the tablet with
    large text, 'Log out' and the language link were off the screen, behind a sideways scroll."""
    log_in(tablet_page, live_server.url, street_worker, next_path="/gade/")
    for width, text_at_200 in [(320, False), (820, True), (390, True)]:
        tablet_page.set_viewport_size({"width": width, "height": 1000})
        tablet_page.goto(live_server.url + "/gade/")
        if text_at_200:
            large_text(tablet_page)
        assert overflow(tablet_page) == {"scrolls": 0, "out": []}, (width, text_at_200)
        for control in [
            tablet_page.get_by_role("button", name="Log ud"),
            tablet_page.get_by_role("link", name="English"),
        ]:
            box = control.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, (width, text_at_200)
    assert axe_violations(tablet_page) == []


def test_long_danish_words_break_instead_of_widening_a_320_px_page(live_server, phone_page, settings):
    """'Tilgængelighedserklæring' set as a heading is wider than a 320 px screen: the whole page
    scrolled sideways (WCAG 1.4.10 Reflow)."""
    phone_page.set_viewport_size({"width": 320, "height": 700})
    for path in ["/tilgaengelighed/", "/privatliv/"]:
        phone_page.goto(live_server.url + path)
        assert overflow(phone_page) == {"scrolls": 0, "out": []}, path
    phone_page.set_viewport_size({"width": 390, "height": 844})
    for path in ["/tilgaengelighed/", "/privatliv/", "/afrapporter/"]:
        phone_page.goto(live_server.url + path)
        large_text(phone_page)
        assert overflow(phone_page) == {"scrolls": 0, "out": []}, path


def test_the_filters_fit_a_phone_with_large_text(live_server, phone_page, venue):
    """The filters sat two to a row whatever the text size; at 200 % a label ran off the screen."""
    factories.make_course(venue, title="Drop-in hos Antidote")
    phone_page.goto(live_server.url + "/")
    phone_page.get_by_text("Filtrér: alle kurser").click()
    large_text(phone_page)
    assert overflow(phone_page) == {"scrolls": 0, "out": []}


def test_a_refused_kit_check_moves_the_focus_to_what_went_wrong(live_server, phone_page, red_liv, coordinator):
    """An empty lot number came back with the message by the field only: the focus stayed at the top
    of the page and the title was unchanged, so a screen reader user heard nothing of it."""
    phone_page.goto(live_server.url + "/tjek-dit-kit/")
    with phone_page.expect_navigation(wait_until="load"):
        phone_page.get_by_role("button", name="Tjek").click()
    assert phone_page.title().startswith("Fejl: Tjek dit kit")
    focused = phone_page.evaluate("document.activeElement.closest('[role=alert]')?.innerText || ''")
    assert "Dette felt er påkrævet." in focused
    field = phone_page.get_by_label("Lotnummer")
    assert field.get_attribute("aria-invalid") == "true"
    assert "id_lot_error" in field.get_attribute("aria-describedby")
    phone_page.get_by_role("link", name="Dette felt er påkrævet.").click()
    assert phone_page.evaluate("document.activeElement.id") == "id_lot"
    assert axe_violations(phone_page) == []


def test_the_answer_to_a_kit_check_is_where_the_focus_lands(live_server, phone_page, red_liv, coordinator):
    """After 'Tjek', the page came back with the focus at its top; a screen reader user had to hunt for
    the answer, above the form they had just used."""
    bag = factories.make_location(red_liv, name="Gadeteamets taske")
    lot = factories.make_batch(lot_number="NX2408", expiry_date=timezone.localdate() + dt.timedelta(days=200))
    factories.receive(lot, bag, 5, coordinator)
    for path, label, button in [("/tjek-dit-kit/", "Lotnummer", "Tjek"), ("/en/tjek-dit-kit/", "Lot number", "Check")]:
        for typed in ["NX2408", "UKENDT1"]:
            phone_page.goto(live_server.url + path)
            phone_page.get_by_label(label).fill(typed)
            with phone_page.expect_navigation(wait_until="load"):
                phone_page.get_by_role("button", name=button, exact=True).click()
            assert phone_page.evaluate("document.activeElement.id") == "answer-heading", (path, typed)
            assert typed in phone_page.title().split(" · ")[0], (path, typed)
