"""The public finder in headless Chromium: phone first, map as an extra, accessible, light."""

import datetime as dt
import gzip
import json
import re
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from courses.models import CourseFormat, DropInSchedule
from finder.models import InfoPage
from tests.conftest import TIME_ZONE, axe_violations, new_page
from tests.factories import make_course, make_trainer, make_venue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(red_liv, venue):
    """A small Odense: two venues, a few courses, standing drop-in hours and one information page.

    Built from the test's instant so that the order holds at any instant: the pop-up a day ahead is
    the soonest; the weekly drop-in hours fall three days ahead, so all eight of them are still to come.
    """
    today = timezone.localdate()
    flakhaven = make_venue(
        red_liv,
        name="Stand på Flakhaven",
        kind="street_stand",
        latitude="55.470000",
        longitude="10.330000",
        accessibility_notes="Udendørs.",
    )
    make_course(venue, title="Drop-in hos Antidote", starts_at=timezone.now() + dt.timedelta(days=6))
    course = make_course(
        flakhaven,
        title="Pop-up på Flakhaven",
        format=CourseFormat.POP_UP,
        starts_at=timezone.now() + dt.timedelta(days=1),
        public_description="Kom forbi standen.",
    )
    course.trainers.set([make_trainer(red_liv, name="Mette Holm", show_name_publicly=True)])
    make_course(
        None,
        municipality=red_liv.municipality,
        format=CourseFormat.ONLINE,
        joining_url="https://example.org/m",
        title="Online for pårørende",
    )
    DropInSchedule.objects.create(
        municipality=red_liv.municipality,
        venue=venue,
        title="Ugentlig drop-in",
        weekday=(today + dt.timedelta(days=3)).weekday(),
        starts_at=dt.time(13),
        ends_at=dt.time(15),
        valid_from=today - dt.timedelta(days=30),
    )
    InfoPage.objects.update_or_create(
        slug="overdosis",
        defaults={
            "position": 2,
            "title_da": "Hvad gør jeg ved en overdosis?",
            "title_en": "What do I do at an overdose?",
            "body_da": "1. Ring 112\n2. Giv naloxon",
            "body_en": "1. Call 112\n2. Give naloxone",
        },
    )
    return course


def collect_csp_violations(page):
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return violations


def test_the_finder_works_on_a_phone_and_filters_without_javascript(at_instant, live_server, browser, demo):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        java_script_enabled=False,
        locale="da-DK",
    )
    page = context.new_page()
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Vi passer på hinanden"
    assert page.locator(".entry").count() == 3 + 1  # the weekly drop-in once, with its next date
    page.get_by_text("Filtrér: alle kurser").click()  # the filters fold into one control
    page.get_by_label("Kursusform").select_option("pop_up")
    page.get_by_role("button", name="Vis kurser").click()
    page.wait_for_url("**/?format=pop_up**#kurser")
    assert page.get_by_text("Filtrér: Pop-up").is_visible()
    # Landed on the results, not the top of the page. Chromium scrolls to the fragment after the
    # load event, so the scroll is waited for (up to the default timeout), not read at once.
    page.wait_for_function("() => window.scrollY > 0")
    assert page.locator(".entry").all_inner_texts()[0].count("Pop-up på Flakhaven") == 1
    assert page.locator(".entry").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


def test_near_me_sorts_by_the_browsers_position_without_storing_it(at_instant, live_server, browser, demo):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        locale="da-DK",
        geolocation={"latitude": 55.3951, "longitude": 10.3852},
        permissions=["geolocation"],
        timezone_id=TIME_ZONE,
    )
    page = new_page(context)
    page.goto(live_server.url + "/")
    assert page.locator(".entry h3").first.inner_text() == "Pop-up på Flakhaven"  # soonest first
    page.get_by_role("button", name="Sortér efter afstand fra, hvor jeg er").click()
    page.wait_for_url("**near=55.395%2C10.385**")
    assert page.locator(".entry h3").first.inner_text() in {"Drop-in hos Antidote", "Ugentlig drop-in"}
    assert page.locator(".entry h3").last.inner_text() == "Online for pårørende"
    assert "Nærmest dig først, derefter førstkommende." in page.content()
    assert context.cookies() == [] or all("55.39" not in cookie["value"] for cookie in context.cookies())
    assert page.evaluate("window.localStorage.length") == 0
    context.close()


