"""Corrections and withdrawals on the street tablet, with and without a connection, in headless Chromium.

A correction saved, or an entry withdrawn, without a connection showed the browser's own offline
page, and what the worker had typed was lost. Now the change goes into the tablet's queue with the
key its page was shown with, as a new entry does: the page stays, with the values, and says that
nothing is saved yet; the change is sent when the connection returns, and applied once.
"""

import re

import pytest
from playwright.sync_api import expect

from courses.models import Attendance
from courses.services import kits_handed_out
from kits.models import StockLevel, StockMovement
from street.models import AppliedChange
from tests.conftest import axe_violations
from tests.conftest import log_in as log_in_with_second_step
from tests.street_walk import QUEUE
from tests.test_logout_on_a_shared_tablet import STORED_ON_THE_TABLET
from tests.test_street_browser import OFFLINE_READY, SENDING, log_in, log_three_people, wait_until_sent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTHING_SAVED_YET = "Ingen forbindelse: intet er gemt endnu"


def offline_ready(page):
    expect(page.locator("#street")).to_have_attribute("data-offline-ready", "true", timeout=OFFLINE_READY)


def a_logged_course(page):
    """Three people who use drugs, logged and sent from the tablet."""
    log_three_people(page)
    wait_until_sent(page)
    return Attendance.objects.get()


def test_a_correction_saved_without_a_connection_stays_on_the_page_and_is_applied_once_when_it_returns(
    live_server, tablet_page, street_worker, venue, bag
):
    page = tablet_page
    log_in(page, live_server, street_worker)
    attendance = a_logged_course(page)
    page.get_by_role("link", name="Mine registreringer").tap()
    page.get_by_role("link", name="Ret eller træk tilbage").tap()
    page.wait_for_url(f"{live_server.url}/gade/poster/kursus/{attendance.pk}/")
    url = page.url

    page.context.set_offline(True)  # in the rain, under a bridge
    page.get_by_label("Stofbrugere", exact=True).fill("5")
    page.get_by_label("Note").fill("To kom for sent")
    page.get_by_role("button", name="Gem rettelsen").tap()
    status = page.locator("#street-status")
    expect(status).to_contain_text(NOTHING_SAVED_YET)
    expect(status).to_be_focused()
    assert page.url == url  # the page they typed on, not the browser's offline page
    expect(page.get_by_label("Stofbrugere", exact=True)).to_have_value("5")
    expect(page.get_by_label("Note")).to_have_value("To kom for sent")
    expect(page.locator("#queue-list")).to_contain_text("Rettelse")
    assert axe_violations(page) == []
    # A second tap while it waits queues nothing more.
    page.get_by_role("button", name="Gem rettelsen").tap()
    expect(status).to_contain_text("venter allerede")
    assert len(page.evaluate(QUEUE)) == 1
    assert Attendance.objects.get().people_who_use_drugs == 3

    page.context.set_offline(False)  # the connection returns: sent by itself, then My entries
    page.wait_for_url(f"{live_server.url}/gade/mine/", timeout=SENDING)
    expect(page.get_by_text("Rettelsen er gemt.")).to_be_visible()
    attendance.refresh_from_db()
    assert (attendance.people_who_use_drugs, attendance.note) == (5, "To kom for sent")
    assert AppliedChange.objects.get().user == street_worker
    corrections = attendance.history.count()

    # Back to the saved page, and "Gem rettelsen" once more: the correction is not made twice. The browser
    # loads the page again (it is never stored): a new key, on the current version, with the same values, so
    # there is nothing to save. Kept by the browser instead, it would send the same key: saved before.
    page.go_back()
    page.wait_for_url(url)
    page.get_by_role("button", name="Gem rettelsen").tap()
    page.wait_for_url(f"{live_server.url}/gade/mine/", timeout=SENDING)
    expect(page.get_by_text(re.compile("Der var intet at gemme|den blev ikke lavet to gange"))).to_be_visible()
    assert attendance.history.count() == corrections
    assert AppliedChange.objects.count() == 1
    assert Attendance.objects.get().people_who_use_drugs == 5


def test_a_correction_page_not_kept_offline_says_it_needs_a_connection(
    live_server, tablet_page, street_worker, venue, bag
):
    page = tablet_page
    log_in(page, live_server, street_worker)
    attendance = a_logged_course(page)
    offline_ready(page)
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/gade/mine/")  # kept on the tablet
    expect(page.get_by_role("heading", name="Mine seneste registreringer")).to_be_visible()
    page.goto(f"{live_server.url}/gade/poster/kursus/{attendance.pk}/")  # not kept: ours, not the dinosaur
    expect(page.get_by_role("heading", name="Ingen forbindelse")).to_be_visible()
    expect(page.get_by_text("Denne side kræver forbindelse")).to_be_visible()
    assert axe_violations(page) == []


