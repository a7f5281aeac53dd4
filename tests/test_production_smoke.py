"""The production set-up, walked in Chromium: what only shows with DEBUG off.

The app is served as the README's "Running it in production" says: DEBUG off, a fresh random
SECRET_KEY, `compiletranslations`, `collectstatic` (hashed, compressed files served by
whitenoise), `migrate`, and gunicorn on 127.0.0.1. It runs as a subprocess against the test
database, so the test is transactional: the demo data it seeds is committed and the server's
own connections see it.

The walk fails on any same-origin response that is an error, any console error, and any
request to another host (those are aborted and recorded, so nothing ever leaves the machine).
"""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from finder.models import InfoPage
from redliv import settings as production
from redliv.models import User
from tests.conftest import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "smoke-test-demo-password"  # noqa: S105 (test data)
# Hosts other than the app's own that a page may ask for by default: none, and it should stay
# empty. An entry here is a known finding, with the issue that removes it as its value, never a
# permanent exception. The map is drawn by the app (finder/map_drawing.py); tiles come only
# from a server an operator sets in MAP_TILE_URL.
PENDING_THIRD_PARTY_HOSTS: dict[str, str] = {}
# The headers a page's own policy lives in: a 304 must repeat them as the 200 had them.
POLICY_HEADERS = ["content-security-policy", "permissions-policy", "x-frame-options"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """The test database (not the one named in DATABASE_URL), for the server's own connections."""
    db = connection.settings_dict
    user = quote(db["USER"] or "postgres", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgresql://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def production_environment(port: int, static_root: Path) -> dict:
    # The defaults, as a fresh deployment has them (no tile server, for one).
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST", "MAP_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "redliv.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url(),
            "STATIC_ROOT": str(static_root),
        }
    )
    return env


