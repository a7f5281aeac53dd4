"""A coordinator recalls a lot; a visitor with a kit of it checks it on a phone."""

import datetime as dt

import pytest
from django.utils import timezone

from kits.models import Batch
from tests import factories
from tests.conftest import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INSTRUCTIONS = "Aflevér kittet på Antidote Danmark, Vestergade 1, og få et nyt med det samme."


def test_a_coordinator_recalls_a_lot_and_a_visitor_checks_their_kit_on_a_phone(
    live_server, desktop_page, phone_page, coordinator, red_liv, venue, tmp_path
):
    bag = factories.make_location(red_liv, name="Gadeteamets taske")
    lot = factories.make_batch(lot_number="NX2408", expiry_date=timezone.localdate() + dt.timedelta(days=200))
    factories.receive(lot, bag, 30, coordinator)
    factories.make_course(venue, title="Drop-in i Vollsmose")

    page = desktop_page
    log_in(page, live_server.url, coordinator, next_path="/personale/lager/lot/?lot=NX2408")
    page.get_by_role("link", name="Tilbagekald dette lot").click()
    assert axe_violations(page) == []
    page.get_by_label("Årsag til tilbagekaldelsen").fill("Fejl i spraydysen")
    # A refused form comes back as a new page; a click returns once it has begun to arrive, so each
    # read of an answer below waits for its page to have loaded (else it may read half a page).
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Tilbagekald lottet").click()
    assert "Dette felt er påkrævet." in page.locator(".invalid-feedback").inner_text()
    page.get_by_label("Hvad indehaverne skal gøre").fill(INSTRUCTIONS)
    page.get_by_role("button", name="Tilbagekald lottet").click()
    page.wait_for_url(live_server.url + "/personale/lager/lot/?lot=NX2408")
    assert "Lot NX2408 er tilbagekaldt." in page.get_by_role("status").first.inner_text()
    assert INSTRUCTIONS in page.locator("[data-recall]").inner_text()
    assert axe_violations(page) == []
    page.screenshot(path=tmp_path / "recall-trace.png", full_page=True)
    assert Batch.objects.get(pk=lot.pk).recalled_on == timezone.localdate()

    phone = phone_page
    phone.goto(live_server.url + "/")
    banner = phone.locator(".recall-banner")
    assert "Lot NX2408 er tilbagekaldt." in banner.inner_text()
    assert axe_violations(phone) == []
    banner.get_by_role("link", name="Tjek dit kit").click()
    phone.wait_for_url(live_server.url + "/tjek-dit-kit/")
    phone.get_by_label("Lotnummer").fill("nx 2408")
    with phone.expect_navigation(wait_until="load"):
        phone.get_by_role("button", name="Tjek").click()
    answer = phone.locator("[data-answer]")
    assert "tilbagekaldt" in answer.inner_text() and INSTRUCTIONS in answer.inner_text()
    assert answer.get_by_role("link", name="Find et kursus eller en drop-in, hvor du kan få et nyt kit").is_visible()
    assert axe_violations(phone) == []
    phone.screenshot(path=tmp_path / "check-kit-recalled.png", full_page=True)

    phone.get_by_label("Lotnummer").fill("NX2480")
    with phone.expect_navigation(wait_until="load"):
        phone.get_by_role("button", name="Tjek").click()
    assert "Vi kender ikke dette lotnummer." in phone.locator("[data-answer]").inner_text()
    assert axe_violations(phone) == []
