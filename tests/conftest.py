"""Shared users and places, named for who they are in the programme.

Odense is the home municipality; Aarhus is "another municipality", whose
coordinator must see nothing of Odense.
"""

import datetime as dt
import os
import time
from importlib import import_module
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import settings as hypothesis_settings

from redliv import roles
from redliv.models import Municipality, Organisation, User
from redliv.security import LAST_SEEN, LOGIN_AT
from redliv.twofactor import HAS_DEVICE_SESSION_KEY
from tests import factories

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make between browser steps are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct horse battery staple"
TIME_ZONE = "Europe/Copenhagen"  # the browser's, as the people who use the registry have it

# The same examples on every run, so that CI is not red by chance; HYPOTHESIS_PROFILE=explore
# draws new ones (and HOSTILE_EXAMPLES=500 draws more) when looking for new failures.
# No deadline per example: on a busy machine (two workers, Chromium and the live servers on two
# cores) an example of a few microseconds was once held up 280 ms, over Hypothesis's 200 ms,
# and the test failed as "unreliable test timings". What the tests check is the answer, not its speed.
hypothesis_settings.register_profile("fixed", derandomize=True, print_blob=True, deadline=None)
hypothesis_settings.register_profile("explore", derandomize=False, print_blob=True, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fixed"))


COPENHAGEN = ZoneInfo("Europe/Copenhagen")

# Every test runs at a fixed instant, never at the machine's: a Thursday morning in June, summer time.
# The clock ticks from there (tick=True), so durations and the order of timestamps stay real.
DEFAULT_INSTANT = dt.datetime(2026, 6, 11, 10, 0, tzinfo=COPENHAGEN)

# The instants at which the clock-sensitive tests run (fixture `at_instant`), in Copenhagen time.
INSTANTS = {
    # Inside the weekly drop-in hours' tricky window: the Tuesday drop-in comes before a pop-up set a day ahead.
    "monday-14.30": dt.datetime(2026, 11, 30, 14, 30, tzinfo=COPENHAGEN),
    # Tuesday after that day's 13-15 drop-in hours have ended: the next one is a week away.
    "tuesday-15.30": dt.datetime(2026, 12, 1, 15, 30, tzinfo=COPENHAGEN),
    # Half an hour before the week (ISO weeks start on Monday) and the day change.
    "sunday-23.30": dt.datetime(2026, 12, 6, 23, 30, tzinfo=COPENHAGEN),
    # Half an hour before the month, the quarter and the year change.
    "new-years-eve-23.30": dt.datetime(2026, 12, 31, 23, 30, tzinfo=COPENHAGEN),
    # Summer time ends on the last Sunday of October: 02:00-03:00 happens twice. This is the second 02:30
    # (winter time, +01:00), 01:30 UTC, on a 25-hour day.
    "october-dst-02.30": dt.datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=COPENHAGEN),
    # Summer time starts on the last Sunday of March: the clocks jump from 02:00 to 03:00, so 02:30 does not
    # exist. This is 01:30 UTC, which a clock still on winter time would show as 02:30: 03:30 summer time,
    # on a 23-hour day.
    "march-dst-02.30": dt.datetime(2027, 3, 28, 1, 30, tzinfo=dt.UTC).astimezone(COPENHAGEN),
}


# What a browser test takes, about, when it has no `long` mark of its own.
BROWSER_TEST_SECONDS = 3


def scheduled_seconds(item) -> float:
    long = item.get_closest_marker("long")
    if long is not None:
        return long.kwargs["seconds"]
    return BROWSER_TEST_SECONDS if item.get_closest_marker("browser") else 0


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """The long tests run first, the longest first; the rest keep their order.

    pytest-xdist's worksteal gives each worker a contiguous half of this list and lets an idle worker take
    the end of the other's queue. In file order a half-minute test collected late (the street random walk,
    the second app server) ran alone at the end while the other worker waited: 30-60 s of a suite that must
    stay under ten minutes. Long ones first means the suite ends on tests of a fraction of a second.
    """
    items.sort(key=lambda item: -scheduled_seconds(item))  # stable: equal ones keep their order


@pytest.fixture(autouse=True)
def fixed_clock():
    """Python's clock (time.time, datetime.now, timezone.now and localdate) starts at DEFAULT_INSTANT.

    time_machine patches the whole process, so the live server's thread sees the same time as the test.
    PostgreSQL keeps its own clock; the app never asks it for the time (no now() in queries, defaults
    or triggers; tests/test_clock.py checks that), so it does not matter what the database thinks.
    """
    with time_machine.travel(DEFAULT_INSTANT, tick=True):
        yield


