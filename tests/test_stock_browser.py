"""A coordinator registers a delivery and moves kits to the street team's bag, in a real browser."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from kits.models import StockLevel
from tests import factories
from tests.conftest import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_registers_a_delivery_and_fills_the_street_teams_bag(
    live_server, desktop_page, coordinator, red_liv, venue, tmp_path
):
    office = factories.make_location(red_liv, name="Antidote Danmark, kontoret", kind="venue", venue=venue)
    bag = factories.make_location(red_liv, name="Gadeteamets taske")
    factories.make_kit_type()
    page = desktop_page
    log_in(page, live_server.url, coordinator, next_path="/personale/lager/")

    page.get_by_role("link", name="Registrér en levering").click()
    assert axe_violations(page) == []
    page.get_by_label("Til lagerlokation").select_option(label="Antidote Danmark, kontoret")
    page.get_by_label("Kittype").select_option(label="Naloxon-kit")
    page.get_by_label("Produkt").fill("Nyxoid 1,8 mg næsespray")
    page.get_by_label("Lotnummer").fill("NX2511")
    page.get_by_label("Udløbsdato").fill((timezone.localdate() + dt.timedelta(days=60)).isoformat())
    page.get_by_label("Antal kit").fill("0")
    # The refused form is a new page; the click returns once it has begun to arrive, so the message is
    # read once it has loaded.
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Registrér leveringen").click()
    assert page.locator(".invalid-feedback").inner_text() == "Angiv et antal kit fra 1 til 1.000.000."
    assert axe_violations(page) == []
    page.get_by_label("Antal kit").fill("40")
    page.get_by_role("button", name="Registrér leveringen").click()
    page.wait_for_url(live_server.url + "/personale/lager/")
    assert "40 kit af lot NX2511 modtaget i Antidote Danmark, kontoret." in page.get_by_role("status").inner_text()

    page.get_by_role("link", name="Flyt kit").click()
    page.get_by_role("combobox", name=re.compile(r"^Fra\b")).select_option(label="Antidote Danmark, kontoret")
    page.get_by_role("combobox", name=re.compile(r"^Til\b")).select_option(label="Gadeteamets taske")
    page.get_by_label("Antal kit").fill("15")
    page.get_by_role("button", name="Flyt kittene").click()
    page.wait_for_url(live_server.url + "/personale/lager/")
    assert "15 kit af lot NX2511 flyttet" in page.get_by_role("status").inner_text()
    bag_card = page.locator(".card", has=page.get_by_role("heading", name="Gadeteamets taske"))
    assert "15 brugbare kit" in bag_card.inner_text()
    # The lot expires within 90 days: highlighted.
    assert "Udløber snart" in bag_card.inner_text()
    assert axe_violations(page) == []
    page.screenshot(path=tmp_path / "kits-stock.png", full_page=True)
    assert StockLevel.objects.get(location=bag).quantity == 15
    assert StockLevel.objects.get(location=office).quantity == 25
