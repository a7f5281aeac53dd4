"""The street screen on a tablet (820×1180, touch), online and offline, in headless Chromium."""

import contextlib
import datetime as dt
import time

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from courses.models import Attendance, Course
from kits.models import StockLevel, StockMovement
from reversals.models import ReversalReport
from tests import factories
from tests.conftest import COPENHAGEN, PASSWORD, axe_violations, new_page
from tests.street_walk import press_send_now
from tests.test_street_tablet_clock import saved_on_the_tablet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ONE_MORE_PWUD = "Én mere: Stofbrugere"

# How long a test waits for what the page learns from the server: an entry tried (the session
# asked for, then the entry sent) and its answer shown. On a busy machine that took more than
# Playwright's default of 5 s.
SENDING = 25_000  # ms
# The page itself waits up to 30 s for the service worker to have stored the pages (askWorker in
# static/js/street.js) before it says it is ready for offline use.
OFFLINE_READY = 30_000  # ms


@pytest.fixture
def district(odense):
    return factories.make_district(odense, name="Vollsmose")


def log_in(page, live_server, user, path="/gade/"):
    page.goto(f"{live_server.url}/konto/login/?next={path}")
    page.get_by_label("Brugernavn").fill(user.username)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{live_server.url}{path}")


def wait_until_sent(page):
    """Sent now or, at the latest, by the page's steady interval (10 s)."""
    expect(page.locator("#street-status")).to_contain_text("Sendt og gemt", timeout=SENDING)
    expect(page.locator("#queue")).to_be_hidden(timeout=SENDING)


def queue_count(page):
    return int(page.locator("#queue-count").inner_text())


def log_three_people(page):
    for _ in range(3):
        page.get_by_role("button", name=ONE_MORE_PWUD).tap()
    page.get_by_role("button", name="Gem kurset").tap()


def test_a_street_worker_logs_a_held_course_in_four_taps(live_server, tablet_page, street_worker, venue, bag):
    log_in(tablet_page, live_server, street_worker)
    log_three_people(tablet_page)  # three taps on +, one on save: the kits follow the first-timers
    wait_until_sent(tablet_page)
    attendance = Attendance.objects.get()
    assert (attendance.people_who_use_drugs, attendance.first_time, attendance.course.venue) == (3, 3, venue)
    handout = StockMovement.objects.get(kind="handout")
    assert (handout.quantity, handout.course, handout.from_location) == (3, attendance.course, bag)
    assert StockLevel.objects.get(location=bag).quantity == 7
    assert tablet_page.locator("#id_people_who_use_drugs").input_value() == "0"  # ready for the next one
    # The save button, disabled while storing, had dropped the focus to the page: the next Tab went to the footer.
    expect(tablet_page.get_by_role("button", name="Gem kurset")).to_be_focused()


def test_a_count_typed_in_arabic_indic_digits_is_the_number_it_means(
    live_server, tablet_page, street_worker, venue, bag
):
    """A worker whose keyboard writes Arabic-Indic digits typed ١٠ participants: the number field let no
    digit in, stayed empty, and the save was stopped by "fill out this field". The digits are written as
    10 (the kits follow), and the course is logged with 10."""
    log_in(tablet_page, live_server, street_worker)
    count = tablet_page.get_by_label("Stofbrugere", exact=True)
    count.click()
    tablet_page.keyboard.press("Control+a")
    tablet_page.keyboard.type("١٠")
    expect(count).to_have_value("10")
    expect(tablet_page.locator("#id_kits")).to_have_value("10")
    tablet_page.get_by_role("button", name="Gem kurset").tap()
    wait_until_sent(tablet_page)
    attendance = Attendance.objects.get()
    assert (attendance.people_who_use_drugs, attendance.first_time) == (10, 10)
    assert StockMovement.objects.get(kind="handout").quantity == 10