@pytest.fixture(params=list(INSTANTS.values()), ids=list(INSTANTS))
def at_instant(request, fixed_clock):
    """Runs the test once at each of INSTANTS; the fixture's value is that instant (aware, Copenhagen).

    Name it first in the test's arguments, so that the rows and logins the other fixtures make happen
    at that instant too (a session from months before would have expired).
    """
    with time_machine.travel(request.param, tick=True):
        yield request.param


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, and a transactional test's end that puts the migrated rows back from a copy.

    Django empties every table after a transactional test and emits post_migrate to make the content
    types, permissions and role groups anew: a quarter of a second a test. The copy (tests/table_copies.py)
    brings back the same rows with the same ids, and the information pages the migrations made too.
    """
    from django.core.management import call_command
    from django.test import TransactionTestCase

    from tests import table_copies

    with django_db_blocker.unblock():
        migrated = table_copies.migrated()

    def empty_all_but_the_migrated_rows(test_case):
        for alias in test_case._databases_names(include_mirrors=False):
            call_command("flush", verbosity=0, interactive=False, database=alias, inhibit_post_migrate=True)
        table_copies.put_back(migrated, emptied=True)

    original = TransactionTestCase._fixture_teardown
    TransactionTestCase._fixture_teardown = empty_all_but_the_migrated_rows
    yield
    TransactionTestCase._fixture_teardown = original


DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_setup"}


@pytest.fixture(autouse=True)
def empty_caches(request):
    """Each test starts without what an earlier one left in a cache: a worker's own, or the shared table.

    The shared cache is a table that emptying the database between tests does not touch (it
    is not a model's); a test that uses the database starts with it empty too.
    """
    from django.core.cache import caches
    from django.core.cache.backends.db import DatabaseCache

    uses_database = request.node.get_closest_marker("django_db") or DATABASE_FIXTURES & set(request.fixturenames)
    for cache in caches.all():
        if not isinstance(cache, DatabaseCache):
            cache.clear()
        elif uses_database:
            request.getfixturevalue("django_db_setup")
            with request.getfixturevalue("django_db_blocker").unblock():
                cache.clear()


@pytest.fixture(autouse=True)
def live_server_settles(request):
    """Before the database is emptied after a browser test, the live server has finished what the page asked.

    A page closed mid-request leaves the server's request thread inside a transaction; emptying the tables
    then deadlocks with it, or rows it writes afterwards land in the next test. So the teardown waits for the
    request threads to end (the pages are closed by then) and ends any database session still open.
    """
    if "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")  # set up before this fixture, so emptied after it
    blocker = request.getfixturevalue("django_db_blocker")
    yield
    import threading

    from django.db import connection

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(
        "process_request_thread" in thread.name for thread in threading.enumerate()
    ):
        time.sleep(0.05)
    with blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )


@pytest.fixture(autouse=True)
def danish_after_each_test():
    """A request under /en/ leaves English active in the test thread; the next test starts in Danish."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def odense(db):
    return Municipality.objects.create(name="Odense", code=461)


@pytest.fixture
def aarhus(db):
    return Municipality.objects.create(name="Aarhus", code=751)


@pytest.fixture
def red_liv(odense):
    return Organisation.objects.create(
        name="Odense Kommune, RED LIV", kind=Organisation.Kind.MUNICIPALITY, municipality=odense
    )


@pytest.fixture
def aarhus_org(aarhus):
    return Organisation.objects.create(name="Aarhus Kommune", kind=Organisation.Kind.MUNICIPALITY, municipality=aarhus)


def make_user(username, organisation, role, **fields):
    """A staff user; coordinators and administrators get an authenticator app, as they must."""
    user = User.objects.create_user(username=username, password=PASSWORD, organisation=organisation, **fields)
    if role:
        user.groups.add(Group.objects.get(name=role))
    if role in settings.OTP_REQUIRED_ROLES:
        TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    return user


def totp_code(user) -> str:
    """The code the user's authenticator app shows right now."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


class VerifiedClient(Client):
    """`force_login` gives a session that has passed the second step too, as after a real login."""

    def force_login(self, user, backend=None):
        """The session a real login leaves (with the keys the app's own login receivers add), written at once.

        Django's login() also runs django-axes' clean-up and stores `last_login` with a history row:
        about twenty statements a login that no test reads, and the tests log in thousands of times
        a run. What a login itself does is tested through the login page (test_two_factor and others).
        """
        engine = import_module(settings.SESSION_ENGINE)
        request = HttpRequest()
        request.session = engine.SessionStore()
        if settings.SESSION_COOKIE_NAME in self.cookies and self.session.get(SESSION_KEY) in (None, str(user.pk)):
            request.session.update(self.session.items())  # as login() keeps an anonymous session's data
        request.session[SESSION_KEY] = user._meta.pk.value_to_string(user)
        request.session[BACKEND_SESSION_KEY] = backend or self._get_backend()
        request.session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        request.session[HAS_DEVICE_SESSION_KEY] = user_has_device(user)
        request.session[LOGIN_AT] = request.session[LAST_SEEN] = int(time.time())
        if device is not None:
            request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        request.session.save()
        self._set_login_cookies(request)


@pytest.fixture
def client():
    return VerifiedClient()


@pytest.fixture
def planner(client, coordinator):
    """The client, logged in as Odense's coordinator (with the second step passed)."""
    client.force_login(coordinator)
    return client


def log_in(page, base_url, user, next_path="/personale/", password=PASSWORD):
    """Log in through the login page in the browser, with the second step when the user has one."""
    page.goto(f"{base_url}/konto/login/?next={quote(next_path)}")
    page.get_by_label("Brugernavn").fill(user.username)
    page.get_by_label("Adgangskode").fill(password)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(lambda url: "/konto/login/" not in url)
    if "/konto/to-trins/" in page.url:
        page.get_by_label("Kode").fill(totp_code(user))
        page.get_by_role("button", name="Fortsæt").click()
    page.wait_for_url(base_url + next_path)


@pytest.fixture
def street_worker(red_liv):
    return make_user("gadeplan-alice", red_liv, roles.STREET_WORKER)


@pytest.fixture
def trainer_user(red_liv):
    return make_user("traener-bo", red_liv, roles.TRAINER)


@pytest.fixture
def district(odense):
    return factories.make_district(odense, name="Vollsmose")


@pytest.fixture
def aarhus_district(aarhus):
    return factories.make_district(aarhus, name="Gellerup")


@pytest.fixture
def bag(red_liv, coordinator):
    """The street team's bag with ten kits of lot LOT-BAG; stock tests that need it empty define their own."""
    bag = factories.make_location(red_liv, name="Gadeteamets taske")
    factories.receive(factories.make_batch(lot_number="LOT-BAG"), bag, 10, coordinator)
    return bag


@pytest.fixture
def coordinator(red_liv):
    return make_user("koordinator-carla", red_liv, roles.COORDINATOR)


@pytest.fixture
def other_coordinator(aarhus_org):
    return make_user("koordinator-aarhus", aarhus_org, roles.COORDINATOR)


@pytest.fixture
def administrator(red_liv):
    return make_user("admin-dina", red_liv, roles.ADMINISTRATOR, is_staff=True)


@pytest.fixture
def outsider(db):
    """A user with an account but no organisation and no role."""
    return make_user("outsider-erik", None, None)


@pytest.fixture
def venue(red_liv):
    return factories.make_venue(red_liv, name="Antidote Danmark, Odense")


@pytest.fixture(scope="session")
def production_static_root(tmp_path_factory):
    """Where the tests that serve the app as in production collect its static files: one directory per worker.

    Hashing and compressing them (gzip and Brotli, whitenoise) takes some ten seconds from empty; the next
    `collectstatic` into the same directory only checks what is there.
    """
    return tmp_path_factory.mktemp("production-static")


@pytest.fixture(scope="session")
def demo_rows(django_db_setup, django_db_blocker):
    """seed_demo's rows, made once per worker at DEFAULT_INSTANT (tests/table_copies.py)."""
    from tests import table_copies

    with django_db_blocker.unblock(), time_machine.travel(DEFAULT_INSTANT, tick=True):
        return table_copies.demo()


@pytest.fixture
def demo(db, demo_rows):
    """The database as `seed_demo` leaves it (its users' password is table_copies.DEMO_PASSWORD)."""
    from django.utils import timezone

    from tests import table_copies

    if timezone.localdate() != DEFAULT_INSTANT.date():
        pytest.fail("The demo's rows were made on DEFAULT_INSTANT's day (its dates are relative to it): use them then.")
    table_copies.put_back(demo_rows)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Browser tests need Chromium at {CHROMIUM}; `python3 dev.py test` installs it.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(context):
    """A page whose clock (Date, timers) starts where the server's does, and runs on from there.

    The browser's own clock is the machine's; without this, a script reading the date would disagree
    with the server whenever a test travels in time (fixed_clock, at_instant).
    """
    from django.utils import timezone

    page = context.new_page()
    page.clock.install(time=timezone.now())
    return page


@pytest.fixture
def phone_page(request, browser):
    if "at_instant" in request.fixturenames:
        request.getfixturevalue("at_instant")  # travel first, so that the page's clock starts there
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="da-DK", timezone_id=TIME_ZONE
    )
    yield new_page(context)
    context.close()


@pytest.fixture
def desktop_page(request, browser):
    if "at_instant" in request.fixturenames:
        request.getfixturevalue("at_instant")
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="da-DK", timezone_id=TIME_ZONE)
    yield new_page(context)
    context.close()


@pytest.fixture
def tablet_page(request, browser):
    if "at_instant" in request.fixturenames:
        request.getfixturevalue("at_instant")
    context = browser.new_context(
        viewport={"width": 820, "height": 1180}, is_mobile=True, has_touch=True, locale="da-DK", timezone_id=TIME_ZONE
    )
    yield new_page(context)
    context.close()


def axe_violations(page):
    """WCAG 2.x A/AA (up to 2.2) violations that axe-core finds on the page as it is."""
    from axe_playwright_python.sync_playwright import Axe

    # The answer to a form is in the DOM before its stylesheets have loaded; axe would
    # then judge Bootstrap's colours without ours (CI once saw #0d6efd on an alert).
    page.wait_for_load_state("load")
    results = Axe().run(
        page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}
    )
    return results.response["violations"]
