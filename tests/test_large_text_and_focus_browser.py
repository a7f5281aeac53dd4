"""Pages one step off the tested paths, for the people the brief names: a phone 320 CSS px wide, text at
200 % (the browser's or the phone's large text), a keyboard or a screen reader after a form was sent.

Text at 200 % is the root font size doubled, as a phone's text-size setting does; Bootstrap sizes
text and controls in rem, so everything grows with it.
"""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from courses.models import CourseFormat
from tests import factories
from tests.conftest import PASSWORD, axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def large_text(page):
    page.evaluate("document.documentElement.style.fontSize = '200%'")


def overflow(page):
    """How far the page scrolls sideways, and what sticks out beyond its right edge (none of it may)."""
    return page.evaluate(
        """() => {
        const width = document.documentElement.clientWidth;
        const out = [...document.querySelectorAll('body *')]
          // A table scrolls inside its own region (.table-responsive), as WCAG 1.4.10 allows.
          .filter((el) => !el.closest('svg, .visually-hidden, .visually-hidden-focusable, .table-responsive'))
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


def test_long_danish_words_break_instead_of_widening_a_320_px_page(live_server, phone_page, odense):
    """'Tilgængelighedserklæring' set as a heading is wider than a 320 px screen: the whole page
    scrolled sideways (WCAG 1.4.10 Reflow). With large text, the statistics' choice of municipality (as
    wide as its longest option) did too; its tables scroll inside their own region, as they may."""
    phone_page.set_viewport_size({"width": 320, "height": 700})
    for path in ["/tilgaengelighed/", "/privatliv/"]:
        phone_page.goto(live_server.url + path)
        assert overflow(phone_page) == {"scrolls": 0, "out": []}, path
    phone_page.set_viewport_size({"width": 390, "height": 844})
    for path in ["/tilgaengelighed/", "/privatliv/", "/afrapporter/", "/statistik/"]:
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


def test_the_public_forms_and_the_list_fit_a_320_px_phone_with_large_text(live_server, phone_page, venue, district):
    """On a 320 px phone with text at 200 %, the page scrolled sideways: the request form's button
    ("Send forespørgslen", one word too wide to wrap), the English badge "By appointment" (a badge never
    wrapped), and a refused use report's "Choose the outcome." set beside the last answer, not below."""
    factories.make_course(venue, title="Efter aftale", format=CourseFormat.SCHEDULED)
    phone_page.set_viewport_size({"width": 320, "height": 700})
    for path in ["/bestil-kursus/", "/en/", "/en/widget/"]:
        phone_page.goto(live_server.url + path)
        large_text(phone_page)
        assert overflow(phone_page) == {"scrolls": 0, "out": []}, path
    for path, button in [("/afrapporter/", "Send afrapporteringen"), ("/en/afrapporter/", "Send the report")]:
        phone_page.goto(live_server.url + path)
        with phone_page.expect_navigation(wait_until="load"):
            phone_page.get_by_role("button", name=button).click()
        large_text(phone_page)
        assert overflow(phone_page) == {"scrolls": 0, "out": []}, path
    # The message of a group of choices is below its choices, not squeezed beside the last one.
    message = phone_page.locator("#id_outcome_error").bounding_box()
    last_choice = phone_page.get_by_role("group", name="How did it go?").locator("label").last.bounding_box()
    assert message["y"] >= last_choice["y"] + last_choice["height"] - 1


def test_a_refused_kit_check_moves_the_focus_to_what_went_wrong(live_server, phone_page, red_liv, coordinator):
    """An empty lot number came back with the message by the field only: the focus stayed at the top
    of the page and the title was unchanged, so a screen reader user heard nothing of it."""
    phone_page.goto(live_server.url + "/tjek-dit-kit/")
    with phone_page.expect_navigation(wait_until="load"):
        phone_page.get_by_role("button", name="Tjek").click()
    assert phone_page.title().startswith("Fejl: Tjek dit kit")
    focused = phone_page.evaluate("document.activeElement.closest('[role=alert]')?.innerText || ''")
    assert "Dette felt er påkrævet." in focused
    field = phone_page.get_by_role("textbox", name="Lotnummer")
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