def test_a_handout_and_a_report_are_logged_on_the_tablet(live_server, tablet_page, street_worker, bag, district):
    log_in(tablet_page, live_server, street_worker, "/gade/udlevering/")
    tablet_page.get_by_role("button", name="Én mere: Kit").tap()
    tablet_page.get_by_role("button", name="Gem udleveringen").tap()
    wait_until_sent(tablet_page)
    handout = StockMovement.objects.get(kind="handout")
    assert (handout.quantity, handout.handout_reason, handout.course) == (2, "replaces_used", None)

    tablet_page.get_by_role("link", name="Afrapportering").tap()
    tablet_page.get_by_label("Bydel").select_option(label="Vollsmose")
    tablet_page.locator("label", has_text="Heroin").tap()
    tablet_page.locator("label", has_text="Der blev ringet 112").tap()
    tablet_page.get_by_role("button", name="Gem afrapporteringen").tap()
    wait_until_sent(tablet_page)
    report = ReversalReport.objects.get()
    assert report.substances == ["heroin"] and report.called_112 and report.review_status == "verified"


@pytest.mark.parametrize("tablet_zone", ["UTC", "America/New_York", "Asia/Tokyo"])
def test_a_tablet_set_to_another_time_zone_logs_the_day_and_time_of_copenhagen(
    live_server, browser, street_worker, bag, tablet_zone
):
    """Half an hour into New Year in Odense, a tablet on UTC or New York time reads 31 December (and one on
    Tokyo time 08:30): the form fills in 1 January, 00:30, and the handout counts in January."""
    with time_machine.travel(dt.datetime(2027, 1, 1, 0, 30, tzinfo=COPENHAGEN), tick=True):
        context = browser.new_context(
            viewport={"width": 820, "height": 1180}, is_mobile=True, has_touch=True, timezone_id=tablet_zone
        )
        page = new_page(context)
        try:
            log_in(page, live_server, street_worker, "/gade/udlevering/")
            assert page.locator("#id_date").input_value() == "2027-01-01"
            assert page.locator("#id_time").input_value() in ("00:30", "00:31")
            page.get_by_role("button", name="Gem udleveringen").tap()
            wait_until_sent(page)
        finally:
            context.close()
    handout = StockMovement.objects.get(kind="handout")
    local = handout.occurred_at.astimezone(COPENHAGEN)
    assert (local.date(), local.hour) == (dt.date(2027, 1, 1), 0)


def test_the_form_left_open_past_midnight_logs_the_next_entry_on_the_new_day(live_server, browser, street_worker, bag):
    """A handout made offline at 23:55 on 31 January and sent at 00:05 keeps its 23:55 (January). The
    form stayed open; the next handout, saved at 00:05 without touching the date or time, was logged at
    23:55 on the 31st (the time of the last save), in January: the untouched date and time follow the
    clock. A time the worker set by hand is kept."""
    with time_machine.travel(dt.datetime(2027, 1, 31, 23, 55, tzinfo=COPENHAGEN), tick=True) as traveller:
        context = browser.new_context(
            viewport={"width": 820, "height": 1180}, has_touch=True, locale="da-DK", timezone_id="Europe/Copenhagen"
        )
        page = new_page(context)
        try:
            log_in(page, live_server, street_worker, "/gade/udlevering/")
            expect(page.locator("#street")).to_have_attribute("data-offline-ready", "true", timeout=OFFLINE_READY)
            context.set_offline(True)
            page.get_by_role("button", name="Gem udleveringen").tap()
            expect(page.locator("#queue-count")).to_have_text("1")
            # A page the server made earlier on the 31st: its picker's last day is the 31st (StreetForm.limit_days).
            page.locator("#id_date").evaluate("input => { input.max = '2027-01-31'; }")
            traveller.move_to(dt.datetime(2027, 2, 1, 0, 5, tzinfo=COPENHAGEN))
            page.clock.fast_forward("10:00")
            context.set_offline(False)
            wait_until_sent(page)
            # The picker's last day follows the day, as the date does: the 31st stopped the next save in the browser.
            assert page.locator("#id_date").get_attribute("max") == "2027-02-01"
            page.get_by_role("button", name="Gem udleveringen").tap()
            wait_until_sent(page)
            # A date outside the picker's days (a wrong clock, an entry written days ago) is sent all the same: the
            # server judges it.
            page.locator("#id_date").evaluate("input => { input.min = '2027-02-02'; }")
            page.get_by_role("button", name="Gem udleveringen").tap()
            # The browser's refusal is let through a moment later (street.js): the status still says the last
            # entry was sent, so what tells this one was sent is its row.
            deadline = time.monotonic() + 10
            while StockMovement.objects.filter(kind="handout").count() < 3 and time.monotonic() < deadline:
                page.wait_for_timeout(50)
            wait_until_sent(page)
            page.locator("#id_time").fill("23:40")  # by hand: the worker's own time stays
            page.clock.fast_forward("01:00")
            expect(page.locator("#id_time")).to_have_value("23:40")
            assert page.locator("#id_date").input_value() == "2027-02-01"
        finally:
            context.close()
    local = [
        movement.occurred_at.astimezone(COPENHAGEN).strftime("%Y-%m-%d %H:%M")
        for movement in StockMovement.objects.filter(kind="handout").order_by("recorded_at")
    ]
    assert local[0] == "2027-01-31 23:55"
    assert local[1] in ("2027-02-01 00:05", "2027-02-01 00:06")
    assert len(local) == 3


