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


@pytest.mark.parametrize(
    ("path", "explanation"),
    [
        ("/personale/maaned/", "Felter med * skal udfyldes."),
        ("/en/personale/maaned/", "Fields marked * must be filled in."),
    ],
)
def test_the_training_target_form_marks_its_required_field_and_says_what_the_star_means(planner, path, explanation):
    """The target form (on the month page) asked for the number of people without a star, and its optional
    audience did not say that empty counts every participant, as the staff forms' crispy fields do."""
    page = planner.get(path).content.decode()
    start = page.index('/personale/maaned/maal/"')  # the form's action, under /en/ too
    form = page[start : page.index("</form>", start)]
    assert 'class="asteriskField">*</span>' in form and form.count("asteriskField") == 1  # the number, not the audience
    assert form.index(explanation) < form.index('class="asteriskField"')
    label = form[form.index('for="id_people"') :]
    assert label.index("asteriskField") < label.index("</label>")
    assert 'aria-describedby="id_audience_helptext"' in form
    assert 'id="id_audience_helptext"' in form
