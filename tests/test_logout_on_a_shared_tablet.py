"""Logging out on a shared tablet: what the street pages keep on the device goes too, but
never an entry that is still waiting to be sent."""

import pytest
from playwright.sync_api import expect

from courses.models import Attendance
from tests.conftest import axe_violations
from tests.street_walk import QUEUE, press_send_now
from tests.test_street_browser import OFFLINE_READY, SENDING, log_in, log_three_people, wait_until_sent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The entries waiting in the queue, what it remembers besides (names, a logout's note), and the caches.
STORED_ON_THE_TABLET = """async () => {
  const databases = (await indexedDB.databases()).map((db) => db.name);
  let waiting = 0, remembered = 0;
  if (databases.includes("redliv-street")) {
    [waiting, remembered] = await new Promise((resolve) => {
      const open = indexedDB.open("redliv-street");
      open.onsuccess = () => {
        const tx = open.result.transaction(["queue", "meta"]);
        const queue = tx.objectStore("queue").count(), meta = tx.objectStore("meta").count();
        tx.oncomplete = () => { open.result.close(); resolve([queue.result, meta.result]); };
      };
    });
  }
  const caches_ = await caches.keys();
  return {databases, waiting, remembered, caches: caches_, pages: caches_.filter((name) => name.includes("-pages-"))};
}"""

# The worker looks at a tab again (a headless browser's tabs do not take the focus by themselves).
LOOKED_AT_AGAIN = "window.dispatchEvent(new Event('focus'))"

# Every copy on the tablet, in any cache, that names this worker: a page of theirs someone could read offline.
NAMING = """async (username) => {
  const found = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      if ((await response.text()).includes(username)) found.push(request.url);
    }
  }
  return found;
}"""


def test_logging_out_warns_while_an_entry_waits_and_clears_the_tablet_once_it_is_sent(
    live_server, tablet_page, street_worker, venue, bag
):  # noqa: F811
    page = tablet_page
    log_in(page, live_server, street_worker)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.context.set_offline(True)
    log_three_people(page)
    expect(page.locator("#queue-count")).to_have_text("1")

    page.get_by_role("button", name="Log ud", exact=True).tap()
    warning = page.locator("#logout-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Der venter registreringer på at blive sendt fra denne tablet: 1")
    expect(warning).to_be_focused()
    assert axe_violations(page) == []
    assert page.url == f"{live_server.url}/gade/"
    assert page.evaluate(STORED_ON_THE_TABLET)["waiting"] == 1
    assert not Attendance.objects.exists()

    page.context.set_offline(False)  # the connection returns: the queue is sent by itself
    wait_until_sent(page)
    assert Attendance.objects.count() == 1
    stored = page.evaluate(STORED_ON_THE_TABLET)
    assert "redliv-street" in stored["databases"] and stored["pages"]  # the service worker's copies of the pages
    assert page.evaluate(NAMING, street_worker.username)

    page.get_by_role("button", name="Log ud", exact=True).tap()
    page.wait_for_url(f"{live_server.url}/konto/login/")
    stored = page.evaluate(STORED_ON_THE_TABLET)
    # The queue is empty and remembers nothing (its database stays: see test_an_entry_saved_as_the_queue_is_found_
    # empty_at_logout_stays), and the copies of the worker's pages are gone; the files and the "logged out" page
    # (nothing about anyone) stay, so that the next worker's pages work offline at once (issue 16).
    assert (stored["waiting"], stored["remembered"], stored["pages"]) == (0, 0, [])
    assert page.evaluate(NAMING, street_worker.username) == []


@pytest.mark.long(seconds=10)
def test_the_person_may_log_out_anyway_and_the_entry_stays_on_the_tablet(
    live_server, tablet_page, street_worker, venue, bag
):  # noqa: F811
    """…and a street page left open in another tab no longer says it is ready for offline use (it did, and the
    worker took an entry typed there as safe): it asks them to log in again, and an entry saved there waits on
    the tablet under its author, stored under no one, until they do."""
    page = tablet_page
    log_in(page, live_server, street_worker)
    other_tab = page.context.new_page()
    other_tab.goto(f"{live_server.url}/gade/")
    expect(other_tab.locator("#street")).to_have_attribute("data-offline-ready", "true", timeout=30_000)
    page.context.route("**/gade/api/poster/", lambda route: route.abort())  # no connection to the server
    page.bring_to_front()
    log_three_people(page)
    expect(page.locator("#queue-count")).to_have_text("1")
    page.get_by_role("button", name="Log ud", exact=True).tap()
    page.get_by_role("button", name="Log ud alligevel").tap()
    page.wait_for_url(f"{live_server.url}/konto/login/")
    assert page.evaluate(STORED_ON_THE_TABLET)["waiting"] == 1
    # The next person sees plainly that no one is logged in, and that the entry was kept: not whose.
    expect(page.get_by_role("status").first).to_have_text(
        "Du er logget ud. Ingen er logget ind her nu, og intet fra den, der var logget ind, vises."
    )
    expect(page.locator("#kept-entries")).to_have_text(
        "1 registrering venter på denne tablet. Den er gemt til den medarbejder, der lavede den, og sendes, når "
        "vedkommende logger ind igen."
    )
    assert street_worker.username not in page.content()
    assert axe_violations(page) == []

    other_tab.bring_to_front()
    expect(other_tab.locator("#street")).to_have_attribute("data-offline-ready", "false")
    expect(other_tab.locator("#street-status")).to_have_text(
        "Du er logget ud. Log ind igen; de ventende registreringer bevares og sendes bagefter."
    )
    other_tab.context.set_offline(True)
    log_three_people(other_tab)
    expect(other_tab.locator("#queue-count")).to_have_text("2")
    expect(other_tab.locator("#street-status")).to_contain_text("Du er logget ud. Log ind igen")
    expect(other_tab.get_by_role("link", name="Log ind igen")).to_be_visible()
    assert [entry["author"] for entry in page.evaluate(QUEUE)] == [street_worker.pk] * 2
    other_tab.context.set_offline(False)
    other_tab.get_by_role("button", name="Send nu").tap()
    expect(other_tab.locator("#street-status")).to_contain_text("Du er logget ud. Log ind igen", timeout=SENDING)
    assert not Attendance.objects.exists()

    other_tab.close()
    page.context.unroute("**/gade/api/poster/")
    log_in(page, live_server, street_worker)  # they log in again: both are sent, as theirs
    wait_until_sent(page)
    assert list(Attendance.objects.values_list("logged_by", flat=True)) == [street_worker.pk] * 2


def test_an_entry_being_sent_at_logout_is_not_counted_as_deleted_and_the_screen_agrees_with_the_database(
    live_server, tablet_page, street_worker, venue, bag, monkeypatch
):
    """Two entries wait; the first is on its way to the server (held there) when the worker logs out.
    "Slet mine 2 ventende … og log ud" counted it but could not take it back, and it was stored after
    the worker chose to delete it. The warning says it is being sent, offers to delete the other one,
    and exactly that one never reaches the database."""
    import threading

    import street.views

    entered, release = threading.Event(), threading.Event()
    log_held_course = street.views.log_held_course

    def held(**kwargs):
        entered.set()
        release.wait(30)
        return log_held_course(**kwargs)

    page = tablet_page
    log_in(page, live_server, street_worker)
    monkeypatch.setattr(street.views, "log_held_course", held)
    log_three_people(page)  # sent at once, and held by the server
    assert entered.wait(20)
    log_three_people(page)  # waits behind the first
    expect(page.locator("#queue-count")).to_have_text("2")
    sending, waiting = sorted(page.evaluate(QUEUE), key=lambda entry: entry["status"] != "sending")
    assert (sending["status"], waiting["status"]) == ("sending", "waiting")

    page.get_by_role("button", name="Log ud", exact=True).tap()
    warning = page.locator("#logout-warning")
    expect(warning).to_contain_text("Der venter registreringer på at blive sendt fra denne tablet: 2")
    expect(warning).to_contain_text("Sendes lige nu: 1")
    assert axe_violations(page) == []
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Slet mine 1 ventende registreringer og log ud").tap()
    page.wait_for_url(f"{live_server.url}/konto/login/")
    assert len(asked) == 1 and " 1 " in asked[0]

    release.set()  # the entry on its way is stored; the deleted one never is
    for _ in range(100):
        if Attendance.objects.exists():
            break
        page.wait_for_timeout(100)
    assert [str(key) for key in Attendance.objects.values_list("idempotency_key", flat=True)] == [sending["key"]]
    assert [entry["key"] for entry in page.evaluate(QUEUE)] == [sending["key"]]  # a resend is stored once


def test_a_page_loading_while_the_worker_logs_out_is_not_kept_for_the_next_person(
    live_server, tablet_page, street_worker, trainer_user, venue, bag, monkeypatch
):
    """The page "Mine registreringer" (notes and all) was still being fetched in a second tab when the worker logged
    out with an entry waiting: the service worker kept it, and the next person on the tablet could read it
    offline. Nothing of theirs is kept; the next worker's pages are kept for offline use as before."""
    import threading

    import street.views

    entered, release = threading.Event(), threading.Event()
    render = street.views.render

    def slow(request, template, *args, **kwargs):
        if template == "street/recent.html" and not release.is_set():
            entered.set()
            release.wait(30)
        return render(request, template, *args, **kwargs)

    page = tablet_page
    log_in(page, live_server, street_worker)
    expect(page.locator("#street")).to_have_attribute("data-offline-ready", "true", timeout=30_000)
    page.route("**/gade/api/poster/", lambda route: route.abort())  # no connection to the server
    log_three_people(page)
    expect(page.locator("#queue-count")).to_have_text("1")

    monkeypatch.setattr(street.views, "render", slow)
    second = page.context.new_page()
    second.evaluate("(url) => { location.href = url; }", f"{live_server.url}/gade/mine/")
    assert entered.wait(20)  # the second tab's page is on its way, with the session still open
    page.get_by_role("button", name="Log ud", exact=True).tap()
    page.get_by_role("button", name="Log ud alligevel").tap()
    page.wait_for_url(f"{live_server.url}/konto/login/")
    release.set()
    second.wait_for_url(f"{live_server.url}/gade/mine/")
    # The page, loaded after the logout, asks the service worker to keep the pages again, now without a session:
    # it is told its session is over, and says it is not ready for offline use (it said it was).
    expect(second.locator("#street")).to_have_attribute("data-offline-ready", "false", timeout=30_000)
    expect(second.locator("#street-status")).to_contain_text("Du er logget ud. Log ind igen")
    second.close()
    # The promise: no copy of the worker's pages in any cache. (The page's late refresh may keep what names no
    # one, the web-app manifest among the pages: that is no page of theirs.)
    assert page.evaluate(NAMING, street_worker.username) == []

    page.context.set_offline(True)
    page.goto(f"{live_server.url}/gade/mine/")
    expect(page.get_by_role("heading", name="Ingen forbindelse")).to_be_visible()
    expect(page.get_by_text("Mine seneste registreringer")).to_have_count(0)

    # Logout, then login, then offline: the next worker's pages are on the tablet again.
    page.context.set_offline(False)
    log_in(page, live_server, trainer_user)
    expect(page.locator("#street")).to_have_attribute("data-offline-ready", "true", timeout=30_000)
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/gade/mine/")
    expect(page.get_by_role("heading", name="Mine seneste registreringer")).to_be_visible()
    expect(page.locator("#street")).to_have_attribute("data-user", str(trainer_user.pk))


def test_a_page_asked_for_while_the_logout_is_on_its_way_is_not_kept(
    live_server, tablet_page, street_worker, venue, bag, monkeypatch
):
    """The tablet had forgotten the pages and was ending the session (the logout on its way to the server) when a
    second tab asked for "Mine registreringer". The page came back after the logout had finished, made with the
    session that was still open when it was asked for: the service worker kept it, and anyone could read it
    offline on the tablet afterwards. A page asked for before the session has ended is never kept."""
    import threading

    import django.contrib.auth.views

    import street.views

    logging_out, logged_out, page_asked = threading.Event(), threading.Event(), threading.Event()
    auth_logout, render = django.contrib.auth.views.auth_logout, street.views.render

    def held_logout(request):  # the logout reaches the server, and waits there for the second tab's page
        logging_out.set()
        page_asked.wait(30)
        auth_logout(request)

    def slow(request, template, *args, **kwargs):  # which is answered only after the logout has finished
        if template == "street/recent.html" and not logged_out.is_set():
            page_asked.set()
            logged_out.wait(30)
        return render(request, template, *args, **kwargs)

    page = tablet_page
    log_in(page, live_server, street_worker)
    expect(page.locator("#street")).to_have_attribute("data-offline-ready", "true", timeout=30_000)
    page.route("**/gade/api/poster/", lambda route: route.abort())  # an entry waits: the queue stays
    log_three_people(page)
    expect(page.locator("#queue-count")).to_have_text("1")
    monkeypatch.setattr(django.contrib.auth.views, "auth_logout", held_logout)
    monkeypatch.setattr(street.views, "render", slow)

    page.get_by_role("button", name="Log ud", exact=True).tap()
    page.get_by_role("button", name="Log ud alligevel").tap()
    assert logging_out.wait(20)  # the pages are forgotten, and the session is being ended
    second = page.context.new_page()
    second.evaluate("(url) => { location.href = url; }", f"{live_server.url}/gade/mine/")
    page.wait_for_url(f"{live_server.url}/konto/login/")  # the logout has finished
    logged_out.set()
    second.wait_for_url(f"{live_server.url}/gade/mine/")
    expect(second.locator("#street")).to_have_attribute("data-offline-ready", "false", timeout=30_000)
    second.close()
    assert page.evaluate(NAMING, street_worker.username) == []

    page.context.set_offline(True)
    page.goto(f"{live_server.url}/gade/mine/")
    expect(page.get_by_role("heading", name="Ingen forbindelse")).to_be_visible()
    expect(page.get_by_text("gadeplan-alice")).to_have_count(0)


def test_a_tab_left_open_through_a_logout_is_ready_again_once_its_worker_logs_in_again(
    live_server, tablet_page, street_worker, trainer_user, venue, bag
):
    """A street page left open in another tab said "Du er logget ud …" after the logout, and went on saying so (and
    not ready for offline use) after its worker had logged in again in the first tab, until it was reloaded: a
    worker on the street, on a tablet in the rain, does not know to. Looked at again, it learns by itself that its
    worker is back: ready for offline use, the notice gone, its forms usable (the new session's token), and what was
    saved there under them is sent as theirs.
    While someone else is logged in, it stays logged out and sends nothing of theirs, and its logout ends no one's
    session."""
    page = tablet_page
    log_in(page, live_server, street_worker)
    other_tab = page.context.new_page()
    other_tab.goto(f"{live_server.url}/gade/")
    expect(other_tab.locator("#street")).to_have_attribute("data-offline-ready", "true", timeout=OFFLINE_READY)
    page.get_by_role("button", name="Log ud", exact=True).tap()
    page.wait_for_url(f"{live_server.url}/konto/login/")
    expect(other_tab.locator("#street")).to_have_attribute("data-offline-ready", "false")
    log_three_people(other_tab)  # saved on the tablet under its worker, who is logged out
    expect(other_tab.locator("#street-status")).to_contain_text("Du er logget ud. Log ind igen", timeout=SENDING)

    # The first tab opens a staff page (not a street page, which would send the entry itself).
    log_in(page, live_server, trainer_user, path="/personale/")  # someone else: the tab stays as it is
    other_tab.evaluate(LOOKED_AT_AGAIN)
    press_send_now(other_tab)
    for _ in range(100):  # tried with the trainer's session: it waits for its author
        if [entry["status"] for entry in other_tab.evaluate(QUEUE)] == ["author"]:
            break
        other_tab.wait_for_timeout(100)
    assert [entry["status"] for entry in other_tab.evaluate(QUEUE)] == ["author"]
    expect(other_tab.locator("#street")).to_have_attribute("data-offline-ready", "false")
    expect(other_tab.locator("#street-status")).to_contain_text("Du er logget ud. Log ind igen")
    assert not Attendance.objects.exists()
    page.get_by_role("button", name="Log ud", exact=True).tap()
    page.wait_for_url(f"{live_server.url}/konto/login/")

    log_in(page, live_server, street_worker, path="/personale/")  # they are back, in the first tab
    other_tab.evaluate(LOOKED_AT_AGAIN)
    expect(other_tab.locator("#street")).to_have_attribute("data-offline-ready", "true", timeout=OFFLINE_READY)
    wait_until_sent(other_tab)
    expect(other_tab.get_by_role("link", name="Log ind igen")).to_be_hidden()
    assert list(Attendance.objects.values_list("logged_by", flat=True)) == [street_worker.pk]

    # Its forms hold the new session's CSRF token: one posted from the tab as it is (the logout form, posted without
    # its script) is taken. With the old session's token it was refused (403) until the tab was reloaded.
    other_tab.evaluate("HTMLFormElement.prototype.submit.call(document.getElementById('logout-form'))")
    other_tab.wait_for_url(f"{live_server.url}/konto/login/")

    # Someone else logs in (in that tab); the first tab, left open on the worker's page, is told to log out. It ended
    # the trainer's session (it sent the CSRF cookie's token, the trainer's): now it ends no one's, and says so.
    log_in(other_tab, live_server, trainer_user, path="/personale/")
    page.get_by_role("button", name="Log ud", exact=True).tap()
    expect(page.get_by_text("Ingen blev logget ud")).to_be_visible()
    assert other_tab.request.get(f"{live_server.url}/gade/api/session/").json()["user"] == trainer_user.pk


# Another tab saves an entry the moment the end of a logout finds the queue empty (static/js/street-queue.js).
SAVED_AS_THE_QUEUE_IS_FOUND_EMPTY = """async (author) => {
  const Q = window.RedlivQueue, count = IDBObjectStore.prototype.count;
  await Q.setMeta("names", {});  // the queue's database is there, as on every street page
  let saved;
  IDBObjectStore.prototype.count = function (...args) {
    IDBObjectStore.prototype.count = count;
    const request = count.apply(this, args);
    request.addEventListener("success", () => {
      saved = Q.add({key: crypto.randomUUID(), kind: "course", fields: {}, author, api: "/gade/api/poster/",
                     page: "/gade/", created: Date.now()});
    });
    return request;
  };
  await Q.forgetIfEmpty();
  await saved;
  return (await Q.all()).length;
}"""


def test_an_entry_saved_as_the_queue_is_found_empty_at_logout_stays_and_a_logout_without_its_script_keeps_no_page(
    live_server, tablet_page, street_worker, venue, bag
):
    """The end of a logout found the queue empty and deleted its database a few milliseconds later: an entry saved
    in between (a tab left open) went with it. It stays now. And a logout made without logout.js (JavaScript off,
    or the script not loaded: the form posted as it is) left the worker's pages in the service worker's cache, for
    anyone on the tablet to read offline. No response header removes them without the queue (in Chromium,
    Clear-Site-Data "cache" leaves Cache Storage alone and "storage" deletes IndexedDB too): the login page does,
    and the entry waiting stays."""
    page = tablet_page
    log_in(page, live_server, street_worker)
    expect(page.locator("#street")).to_have_attribute("data-offline-ready", "true", timeout=OFFLINE_READY)
    page.route("**/gade/api/poster/", lambda route: route.abort())  # the entry waits
    assert page.evaluate(SAVED_AS_THE_QUEUE_IS_FOUND_EMPTY, street_worker.pk) == 1
    assert page.evaluate(NAMING, street_worker.username)

    page.evaluate("document.getElementById('logout-form').submit()")  # no submit event: logout.js does nothing
    page.wait_for_url(f"{live_server.url}/konto/login/")
    for _ in range(100):
        if not page.evaluate(NAMING, street_worker.username):
            break
        page.wait_for_timeout(100)
    assert page.evaluate(NAMING, street_worker.username) == []
    assert page.evaluate(STORED_ON_THE_TABLET)["waiting"] == 1