def test_withdrawing_an_entry_from_my_entries_is_asked_once_more(live_server, tablet_page, street_worker, bag):
    """On "Mine registreringer", a long list with a "Træk tilbage" button under each handout and report,
    one tap withdrew the entry at once: a slip of a wet finger stopped the wrong handout counting, with no
    way back. The tablet asks first, naming the entry; "no" leaves it counting."""
    log_in(tablet_page, live_server, street_worker, "/gade/udlevering/")
    tablet_page.get_by_role("button", name="Gem udleveringen").tap()
    wait_until_sent(tablet_page)
    handout = StockMovement.objects.get(kind="handout")
    asked, accept = [], []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    tablet_page.on("dialog", answer)
    tablet_page.goto(f"{live_server.url}/gade/mine/")
    withdraw = tablet_page.get_by_role("button", name="Træk tilbage")
    withdraw.tap()  # "no"
    tablet_page.wait_for_load_state()
    expect(withdraw).to_be_visible()
    assert asked and asked[0].startswith("Vil du trække udleveringen fra 11. jun 2026 10:0")
    assert not StockMovement.objects.filter(corrects=handout).exists()

    accept.append(True)
    withdraw.tap()  # "yes"
    expect(tablet_page.get_by_text("Registreringen er trukket tilbage")).to_be_visible()
    assert StockMovement.objects.filter(corrects=handout).exists()


def test_three_entries_made_offline_arrive_as_exactly_three_rows(live_server, tablet_page, street_worker, venue, bag):
    log_in(tablet_page, live_server, street_worker)
    tablet_page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    context = tablet_page.context
    context.set_offline(True)
    for waiting in ["1", "2", "3"]:
        log_three_people(tablet_page)
        expect(tablet_page.locator("#queue-count")).to_have_text(waiting)
    expect(tablet_page.locator("#street-status")).to_contain_text("Gemt på denne tablet")
    assert not Attendance.objects.exists()
    # The page itself comes from the tablet while offline, and the queue survives the reload.
    tablet_page.reload()
    expect(tablet_page.locator("#queue-count")).to_have_text("3")
    context.set_offline(False)  # the connection returns: the queue is sent by itself
    wait_until_sent(tablet_page)
    assert Attendance.objects.count() == 3
    assert StockLevel.objects.get(location=bag).quantity == 1


def test_an_entry_sent_twice_is_one_row(live_server, tablet_page, street_worker, venue, bag):
    log_in(tablet_page, live_server, street_worker)
    lost = []

    def lose_the_answer(route):
        # The server stores the entry, but its answer never reaches the tablet.
        route.fetch()
        lost.append(route.request.post_data)
        with contextlib.suppress(PlaywrightError):  # a slow machine: the page may have given up waiting already
            route.abort()

    tablet_page.route("**/gade/api/poster/", lose_the_answer)
    log_three_people(tablet_page)
    expect(tablet_page.locator("#street-status")).to_contain_text("Ingen forbindelse", timeout=SENDING)
    assert queue_count(tablet_page) == 1 and Attendance.objects.count() == 1
    tablet_page.unroute("**/gade/api/poster/")
    press_send_now(tablet_page)
    wait_until_sent(tablet_page)
    assert len(lost) >= 1  # stored, answer lost: however often it was sent, one row
    assert Attendance.objects.count() == 1 and StockMovement.objects.filter(kind="handout").count() == 1


