"""Each kind of page, asked over HTTPS with the production settings, carries the headers it must."""

import pytest

from redliv import settings as production
from tests import factories
from tests.conftest import PASSWORD, VerifiedClient

pytestmark = pytest.mark.django_db

ONE_YEAR = 365 * 24 * 3600


@pytest.fixture
def production_settings(settings):
    """What the test settings relax for the browser tests, put back as production has it."""
    for name in [
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SAMESITE",
        "SECURE_REDIRECT_EXEMPT",
    ]:
        setattr(settings, name, getattr(production, name))
    assert settings.SECURE_SSL_REDIRECT and settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    return settings


@pytest.fixture
def course(venue):
    return factories.make_course(venue)


def secure_get(client, path):
    return client.get(path, secure=True, headers={"X-Forwarded-Proto": "https"})


# (kind of page, path, who is logged in)
PAGES = [
    ("finder", "/", None),
    ("API", "/api/v1/courses/", None),
    ("widget", "/widget/", None),
    ("course calendar file", "/kurser/{course}.ics", None),
    ("public course page", "/kurser/{course}/", None),
    ("public report form", "/afrapporter/", None),
    ("login", "/konto/login/", None),
    ("staff page", "/personale/", "coordinator"),
    ("street page", "/gade/", "street_worker"),
    ("stock page", "/personale/lager/", "coordinator"),
    ("admin", "/admin/", "administrator"),
]
# Never kept by a browser or a proxy: pages for staff, and the login page (Django's never_cache).
NEVER_STORED = {"staff page", "street page", "stock page", "admin", "login"}


@pytest.fixture
def page(request, production_settings, course):
    kind, path, who = request.param
    client = VerifiedClient()
    if who:
        client.force_login(request.getfixturevalue(who))
    response = secure_get(client, path.format(course=course.pk))
    assert response.status_code == 200, kind
    return kind, response


def policy(response):
    """The Content-Security-Policy as {directive: [sources]}."""
    directives = [part.strip().split() for part in response["Content-Security-Policy"].split(";") if part.strip()]
    return {parts[0]: parts[1:] for parts in directives}


@pytest.mark.parametrize("page", PAGES, indirect=True, ids=[kind for kind, _path, _who in PAGES])
def test_every_kind_of_page_carries_the_security_headers(page):
    kind, response = page
    hsts = dict(part.strip().partition("=")[::2] for part in response["Strict-Transport-Security"].split(";"))
    assert int(hsts["max-age"]) >= ONE_YEAR
    assert "includeSubDomains" in hsts and "preload" in hsts

    csp = policy(response)
    assert csp["default-src"] == ["'self'"] and csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    if kind == "widget":
        assert csp["frame-ancestors"] == ["*"] and "X-Frame-Options" not in response
    else:
        assert csp["frame-ancestors"] == ["'none'"] and response["X-Frame-Options"] == "DENY"

    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    permissions = response["Permissions-Policy"]
    assert ("geolocation=(self)" if kind == "finder" else "geolocation=()") in permissions
    assert "camera=()" in permissions and "microphone=()" in permissions

    if kind in NEVER_STORED:
        assert "no-store" in response["Cache-Control"]
    else:
        assert "no-store" not in response.get("Cache-Control", "")


def test_plain_http_is_sent_to_https_except_the_health_probe(client, production_settings):
    response = client.get("/personale/")
    assert response.status_code == 301 and response["Location"] == "https://testserver/personale/"
    assert client.get("/healthz").status_code == 200


def test_the_session_cookie_is_secure_httponly_and_samesite_after_login(client, production_settings, street_worker):
    response = client.post("/konto/login/", {"username": street_worker.username, "password": PASSWORD}, secure=True)
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) <= 12 * 3600


def test_the_csrf_cookie_is_secure_and_samesite(client, production_settings):
    response = secure_get(client, "/konto/login/")
    cookie = response.cookies["csrftoken"]
    assert cookie["secure"] and cookie["samesite"] == "Lax"


def test_the_production_settings_silence_no_check():
    assert getattr(production, "SILENCED_SYSTEM_CHECKS", []) == []