FOCUS_RING = """() => {
    // A radio or checkbox drawn as a button (.btn-check) is hidden; its label shows the focus.
    const focused = document.activeElement;
    const el = focused.classList.contains('btn-check') ? focused.labels[0] : focused;
    const rgb = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
    const luminance = ([r, g, b]) => {
        const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    };
    let behind = el.parentElement;
    while (behind && (rgb(getComputedStyle(behind).backgroundColor)[3] === 0)) behind = behind.parentElement;
    const background = behind ? rgb(getComputedStyle(behind).backgroundColor) : [255, 255, 255];
    const style = getComputedStyle(el);
    const [a, b] = [luminance(rgb(style.outlineColor)), luminance(background)].sort((x, y) => y - x);
    return {
        name: el.tagName + ' ' + (el.getAttribute('aria-label') || el.textContent || el.name || '').trim().slice(0, 30),
        style: style.outlineStyle, width: parseFloat(style.outlineWidth), contrast: (a + 0.05) / (b + 0.05),
    };
}"""


def focus_rings_too_faint(page, stops=40):
    """Each place the Tab key reaches, whose outline is not at least 2 px with 3:1 against what is behind it
    (WCAG 2.4.7 and 1.4.11). Chromium's own 'auto' ring is two-tone and visible on any colour."""
    faint, seen = [], set()
    # Bootstrap eases its focus shadows in over .15 s, except for people who ask for less motion: asked so, each
    # stop is read as it settles without waiting 0.2 s at each of them. The rings read are outlines,
    # which no style here eases in.
    page.emulate_media(reduced_motion="reduce")
    for _ in range(stops):
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_RING)
        if ring["name"] in seen or ring["name"].startswith("BODY"):
            break
        seen.add(ring["name"])
        if ring["style"] != "auto" and (ring["style"] == "none" or ring["width"] < 2 or ring["contrast"] < 3):
            faint.append(ring)
    return faint


@pytest.mark.long(seconds=12)
def test_the_focus_is_visible_on_every_control_a_keyboard_reaches(
    live_server, desktop_page, street_worker, venue, bag, district
):
    """Bootstrap marks focus with a pale blue or grey shadow (1.4:1 to 2:1 on white), and on the red header
    'English' and 'Log out' with a blue shadow at 25 %: a keyboard user lost the focus on the header links,
    the form fields and the street form's fields."""
    factories.make_course(venue, title="Drop-in hos Antidote")
    for path in ["/", "/bestil-kursus/", "/tjek-dit-kit/", "/afrapporter/"]:
        desktop_page.goto(live_server.url + path)
        assert focus_rings_too_faint(desktop_page) == [], path
    log_in(desktop_page, live_server.url, street_worker, next_path="/gade/")
    for path in ["/gade/", "/gade/afrapportering/"]:
        desktop_page.goto(live_server.url + path)
        assert focus_rings_too_faint(desktop_page, stops=60) == [], path


