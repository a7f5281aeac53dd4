"""An id in the query string written with characters Python calls digits but cannot read as a number.

`str.isdigit()` is true of "²" (superscript two) and "①", but `int()` refuses them: a view that
checked an id with `isdigit()` and then looked it up answered 500. A link a person could be sent
(a shared statistics link, a planned course's "log its attendance" link) must answer 404, or
the page without it.
"""

import pytest

from tests.conftest import VerifiedClient

pytestmark = pytest.mark.django_db

NOT_NUMBERS = ["²", "①", "1²", "٣²"]


def logged_in(user):
    client = VerifiedClient()
    client.force_login(user)
    return client


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_the_public_statistics_of_a_municipality_written_in_superscript_are_not_found(client, odense, value):
    for path in ["/statistik/", "/en/statistik/"]:
        assert client.get(path, {"kommune": value}).status_code == 404


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_the_tablet_opened_for_a_planned_course_written_in_superscript_shows_the_plain_course_form(
    street_worker, value
):
    """As for any other value that is not a number ("?kursus=abc"): no planned course, the ordinary form."""
    response = logged_in(street_worker).get("/gade/", {"kursus": value})
    assert response.status_code == 200 and response.context["planned"] is None


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_an_administrator_choosing_a_municipality_written_in_superscript_gets_not_found(administrator, value):
    client = logged_in(administrator)
    for path in ["/personale/maaned/", "/personale/lager/"]:
        assert client.get(path, {"municipality": value}).status_code == 404, path


def test_an_id_in_arabic_indic_digits_is_still_read_as_its_number(client, odense):
    """Python reads "٣" as 3; such an id keeps working as it did (a statistics link from a phone keyboard)."""
    arabic = "".join(chr(0x0660 + int(digit)) for digit in str(odense.pk))
    assert client.get("/en/statistik/", {"kommune": arabic}).status_code == 200
