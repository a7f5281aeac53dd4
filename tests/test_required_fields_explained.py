"""The public forms mark the fields that must be filled in with *, and say what * means (WCAG 3.3.2)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "explanation"),
    [
        ("/bestil-kursus/", "Felter med * skal udfyldes."),
        ("/afrapporter/", "Seks korte spørgsmål, markeret med *. Resten er valgfrit."),
        ("/en/bestil-kursus/", "Fields marked * must be filled in."),
        ("/en/afrapporter/", "Six short questions, marked *. The rest is optional."),
    ],
)
def test_a_form_that_marks_required_fields_with_a_star_says_what_the_star_means(client, odense, path, explanation):
    """The request form marked five fields with * and never said what it meant; the report of naloxone use
    said 'six short questions' without saying which six."""
    page = client.get(path).content.decode()
    assert 'class="asteriskField">*</span>' in page
    assert explanation in page
    assert page.index(explanation) < page.index('class="asteriskField"')  # said before the first star