def test_the_map_shows_the_places_and_the_list_stays_complete_when_tiles_cannot_load(
    live_server, phone_page, demo, settings
):
    settings.MAP_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"  # an operator's choice; off by default
    tile_requests = []
    phone_page.route(
        "https://tile.openstreetmap.org/**", lambda route: (tile_requests.append(route.request.url), route.abort())
    )
    violations = collect_csp_violations(phone_page)
    phone_page.goto(live_server.url + "/")
    assert not phone_page.evaluate("'L' in window")  # Leaflet is only loaded when the map is asked for
    # Leaflet asks for tiles as it places the markers; the test waits for the first to have failed.
    with phone_page.expect_event("requestfailed", lambda request: request.url in tile_requests):
        phone_page.get_by_role("button", name="Vis stederne på et kort").click()
        phone_page.wait_for_selector(".leaflet-marker-icon")
    assert phone_page.locator(".leaflet-marker-icon").count() == 2  # two public places; online has none
    assert tile_requests  # tiles were asked for, and failed
    assert phone_page.locator(".entry").count() == 3 + 1  # the weekly drop-in once, with its next date
    assert phone_page.get_by_text("alle kurser står i listen nedenfor").is_visible()
    assert violations == []


def test_the_course_page_has_directions_a_calendar_file_and_event_data(live_server, phone_page, demo):
    violations = collect_csp_violations(phone_page)
    phone_page.goto(f"{live_server.url}/kurser/{demo.pk}/")
    assert phone_page.get_by_role("heading", level=1).inner_text() == "Pop-up på Flakhaven"
    assert "Mette Holm" in phone_page.content()
    directions = phone_page.get_by_role("link", name="Rutevejledning på OpenStreetMap")
    assert directions.get_attribute("href").startswith("https://www.openstreetmap.org/directions?route=")
    with phone_page.expect_download() as download:
        phone_page.get_by_role("link", name="Tilføj til kalender (.ics)").click()
    assert download.value.suggested_filename == f"redliv-kursus-{demo.pk}.ics"
    data = json.loads(phone_page.locator('script[type="application/ld+json"]').text_content())
    assert data["@type"] == "Event" and data["location"]["name"] == "Stand på Flakhaven"
    assert violations == []


def test_the_request_form_keeps_what_was_typed_and_confirms(live_server, phone_page, odense):
    phone_page.goto(live_server.url + "/bestil-kursus/")
    phone_page.get_by_label("Arbejdsplads eller organisation").fill("Herberget")
    phone_page.get_by_label("Arbejdspladsens kommune").select_option(label="Odense")
    phone_page.get_by_label("Kontaktperson").fill("Leder")
    phone_page.get_by_label("Målgruppe").select_option("professionals")
    phone_page.get_by_label("Antal personer").fill("8")
    # The refused form is a new page: a click waits only until it has begun to arrive, so the reads
    # below (visible, where the stylesheet puts the honeypot) wait for it to have loaded.
    with phone_page.expect_navigation(wait_until="load"):
        phone_page.get_by_role("button", name="Send forespørgslen").click()
    message = "Skriv en e-mailadresse eller et telefonnummer, så vi kan svare."
    # In the error summary at the top (a link to the field) and beside the field itself.
    assert phone_page.get_by_role("alert").get_by_role("link", name=message).is_visible()
    assert phone_page.locator(
        "#id_contact_email ~ .invalid-feedback, .invalid-feedback", has_text=message
    ).first.is_visible()
    assert phone_page.get_by_label("Arbejdsplads eller organisation").input_value() == "Herberget"
    honeypot = phone_page.locator("#id_website").bounding_box()
    assert honeypot["x"] + honeypot["width"] <= 0  # off-screen: people never see the honeypot
    phone_page.get_by_label("Telefon").fill("12345678")
    phone_page.get_by_role("button", name="Send forespørgslen").click()
    phone_page.wait_for_url("**/bestil-kursus/tak/")
    assert "Tak – vi har modtaget jeres forespørgsel" in phone_page.content()