@pytest.mark.long(seconds=10)
def test_a_refused_queued_entry_shows_the_message_and_can_be_corrected_and_sent(
    live_server, tablet_page, street_worker, venue, bag
):
    """Also when the tablet's clock is a year behind (set wrong, or reset after a flat battery), so that the date
    and time it filled in are too: the server says so, with what the clock showed, and the entry waits to be set
    by hand. Before, the server called it "more than 60 days back", which the worker had not typed.
    Online, the page says so before anything is saved, politely (a status), and no more once the clock is right."""
    log_in(tablet_page, live_server, street_worker)
    clock_warning = tablet_page.get_by_role("status").filter(has_text="Tablettens ur")
    tablet_page.clock.set_system_time(timezone.now() - dt.timedelta(days=365))
    tablet_page.evaluate("window.dispatchEvent(new Event('focus'))")  # the worker looks at the page again
    expect(clock_warning).to_have_text(
        "Tablettens ur går 365 dage for langsomt: tjek dato og klokkeslæt, før du gemmer, og få stillet uret. "
        "Du kan stadig gemme."
    )
    tablet_page.get_by_label("Stofbrugere", exact=True).fill("11")
    tablet_page.get_by_role("button", name="Gem kurset").tap()
    refused = tablet_page.locator("#queue-list li.refused")
    expect(refused).to_contain_text("Dato: Dato og klokkeslæt kom fra tablettens ur, som gik forkert", timeout=SENDING)
    assert not Attendance.objects.exists()
    # It stays on the tablet, also after a reload.
    tablet_page.reload()
    refused.get_by_role("link", name="Ret").tap()
    assert "tablettens ur" in tablet_page.locator("#id_date_error").inner_text()
    tablet_page.get_by_label("Dato", exact=True).fill(timezone.localdate().isoformat())  # the clock is still wrong
    tablet_page.get_by_role("button", name="Gem kurset").tap()
    expect(refused).to_contain_text("Ikke nok kit i Gadeteamets taske: 10 på lager, 11 ønsket.", timeout=SENDING)
    assert not Attendance.objects.exists()
    refused.get_by_role("link", name="Ret").tap()
    kits_error = tablet_page.locator("#id_kits_error")
    assert "10 på lager" in kits_error.inner_text()
    assert tablet_page.locator("#id_people_who_use_drugs").input_value() == "11"
    tablet_page.get_by_label("Udleverede kit", exact=True).fill("10")
    tablet_page.get_by_role("button", name="Gem kurset").tap()
    wait_until_sent(tablet_page)
    attendance = Attendance.objects.get()
    assert attendance.people_who_use_drugs == 11
    assert timezone.localdate(attendance.course.starts_at) == timezone.localdate()
    assert StockMovement.objects.get(kind="handout").quantity == 10
    # The clock set right: the warning goes when the page is looked at again. Three hours fast: it comes back.
    tablet_page.clock.set_system_time(timezone.now())
    tablet_page.evaluate("window.dispatchEvent(new Event('focus'))")
    expect(clock_warning).to_have_count(0)
    tablet_page.clock.set_system_time(timezone.now() + dt.timedelta(hours=3, minutes=10))
    tablet_page.evaluate("window.dispatchEvent(new Event('focus'))")
    expect(clock_warning).to_contain_text("Tablettens ur går 3 timer for stærkt")

    # Written offline 58 days after its course and held on the tablet 17 days: only a coordinator may log it now
    # (street.forms.HELD_TOO_LONG). It was shown as "correct the entry and send it again", its date right: it stays,
    # saying what to do, and deleting it is asked more plainly.
    written = timezone.now() - dt.timedelta(days=17)
    day = timezone.localdate(written) - dt.timedelta(days=58)
    held = saved_on_the_tablet(venue, bag, opened=written, clock=written, date=day.isoformat(), time="12:00")
    tablet_page.evaluate(
        """([fields, author]) => RedlivQueue.add({key: fields.key, kind: "course", fields, author,
                                                 api: "/gade/api/poster/", page: "/gade/", created: Date.now()})""",
        [held, street_worker.pk],
    )
    press_send_now(tablet_page)
    expect(refused).to_contain_text("Registreringen ventede mere end 14 dage på tabletten", timeout=SENDING)
    expect(tablet_page.locator("#street-status")).to_have_text(
        "En registrering ventede så længe på tabletten, at kun en koordinator kan registrere den nu. Den bliver på "
        "tabletten: se nedenfor, hvad du skal gøre."
    )
    asked = []
    tablet_page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    refused.get_by_role("button", name="Slet").tap()
    expect(refused).to_be_visible()
    assert asked and asked[0].startswith("Registreringen er ikke gemt andre steder.")
    assert Attendance.objects.count() == 1

    # Opened without a connection, the page cannot ask the server's time: it says what the tablet last learned.
    expect(tablet_page.locator("#street")).to_have_attribute("data-offline-ready", "true", timeout=OFFLINE_READY)
    tablet_page.context.set_offline(True)
    tablet_page.reload()
    expect(tablet_page.locator("#clock-warning")).to_have_text(
        "Da tabletten sidst havde forbindelse, gik dens ur 3 timer for stærkt: tjek dato og klokkeslæt, før du gemmer, "
        "og få stillet uret. Du kan stadig gemme."
    )
    expect(refused).to_contain_text("Registreringen ventede mere end 14 dage")  # still on the tablet
    tablet_page.context.set_offline(False)


