"""The accessibility statement: the site's own page (Danish and English) unless a setting names another."""

import pytest

pytestmark = pytest.mark.django_db


def test_every_footer_links_the_sites_own_statement_by_default(client, settings):
    settings.ACCESSIBILITY_STATEMENT_URL = ""
    assert '<a href="/tilgaengelighed/">Tilgængelighedserklæring</a>' in client.get("/").content.decode()
    assert '<a href="/en/tilgaengelighed/">Accessibility statement</a>' in client.get("/en/").content.decode()


def test_the_default_is_the_own_page_not_a_guessed_address():
    from redliv import settings as defaults

    assert defaults.ACCESSIBILITY_STATEMENT_URL == ""


def test_the_statement_has_the_parts_the_danish_act_asks_for(client, settings):
    settings.PROGRAMME_PHONE = "+45 65 51 10 00"
    settings.PROGRAMME_EMAIL = "redliv@odense.dk"
    response = client.get("/tilgaengelighed/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Tilgængelighedserklæring for testserver</h1>" in page
    assert "webtilgængelighedsloven" in page
    for heading in [
        "Overholdelsesstatus",
        "Indhold, der ikke er tilgængeligt",
        "Sådan har vi vurderet webstedet",
        "Feedback og kontaktoplysninger",
        "Håndhævelsesprocedure",
    ]:
        assert f"<h2>{heading}</h2>" in page, heading
    assert "delvist i overensstemmelse" in page and "EN 301 549" in page
    assert "30. november 2026" in page  # prepared and last reviewed
    assert '<a href="tel:+4565511000">+45 65 51 10 00</a>' in page
    assert '<a href="mailto:redliv@odense.dk">redliv@odense.dk</a>' in page
    assert "Digitaliseringsstyrelsen" in page


def test_the_statement_is_in_english_under_en(client):
    page = client.get("/en/tilgaengelighed/").content.decode()
    assert "<h1>Accessibility statement for testserver</h1>" in page
    assert "<h2>Content that is not accessible</h2>" in page and "30 November 2026" in page
    assert 'href="/tilgaengelighed/"' in page  # the language switch leads back


def test_without_a_contact_setting_the_statement_says_whom_to_ask(client, settings):
    settings.PROGRAMME_PHONE = settings.PROGRAMME_EMAIL = ""
    page = client.get("/tilgaengelighed/").content.decode()
    assert "tel:+45" not in page and "RED LIV-koordinatoren i din kommune" in page


def test_a_configured_statement_address_replaces_the_own_page_in_the_footer(client, settings):
    settings.ACCESSIBILITY_STATEMENT_URL = "https://www.was.digst.dk/odense-dk"
    page = client.get("/").content.decode()
    assert '<a href="https://www.was.digst.dk/odense-dk" lang="da" hreflang="da">Tilgængelighedserklæring</a>' in page
    assert 'href="/tilgaengelighed/"' not in page