def test_a_refused_login_and_a_refused_code_are_announced_and_focused(live_server, phone_page, coordinator):
    """A wrong password came back with the message in a plain box above the fields and the focus on the
    username (autofocus): a screen reader user heard 'Brugernavn' and nothing of the error, and the title
    was the same as before. The two-step code was the same one step further."""
    page = phone_page
    for path, title, button, message in [
        ("/konto/login/", "Fejl: Log ind", "Log ind", "Indtast venligst korrekt brugernavn og adgangskode."),
        ("/en/konto/login/", "Error: Log in", "Log in", "Please enter a correct username and password."),
    ]:
        page.goto(live_server.url + path)
        page.locator("#id_username").fill(coordinator.username)
        page.locator("#id_password").fill("not the password")
        with page.expect_navigation(wait_until="load"):
            page.get_by_role("button", name=button, exact=True).click()
        assert page.title().startswith(title)
        focused = page.evaluate("document.activeElement.closest('[role=alert]')?.innerText || ''")
        assert message in focused, path
        assert page.get_by_text(message).count() == 1  # once, in the summary
        assert axe_violations(page) == []
    page.goto(live_server.url + "/konto/login/")
    page.get_by_label("Brugernavn").fill(coordinator.username)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url("**/konto/to-trins/**")
    page.get_by_label("Kode").fill("000000")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Fortsæt").click()
    assert page.title().startswith("Fejl: Totrinslogin")
    focused = page.evaluate("document.activeElement.closest('[role=alert]')?.innerText || ''")
    assert "Koden er ikke rigtig, eller den er allerede brugt." in focused, focused
    page.get_by_role("alert").get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "id_token"
    assert page.get_by_label("Kode").get_attribute("aria-invalid") == "true"
    assert axe_violations(page) == []


DANISH_TEXT_OUTSIDE_LANG_DA = """(texts) => {
    const found = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = texts.find((t) => node.textContent.includes(t));
        const element = node.parentElement;
        if (text && element.closest('[lang]').lang !== 'da') found.push(element.outerHTML.slice(0, 90));
    }
    return found;
}"""


def test_danish_names_and_reasons_on_english_pages_are_marked_danish(live_server, phone_page, red_liv, settings):
    """On the English finder and gone-course pages a screen reader read the Danish venue names, course titles and
    cancellation reasons with English pronunciation: the cancelled list, the map drawing's places and the 410 page
    had no lang="da" on them, while the course page and the list had (WCAG 3.1.2)."""
    settings.MAP_TILE_URL = ""
    now = timezone.now()
    place = factories.make_venue(red_liv, name="Kirkens Korshær, Nattevarmestuen", latitude="55.40", longitude="10.39")
    factories.make_course(place, title="Drop-in på Nattevarmestuen", starts_at=now + dt.timedelta(days=3))
    cancelled = factories.make_course(
        place,
        title="Pop-up ved Nattevarmestuen",
        starts_at=now + dt.timedelta(days=2),
        status="cancelled",
        cancellation_reason="Underviseren er syg.",
        cancelled_at=now - dt.timedelta(hours=2),
    )
    danish = ["Nattevarmestuen", "Underviseren er syg."]
    phone_page.goto(live_server.url + "/en/")
    phone_page.get_by_text("Show the places on a map").click()
    assert phone_page.evaluate(DANISH_TEXT_OUTSIDE_LANG_DA, danish) == []
    response = phone_page.goto(f"{live_server.url}/en/kurser/{cancelled.pk}/")
    assert response.status == 410
    assert phone_page.evaluate(DANISH_TEXT_OUTSIDE_LANG_DA, danish) == []
    assert axe_violations(phone_page) == []


def test_a_refused_correction_on_the_tablet_is_announced_and_focused(
    live_server, tablet_page, street_worker, venue, bag
):
    """A correction under 'Mine registreringer' that the server refused came back with the same title and the
    focus at the top of the page: a screen reader user did not hear that nothing was saved. With JavaScript it
    goes through the tablet's queue and stays on the page: the refusal takes the focus and marks the field."""
    attendance = factories.make_attendance(factories.make_course(venue), street_worker)
    log_in(tablet_page, live_server.url, street_worker, next_path="/gade/mine/")
    tablet_page.goto(f"{live_server.url}/gade/poster/kursus/{attendance.pk}/")
    tablet_page.get_by_label("Dato").fill("2099-01-01")
    tablet_page.get_by_role("button", name="Gem rettelsen").tap()
    status = tablet_page.locator("#street-status")
    expect(status).to_contain_text("intet blev gemt", timeout=25_000)
    expect(status).to_be_focused()
    date = tablet_page.get_by_label("Dato")
    expect(date).to_have_attribute("aria-invalid", "true")
    assert "id_date_error" in date.get_attribute("aria-describedby")
    expect(tablet_page.locator("#id_date_error")).not_to_be_empty()
    assert axe_violations(tablet_page) == []


