"""Every `next=` and Referer a redirect follows stays on this site: login, logout, the language switch,
the code page, and the way there from a page that asked for the code. And a forwarded host is not taken
for the site's own in the links the app writes (the exports' method link)."""

from urllib.parse import urlsplit

import pytest
from django.test import Client

from tests.conftest import PASSWORD, VerifiedClient, totp_code

pytestmark = pytest.mark.django_db

ELSEWHERE = [
    "//evil.example/",
    "https://evil.example/",
    "http://evil.example/personale/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "https:evil.example",
    " //evil.example/",
    "//evil.example@testserver/",
    "javascript:alert(1)",
]


def stays(response):
    """Answered here, or sent to a path of this site (whatever its query says)."""
    if response.status_code == 200:
        return True
    location = urlsplit(response["Location"])
    return response.status_code == 302 and not location.scheme and not location.netloc and location.path[:1] == "/"


@pytest.mark.parametrize("elsewhere", ELSEWHERE)
def test_the_login_sends_nobody_elsewhere(street_worker, elsewhere):
    client = Client()
    response = client.post(
        "/konto/login/", {"username": street_worker.username, "password": PASSWORD, "next": elsewhere}
    )
    assert stays(response) and response["Location"] == "/gade/"
    assert stays(client.get("/konto/login/", {"next": elsewhere}))  # already logged in: sent on


@pytest.mark.parametrize("elsewhere", ELSEWHERE)
def test_the_logout_sends_nobody_elsewhere(street_worker, elsewhere):
    client = VerifiedClient()
    client.force_login(street_worker)
    assert stays(client.post("/konto/logout/", {"next": elsewhere}))
    client.force_login(street_worker)
    assert stays(client.post(f"/konto/logout/?next={elsewhere}"))


@pytest.mark.parametrize("elsewhere", ELSEWHERE)
def test_the_language_switch_sends_nobody_elsewhere(client, elsewhere):
    assert stays(client.post("/i18n/setlang/", {"language": "en", "next": elsewhere}))
    assert stays(client.post("/i18n/setlang/", {"language": "da"}, HTTP_REFERER=elsewhere))
    assert stays(client.get("/i18n/setlang/", {"next": elsewhere}))


@pytest.mark.parametrize("elsewhere", ELSEWHERE)
def test_the_code_page_sends_nobody_elsewhere(coordinator, elsewhere):
    client = Client()
    client.post("/konto/login/", {"username": coordinator.username, "password": PASSWORD})
    response = client.post(f"/konto/to-trins/?next={elsewhere}", {"token": totp_code(coordinator), "next": elsewhere})
    assert stays(response) and response["Location"] == "/personale/"


def test_a_page_that_asks_for_the_code_leads_back_to_itself_not_to_a_next_in_its_query(coordinator):
    client = Client()
    client.post("/konto/login/", {"username": coordinator.username, "password": PASSWORD})
    asked = client.get("/personale/kurser/", {"next": "//evil.example/"})
    assert asked["Location"].startswith("/konto/to-trins/")
    response = client.post(asked["Location"], {"token": totp_code(coordinator)})
    assert stays(response) and response["Location"].startswith("/personale/")


def test_a_forwarded_host_is_not_taken_for_the_sites_own_in_an_export(client, coordinator, odense):
    client.force_login(coordinator)
    response = client.get(
        "/personale/maaned/csv/", {"municipality": odense.pk, "publication": "1"}, HTTP_X_FORWARDED_HOST="evil.example"
    )
    assert response.status_code == 200
    content = response.content.decode("utf-8-sig")
    assert "http://testserver/statistik/metode/" in content and "evil" not in content


@pytest.mark.parametrize(
    "page",
    [
        "/personale/maaned/?month=2026-05&municipality={odense}",
        "/personale/kurser/?when=past&next=/personale/lager/",
    ],
)
def test_the_code_page_leads_back_to_the_page_that_asked_for_it_with_its_whole_query(administrator, odense, page):
    """The page's address travels as one `next`: before, an "&" in it ended the `next` there, so an
    administrator's month page for one municipality came back as the whole country's, and a `next`
    further on in the page's own query was the one followed."""
    page = page.format(odense=odense.pk)
    client = Client()
    client.post("/konto/login/", {"username": administrator.username, "password": PASSWORD})
    asked = client.get(page)
    response = client.post(asked["Location"], {"token": totp_code(administrator)})
    assert response["Location"] == page