def manage(env, *args):
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def wait_until_healthy(url, process, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("gunicorn stopped (its log follows the test)")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:  # noqa: S310 (http://127.0.0.1)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not answer /healthz in time")


def start_gunicorn(port, env, **options):
    """gunicorn as the README starts it, on the test's clock (tests/clocked_gunicorn.py)."""
    command = [sys.executable, "-m", "tests.clocked_gunicorn", "redliv.wsgi", "--bind", f"127.0.0.1:{port}"]
    return subprocess.Popen([*command, "--workers", "2"], env=env, cwd=ROOT, **options)


def seed_demo():
    """The Odense demo, as `dev.py run` loads it (put back from the worker's copy, tests/table_copies.py),
    with passwords the production hasher can check."""
    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
        for user in User.objects.filter(username__startswith="demo-"):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
    # The demo coordinator has scanned the QR code already: they log in with the code from their app.
    TOTPDevice.objects.create(user=User.objects.get(username="demo-koordinator"), name="app", confirmed=True)


@dataclass
class Server:
    url: str
    log: Path


@pytest.fixture
def production_server(transactional_db, demo, tmp_path, production_static_root):
    started = time.monotonic()
    seed_demo()
    print(f"seeded in {time.monotonic() - started:.1f} s")
    port = free_port()
    env = production_environment(port, production_static_root)
    # The README's commands in order, in one interpreter (starting Django four times costs more than the rest).
    manage(
        env,
        "shell",
        "-c",
        "from django.core.management import call_command as run\n"
        "run('check', deploy=True, fail_level='WARNING')\n"
        "run('compiletranslations')\n"
        "run('collectstatic', interactive=False, verbosity=0)\n"
        "run('migrate', interactive=False, verbosity=0)\n",
    )
    log = tmp_path / "gunicorn.log"
    # gunicorn on 127.0.0.1 is reached over plain HTTP, as by the TLS-terminating proxy. The
    # redirect to HTTPS is the proxy's half (tests/test_headers.py checks it); a service
    # worker's own requests could not carry a simulated X-Forwarded-Proto.
    env["SECURE_SSL_REDIRECT"] = "0"
    # The server's clock starts where the test's is, so the demo data is as current there as here.
    env["REDLIV_TEST_NOW"] = timezone.now().isoformat()
    process = start_gunicorn(port, env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process)
        print(f"serving after {time.monotonic() - started:.1f} s")
        yield Server(url, log)
    finally:
        process.terminate()
        process.wait(15)
        print(log.read_text())  # shown by pytest when the test fails


class Walk:
    """One visitor's browser context with everything that went wrong recorded."""

    def __init__(self, browser, base_url, *, block_other_hosts=True, **context_options):
        self.base_url = base_url
        self.own_host = urlsplit(base_url).netloc
        self.problems: list[str] = []
        self.other_hosts: list[str] = []
        self.context = browser.new_context(locale="da-DK", **context_options)
        if block_other_hosts:
            # Routing turns Chromium's HTTP cache off, so the conditional revisit uses a walk without it.
            self.context.route(lambda url: urlsplit(url).netloc != self.own_host, self._refuse)
        self.context.on("request", self._request)
        self.context.on("response", self._response)
        self.context.on("requestfailed", self._failed)
        self.context.on("console", self._console)
        self.context.on("weberror", lambda error: self.problems.append(f"page error: {error.error}"))
        self.page = self.context.new_page()

    def _refuse(self, route):
        route.abort()

    def _request(self, request):
        host = urlsplit(request.url).netloc
        if urlsplit(request.url).scheme in ("http", "https") and host != self.own_host:
            self.other_hosts.append(host)

    def _response(self, response):
        if urlsplit(response.url).netloc == self.own_host and response.status >= 400:
            self.problems.append(f"{response.status} {response.request.method} {response.url}")

    def _failed(self, request):
        # A load the next navigation cancels is ERR_ABORTED; an answer that is an error is a response.
        if urlsplit(request.url).netloc == self.own_host and request.failure != "net::ERR_ABORTED":
            self.problems.append(f"failed {request.method} {request.url}: {request.failure}")

    def _console(self, message):
        if message.type == "error":
            location = message.location.get("url", "")
            if urlsplit(location).netloc != self.own_host and location:
                return  # an aborted request to another host is already recorded as such
            self.problems.append(f"console error on {self.page.url}: {message.text}")

    def goto(self, path):
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        return response

    def check(self):
        unexpected = sorted({host for host in self.other_hosts if host not in PENDING_THIRD_PARTY_HOSTS})
        assert unexpected == [], f"requests to other hosts: {unexpected}"
        assert self.problems == []

    def close(self):
        self.context.close()


def log_in(walk, username, next_path, *, with_code=False):
    page = walk.page
    walk.goto(f"/konto/login/?next={quote(next_path)}")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(lambda url: "/konto/login/" not in url)
    if with_code:
        page.wait_for_url(lambda url: "/konto/to-trins/" in url)
        page.get_by_label("Kode").fill(totp_code(User.objects.get(username=username)))
        page.get_by_role("button", name="Fortsæt").click()
    page.wait_for_url(walk.base_url + next_path)


@pytest.mark.long(seconds=28)
def test_the_production_set_up_serves_every_page_without_errors_or_requests_elsewhere(production_server, browser):
    """One server for every part (starting it is most of the time this takes)."""
    base_url = production_server.url
    # Each walk is a browser context of its own: its own cookies and HTTP cache, as a visitor's.
    walk_the_public_pages_the_map_and_near_me(browser, base_url)
    revisit_with_a_conditional_request(browser, base_url)
    walk_the_street_page(browser, base_url)
    walk_the_coordinator_start_page(browser, base_url)
    # A load balancer's probe by the server's own address, which ALLOWED_HOSTS does not list.
    probe = urllib.request.Request(base_url + "/healthz", headers={"Host": "10.0.3.17:8000"})  # noqa: S310 (127.0.0.1)
    with urllib.request.urlopen(probe, timeout=10) as response:  # noqa: S310 (our own server on 127.0.0.1)
        assert response.status == 200
    # An uptime monitor's HEAD: the finder's headers, gzipped as a browser would get it, and no body.
    monitor = urllib.request.Request(base_url + "/", method="HEAD", headers={"Accept-Encoding": "gzip"})  # noqa: S310
    with urllib.request.urlopen(monitor, timeout=10) as response:  # noqa: S310 (our own server on 127.0.0.1)
        assert response.status == 200 and response.headers["Content-Encoding"] == "gzip"
        assert int(response.headers["Content-Length"]) > 0 and response.read() == b""
    time.sleep(0.5)  # the workers' log lines reach the file
    errors = [line for line in production_server.log.read_text().splitlines() if " ERROR " in line]
    assert errors == []


HERE = {"latitude": 55.3959, "longitude": 10.3883}  # Flakhaven, Odense


def walk_the_public_pages_the_map_and_near_me(browser, base_url):
    visitor = Walk(
        browser,
        base_url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        permissions=["geolocation"],
        geolocation=HERE,
    )
    page = visitor.page
    visitor.goto("/")
    course = page.locator("a[href^='/kurser/']:not([href$='.ics'])").first.get_attribute("href")
    drop_in = page.locator("a[href^='/drop-in/']:not([href$='.ics'])").first.get_attribute("href")
    info_pages = [f"/info/{slug}/" for slug in InfoPage.objects.values_list("slug", flat=True)]
    assert len(info_pages) == 4
    for path in [
        "/en/",
        course,
        drop_in,
        *info_pages,
        "/afrapporter/",
        "/statistik/",
        "/en/statistik/",
        "/privatliv/",
        "/bestil-kursus/",
        "/widget/",
        "/en/widget/",
    ]:
        visitor.goto(path)
        assert page.locator("main, body").first.inner_text().strip(), path

    # The map: without a tile server (the default) a drawing made by the app itself, with the
    # coast from the shipped data and a numbered point per place; nothing is asked of another host.
    visitor.goto("/")
    page.get_by_text("Vis stederne på et kort").click()
    assert page.locator("svg.map-svg").is_visible()
    assert page.locator(".map-marker").count() >= 3
    assert page.locator(".map-coast").count() >= 1
    assert page.locator("a[href^='geo:']").count() == page.locator(".map-marker").count()
    page.wait_for_load_state("networkidle")

    # Near me: the position becomes `near` in the finder's URL, and the list is ordered by distance.
    page.get_by_role("button", name="Sortér efter afstand fra, hvor jeg er").click()
    page.wait_for_url(lambda url: "near=" in url)
    assert page.get_by_text("Nærmest dig først, derefter førstkommende.").is_visible()
    page.get_by_text("Vis stederne på et kort").click()
    assert page.locator(".map-origin").is_visible()  # where the visitor is, drawn on the page only
    page.wait_for_load_state("networkidle")
    visitor.check()
    visitor.close()


def revisit_with_a_conditional_request(browser, base_url):
    """A reload asks again with If-None-Match; the 304 must repeat the page's own headers, or the
    browser adopts the site-wide ones and refuses geolocation (or framing, for the widget)."""
    visitor = Walk(
        browser,
        base_url,
        block_other_hosts=False,  # routing would turn the cache off; other hosts are still recorded
        permissions=["geolocation"],
        geolocation=HERE,
    )
    page = visitor.page
    for path in ["/", "/widget/"]:
        first = visitor.goto(path)
        etag = first.headers["etag"]
        policy = {name: first.headers.get(name) for name in POLICY_HEADERS}
        assert policy["content-security-policy"] and policy["permissions-policy"]

        # What the server answers a conditional request.
        request = urllib.request.Request(  # noqa: S310 (our own server on http://127.0.0.1)
            base_url + path, headers={"If-None-Match": etag, "Accept-Language": "da"}
        )
        with pytest.raises(urllib.error.HTTPError) as not_modified:
            urllib.request.urlopen(request, timeout=10)  # noqa: S310 (our own server on 127.0.0.1)
        assert not_modified.value.code == 304
        assert {name: not_modified.value.headers.get(name) for name in POLICY_HEADERS} == policy, path

        # What the browser keeps after its own revalidation on reload (Chromium reports the stored
        # 200 with the headers the 304 updated).
        with page.expect_response(lambda response, path=path: urlsplit(response.url).path == path) as revisit:
            page.reload()
        assert revisit.value.request.all_headers().get("if-none-match") == etag
        assert {name: revisit.value.headers.get(name) for name in POLICY_HEADERS} == policy, path

    # After the reload the finder may still ask for the position.
    visitor.goto("/")
    page.reload()
    page.get_by_role("button", name="Sortér efter afstand fra, hvor jeg er").click()
    page.wait_for_url(lambda url: "near=" in url)
    visitor.check()
    visitor.close()


def walk_the_street_page(browser, base_url):
    street = Walk(browser, base_url, viewport={"width": 820, "height": 1180}, is_mobile=True, has_touch=True)
    log_in(street, "demo-gade", "/gade/")
    street.page.wait_for_load_state("networkidle")  # the offline copy of the page and its files
    assert street.page.get_by_role("heading", level=1).count() == 1
    street.check()
    street.close()


def walk_the_coordinator_start_page(browser, base_url):
    """A coordinator logs in with the second step and sees the staff start page."""
    coordinator = Walk(browser, base_url, viewport={"width": 1280, "height": 800})
    log_in(coordinator, "demo-koordinator", "/personale/", with_code=True)
    assert coordinator.page.get_by_role("heading", level=1).count() == 1
    coordinator.goto("/personale/maaned/")
    coordinator.check()
    coordinator.close()


def test_the_wsgi_application_leaves_what_the_worker_loaded_out_of_the_collectors_full_passes():
    """gunicorn's workers import redliv.wsgi once: what it loaded is frozen (bench/analysis.md, run 29)."""
    import gc
    import importlib

    importlib.import_module("redliv.wsgi")
    assert gc.get_freeze_count() > 10_000
