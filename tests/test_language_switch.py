"""The language link leads to the same page in the other language, on every public page."""

import re

import pytest

from courses.models import CourseRequest
from redliv.models import PostCount
from tests.db_state import table_counts

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "english, danish",
    [
        ("/en/", "/"),
        ("/en/afrapporter/tak/", "/afrapporter/tak/"),
        ("/en/statistik/", "/statistik/"),
        ("/en/privatliv/", "/privatliv/"),
        ("/en/bestil-kursus/tak/", "/bestil-kursus/tak/"),
    ],
)
def test_dansk_leads_back_from_every_english_page_and_english_leads_there(client, english, danish):
    english_page = client.get(english)
    assert english_page.status_code == 200, english
    assert f'<a class="nav-link" href="{danish}" lang="da" hreflang="da">Dansk</a>' in english_page.content.decode()
    danish_page = client.get(danish)
    assert f'<a class="nav-link" href="{english}" lang="en" hreflang="en">English</a>' in danish_page.content.decode()
    assert client.get(danish).wsgi_request.LANGUAGE_CODE == "da"


def test_the_switch_keeps_the_query_string(client):
    page = client.get("/en/statistik/?year=2025").content.decode()
    assert 'href="/statistik/?year=2025" lang="da"' in page


# A page with a form: the switch sends the form along (in the POST body) and the other language shows it again.


def request(odense, **overrides):
    return {
        "organisation_name": "Herberget Vesterbro",
        "municipality": str(odense.pk),
        "contact_name": "Leder Lise",
        "contact_email": "lise@example.org",
        "contact_phone": "12 34 56 78",
        "audience": "professionals",
        "number_of_people": "12",
        "wishes": "Gerne en eftermiddag i marts,\nhelst i kantinen.",
        "website": "",
        "key": "0b9a8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d",
        **overrides,
    }


@pytest.mark.parametrize(
    "page, other, form_id",
    [
        ("/bestil-kursus/", "/en/bestil-kursus/", "request-form"),
        ("/en/bestil-kursus/", "/bestil-kursus/", "request-form"),
        ("/tjek-dit-kit/", "/en/tjek-dit-kit/", "check-kit-form"),
        ("/en/afrapporter/", "/afrapporter/", "report-form"),
        ("/konto/login/?next=/personale/", "/en/konto/login/?next=/personale/", "login-form"),
        ("/en/konto/login/", "/konto/login/", "login-form"),
    ],
)
def test_on_a_form_the_switch_is_a_button_that_sends_the_form_to_the_other_language(
    client, odense, page, other, form_id
):
    """A plain link left the form behind: a person halfway through the course request switched to English and
    lost everything typed. The switch is a button of the form (form=…), to the same page in the other language."""
    html = client.get(page).content.decode()
    assert '<form method="post"' in html and f'id="{form_id}"' in html
    switch = re.search(r"<button[^>]*name=\"switch_language\"[^>]*>(English|Dansk)</button>", html)
    assert switch, html
    assert (
        f'form="{form_id}"' in switch[0] and f'formaction="{other}"' in switch[0] and 'formmethod="post"' in switch[0]
    )
    assert 'hreflang="' not in html.split("</nav>")[0]  # no plain link beside it