def test_an_expired_login_loses_nothing(live_server, tablet_page, street_worker, venue, bag):
    log_in(tablet_page, live_server, street_worker)
    context = tablet_page.context
    context.set_offline(True)
    log_three_people(tablet_page)
    context.clear_cookies()  # the session ran out while the tablet was offline
    context.set_offline(False)
    tablet_page.locator("#queue-login").wait_for()
    assert queue_count(tablet_page) == 1 and not Attendance.objects.exists()
    tablet_page.get_by_role("link", name="Log ind igen").tap()
    tablet_page.get_by_label("Brugernavn").fill(street_worker.username)
    tablet_page.get_by_label("Adgangskode").fill(PASSWORD)
    tablet_page.get_by_role("button", name="Log ind").click()
    tablet_page.wait_for_url(f"{live_server.url}/gade/")
    wait_until_sent(tablet_page)
    assert Attendance.objects.count() == 1


@pytest.mark.long(seconds=11)
def test_the_street_pages_are_accessible_and_fit_a_tablet(
    live_server, tablet_page, street_worker, venue, bag, district
):
    course = factories.make_course(venue)
    attendance = factories.make_attendance(course, street_worker)
    log_in(tablet_page, live_server, street_worker)
    for path in [
        "/gade/",
        "/gade/udlevering/",
        "/gade/afrapportering/",
        "/gade/mine/",
        f"/gade/poster/kursus/{attendance.pk}/",
    ]:
        tablet_page.goto(live_server.url + path)
        violations = axe_violations(tablet_page)
        assert violations == [], (path, [(v["id"], [n["html"] for n in v["nodes"]]) for v in violations])
        small = tablet_page.evaluate("""() => [...document.querySelectorAll(
            'main button, main a.btn, main .nav-link, main select, main label.btn,'
            + 'main input:not([type=hidden]):not(.btn-check)')]
            .filter((el) => el.offsetParent !== null)
            .map((el) => [el.id || el.textContent.trim(), el.getBoundingClientRect()])
            .filter(([, box]) => box.width < 44 || box.height < 44).map(([name]) => name)""")
        assert small == [], path
    tablet_page.set_viewport_size({"width": 768, "height": 1024})
    for path in ["/gade/", "/gade/udlevering/", "/gade/afrapportering/", "/gade/mine/"]:
        tablet_page.goto(live_server.url + path)
        assert tablet_page.evaluate("document.documentElement.scrollWidth") <= 768, path
    # A queued entry that was refused is accessible too.
    tablet_page.goto(live_server.url + "/gade/")
    tablet_page.get_by_label("Stofbrugere", exact=True).fill("11")
    tablet_page.get_by_role("button", name="Gem kurset").tap()
    tablet_page.locator("#queue-list li.refused").wait_for()
    violations = axe_violations(tablet_page)
    assert violations == [], [(v["id"], [n["html"] for n in v["nodes"]]) for v in violations]


def test_the_next_course_after_a_planned_courses_attendance_is_a_course_of_its_own(
    live_server, tablet_page, street_worker, venue, bag
):
    """Opened from a planned course ("/gade/?kursus=…"), the page logs its attendance. The form then
    starts again for the next course; it kept the planned course's number, so the next course was
    refused (the planned course has its attendance), and every correction sent the number again."""
    planned = factories.make_course(
        venue, title="Planlagt drop-in", status="planned", starts_at=dt.datetime.now(COPENHAGEN) - dt.timedelta(hours=3)
    )
    log_in(tablet_page, live_server, street_worker, path=f"/gade/?kursus={planned.pk}")
    expect(tablet_page.get_by_text("Planlagt drop-in")).to_be_visible()
    log_three_people(tablet_page)
    wait_until_sent(tablet_page)
    assert Attendance.objects.get().course == planned
    expect(tablet_page.get_by_text("Planlagt drop-in")).to_be_hidden()
    log_three_people(tablet_page)
    wait_until_sent(tablet_page)
    assert Attendance.objects.count() == 2
    assert Attendance.objects.exclude(course=planned).get().course.status == "held"


