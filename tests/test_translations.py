"""Danish first: every string the code marks for translation has a Danish text."""

import shutil
from pathlib import Path

from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "da" / "LC_MESSAGES" / "django.po"


def load(path):
    with path.open("rb") as po_file:
        return read_po(po_file)


def test_the_danish_catalogue_has_no_untranslated_or_fuzzy_entry():
    catalogue = load(CATALOGUE)
    missing = [message.id for message in catalogue if message.id and (
        message.fuzzy or not (all(message.string) if isinstance(message.string, tuple) else message.string))]
    assert missing == []


def test_every_marked_string_in_the_code_is_in_the_danish_catalogue(tmp_path):
    backup = tmp_path / "django.po"
    shutil.copy(CATALOGUE, backup)
    try:
        call_command("makemessages", locale=["da"], verbosity=0, no_obsolete=True,
                     ignore_patterns=[".venv/*", "staticfiles/*", "tests/*"])
        current = load(CATALOGUE)
    finally:
        shutil.copy(backup, CATALOGUE)
    known = {message.id for message in load(backup) if message.id}
    new = sorted(str(message.id) for message in current if message.id and message.id not in known)
    assert new == [], "run `python3 dev.py manage makemessages -l da` and translate these"


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
    from kits.models import ReversalReport

    with translation.override("da"):
        assert str(ReversalReport._meta.verbose_name) == "afrapportering af overdosis"
