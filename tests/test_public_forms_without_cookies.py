"""A public form sent without its CSRF cookie: the browser blocks cookies for the site, or they were
deleted after the page was opened. Django's own answer was a technical page in English ("CSRF
verification failed. Request aborted. … your browser is not being hijacked by third parties"),
unstyled, with no way back and no word of 112, to someone reporting an overdose in Danish."""

import pytest
from django.test import Client

from courses.models import CourseRequest
from reversals.models import ReversalReport

pytestmark = pytest.mark.django_db

FORMS = ["/afrapporter/", "/bestil-kursus/", "/tjek-dit-kit/"]


@pytest.mark.parametrize("path", FORMS)
def test_a_public_form_sent_without_its_cookie_says_in_danish_that_nothing_was_saved(path, odense):
    response = Client(enforce_csrf_checks=True).post(path, {"lot": "NX2408", "organisation_name": "Opgang 7"})
    page = response.content.decode()
    assert response.status_code == 403
    assert "<title>Formularen kunne ikke sendes · RED LIV</title>" in page
    assert "Intet er gemt." in page and "genindlæs siden" in page
    assert 'href="tel:112"' in page  # the site's own page, with its footer
    assert "CSRF" not in page and "hijacked" not in page
    assert not ReversalReport.objects.exists() and not CourseRequest.objects.exists()


@pytest.mark.parametrize("path", FORMS)
def test_and_in_english_under_en(path, odense):
    response = Client(enforce_csrf_checks=True).post("/en" + path, {})
    page = response.content.decode()
    assert response.status_code == 403
    assert "<title>The form could not be sent · RED LIV</title>" in page
    assert "Nothing was saved." in page and 'lang="en"' in page


@pytest.mark.parametrize("path", FORMS)
def test_the_language_switch_without_the_cookie_still_leads_to_the_other_language(path, odense):
    """On a form page the switch sends the form (to keep what was typed): with cookies blocked, a person who only
    wanted the page in English got 'The form could not be sent'. They get the English page, as the link gave."""
    response = Client(enforce_csrf_checks=True).post("/en" + path, {"switch_language": "en", "lot": "NX2408"})
    assert response.status_code == 303 and response["Location"] == "/en" + path
    assert not ReversalReport.objects.exists() and not CourseRequest.objects.exists()


def test_the_login_pages_switch_without_the_cookie_keeps_where_the_login_leads(odense):
    """The switch's redirect dropped the query string: a worker sent to log in on the way to a page (?next=…)
    switched language with an expired cookie and, once logged in, landed on the start page instead."""
    response = Client(enforce_csrf_checks=True).post(
        "/en/konto/login/?next=/personale/kurser/", {"switch_language": "en", "username": "gade"}
    )
    assert response.status_code == 303 and response["Location"] == "/en/konto/login/?next=/personale/kurser/"
