"""Information pages: seeded in both languages, public, national, edited by administrators with history."""

import importlib

import pytest
from django.apps import apps

from finder.models import InfoPage

pytestmark = pytest.mark.django_db
seed = importlib.import_module("finder.migrations.0002_seed_the_four_information_pages")


@pytest.fixture
def pages(db):
    seed.add_pages(apps, None)
    return InfoPage.objects.all()


def test_the_migration_seeds_the_four_pages_once(pages):
    seed.add_pages(apps, None)
    assert sorted(pages.values_list("slug", flat=True)) == ["naloxon", "om-netvaerket", "overdosis", "sikrere-brug"]


def test_the_overdose_page_lists_the_steps_in_order(client, pages):
    page = client.get("/info/overdosis/").content.decode()
    steps = [
        "reagerer og trækker vejret",
        "Ring 112",
        "indblæsninger",
        "Giv naloxon",
        "stabilt sideleje",
        "Bliv hos personen",
        "Fortæl det bagefter",
    ]
    assert "<ol>" in page
    positions = [page.index(step) for step in steps]
    assert positions == sorted(positions)


def test_the_pages_are_english_under_en(client, pages):
    page = client.get("/en/info/naloxon/").content.decode()
    assert "What is naloxone?" in page and "antidote to opioids" in page


def test_the_finder_links_to_every_information_page(client, pages):
    page = client.get("/").content.decode()
    for slug in ["naloxon", "overdosis", "sikrere-brug", "om-netvaerket"]:
        assert f'href="/info/{slug}/"' in page


def test_an_unknown_page_is_a_404(client, pages):
    assert client.get("/info/findes-ikke/").status_code == 404


def test_text_is_escaped_and_lists_are_made_from_plain_text(client, pages):
    InfoPage.objects.filter(slug="naloxon").update(body_da="<b>fed</b>\n\n- en\n- to")
    page = client.get("/info/naloxon/").content.decode()
    assert "&lt;b&gt;fed&lt;/b&gt;" in page
    assert "<ul><li>en</li><li>to</li></ul>" in page


def test_an_administrator_edits_a_page_in_both_languages_and_the_history_says_who(client, administrator, pages):
    client.force_login(administrator)
    assert client.get("/personale/informationssider/").status_code == 200
    url = "/personale/informationssider/naloxon/"
    form = client.get(url)
    assert form.status_code == 200
    response = client.post(
        url, {"title_da": "Naloxon", "body_da": "Ny tekst.", "title_en": "Naloxone", "body_en": "New text."}
    )
    assert response.status_code == 302
    assert "Ny tekst." in client.get("/info/naloxon/").content.decode()
    assert "New text." in client.get("/en/info/naloxon/").content.decode()
    page = InfoPage.objects.get(slug="naloxon")
    change = page.history.latest("history_date")
    assert (change.history_user, change.body_da, change.history_type) == (administrator, "Ny tekst.", "~")
    assert administrator.username in client.get(url).content.decode()


def test_a_blank_title_is_refused_and_changes_nothing(client, administrator, pages):
    client.force_login(administrator)
    response = client.post(
        "/personale/informationssider/naloxon/", {"title_da": "", "body_da": "x", "title_en": "x", "body_en": "x"}
    )
    assert response.status_code == 200
    assert InfoPage.objects.get(slug="naloxon").title_da == "Hvad er naloxon?"
    assert not InfoPage.history.filter(slug="naloxon").exists()


@pytest.mark.parametrize("who", ["street_worker", "trainer_user", "coordinator", "other_coordinator"])
def test_only_administrators_may_edit_the_national_pages(client, pages, who, request):
    assert client.get("/personale/informationssider/naloxon/").status_code == 302  # to the login
    client.force_login(request.getfixturevalue(who))
    before = InfoPage.objects.get(slug="naloxon").body_da
    assert client.get("/personale/informationssider/").status_code == 403
    assert client.get("/personale/informationssider/naloxon/").status_code == 403
    fields = {"title_da": "x", "body_da": "x", "title_en": "x", "body_en": "x"}
    assert client.post("/personale/informationssider/naloxon/", fields).status_code == 403
    assert InfoPage.objects.get(slug="naloxon").body_da == before
