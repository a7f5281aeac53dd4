"""Logging out on the street tablet without a connection: the tablet's own "logged out" page, the session ended
on the server once the connection returns, and a tablet clock that is minutes off the server's."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from playwright.sync_api import expect

from tests.test_logout_on_a_shared_tablet import NAMING
from tests.test_street_browser import OFFLINE_READY, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SKEW = dt.timedelta(minutes=10)

# The logout noted on the tablet until the server knows (static/js/logout.js), and the copies of pages kept.
ON_THE_TABLET = """async () => {
  const pages = (await caches.keys()).filter((name) => name.includes("-pages-"));
  if (!(await indexedDB.databases()).some((db) => db.name === "redliv-street")) return {note: null, pages};
  const note = await new Promise((resolve) => {
    const open = indexedDB.open("redliv-street");
    open.onsuccess = () => {
      const get = open.result.transaction("meta").objectStore("meta").get("logout");
      get.onsuccess = () => { open.result.close(); resolve(get.result ? get.result.value : null); };
    };
  });
  return {note, pages};
}"""


def ready_for_offline(page):
    expect(page.locator("#street")).to_have_attribute("data-offline-ready", "true", timeout=OFFLINE_READY)


def log_out_offline(page):
    page.context.set_offline(True)
    page.get_by_role("button", name="Log ud", exact=True).tap()
    expect(page.locator("h1")).to_have_text("Du er logget ud på denne tablet")


def session_status(page, live_server):
    return page.request.get(f"{live_server.url}/gade/api/session/").status


def test_logging_out_without_a_connection_ends_the_session_on_the_server_when_it_returns(
    live_server, tablet_page, street_worker, venue, bag
):
    page = tablet_page
    log_in(page, live_server, street_worker)
    ready_for_offline(page)
    log_out_offline(page)
    assert page.url == f"{live_server.url}/gade/logget-ud/"  # the tablet's own page, from its cache
    expect(page.locator("#logged-out-status")).to_be_empty()
    tablet = page.evaluate(ON_THE_TABLET)
    assert tablet["note"]["user"] == street_worker.pk and tablet["pages"] == []
    assert page.evaluate(NAMING, street_worker.username) == []
    assert Session.objects.count() == 1  # the server does not know yet

    page.context.set_offline(False)  # street-logged-out.js tells the server at once
    expect(page.locator("#logged-out-status")).to_have_text(
        "Sessionen er afsluttet på serveren også. Log ind for at fortsætte.", timeout=15_000
    )
    assert session_status(page, live_server) == 401
    assert page.evaluate(ON_THE_TABLET)["note"] is None  # nothing left to finish

    page.context.set_offline(True)
    page.goto(f"{live_server.url}/gade/mine/")
    expect(page.get_by_role("heading", name="Ingen forbindelse")).to_be_visible()


def test_a_tablet_clock_minutes_off_the_servers_does_not_misjudge_which_session_a_logout_was_for(
    live_server, tablet_page, street_worker, venue, bag
):
    """A logout made offline is finished on the first page opened online, unless its worker has logged in again
    since. That was judged by the tablet's clock against the server's login time. Ten minutes behind: the session
    logged out was taken for a new login, stayed open on the server and its pages were kept offline. Ten minutes
    ahead: the worker's new login was taken for the old session and logged out at once; and the "logged out" page,
    still open, ended the new session when it reached the server."""
    page, context = tablet_page, tablet_page.context

    def tablet_clock(page, off):
        page.clock.set_system_time(timezone.now() + off)

    tablet_clock(page, -SKEW)
    log_in(page, live_server, street_worker)
    ready_for_offline(page)
    log_out_offline(page)
    page.route("**/konto/logout/", lambda route: route.abort())  # this "logged out" page does not get through
    context.set_offline(False)
    second = context.new_page()
    tablet_clock(second, -SKEW)
    second.goto(f"{live_server.url}/gade/")  # with the session that was logged out: the server does not know yet
    expect(second).to_have_url(f"{live_server.url}/konto/login/")  # the logout is finished now
    assert session_status(second, live_server) == 401
    assert second.evaluate(NAMING, street_worker.username) == []

    tablet_clock(second, SKEW)
    log_in(second, live_server, street_worker)
    ready_for_offline(second)
    log_out_offline(second)  # this time the "logged out" page stays, and cannot reach the server for a while
    second.route("**/konto/logout/", lambda route: route.abort())
    Session.objects.all().delete()  # the server ended that session by itself (its idle timeout)
    context.set_offline(False)
    third = context.new_page()
    tablet_clock(third, SKEW)
    log_in(third, live_server, street_worker)  # a new session, minutes after the logout
    ready_for_offline(third)
    assert third.url == f"{live_server.url}/gade/" and session_status(third, live_server) == 200
    assert third.evaluate(ON_THE_TABLET)["note"] is None

    # The "logged out" page reaches the server at last: the session it was for is over, and the new one is not
    # ended (nor its pages forgotten) by it.
    second.unroute("**/konto/logout/")
    second.evaluate("dispatchEvent(new Event('online'))")
    expect(second.locator("#logged-out-status")).to_contain_text("Sessionen er afsluttet")
    assert session_status(third, live_server) == 200
    expect(third.locator("#street")).to_have_attribute("data-offline-ready", "true")
    assert third.evaluate(NAMING, street_worker.username)  # the new session's pages, kept for offline use
