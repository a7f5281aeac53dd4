"""What every public page carries (footer, description) and the API's messages in the asker's language."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/en/", "/privatliv/", "/afrapporter/", "/statistik/", "/bestil-kursus/"])
def test_every_public_page_links_the_accessibility_statement_and_has_a_description(client, settings, path):
    settings.ACCESSIBILITY_STATEMENT_URL = "https://www.was.digst.dk/odense-dk"
    page = client.get(path).content.decode()
    assert (
        '<a href="https://www.was.digst.dk/odense-dk" lang="da" hreflang="da">Tilgængelighedserklæring</a>' in page
    ), path
    assert '<meta name="description" content="' in page


def test_the_description_is_in_the_pages_language(client):
    assert 'content="RED LIV: gratis kurser' in client.get("/").content.decode()
    assert 'content="RED LIV: free courses' in client.get("/en/").content.decode()


@pytest.mark.parametrize(
    "language, paging, filtering",
    [
        ("en", "a whole number from 1 to 500", "Unknown format."),
        ("da", "et helt tal fra 1 til 500", "Ukendt kursusform."),
        ("en-GB,en;q=0.8", "a whole number from 1 to 500", "Unknown format."),
    ],
)
def test_api_errors_follow_accept_language(client, language, paging, filtering):
    response = client.get("/api/v1/courses/?limit=0", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert response.json()["fields"]["limit"] == paging
    assert "Accept-Language" in response["Vary"]
    response = client.get("/api/v1/courses/?format=nope", HTTP_ACCEPT_LANGUAGE=language)
    assert response.json()["fields"]["format"] == filtering
    assert response.json()["error"] == "invalid filter"  # the machine-readable code stays


def test_danish_text_on_an_english_page_is_marked_danish(client, venue):
    from tests.factories import make_course

    venue.accessibility_notes = "Trinfri indgang."
    venue.save()
    course = make_course(venue, title="Kursus for pårørende", public_description="Kom forbi.")
    page = client.get("/en/").content.decode()
    assert f'<a href="/en/kurser/{course.pk}/" lang="da">Kursus for pårørende</a>' in page
    assert '<span lang="da">Trinfri indgang.</span>' in page
    detail = client.get(f"/en/kurser/{course.pk}/").content.decode()
    assert '<h1 lang="da">Kursus for pårørende</h1>' in detail
    assert '<p lang="da">Kom forbi.</p>' in detail
    danish = client.get(f"/kurser/{course.pk}/").content.decode()
    assert "<h1>Kursus for pårørende</h1>" in danish