def test_a_correction_refused_without_javascript_says_so_in_the_title(live_server, browser, street_worker, venue, bag):
    attendance = factories.make_attendance(factories.make_course(venue), street_worker)
    context = browser.new_context(viewport={"width": 820, "height": 1180}, java_script_enabled=False, locale="da-DK")
    page = context.new_page()
    log_in(page, live_server.url, street_worker, next_path="/gade/mine/")
    page.goto(f"{live_server.url}/gade/poster/kursus/{attendance.pk}/")
    page.get_by_label("Dato").fill("2099-01-01")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Gem rettelsen").click()
    assert page.title().startswith("Fejl: Ret et registreret kursus")
    assert "Intet blev gemt." in page.get_by_role("alert").first.inner_text()
    date = page.get_by_label("Dato")
    assert date.get_attribute("aria-invalid") == "true"
    assert "id_date_error" in date.get_attribute("aria-describedby")
    context.close()


def test_a_course_refused_without_javascript_says_so_in_the_title(live_server, browser, street_worker, venue, bag):
    """Without JavaScript the street form is sent to the server; refused, it came back with the same title."""
    context = browser.new_context(viewport={"width": 820, "height": 1180}, java_script_enabled=False, locale="da-DK")
    page = context.new_page()
    log_in(page, live_server.url, street_worker, next_path="/gade/")
    page.get_by_label("Dato").fill("2099-01-01")
    page.get_by_label("Stofbrugere", exact=True).fill("2")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Gem kurset").click()
    assert page.title().startswith("Fejl: Registrér et afholdt kursus")
    assert "Intet blev gemt." in page.get_by_role("alert").first.inner_text()
    context.close()


def test_a_tap_on_a_stepper_says_the_new_count(live_server, tablet_page, street_worker, venue, bag):
    """The + and − buttons changed the number in the field beside them, and the focus stayed on the button:
    with VoiceOver or TalkBack the worker heard nothing of the new count, so could not tell 2 from 3."""
    log_in(tablet_page, live_server.url, street_worker, next_path="/gade/")
    for _ in range(3):
        tablet_page.get_by_role("button", name="Én mere: Stofbrugere").tap()
    expect(tablet_page.locator("[aria-live=polite]", has_text="Stofbrugere: 3")).to_have_count(1)
    tablet_page.get_by_role("button", name="Én færre: Stofbrugere").tap()
    expect(tablet_page.locator("[aria-live=polite]", has_text="Stofbrugere: 2")).to_have_count(1)
    assert axe_violations(tablet_page) == []


def test_the_kits_that_follow_the_participants_are_said_when_they_change_and_not_on_load(
    live_server, tablet_page, street_worker, venue, bag
):
    """The number of kits follows the first-time participants until the worker sets it. A tap on a count's +
    changed the kits field too, silently: a screen reader user heard "Stofbrugere: 3" and not that 3 kits
    would be logged as handed out. The polite region says both; it says nothing when the page loads."""
    page = tablet_page
    log_in(page, live_server.url, street_worker, next_path="/gade/")
    spoken = page.locator("#stepper-said")
    assert spoken.get_attribute("aria-live") == "polite"
    assert spoken.inner_text() == ""  # the page's own defaults (the time, the kits) are not announced
    for _ in range(3):
        page.get_by_role("button", name="Én mere: Stofbrugere").tap()
    assert page.locator("#id_kits").input_value() == "3"
    expect(spoken).to_have_text("Stofbrugere: 3, Udleverede kit: 3")
    page.get_by_role("button", name="Én mere: Heraf genopfriskere (har taget et kursus før)").tap()
    expect(spoken).to_have_text("Heraf genopfriskere (har taget et kursus før): 1, Udleverede kit: 2")

    # A count typed in: the kits are said once the typing pauses.
    page.get_by_role("spinbutton", name="Stofbrugere").fill("12")
    assert spoken.inner_text() == "Heraf genopfriskere (har taget et kursus før): 1, Udleverede kit: 2"
    expect(spoken).to_have_text("Udleverede kit: 11")

    # Once the worker sets the kits, they no longer follow, and a count's tap says the count alone.
    page.get_by_role("button", name="Én færre: Udleverede kit").tap()
    expect(spoken).to_have_text("Udleverede kit: 10")
    page.get_by_role("button", name="Én mere: Stofbrugere").tap()
    expect(spoken).to_have_text("Stofbrugere: 13")
    assert page.locator("#id_kits").input_value() == "10"
    assert axe_violations(page) == []