@pytest.mark.parametrize("viewport", ["phone_page", "desktop_page"])
def test_the_public_pages_have_no_accessibility_violations(live_server, request, demo, viewport):
    page = request.getfixturevalue(viewport)
    for path in ["/", f"/kurser/{demo.pk}/", "/info/overdosis/", "/bestil-kursus/"]:
        page.goto(live_server.url + path)
        assert (path, axe_violations(page)) == (path, [])
    with page.expect_navigation(wait_until="load"):  # axe on the refused form, not on the page it leaves
        page.get_by_role("button", name="Send forespørgslen").click()  # with field messages shown
    assert axe_violations(page) == []


def test_the_finders_first_load_is_at_most_60_kb_compressed(live_server, phone_page, demo):
    loaded = []
    phone_page.on("response", lambda response: loaded.append(response))
    phone_page.goto(live_server.url + "/")
    phone_page.wait_for_load_state("networkidle")
    sizes = {
        response.url: len(gzip.compress(response.body(), 9))
        for response in loaded
        if response.request.resource_type in {"document", "stylesheet", "script"}
    }
    assert any(url.endswith("finder.js") for url in sizes)
    assert sum(sizes.values()) <= 60 * 1024, sizes


@pytest.mark.parametrize("viewport", ["phone_page", "desktop_page"])
def test_without_tiles_the_map_is_a_drawing_that_opens_without_javascript_and_is_accessible(
    live_server, request, demo, viewport, settings
):
    settings.MAP_TILE_URL = ""
    page = request.getfixturevalue(viewport)
    violations = collect_csp_violations(page)
    page.goto(live_server.url + "/")
    drawing = page.locator("svg.map-svg")
    assert not drawing.is_visible()  # folded until asked for
    page.get_by_text("Vis stederne på et kort").click()
    assert drawing.is_visible()
    assert page.locator(".map-marker").count() == 2  # two public places; the online course has none
    assert page.locator(".map-coast").count() >= 1
    box = drawing.bounding_box()
    assert box["width"] <= page.viewport_size["width"] and box["height"] > 100
    geo = page.locator('a[href^="geo:55.470000,10.330000"]')
    assert " ".join(geo.text_content().split()) == "Åbn i min kort-app: Stand på Flakhaven"
    web = page.locator('a[href^="https://www.openstreetmap.org/?mlat=55.470000&mlon=10.330000"]')
    assert web.is_visible() and " ".join(web.text_content().split()) == "Åbn på et webkort: Stand på Flakhaven"
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    assert axe_violations(page) == []
    assert violations == []


def test_no_public_page_asks_another_host_even_with_the_map_and_near_me_opened(live_server, browser, demo, settings):
    """Every request the browser makes is recorded; any host but the app's own fails the test."""
    settings.MAP_TILE_URL = ""
    own_host = urlsplit(live_server.url).netloc
    requests = []
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="da-DK",
        geolocation={"latitude": 55.3951, "longitude": 10.3852},
        permissions=["geolocation"],
    )
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    page.goto(live_server.url + "/")
    course = page.locator("a[href^='/kurser/']:not([href$='.ics'])").first.get_attribute("href")
    drop_in = page.locator("a[href^='/drop-in/']:not([href$='.ics'])").first.get_attribute("href")
    for path in [
        "/en/",
        course,
        drop_in,
        "/info/overdosis/",
        "/afrapporter/",
        "/statistik/",
        "/privatliv/",
        "/bestil-kursus/",
        "/widget/",
    ]:
        assert page.goto(live_server.url + path).status == 200, path
        page.wait_for_load_state("networkidle")
    page.goto(live_server.url + "/")
    page.get_by_text("Vis stederne på et kort").click()
    page.get_by_role("button", name="Sortér efter afstand fra, hvor jeg er").click()
    page.wait_for_url("**near=**")
    page.get_by_text("Vis stederne på et kort").click()
    assert page.locator(".map-origin").is_visible()
    page.wait_for_load_state("networkidle")
    context.close()
    assert len(requests) > 20
    elsewhere = sorted(
        {url for url in requests if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != own_host}
    )
    assert elsewhere == []