def test_switching_language_halfway_keeps_everything_typed_and_sends_nothing(client, odense):
    client.get("/bestil-kursus/")
    before = table_counts()
    typed = request(odense, contact_email="", number_of_people="")  # half done: no errors are shown yet
    response = client.post("/en/bestil-kursus/", {**typed, "switch_language": "en"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Book a course for your workplace" in html and '<html lang="en">' in html
    for name in ["organisation_name", "contact_name", "contact_phone"]:
        assert re.search(rf'name="{name}"[^>]*value="{typed[name]}"', html), name
    assert "Gerne en eftermiddag i marts,\nhelst i kantinen.</textarea>" in html
    assert re.search(rf'<option value="{odense.pk}" selected>', html)
    assert re.search(r'<option value="professionals" selected>', html)
    assert f'value="{typed["key"]}"' in html  # the same form: sent later, it is still stored once
    assert "is-invalid" not in html and "error-summary" not in html
    assert table_counts() == before and CourseRequest.objects.count() == 0 and PostCount.objects.count() == 0
    # ... and back to Danish, from the English page, the same way.
    back = client.post("/bestil-kursus/", {**typed, "switch_language": "da"}).content.decode()
    assert "Bestil et kursus til jeres arbejdsplads" in back and 'value="Herberget Vesterbro"' in back
    # Then sent: one request, as typed.
    client.post("/bestil-kursus/", request(odense))
    assert CourseRequest.objects.get().wishes == "Gerne en eftermiddag i marts,\nhelst i kantinen."


def test_what_was_typed_never_travels_in_a_url(client, odense):
    response = client.post("/en/bestil-kursus/", {**request(odense), "switch_language": "en"})
    assert response.status_code == 200 and response.wsgi_request.get_full_path() == "/en/bestil-kursus/"
    html = response.content.decode()
    assert "lise%40example.org" not in html and "?organisation" not in html


def test_a_broken_character_in_what_was_typed_does_not_break_the_switch(client, odense):
    response = client.post("/en/bestil-kursus/", {**request(odense, wishes="a\x00b"), "switch_language": "en"})
    assert response.status_code == 200 and "ab</textarea>" in response.content.decode()


def test_the_lot_number_typed_stays_and_is_not_looked_up_when_switching(client, odense):
    response = client.post("/en/tjek-dit-kit/", {"lot": "NX-2408", "switch_language": "en"})
    html = response.content.decode()
    assert "Check your kit" in html and 'value="NX-2408"' in html
    assert "data-status" not in html and PostCount.objects.count() == 0


def test_the_naloxone_report_keeps_its_answers_and_opens_its_details_when_switching(client, district):
    """The same on 'Did you give naloxone? Tell us': a person who switched language mid-way lost the report."""
    typed = {
        "key": "5a1c7d2e-8f1b-4c52-9a57-3f0c6f1d2b11",
        "occurred_on": "2026-06-10",
        "occurred_time": "22:30",
        "district": str(district.pk),
        "substances": ["heroin", "fentanyl"],
        "naloxone_doses": "2",
        "called_112": "yes",
        "note": "Han vågnede efter to minutter",
        "website": "",
    }
    before = table_counts()
    response = client.post("/en/afrapporter/", {**typed, "switch_language": "en"})
    html = response.content.decode()
    assert response.status_code == 200 and "Did you give naloxone? Tell us" in html
    assert 'value="2026-06-10"' in html and 'value="22:30"' in html and f'value="{typed["key"]}"' in html
    assert re.search(r'value="heroin"[^>]*checked', html) and re.search(r'value="fentanyl"[^>]*checked', html)
    assert re.search(r'name="called_112" value="yes"[^>]*checked', html)
    assert "Han vågnede efter to minutter</textarea>" in html and '<details class="reversals-more mb-3" open>' in html
    assert "is-invalid" not in html and table_counts() == before


# A refused form: the person who switched language to understand the error message gets it, in that language.


def _switch_value(html):
    """The value the page's own switch button sends (templates/base.html)."""
    return re.search(r'<button[^>]*name="switch_language" value="([^"]*)"', html)[1]


def test_a_refused_course_request_shows_its_errors_again_in_the_language_switched_to_and_sends_nothing(client, odense):
    """After a refusal, the switch showed the form without its errors: the one message the person switched
    language to read was gone until the next send. The form is checked again, in the new language; nothing
    is stored and no post is counted."""
    typed = request(odense, contact_email="", contact_phone="", number_of_people="0")
    refused = client.post("/bestil-kursus/", typed).content.decode()
    assert "Skriv en e-mailadresse eller et telefonnummer, så vi kan svare." in refused
    before = table_counts()
    response = client.post("/en/bestil-kursus/", {**typed, "switch_language": _switch_value(refused)})
    html = response.content.decode()
    assert response.status_code == 200 and '<html lang="en">' in html
    assert "<title>Error: Book a course for your workplace" in html and "error-summary" in html
    assert "Give an e-mail address or a phone number, so we can reply." in html
    assert "Enter a number from 1 to 1,000." in html
    assert "Skriv en e-mailadresse" not in html
    assert 'value="Herberget Vesterbro"' in html and f'value="{typed["key"]}"' in html
    assert table_counts() == before and CourseRequest.objects.count() == 0 and PostCount.objects.count() == 0
    # ... and back to Danish from the English page, the errors with it.
    back = client.post("/bestil-kursus/", {**typed, "switch_language": _switch_value(html)}).content.decode()
    assert "Skriv en e-mailadresse eller et telefonnummer, så vi kan svare." in back and "is-invalid" in back
    assert table_counts() == before


def test_a_course_request_refused_for_too_many_requests_says_so_again_in_english_without_counting_one_more(
    client, odense
):
    for number in range(6):  # five are received; the sixth in the hour is refused
        refused = client.post("/bestil-kursus/", request(odense, key=f"0b9a8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6{number}"))
    assert refused.status_code == 429
    typed = request(odense, key="0b9a8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c65")
    counted = list(PostCount.objects.values_list("count", flat=True))
    response = client.post("/en/bestil-kursus/", {**typed, "switch_language": _switch_value(refused.content.decode())})
    html = response.content.decode()
    assert response.status_code == 429  # the refusal's own status, as before the switch
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert "We have received several requests from you in a short time. Please try again in an hour." in html
    assert list(PostCount.objects.values_list("count", flat=True)) == counted and CourseRequest.objects.count() == 5


def test_a_refused_naloxone_report_shows_its_errors_again_in_the_language_switched_to_and_stores_nothing(
    client, district
):
    typed = {
        "key": "5a1c7d2e-8f1b-4c52-9a57-3f0c6f1d2b11",
        "occurred_on": "2026-06-12",  # tomorrow (tests/conftest.py DEFAULT_INSTANT)
        "occurred_time": "22:30",
        "district": str(district.pk),
        "naloxone_doses": "2",
        "called_112": "yes",
        "outcome": "recovered",
        "note": "Han vågnede efter to minutter",
        "website": "",
    }
    refused = client.post("/afrapporter/", typed).content.decode()
    assert "Dato og klokkeslæt ligger i fremtiden." in refused
    before = table_counts()
    response = client.post("/en/afrapporter/", {**typed, "switch_language": _switch_value(refused)})
    html = response.content.decode()
    # The refused report's own status, 200 as every refused public form (CONTRIBUTING.md), and its errors.
    assert response.status_code == 200 and "Did you give naloxone? Tell us" in html
    assert "The date and time are in the future." in html and "is-invalid" in html
    assert 'value="2026-06-12"' in html and "Han vågnede efter to minutter</textarea>" in html
    assert table_counts() == before and PostCount.objects.count() == 0


def test_a_naloxone_report_refused_for_too_many_reports_keeps_what_was_typed_and_says_so_again_in_english(
    client, district
):
    """The "too many reports" answer was a page of its own: what was typed was gone (the report lost, for a
    person who had just been through an overdose), and its language switch, a link, led to an empty form.
    The form is shown again, holding everything typed, with the reason at the top (429); the switch says the
    reason again in English, 429 too, counting no post and storing nothing."""
    from redliv.ratelimit import count_post
    from reversals import services
    from reversals.models import ReversalReport

    for _ in range(services.PUBLIC_POSTS_PER_HOUR):
        count_post("naloxone-report", "127.0.0.1")
    typed = {
        "key": "5a1c7d2e-8f1b-4c52-9a57-3f0c6f1d2b11",
        "occurred_on": "2026-06-10",
        "occurred_time": "22:30",
        "district": str(district.pk),
        "substances": ["heroin"],
        "naloxone_doses": "2",
        "called_112": "yes",
        "outcome": "recovered",
        "note": "Han vågnede efter to minutter",
        "website": "",
    }
    refused = client.post("/afrapporter/", typed)
    page = refused.content.decode()
    assert refused.status_code == 429 and "Prøv igen senere" in page and "error-summary" in page
    assert 'value="2026-06-10"' in page and "Han vågnede efter to minutter</textarea>" in page
    assert _switch_value(page) == "refused"
    counted = list(PostCount.objects.values_list("count", flat=True))
    response = client.post("/en/afrapporter/", {**typed, "switch_language": _switch_value(page)})
    html = response.content.decode()
    assert response.status_code == 429 and '<html lang="en">' in html and "Please try again later." in html
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert 'value="2026-06-10"' in html and "Han vågnede efter to minutter</textarea>" in html
    assert re.search(r'value="heroin"[^>]*checked', html) and f'value="{typed["key"]}"' in html
    assert list(PostCount.objects.values_list("count", flat=True)) == counted and not ReversalReport.objects.exists()


def test_a_naloxone_report_received_and_sent_again_is_not_refused_for_too_many_reports(client, district):
    """A double tap, or Back and send again: the report is stored already, so the second send stores nothing
    new and is not counted; past the hour's limit it was answered "too many reports", as if it were lost."""
    from redliv.ratelimit import count_post
    from reversals import services
    from reversals.models import ReversalReport

    typed = {
        "key": "5a1c7d2e-8f1b-4c52-9a57-3f0c6f1d2b11",
        "occurred_on": "2026-06-10",
        "occurred_time": "22:30",
        "district": str(district.pk),
        "naloxone_doses": "1",
        "called_112": "yes",
        "outcome": "recovered",
        "website": "",
    }
    assert client.post("/afrapporter/", typed).status_code == 302
    for _ in range(services.PUBLIC_POSTS_PER_HOUR):
        count_post("naloxone-report", "127.0.0.1")
    counted = list(PostCount.objects.values_list("count", flat=True))
    again = client.post("/afrapporter/", typed)
    assert again.status_code == 302 and again["Location"] == "/afrapporter/tak/"
    assert ReversalReport.objects.count() == 1 and list(PostCount.objects.values_list("count", flat=True)) == counted


def test_a_kit_check_refused_for_too_many_checks_says_so_again_with_its_status(client, settings):
    from redliv.ratelimit import count_post

    for _ in range(settings.KIT_CHECKS_PER_HOUR + 1):
        count_post("kit-check", "127.0.0.1")
    refused = client.post("/tjek-dit-kit/", {"lot": "NX-2408"})
    assert refused.status_code == 429
    response = client.post(
        "/en/tjek-dit-kit/", {"lot": "NX-2408", "switch_language": _switch_value(refused.content.decode())}
    )
    assert response.status_code == 429 and "You have checked many lot numbers" in response.content.decode()
    assert 1 <= int(response["Retry-After"]) <= 3600


def test_a_kit_checks_answer_shows_again_in_the_language_switched_to_and_counts_as_a_check(client, settings, bag):
    """On the answer ("fine to use until …" in Danish) the switch showed the lot number typed without the answer:
    the one thing the person switched language to read. The answer shows in English; looking it up again counts
    as a check, so that switching back and forth is no way past the hour's limit."""
    import datetime as dt

    from tests import factories

    factories.make_batch(lot_number="NX2408", expiry_date=dt.date(2027, 6, 1))
    answer = client.post("/tjek-dit-kit/", {"lot": "NX2408"}).content.decode()
    assert "til og med 1. juni 2027" in answer and _switch_value(answer) == "answered"
    response = client.post("/en/tjek-dit-kit/", {"lot": "NX2408", "switch_language": _switch_value(answer)})
    html = response.content.decode()
    assert response.status_code == 200 and '<html lang="en">' in html
    assert 'data-status="fine"' in html and "fine to use until 1 June 2027" in html and 'value="NX2408"' in html
    assert PostCount.objects.get().count == 2
    settings.KIT_CHECKS_PER_HOUR = 2
    refused = client.post("/tjek-dit-kit/", {"lot": "NX2408", "switch_language": _switch_value(html)})
    assert refused.status_code == 429 and 'data-status="fine"' not in refused.content.decode()


def test_a_refused_kit_check_shows_its_error_again_in_the_language_switched_to_and_looks_nothing_up(client):
    refused = client.post("/tjek-dit-kit/", {"lot": ""}).content.decode()
    assert "is-invalid" in refused
    html = client.post("/en/tjek-dit-kit/", {"lot": "", "switch_language": _switch_value(refused)}).content.decode()
    assert "Check your kit" in html and "This field is required." in html and "data-status" not in html
    assert PostCount.objects.count() == 0


def test_the_login_pages_switch_keeps_the_username_never_shows_the_password_and_tries_no_login(client, coordinator):
    """The login page's switch was a plain link: a worker who switched language lost the username typed. It sends
    the form; the password goes with it (it is in the form) but is never written into the page, and no login is
    tried (django-axes counts no failure, nobody is logged in)."""
    typed = {"username": coordinator.username, "password": "hemmelig-kode-4711", "next": "/personale/kurser/"}
    before = table_counts()
    response = client.post("/en/konto/login/?next=/personale/kurser/", {**typed, "switch_language": "en"})
    html = response.content.decode()
    assert response.status_code == 200 and '<html lang="en">' in html and "<title>Log in" in html
    assert re.search(rf'name="username" value="{coordinator.username}"', html)
    assert 'name="next" value="/personale/kurser/"' in html
    assert "hemmelig-kode-4711" not in html and not re.search(r'type="password"[^>]*value=', html)
    assert "is-invalid" not in html and "_auth_user_id" not in client.session
    assert table_counts() == before
    # After a refused login too (a wrong password): the username stays, the password is not shown.
    refused = client.post("/konto/login/", typed).content.decode()
    assert "Indtast venligst korrekt brugernavn og adgangskode" in refused
    html = client.post("/en/konto/login/", {**typed, "switch_language": _switch_value(refused)}).content.decode()
    assert re.search(rf'name="username" value="{coordinator.username}"', html) and "hemmelig-kode-4711" not in html
    assert "_auth_user_id" not in client.session


def _failures():
    from axes.models import AccessAttempt, AccessFailureLog

    return list(AccessAttempt.objects.values_list("failures_since_start", flat=True)), AccessFailureLog.objects.count()


def test_a_refused_login_is_shown_refused_again_in_the_language_switched_to_without_trying_a_login(client, coordinator):
    """After a wrong password the switch showed the login form without its error: the person who switched
    language to read why was told nothing. The refusal shows again, in English; the password is neither shown
    nor checked (the right one sent with the switch logs nobody in), and django-axes counts no failure."""
    from tests.conftest import PASSWORD

    typed = {"username": coordinator.username, "password": "hemmelig-kode-4711"}
    refused = client.post("/konto/login/", typed).content.decode()
    assert "Indtast venligst korrekt brugernavn og adgangskode" in refused
    failures = _failures()
    for password in ["hemmelig-kode-4711", PASSWORD]:
        response = client.post(
            "/en/konto/login/", {**typed, "password": password, "switch_language": _switch_value(refused)}
        )
        html = response.content.decode()
        assert response.status_code == 200 and '<html lang="en">' in html and "<title>Error: Log in" in html
        assert "Please enter a correct username and password." in html and "error-summary" in html
        assert re.search(rf'name="username" value="{coordinator.username}"', html) and password not in html
        assert _failures() == failures and "_auth_user_id" not in client.session
    # ... and back to Danish, from the English page.
    back = client.post("/konto/login/", {**typed, "switch_language": _switch_value(html)}).content.decode()
    assert "Indtast venligst korrekt brugernavn og adgangskode" in back and _failures() == failures
    # A login refused for an empty field says that again, not that the password was wrong.
    empty = client.post("/konto/login/", {**typed, "password": ""}).content.decode()
    html = client.post("/en/konto/login/", {**typed, "password": "", "switch_language": _switch_value(empty)})
    assert "This field is required." in html.content.decode() and "correct username" not in html.content.decode()


def test_a_login_locked_out_says_so_again_in_the_language_switched_to_without_counting_an_attempt(
    client, street_worker
):
    """The lockout page's switch was a link to an empty login form in the other language: the lockout message
    was gone, and the username with it. It sends the username (never the password) marked refused; the other
    language reads the lockout (429 again) and counts nothing."""
    typed = {"username": street_worker.username, "password": "forkert-kode", "next": "/gade/"}
    for _ in range(5):
        locked = client.post("/konto/login/?next=/gade/", typed)
    assert locked.status_code == 429 and "For mange forsøg" in locked.content.decode()
    page = locked.content.decode()
    assert _switch_value(page) == "refused" and "forkert-kode" not in page
    assert re.search(rf'type="hidden" name="username" value="{street_worker.username}"', page)
    failures = _failures()
    response = client.post(
        "/en/konto/login/?next=/gade/",
        {"username": street_worker.username, "next": "/gade/", "switch_language": _switch_value(page)},
    )
    html = response.content.decode()
    assert response.status_code == 429 and '<html lang="en">' in html and "Too many attempts" in html
    assert 'name="next" value="/gade/"' in html and _failures() == failures
    # Where the login leads is kept only if it is on this site, as the login page itself keeps it.
    elsewhere = client.post("/konto/login/", {**typed, "next": "https://elsewhere.example/"}).content.decode()
    assert "elsewhere.example" not in elsewhere and 'name="next" value=""' in elsewhere
    # Another username at this address is not locked: its switch shows the login refused, not the lockout.
    other = client.post("/en/konto/login/", {"username": "someone-else", "password": "x", "switch_language": "refused"})
    assert other.status_code == 200 and "Please enter a correct username and password." in other.content.decode()


def test_a_public_forms_page_holding_what_was_typed_is_not_kept_by_the_browser(client, odense, district):
    """A refused course request (with the contact's phone number) or report (with its note), or either form after a
    language switch, was a page the browser could keep in its cache and history: on a shared phone, the next person
    could read it. Such an answer is no-store, as the kit check's and the login's are; the thanks page's redirect
    and the empty form are left as they were."""
    note = {
        "occurred_on": "2030-01-01",
        "note": "Peter Hansen, 12 34 56 78",
        "key": "5a1c7d2e-8f1b-4c52-9a57-3f0c6f1d2b11",
    }
    answers = [
        client.post("/bestil-kursus/", request(odense, number_of_people="0")),
        client.post("/en/bestil-kursus/", {**request(odense), "switch_language": "en"}),
        client.post("/afrapporter/", note),
        client.post("/en/afrapporter/", {**note, "switch_language": "refused"}),
    ]
    for response in answers:
        assert response.status_code == 200 and "no-store" in response["Cache-Control"], response.wsgi_request
    assert client.post("/bestil-kursus/", request(odense)).status_code == 302
    assert "Cache-Control" not in client.get("/bestil-kursus/")


def _code_page(client, coordinator):
    """A session past the password, at the code page (as redliv.twofactor sends it there)."""
    from tests.conftest import PASSWORD

    client.post("/konto/login/", {"username": coordinator.username, "password": PASSWORD})
    return client.get("/konto/to-trins/?next=/personale/kurser/")


def _device_failures(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return list(TOTPDevice.objects.filter(user=user).values_list("throttling_failure_count", flat=True))


def test_the_code_pages_switch_sends_the_form_keeps_where_it_leads_and_never_shows_or_tries_the_code(
    client, coordinator
):
    """The code page's switch was a plain link, unlike the login page's: a refusal ("that code is not right", "too
    many wrong codes") was gone in the other language. It is a button of the form, as the login's: the page again,
    where the code was asked for kept; the code typed is neither written into the page nor tried."""
    from tests.conftest import totp_code

    html = _code_page(client, coordinator).content.decode()
    assert 'id="otp-form"' in html and 'hreflang="' not in html.split("</nav>")[0]
    switch = re.search(r"<button[^>]*name=\"switch_language\"[^>]*>English</button>", html)
    assert switch and 'form="otp-form"' in switch[0]
    assert 'formaction="/en/konto/to-trins/?next=/personale/kurser/"' in switch[0]
    code = totp_code(coordinator)
    typed = {"token": code, "next": "/personale/kurser/"}
    response = client.post("/en/konto/to-trins/?next=/personale/kurser/", {**typed, "switch_language": "en"})
    html = response.content.decode()
    assert response.status_code == 200 and '<html lang="en">' in html and "<title>Two-step login" in html
    assert 'name="next" value="/personale/kurser/"' in html and code not in html
    assert client.get("/personale/").status_code == 302  # nobody verified by the switch
    # A refused code: refused again in English, without trying the code sent with the switch (the right one).
    refused = client.post("/konto/to-trins/", {**typed, "token": "12345x"}).content.decode()
    assert "Koden er ikke rigtig" in refused and _switch_value(refused) == "refused"
    failures = _device_failures(coordinator)
    response = client.post("/en/konto/to-trins/", {**typed, "switch_language": _switch_value(refused)})
    html = response.content.decode()
    assert response.status_code == 200 and "<title>Error: Two-step login" in html
    assert "That code is not right, or it was used already." in html and code not in html
    assert _device_failures(coordinator) == failures and client.get("/personale/").status_code == 302


def test_a_code_refused_for_too_many_wrong_ones_says_so_again_in_the_language_switched_to_with_its_429(
    client, coordinator
):

    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    _code_page(client, coordinator)
    TOTPDevice.objects.filter(user=coordinator).update(
        throttling_failure_count=5, throttling_failure_timestamp=timezone.now()
    )
    held = client.post("/konto/to-trins/", {"token": "123456"})
    assert held.status_code == 429 and _switch_value(held.content.decode()) == "refused"
    response = client.post("/en/konto/to-trins/", {"token": "123456", "switch_language": "refused"})
    assert response.status_code == 429 and "Too many wrong codes in a row." in response.content.decode()
    assert 1 <= int(response["Retry-After"]) <= 16 and _device_failures(coordinator) == [5]


def _set_up_page(client, user):
    """A session past the password of a user without an app, at the set-up page; and the app it enrols."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.conftest import PASSWORD

    client.post("/konto/login/", {"username": user.username, "password": PASSWORD})
    page = client.get("/konto/to-trins/opsaet/?next=/personale/kurser/")
    return page, TOTPDevice.objects.get(user=user, confirmed=False)


def _code_of(device):
    from django_otp.oath import TOTP

    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def test_the_set_up_pages_switch_sends_the_form_keeps_the_app_and_never_shows_or_tries_the_code(client, street_worker):
    """The set-up page's switch was a plain link, as the code page's was: a refusal was gone in the other language.
    It is a button of the form: the same app to scan, where it leads kept; the code typed is neither written into
    the page nor tried, and refused, it is refused again, translated, without trying it."""
    import datetime as dt

    from django.utils import timezone

    page, device = _set_up_page(client, street_worker)
    html = page.content.decode()
    assert 'id="otp-setup-form"' in html and 'hreflang="' not in html.split("</nav>")[0]
    switch = re.search(r"<button[^>]*name=\"switch_language\"[^>]*>English</button>", html)
    assert switch and 'form="otp-setup-form"' in switch[0]
    assert 'formaction="/en/konto/to-trins/opsaet/?next=/personale/kurser/"' in switch[0]
    code = _code_of(device)
    typed = {"token": code, "next": "/personale/kurser/"}
    response = client.post("/en/konto/to-trins/opsaet/", {**typed, "switch_language": "en"})
    html = response.content.decode()
    assert response.status_code == 200 and '<html lang="en">' in html and "<title>Set up two-step login" in html
    assert 'name="next" value="/personale/kurser/"' in html and f'value="{code}"' not in html
    device.refresh_from_db()
    assert not device.confirmed and response.context["secret"].replace(" ", "") in device.config_url
    refused = client.post("/konto/to-trins/opsaet/", {**typed, "token": "12345x"})
    assert refused.status_code == 200 and _switch_value(refused.content.decode()) == "refused"
    # django-otp takes the next code a second after a wrong one: that second has passed.
    type(device).objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(seconds=10)
    )
    device.refresh_from_db()
    failures = device.throttling_failure_count
    response = client.post("/en/konto/to-trins/opsaet/", {**typed, "switch_language": "refused"})
    html = response.content.decode()
    assert response.status_code == 200 and "<title>Error: Set up two-step login" in html
    assert "That code is not right. Check the time on your phone" in html and f'value="{code}"' not in html
    device.refresh_from_db()
    assert device.throttling_failure_count == failures and not device.confirmed


def test_a_first_code_refused_for_too_many_wrong_ones_says_so_again_in_the_language_switched_to_with_its_429(
    client, street_worker
):
    from django.utils import timezone

    _page, device = _set_up_page(client, street_worker)
    type(device).objects.filter(pk=device.pk).update(
        throttling_failure_count=5, throttling_failure_timestamp=timezone.now()
    )
    held = client.post("/konto/to-trins/opsaet/", {"token": "123456"})
    assert held.status_code == 429 and _switch_value(held.content.decode()) == "refused"
    response = client.post("/en/konto/to-trins/opsaet/", {"token": "123456", "switch_language": "refused"})
    assert response.status_code == 429 and "Too many wrong codes in a row." in response.content.decode()
    assert 1 <= int(response["Retry-After"]) <= 16
    device.refresh_from_db()
    assert device.throttling_failure_count == 5 and not device.confirmed


def test_the_login_pages_switch_writes_no_address_off_this_site_into_the_page(client):
    """`?next=https://elsewhere.example/` on the login page: the login never leads there, but the switch's
    formaction held it. Only a `next` on this site goes with the switch; the rest of the query stays."""
    html = client.get("/konto/login/?next=https://elsewhere.example/personale/&x=1").content.decode()
    assert "elsewhere.example" not in html and 'formaction="/en/konto/login/?x=1"' in html
    html = client.get("/konto/login/?next=//elsewhere.example/").content.decode()
    assert "elsewhere.example" not in html and 'formaction="/en/konto/login/"' in html
    html = client.get("/en/konto/login/?next=/personale/kurser/").content.decode()
    assert 'formaction="/konto/login/?next=/personale/kurser/"' in html
