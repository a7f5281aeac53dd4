"""The street pages offline after logouts and logins in the production set-up: DEBUG off, static files
collected with hashed names (WhiteNoise's manifest storage), served by gunicorn."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from redliv import roles
from tests import factories
from tests.conftest import PASSWORD, TIME_ZONE, make_user, new_page
from tests.test_production_smoke import free_port, start_gunicorn, wait_until_healthy
from tests.test_street_browser import OFFLINE_READY, SENDING

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(settings.BASE_DIR)


@pytest.fixture
def gunicorn(production_static_root):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_SSL_REDIRECT": "0",
        # The server's clock starts where the test's is (tests/clocked_gunicorn.py).
        "REDLIV_TEST_NOW": timezone.now().isoformat(),
        "ALLOWED_HOSTS": "localhost",
        "DJANGO_SETTINGS_MODULE": "redliv.settings",
        "STATIC_ROOT": str(production_static_root),
    }
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
    port = free_port()
    base = f"http://localhost:{port}"  # Chromium keeps Secure cookies (production's) over plain HTTP on localhost
    server = start_gunicorn(port, env)
    wait_until_healthy(base, server)
    yield base
    server.terminate()
    server.wait(30)


@pytest.mark.long(seconds=25)
def test_every_street_tab_works_offline_after_logouts_and_logins_with_hashed_static_files(
    gunicorn, browser, red_liv, coordinator, odense
):
    worker = make_user("gadeplan-alice", red_liv, roles.STREET_WORKER)
    # The tests hash passwords with MD5 for speed; production verifies PBKDF2 (and Argon2).
    worker.password = PBKDF2PasswordHasher().encode(PASSWORD, "productionsalt", iterations=1000)
    worker.save(update_fields=["password"])
    factories.make_venue(red_liv, name="Antidote Danmark, Odense")
    factories.make_district(odense, name="Vollsmose")
    bag = factories.make_location(red_liv, name="Gadeteamets taske")
    factories.receive(factories.make_batch(lot_number="LOT-PROD"), bag, 50, coordinator)
    context = browser.new_context(
        viewport={"width": 820, "height": 1180}, is_mobile=True, has_touch=True, locale="da-DK", timezone_id=TIME_ZONE
    )
    page = new_page(context)  # the page's clock agrees with the server's and the test's
    try:
        for round_ in range(3):
            page.goto(f"{gunicorn}/konto/login/")
            page.get_by_label("Brugernavn").fill(worker.username)
            page.get_by_label("Adgangskode").fill(PASSWORD)
            page.get_by_role("button", name="Log ind").click()
            page.wait_for_url(f"{gunicorn}/gade/")
            expect(page.locator("#street")).to_have_attribute("data-offline-ready", "true", timeout=OFFLINE_READY)
            assert "/static/js/street." in page.evaluate("document.querySelector('script[src*=\"street.\"]').src")
            if round_ < 2:
                page.get_by_role("button", name="Log ud", exact=True).tap()
                page.wait_for_url(f"{gunicorn}/konto/login/")
        context.set_offline(True)
        for path, heading in [
            ("/gade/afrapportering/", "Afrapportér en overdosis"),
            ("/gade/udlevering/", "Registrér en udlevering"),
            ("/gade/mine/", "Mine seneste registreringer"),
            ("/gade/", "Registrér et afholdt kursus"),
        ]:
            page.goto(gunicorn + path)
            expect(page.locator("h1")).to_contain_text(heading)
            assert page.evaluate("getComputedStyle(document.querySelector('.street')).maxWidth") == "760px", path
        page.get_by_role("button", name="Én mere: Stofbrugere").tap()
        page.get_by_role("button", name="Gem kurset").tap()
        expect(page.locator("#queue-count")).to_have_text("1")
        context.set_offline(False)
        expect(page.locator("#queue")).to_be_hidden(timeout=SENDING)
    finally:
        context.close()
    from courses.models import Attendance

    assert Attendance.objects.get().logged_by == worker