def test_a_planned_courses_form_shows_and_logs_its_planned_time(live_server, tablet_page, street_worker, venue, bag):
    """Opened from a planned course at 07:00, three hours later, the form showed 10:00 (the page's opening
    time, written over the planned start the server filled in), and the kits handed out at the course
    were dated 10:00. It shows 07:00, and the kits are dated when the course began."""
    planned = factories.make_course(
        venue, title="Planlagt drop-in", status="planned", starts_at=dt.datetime(2026, 6, 11, 7, 0, tzinfo=COPENHAGEN)
    )
    log_in(tablet_page, live_server, street_worker, path=f"/gade/?kursus={planned.pk}")
    expect(tablet_page.get_by_text("Planlagt drop-in")).to_be_visible()
    expect(tablet_page.locator("#id_time")).to_have_value("07:00")
    expect(tablet_page.locator("#id_date")).to_have_value("2026-06-11")
    log_three_people(tablet_page)
    wait_until_sent(tablet_page)
    assert Attendance.objects.get().course == planned
    assert StockMovement.objects.get(kind="handout").occurred_at == planned.starts_at


def test_the_street_page_opened_offline_is_the_plain_form_after_a_planned_course_was_opened_online(
    live_server, tablet_page, street_worker, venue, bag
):
    """The tablet keeps the street page for offline use. Opened online from a planned course
    ("/gade/?kursus=…"), that page was kept as "/gade/": offline, the plain street page then opened
    as the planned course's form, and the next course logged there was sent as its attendance."""
    planned = factories.make_course(
        venue, title="Planlagt drop-in", status="planned", starts_at=dt.datetime.now(COPENHAGEN) - dt.timedelta(hours=3)
    )
    log_in(tablet_page, live_server, street_worker)
    expect(tablet_page.locator("#street")).to_have_attribute("data-offline-ready", "true", timeout=OFFLINE_READY)
    tablet_page.goto(f"{live_server.url}/gade/?kursus={planned.pk}")
    expect(tablet_page.get_by_text("Planlagt drop-in")).to_be_visible()
    tablet_page.context.set_offline(True)
    tablet_page.goto(f"{live_server.url}/gade/")
    expect(tablet_page.get_by_role("button", name="Gem kurset")).to_be_visible()
    expect(tablet_page.get_by_text("Planlagt drop-in")).to_be_hidden()
    log_three_people(tablet_page)
    expect(tablet_page.locator("#queue-count")).to_have_text("1")
    tablet_page.context.set_offline(False)
    wait_until_sent(tablet_page)
    assert Attendance.objects.get().course != planned
    assert Course.objects.get(pk=planned.pk).status == "planned"


def test_a_course_saved_with_nobody_counted_marks_the_counts_invalid_until_one_is_counted(
    live_server, tablet_page, street_worker, venue, bag
):
    """The message said "count at least one participant" and moved the focus to the first count,
    which a screen reader announced as a plain field: now every count is marked invalid, as the
    server marks a refused field, until someone is counted."""
    log_in(tablet_page, live_server, street_worker)
    counts = [tablet_page.locator(f"#id_{name}") for name in Attendance.AUDIENCE_FIELDS.values()]
    refresher = tablet_page.locator("#id_refresher")
    tablet_page.get_by_role("button", name="Gem kurset").tap()
    expect(tablet_page.locator("#street-status")).to_contain_text("Tæl mindst én deltager")
    for count in counts:
        expect(count).to_have_attribute("aria-invalid", "true")
    expect(refresher).not_to_have_attribute("aria-invalid", "true")
    expect(counts[0]).to_be_focused()
    tablet_page.get_by_role("button", name=ONE_MORE_PWUD).tap()
    for count in counts:
        expect(count).not_to_have_attribute("aria-invalid", "true")
    assert not Attendance.objects.exists()
