"""robots.txt: search engines read the public pages, not the staff ones."""

import pytest

pytestmark = pytest.mark.django_db


def test_robots_txt_keeps_search_engines_to_the_public_pages(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *" and "Allow: /" in lines
    for path in ["/personale/", "/konto/", "/gade/", "/admin/", "/en/personale/"]:
        assert f"Disallow: {path}" in lines


def test_a_browser_asking_for_favicon_ico_gets_the_pages_own_icon_not_a_404(client):
    """Chromium asks for /favicon.ico on a page that names no icon (the API's JSON opened in a tab)."""
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].split("?")[0].endswith("/street/icon-192.png")