def test_a_withdrawal_without_a_connection_waits_and_withdraws_the_handout_once(
    live_server, tablet_page, street_worker, bag
):
    page = tablet_page
    log_in(page, live_server, street_worker, "/gade/udlevering/")
    page.get_by_role("button", name="Gem udleveringen").tap()
    wait_until_sent(page)
    handout = StockMovement.objects.get(kind="handout")
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server.url}/gade/mine/")
    page.context.set_offline(True)
    page.get_by_role("button", name="Træk tilbage").tap()
    expect(page.locator("#street-status")).to_contain_text(NOTHING_SAVED_YET)
    expect(page.locator("#queue-list")).to_contain_text("Tilbagetrækning af udleveringen")
    assert not StockMovement.objects.filter(corrects=handout).exists()

    page.context.set_offline(False)
    expect(page.get_by_text("Registreringen er trukket tilbage")).to_be_visible(timeout=SENDING)
    expect(page.locator(".entry .badge", has_text="Trukket tilbage")).to_be_visible()
    assert StockMovement.objects.filter(corrects=handout).count() == 1
    assert StockLevel.objects.get(location=bag).quantity == 10


def test_a_correction_queued_by_one_worker_is_never_applied_by_the_next_on_the_tablet(
    live_server, tablet_page, street_worker, coordinator, venue, bag
):
    """Alice corrects offline and logs out anyway; a coordinator, who may change any entry, logs in on the
    same tablet. The correction waits for Alice, and is applied in her name when she logs in."""
    page = tablet_page
    log_in(page, live_server, street_worker)
    attendance = a_logged_course(page)
    page.goto(f"{live_server.url}/gade/poster/kursus/{attendance.pk}/")
    offline_ready(page)
    page.context.set_offline(True)
    page.get_by_label("Stofbrugere", exact=True).fill("6")
    page.get_by_role("button", name="Gem rettelsen").tap()
    expect(page.locator("#street-status")).to_contain_text(NOTHING_SAVED_YET)
    page.get_by_role("button", name="Log ud", exact=True).tap()
    page.get_by_role("button", name="Log ud alligevel").tap()
    page.wait_for_url(f"{live_server.url}/gade/logget-ud/")
    page.context.set_offline(False)
    expect(page.locator("#logged-out-status")).not_to_be_empty(timeout=SENDING)  # the session ended

    log_in_with_second_step(page, live_server.url, coordinator, "/gade/")
    expect(page.locator("#queue-list")).to_contain_text("Venter på at gadeplan-alice logger ind")
    tried = page.evaluate("RedlivQueue.sendAll(document.getElementById('street').dataset.session)")
    assert (tried["author"], tried["stored"]) == (1, 0)
    assert Attendance.objects.get().people_who_use_drugs == 3 and not AppliedChange.objects.exists()
    page.get_by_role("button", name="Log ud", exact=True).tap()  # nothing of theirs waits: no question
    page.wait_for_url(f"{live_server.url}/konto/login/")

    log_in(page, live_server, street_worker)
    wait_until_sent(page)
    attendance.refresh_from_db()
    assert attendance.people_who_use_drugs == 6
    assert AppliedChange.objects.get().user == street_worker
    assert attendance.history.order_by("history_id").last().history_user == street_worker
    assert page.evaluate(STORED_ON_THE_TABLET)["waiting"] == 0


def test_a_refused_correction_shows_why_beside_the_field_and_is_sent_again_with_the_same_key(
    live_server, tablet_page, street_worker, venue, bag
):
    page = tablet_page
    log_in(page, live_server, street_worker)
    attendance = a_logged_course(page)  # 3 kits from the bag: 7 left
    page.goto(f"{live_server.url}/gade/poster/kursus/{attendance.pk}/")
    page.get_by_label("Udleverede kit", exact=True).fill("20")
    page.get_by_role("button", name="Gem rettelsen").tap()
    expect(page.locator("#street-status")).to_contain_text("Ændringen blev afvist, og intet blev gemt")
    expect(page.locator("#street-status")).to_be_focused()
    expect(page.locator("#id_kits_error")).to_contain_text("Ikke nok kit")
    expect(page.get_by_label("Udleverede kit", exact=True)).to_have_attribute("aria-invalid", "true")
    assert kits_handed_out(Attendance.objects.get().course) == 3
    key = page.evaluate(QUEUE)[0]["key"]

    page.get_by_label("Udleverede kit", exact=True).fill("5")
    page.get_by_role("button", name="Gem rettelsen").tap()
    page.wait_for_url(f"{live_server.url}/gade/mine/", timeout=SENDING)
    expect(page.get_by_text("Rettelsen er gemt.")).to_be_visible()
    assert kits_handed_out(Attendance.objects.get().course) == 5
    assert str(AppliedChange.objects.get().idempotency_key) == key
