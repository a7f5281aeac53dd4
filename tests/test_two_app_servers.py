"""Two app servers (two gunicorn processes) sharing one PostgreSQL, as in production behind a load balancer.

No app server keeps state of its own: a course cancelled through one is gone from the
finder, the API, the feed and the widget of the other at once; a session works on
either; the public forms' rate limit counts posts to both.
"""

import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from tests.conftest import VerifiedClient
from tests.factories import make_course
from tests.test_course_request_form import valid

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import dev  # noqa: E402  (the project's own runner: free_port)

PUBLIC_PATHS = ["/", "/api/v1/courses/", "/kurser.ics", "/widget/"]


def _database_url():
    settings = connection.settings_dict
    return (
        f"postgresql://{settings['USER']}:{urllib.parse.quote(settings['PASSWORD'] or '')}@"
        f"{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    )


def _wait(base, process, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn at {base} stopped: {process.returncode}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):  # noqa: S310  (our own http://127.0.0.1 server)
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn at {base} did not answer")


@pytest.fixture
def servers(transactional_db):
    """Two gunicorn processes with two workers each on 127.0.0.1, on the test database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "redliv.test_settings",
        "DATABASE_URL": _database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        # The servers' clocks start where the test's is (tests/clocked_gunicorn.py).
        "REDLIV_TEST_NOW": timezone.now().isoformat(),
    }
    started = []
    try:
        for _ in range(2):
            port = dev.free_port()
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.clocked_gunicorn",
                    "redliv.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "2",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            started.append((f"http://127.0.0.1:{port}", process))
        for base, process in started:
            _wait(base, process)
        yield [base for base, _process in started]
    finally:
        for _base, process in started:
            process.terminate()
        for _base, process in started:
            process.wait(timeout=30)


def _opener():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)), jar


def _get(opener, url):
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _post(opener, url, data, referer):
    request = urllib.request.Request(  # noqa: S310  (our own http://127.0.0.1 servers)
        url, data=urllib.parse.urlencode(data).encode(), headers={"Referer": referer}
    )
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _csrf_token(html):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def _session_cookie(jar, user, host_url):
    client = VerifiedClient()
    client.force_login(user)
    host = urllib.parse.urlparse(host_url).hostname
    jar.set_cookie(
        http.cookiejar.Cookie(
            0, "sessionid", client.cookies["sessionid"].value, None, False, host, False, False, "/", True,
            False, None, False, None, None, {},
        )
    )  # fmt: skip


@pytest.mark.long(seconds=16)
def test_a_course_cancelled_through_one_app_server_is_gone_from_the_other_within_a_second(servers, venue, coordinator):
    first, second = servers
    course = make_course(venue, title="Kursus der aflyses")
    visitor, _jar = _opener()
    for path in PUBLIC_PATHS:  # both servers have answered with the course, so any per-process copy would hold it
        for base in servers:
            status, body = _get(visitor, base + path)
            assert status == 200 and "Kursus der aflyses" in body, (base, path)

    staff, jar = _opener()
    _session_cookie(jar, coordinator, first)
    form_url = f"{first}/personale/kurser/{course.pk}/aflys/"
    status, html = _get(staff, form_url)
    assert status == 200
    status, _body = _post(
        staff, form_url, {"csrfmiddlewaretoken": _csrf_token(html), "reason": "Træneren er syg"}, form_url
    )
    assert status == 200  # followed the redirect to the course page
    cancelled_at = time.monotonic()

    def still_planned(body):
        # The feed keeps the course, marked cancelled, so that a subscribed calendar drops it.
        return "Kursus der aflyses" in body and "STATUS:CANCELLED" not in body

    remaining = set(PUBLIC_PATHS)
    while remaining and time.monotonic() - cancelled_at < 1:
        remaining = {path for path in remaining if still_planned(_get(visitor, second + path)[1])}
    assert not remaining, f"still shown by the other app server after a second: {sorted(remaining)}"
    assert "Træneren er syg" in _get(visitor, second + "/")[1]  # the finder says why


@pytest.mark.long(seconds=15)
def test_a_session_works_on_either_app_server_and_the_rate_limit_counts_both(servers, coordinator, odense):
    staff, jar = _opener()
    _session_cookie(jar, coordinator, servers[0])
    for base in servers:
        with staff.open(base + "/personale/", timeout=10) as response:  # not sent to the login page
            assert response.status == 200 and urllib.parse.urlparse(response.url).path == "/personale/", base

    visitor, _jar = _opener()
    statuses = []
    for attempt in range(6):  # five an hour from one address (finder.views.REQUESTS_PER_WINDOW)
        base = servers[attempt % 2]
        _status, html = _get(visitor, base + "/bestil-kursus/")
        statuses.append(
            _post(
                visitor,
                base + "/bestil-kursus/",
                {"csrfmiddlewaretoken": _csrf_token(html), **valid(odense)},
                base + "/bestil-kursus/",
            )[0]
        )
    assert statuses == [200] * 5 + [429]