@pytest.mark.parametrize("viewport", ["phone_page", "desktop_page"])
def test_the_first_screen_shows_near_me_and_the_next_course_with_its_time_and_place(
    live_server, request, demo, viewport
):
    page = request.getfixturevalue(viewport)
    page.goto(live_server.url + "/")
    height = page.viewport_size["height"]
    first = page.locator(".entry").first
    assert first.locator("h3").inner_text() in {"Pop-up på Flakhaven", "Tirsdags-drop-in"}  # the soonest
    for part in [
        page.get_by_role("button", name="Sortér efter afstand fra, hvor jeg er"),
        first.locator("time"),
        first,
    ]:
        box = part.bounding_box()
        assert box["y"] + min(box["height"], 160) <= height, part
    assert page.get_by_text("Filtrér: alle kurser").is_visible()
    assert not page.get_by_label("Kursusform").is_visible()
    assert axe_violations(page) == []


def test_near_me_lands_on_the_results(live_server, browser, demo):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        locale="da-DK",
        geolocation={"latitude": 55.3951, "longitude": 10.3852},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Sortér efter afstand fra, hvor jeg er").click()
    page.wait_for_url("**near=**#kurser")
    # The browser scrolls to the fragment once the page has loaded: the results at the top of the screen.
    expect(page.locator("#kurser")).to_be_in_viewport()
    page.wait_for_function("() => window.scrollY > 0")
    context.close()


def test_when_near_me_fails_the_postcode_field_is_opened_and_focused(live_server, browser, venue):
    """The message said to enter a postcode, but the field was folded away in the closed filters: a phone or
    screen reader user did not find it. The filters open, the focus is on the field, described by the message."""
    make_course(venue, title="Drop-in hos Antidote")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="da-DK")
    page = context.new_page()
    # The position refused (as a person who says no, or whose phone has location switched off).
    page.add_init_script(
        "navigator.geolocation.getCurrentPosition = (ok, fail) => setTimeout(() => fail({code: 1}), 0);"
    )
    page.goto(live_server.url + "/")
    assert not page.get_by_label("Nær postnummer").is_visible()
    page.get_by_role("button", name="Sortér efter afstand fra, hvor jeg er").click()
    postcode = page.get_by_label("Nær postnummer")
    expect(postcode).to_be_focused()
    expect(postcode).to_be_in_viewport()
    expect(postcode).to_have_accessible_description(re.compile("Din position er ikke tilgængelig.*Nær postnummer"))
    expect(page.locator("#near-me-status")).to_be_in_viewport()
    assert axe_violations(page) == []
    page.keyboard.type("5000")
    page.keyboard.press("Enter")
    page.wait_for_url("**postcode=5000**")
    context.close()


def test_near_me_from_a_later_page_shows_the_nearest_first(live_server, browser, red_liv, venue):
    """A visitor who paged on ("More courses": ?side=2) and then asks for the nearest got page 2 of
    the list by distance: the nearest place was on a page they were not shown."""
    far = make_venue(red_liv, name="Langt væk", latitude="55.700000", longitude="10.900000")
    for day in range(1, 32):  # 31 courses far away, each sooner than the one near by: two pages
        make_course(far, title=f"Langt væk {day}", starts_at=timezone.now() + dt.timedelta(days=day))
    make_course(venue, title="Lige ved siden af", starts_at=timezone.now() + dt.timedelta(days=40))
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        locale="da-DK",
        geolocation={"latitude": 55.3951, "longitude": 10.3852},
        permissions=["geolocation"],
        timezone_id=TIME_ZONE,
    )
    page = new_page(context)
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Flere kurser").click()
    page.wait_for_url("**side=2**")
    page.get_by_role("button", name="Sortér efter afstand fra, hvor jeg er").click()
    page.wait_for_url("**near=55.395%2C10.385**")
    assert "side=" not in page.url
    assert page.locator(".entry h3").first.inner_text() == "Lige ved siden af"
    context.close()


def test_a_postcode_typed_on_an_arabic_number_pad_is_sent_and_read(live_server, phone_page, demo):
    """The postcode field's pattern allowed only 0-9: the browser refused "٥٠٠٠" with its own message
    ("match the requested format") before the finder could read it as 5000."""
    page = phone_page
    page.goto(live_server.url + "/")
    page.get_by_text("Filtrér: alle kurser").click()
    page.get_by_label("Nær postnummer").fill("٥٠٠٠")
    page.get_by_role("button", name="Vis kurser").click()
    page.wait_for_url("**/?*postcode=*#kurser")
    assert page.get_by_label("Nær postnummer", exact=True).input_value() == "5000"
    assert page.get_by_text("blev ignoreret").count() == 0
