"""A database rule a form does not check itself is answered with a message a person can act on,
never with the rule's name ("Begrænsning "courserequest_…" er overtrådt")."""

import logging

import pytest
from django.utils import translation

from courses.models import CourseRequest
from redliv import inputs

pytestmark = pytest.mark.django_db


class BareRequestForm(inputs.ModelForm):
    """The course request's fields without the public form's own checks: as a new form might be written."""

    class Meta:
        model = CourseRequest
        fields = ["organisation_name", "municipality", "contact_email", "number_of_people", "audience"]


def test_a_rule_the_form_misses_is_answered_in_words_and_logged_by_name_without_values(odense, caplog):
    data = {
        "organisation_name": "Herberget",
        "municipality": odense.pk,
        "contact_email": "kontakt@example.org",
        "number_of_people": 0,  # the field takes 0; the database's rule is 1 to 1,000
        "audience": "professionals",
    }
    with translation.override("da"), caplog.at_level(logging.WARNING, logger="redliv.inputs"):
        form = BareRequestForm(data)
        assert not form.is_valid()
        errors = form.non_field_errors()
    assert list(errors) == ["Disse oplysninger kan ikke gemmes sammen. Tjek dem, og prøv igen."]
    assert "courserequest_number_of_people_1_to_1000" not in str(form.errors)
    assert [record.getMessage() for record in caplog.records] == [
        "form BareRequestForm checks no rule courserequest_number_of_people_1_to_1000 of its own"
    ]
    assert "kontakt@example.org" not in caplog.text and "Herberget" not in caplog.text


def test_a_form_that_checks_the_rule_itself_keeps_its_message_beside_the_field(odense):
    from finder.forms import CourseRequestForm

    data = {
        "organisation_name": "Herberget",
        "municipality": odense.pk,
        "contact_name": "Kim",
        "contact_email": "kontakt@example.org",
        "number_of_people": 0,
        "audience": "professionals",
    }
    with translation.override("da"):
        form = CourseRequestForm(data)
        assert not form.is_valid()
    assert list(form.errors) == ["number_of_people"]
    assert "Disse oplysninger" not in str(form.errors)