def test_the_stock_movements_fit_a_phone_and_their_table_scrolls_on_its_own(live_server, phone_page, coordinator, bag):
    """The last column's hidden heading ("Action"), absolutely placed, was placed against the page, not
    the table's scrolling region: on a 390 px phone the whole page scrolled sideways to 660 px and the
    header ended halfway across it."""
    log_in(phone_page, live_server.url, coordinator, next_path="/personale/lager/bevaegelser/")
    assert phone_page.get_by_role("link", name="Ret nr.").count() == 1
    assert overflow(phone_page) == {"scrolls": 0, "out": []}


def test_a_coordinator_on_a_phone_reaches_every_staff_page_from_the_header(live_server, phone_page, coordinator):
    """Below 768 px the header showed only "Staff": the stock, the reports and the month report had no
    link on a phone, and the month report none on the staff start page either."""
    log_in(phone_page, live_server.url, coordinator)
    staff_pages = phone_page.get_by_role("navigation", name="Personalesider")
    for name in ["Gadeplan", "Planlægning", "Lager", "Afrapporteringer", "Månedsrapport"]:
        assert staff_pages.get_by_role("link", name=name).is_visible(), name
    assert overflow(phone_page) == {"scrolls": 0, "out": []}
    assert axe_violations(phone_page) == []
    staff_pages.get_by_role("link", name="Månedsrapport").click()
    phone_page.wait_for_url(live_server.url + "/personale/maaned/")
    assert staff_pages.get_by_role("link", name="Månedsrapport").get_attribute("aria-current") == "page"


def test_the_stock_page_fits_a_320_px_screen(live_server, phone_page, coordinator, bag):
    """The tables per location and per batch had no scrolling region of their own: at 320 CSS px
    (a small phone, or 400 % zoom on a laptop) the whole stock page scrolled sideways."""
    log_in(phone_page, live_server.url, coordinator, next_path="/personale/lager/")
    phone_page.set_viewport_size({"width": 320, "height": 700})
    phone_page.reload()
    assert overflow(phone_page) == {"scrolls": 0, "out": []}


@pytest.mark.parametrize(
    "path, button",
    [
        ("/personale/lager/levering/", "Registrér leveringen"),
        ("/personale/faste-tider/ny/", "Gem"),
    ],
)
def test_a_refused_staff_form_is_announced_and_focused(live_server, phone_page, coordinator, bag, path, button):
    """The staff forms (stock, planning, reports) came back refused with the same title and the focus at
    the top of the page: a screen reader user heard the menu again, not that nothing was saved."""
    log_in(phone_page, live_server.url, coordinator, next_path=path)
    with phone_page.expect_navigation(wait_until="load"):
        phone_page.get_by_role("button", name=button, exact=True).click()
    assert phone_page.title().startswith("Fejl: ")
    alert = phone_page.locator("[data-form-errors]")
    expect(alert).to_be_focused()
    expect(alert).to_contain_text("Intet blev gemt.")
    assert axe_violations(phone_page) == []
