"""What a public form (and the login) answers when it is refused for what was typed: the form again, status 200.

The naloxone report answered 400, the course request, the kit check and the login 200: the same refusal had two
statuses, depending on the form. Each is now shown again with 200 (CONTRIBUTING.md, "What a form answers"),
after a language switch too; 429 (with Retry-After) stays for too many posts, 413 for a body too large."""

import pytest

from tests.db_state import table_counts

pytestmark = pytest.mark.django_db


def _refused(odense, district):
    """Each public form with something wrong in it, and the error it must show (in Danish)."""
    return {
        "/afrapporter/": (
            {"occurred_on": "", "occurred_time": "22:30", "district": str(district.pk), "naloxone_doses": "2"},
            "Angiv datoen.",
        ),
        "/bestil-kursus/": (
            {"organisation_name": "Herberget", "municipality": str(odense.pk), "number_of_people": "0"},
            "error-summary",
        ),
        "/tjek-dit-kit/": ({"lot": ""}, "error-summary"),
        "/konto/login/": ({"username": "someone", "password": "wrong"}, "Indtast venligst korrekt brugernavn"),
    }


def test_every_public_form_refused_for_what_was_typed_is_shown_again_with_200(client, odense, district):
    before = table_counts()
    for path, (data, message) in _refused(odense, district).items():
        response = client.post(path, data)
        html = response.content.decode()
        assert response.status_code == 200, path
        assert message in html and "error-summary" in html and "Retry-After" not in response, path
        # ... and the same after switching language on the refused form: its errors again, in English, 200.
        switched = client.post("/en" + path, {**data, "switch_language": "refused"})
        assert switched.status_code == 200 and "error-summary" in switched.content.decode(), path
    assert table_counts() == before
