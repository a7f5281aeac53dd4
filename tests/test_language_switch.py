"""The language link leads to the same page in the other language, on every public page."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "english, danish",
    [
        ("/en/", "/"),
        ("/en/afrapporter/", "/afrapporter/"),
        ("/en/afrapporter/tak/", "/afrapporter/tak/"),
        ("/en/statistik/", "/statistik/"),
        ("/en/privatliv/", "/privatliv/"),
        ("/en/bestil-kursus/", "/bestil-kursus/"),
        ("/en/bestil-kursus/tak/", "/bestil-kursus/tak/"),
        ("/en/konto/login/", "/konto/login/"),
    ],
)
def test_dansk_leads_back_from_every_english_page_and_english_leads_there(client, english, danish):
    english_page = client.get(english)
    assert english_page.status_code == 200, english
    assert f'<a class="nav-link" href="{danish}" lang="da" hreflang="da">Dansk</a>' in english_page.content.decode()
    danish_page = client.get(danish)
    assert f'<a class="nav-link" href="{english}" lang="en" hreflang="en">English</a>' in danish_page.content.decode()
    assert client.get(danish).wsgi_request.LANGUAGE_CODE == "da"


def test_the_switch_keeps_the_query_string(client):
    page = client.get("/en/statistik/?year=2025").content.decode()
    assert 'href="/statistik/?year=2025" lang="da"' in page
