"""Danish first: every string the code marks for translation has a Danish text."""

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import translation

BASE_DIR = Path(settings.BASE_DIR)
# The project catalogue, and one per app that keeps its own locale/ folder.
CATALOGUES = sorted(
    path
    for path in BASE_DIR.glob("**/locale/da/LC_MESSAGES/django.po")
    if not path.relative_to(BASE_DIR).parts[0].startswith(".")
)


def load(path):
    with path.open("rb") as po_file:
        return read_po(po_file)


def test_the_danish_catalogues_have_no_untranslated_or_fuzzy_entry():
    assert BASE_DIR / "locale" / "da" / "LC_MESSAGES" / "django.po" in CATALOGUES
    missing = [
        (str(path.relative_to(BASE_DIR)), message.id)
        for path in CATALOGUES
        for message in load(path)
        if message.id
        and (message.fuzzy or not (all(message.string) if isinstance(message.string, tuple) else message.string))
    ]
    assert missing == []


def test_every_marked_string_in_the_code_is_in_a_danish_catalogue(tmp_path, monkeypatch):
    backups = {path: tmp_path / f"{index}.po" for index, path in enumerate(CATALOGUES)}
    for path, backup in backups.items():
        shutil.copy(path, backup)
    monkeypatch.chdir(BASE_DIR)
    try:
        call_command(
            "makemessages",
            locale=["da"],
            verbosity=0,
            no_obsolete=True,
            no_location=True,
            ignore_patterns=[".venv/*", "staticfiles/*", "tests/*"],
        )
        current = {(path, message.id) for path in CATALOGUES for message in load(path) if message.id}
        rewritten = [
            str(path.relative_to(BASE_DIR))
            for path, backup in backups.items()
            if without_creation_date(path.read_text()) != without_creation_date(backup.read_text())
        ]
    finally:
        for path, backup in backups.items():
            shutil.copy(backup, path)
    known = {(path, message.id) for path, backup in backups.items() for message in load(backup) if message.id}
    new = sorted((str(path.relative_to(BASE_DIR)), str(message_id)) for path, message_id in current - known)
    assert new == [], "run the makemessages command in CONTRIBUTING.md and translate these"
    # Entries added by hand (unwrapped, out of order) made the next makemessages rewrite hundreds of lines of
    # every catalogue, and merges of two branches' catalogues conflict for no reason.
    assert rewritten == [], "run the makemessages command in CONTRIBUTING.md: these are not as it writes them"


def without_creation_date(catalogue: str) -> str:
    return re.sub(r'^"POT-Creation-Date: .*\n"$', "", catalogue, flags=re.M)


def test_gettext_is_imported_under_names_makemessages_looks_for():
    """xgettext finds `_`, `gettext`, `gettext_lazy`, `ngettext`…, not an alias of them: a string marked with
    `gettext_lazy as _lazy` was never extracted, and its Danish was lost when its old catalogue entry went."""
    aliases = []
    for path in BASE_DIR.glob("*/**/*.py"):
        if path.parts[len(BASE_DIR.parts)] in {".venv", "tests", "bench"}:
            continue
        for name, alias in re.findall(r"from django\.utils\.translation import (\w+) as (\w+)", path.read_text()):
            if alias not in {"_", name}:
                aliases.append(f"{path.relative_to(BASE_DIR)}: {name} as {alias}")
    assert aliases == []


def test_pages_are_danish_at_the_root_and_english_under_en(db):
    client = Client()
    assert 'lang="da"' in client.get("/").content.decode()
    assert "Kommende kurser" in client.get("/").content.decode()
    english = client.get("/en/").content.decode()
    assert 'lang="en"' in english
    assert "Upcoming courses" in english


def test_an_english_browser_still_gets_danish_at_the_root(db):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/")
    assert 'lang="da"' in response.content.decode()


def test_model_labels_are_danish():
    from reversals.models import ReversalReport

    with translation.override("da"):
        assert str(ReversalReport._meta.verbose_name) == "afrapportering af overdosis"


def test_a_text_has_the_same_danish_in_every_catalogue():
    """Apps earlier in INSTALLED_APPS win when two catalogues disagree; they must not disagree."""
    seen = {}
    conflicts = []
    for path in CATALOGUES:
        for message in load(path):
            if not message.id or message.fuzzy:
                continue
            key = (message.id, message.context)
            if key in seen and seen[key][1] != message.string:
                conflicts.append((str(message.id), seen[key][1], message.string))
            seen.setdefault(key, (path, message.string))
    assert conflicts == []


def test_what_only_staff_see_is_said_one_way():
    """Both "kun for personale" and "kun for personalet" were on the pages: the product says "personalet"."""
    said = [
        (str(path.relative_to(BASE_DIR)), found)
        for path in CATALOGUES
        for found in re.findall(r"kun for personale(?!t)", path.read_text().replace('"\n"', ""), re.IGNORECASE)
    ]
    assert said == []


@pytest.mark.django_db
def test_a_select_says_what_its_blank_choice_means_in_danish(client, coordinator, street_worker, venue, bag):
    """Django's "---------" stood first in the Danish staff selects (a course's format and venue, a delivery's
    location, the street's "Kit fra"): one to choose is "Vælg …", one that may stay empty "Ingen"."""
    blank_choices = {}
    for user, paths in {
        coordinator: ["/personale/kurser/ny/", "/personale/lager/levering/"],
        street_worker: ["/gade/udlevering/"],
    }.items():
        client.force_login(user)
        for path in paths:
            page = client.get(path).content.decode()
            assert "---------" not in page, path
            for name, label in re.findall(r'<select name="(\w+)"[^>]*>\s*<option value=""[^>]*>([^<]*)<', page):
                blank_choices[path, name] = label
    assert blank_choices["/personale/kurser/ny/", "format"] == "Vælg …"
    assert blank_choices["/personale/kurser/ny/", "venue"] == "Ingen"  # an online course has none
    assert blank_choices["/personale/lager/levering/", "location"] == "Vælg …"
    assert blank_choices["/gade/udlevering/", "location"] == "Vælg …"
