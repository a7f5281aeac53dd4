"""The public "did you give naloxone?" form: anonymous, pending review, spam kept out politely."""

import datetime as dt
import re

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from redliv.models import PostCount
from redliv.ratelimit import count_post, seconds_until_next_window
from redliv.security import address_digest
from reversals import services
from reversals.models import ReversalReport
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/afrapporter/"


def answers(place, **overrides):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    data = {
        "key": "5a1c7d2e-8f1b-4c52-9a57-3f0c6f1d2b11",
        "occurred_on": yesterday.isoformat(),
        "occurred_time": "22:30",
        "district": place.pk,
        "substances": ["heroin", "fentanyl"],
        "naloxone_doses": "2",
        "called_112": "yes",
        "ambulance_arrived": "yes",
        "first_aid_given": "yes",
        "stayed_until_help": "yes",
        "outcome": "hospital",
        "responder_trained": "yes",
        "kit_replaced": "no",
        "note": "Han hed Peter",
        "website": "",
    }
    return {**data, **overrides}


def test_the_form_is_danish_at_the_root_and_english_under_en(client, district):
    assert reverse("report-naloxone-use") == URL
    danish = client.get(URL).content.decode()
    assert "Har du givet naloxon? Fortæl os det" in danish
    assert "Vollsmose" in danish
    english = client.get("/en/afrapporter/").content.decode()
    assert "Did you give naloxone? Tell us" in english


def test_the_district_list_groups_every_municipality(client, district, aarhus):
    factories.make_district(aarhus, name="Gellerup")
    page = client.get(URL).content.decode()
    assert '<optgroup label="Aarhus">' in page and '<optgroup label="Odense">' in page
    assert "Gellerup" in page


def test_a_report_is_stored_pending_without_a_responder(client, district):
    response = client.post(URL, answers(district))
    assert response.status_code == 302
    report = ReversalReport.objects.get()
    assert report.source == "public" and report.review_status == "pending" and report.reported_by is None
    assert report.district == district and report.district.municipality.name == "Odense"
    assert report.substances == ["fentanyl", "heroin"] and report.naloxone_doses == 2
    assert timezone.localtime(report.occurred_at).strftime("%H:%M") == "22:30"
    assert not ReversalReport.objects.counting().exists()


def test_the_confirmation_links_to_the_finder_and_does_not_repeat_the_note(client, district):
    response = client.post(URL, answers(district), follow=True)
    page = response.content.decode()
    assert "Tak for din afrapportering" in page
    assert f'href="{reverse("home")}"' in page
    assert "Peter" not in page
    assert response.redirect_chain[-1][0] == "/afrapporter/tak/"


def test_the_form_warns_against_personal_data_in_the_note(client, district):
    assert "Skriv aldrig navne" in client.get(URL).content.decode()


def test_sending_the_same_report_twice_stores_it_once(client, district):
    client.post(URL, answers(district))
    client.post(URL, answers(district))
    assert ReversalReport.objects.count() == 1


def test_a_filled_in_honeypot_looks_accepted_but_stores_nothing(client, district):
    response = client.post(URL, answers(district, website="http://spam.example"))
    assert response.status_code == 302
    assert not ReversalReport.objects.exists()


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        # Dates relative to the test's today, which is not yet frozen when the parameters are collected
        ({"occurred_on": dt.timedelta(days=2)}, "occurred_on", "i fremtiden"),
        ({"occurred_on": -dt.timedelta(days=400)}, "occurred_on", "mere end et år siden"),
        ({"naloxone_doses": "11"}, "naloxone_doses", "fra 0 til 10"),
        ({"naloxone_doses": "-1"}, "naloxone_doses", "fra 0 til 10"),
        ({"outcome": ""}, "outcome", "Vælg hvordan det gik"),
        ({"called_112": "no", "ambulance_arrived": "yes", "note": ""}, "ambulance_arrived", "112 blev ikke ringet op"),
        ({"note": "x" * 1001}, "note", "Forkort noten til højst 1000 tegn (den har 1001)"),
        ({"district": "999999"}, "district", "Vælg en bydel fra listen"),
    ],
    ids=[
        "future",
        "over-a-year",
        "too-many-doses",
        "negative-doses",
        "no-outcome",
        "ambulance-without-112",
        "note-too-long",
        "unknown-district",
    ],
)
def test_bad_input_gets_a_clear_message_and_writes_nothing(client, district, overrides, field, message):
    overrides = {
        name: (timezone.localdate() + value).isoformat() if isinstance(value, dt.timedelta) else value
        for name, value in overrides.items()
    }
    response = client.post(URL, answers(district, **overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert not ReversalReport.objects.exists()


FIRST_QUESTIONS = ["key", "occurred_on", "occurred_time", "district", "naloxone_doses", "called_112", "outcome"]


def test_the_first_questions_alone_are_a_complete_report(client, district):
    short = {name: value for name, value in answers(district).items() if name in FIRST_QUESTIONS}
    response = client.post(URL, short)
    assert response.status_code == 302
    report = ReversalReport.objects.get()
    assert report.naloxone_doses == 2 and report.called_112 is True and report.outcome == "hospital"
    # What was not asked is stored as not known, never as a "no".
    assert report.substances == ["unknown"] and report.responder_trained == "unknown"
    assert report.ambulance_arrived is None and report.first_aid_given is None and report.stayed_until_help is None
    assert report.kit_replaced is False and report.note == ""


def test_the_optional_questions_are_in_a_closed_more_details_part(client, district):
    page = client.get(URL).content.decode()
    first, details = page.split('<details class="reversals-more')
    assert "<details" not in first and "Flere detaljer (valgfrit)" in details
    for name in ["occurred_on", "occurred_time", "district", "naloxone_doses", "called_112", "outcome"]:
        assert f'name="{name}"' in first
    for name in ["substances", "ambulance_arrived", "first_aid_given", "stayed_until_help", "responder_trained"]:
        assert f'name="{name}"' in details and f'name="{name}"' not in first
    assert 'name="kit_replaced"' in details and 'name="note"' in details
    assert details.split(">")[0].endswith('mb-3"')  # closed


def test_a_refused_form_opens_the_details_that_hold_an_answer(client, district):
    page = client.post(URL, answers(district, outcome="")).content.decode()
    assert '<details class="reversals-more mb-3" open>' in page


def test_the_note_has_a_limit_the_browser_and_the_counter_know(client, district):
    page = client.get(URL).content.decode()
    note = page.split('name="note"')[0].rsplit("<textarea", 1)[1] + page.split('name="note"')[1].split(">")[0]
    assert 'maxlength="1000"' in note and 'data-counter="%(left)s af %(max)s tegn tilbage"' in note
    assert "Højst 1000 tegn." in page
    assert '<script src="/static/js/public-form.js" defer></script>' in page
    doses = page.split('name="naloxone_doses"')[1].split(">")[0]
    assert 'min="0"' in doses and 'max="10"' in doses


def test_a_refused_form_lists_each_error_as_a_link_to_its_field_at_the_top(client, district):
    response = client.post(URL, answers(district, outcome="", naloxone_doses="12", district=""))
    page = response.content.decode()
    assert response.status_code == 200
    summary = page.split("data-error-summary>")[1].split("</div>")[0]
    assert page.index("data-error-summary") < page.index("<h1>")
    assert '<a href="#id_outcome_0">Vælg hvordan det gik.</a>' in summary
    assert '<a href="#id_naloxone_doses">Angiv et antal doser fra 0 til 10.</a>' in summary
    assert '<a href="#id_district">Vælg bydelen.</a>' in summary
    assert "<title>Fejl:" in page


def test_the_staff_page_says_not_answered_for_a_question_left_out(client, district, coordinator):
    short = {name: value for name, value in answers(district).items() if name in FIRST_QUESTIONS}
    client.post(URL, short)
    client.force_login(coordinator)
    page = client.get(reverse("reversals:detail", args=[ReversalReport.objects.get().pk])).content.decode()
    assert "Ikke besvaret" in page


def test_an_ambulance_without_112_is_accepted_with_an_explaining_note(client, district):
    response = client.post(URL, answers(district, called_112="no", note="En forbipasserende ringede"))
    assert response.status_code == 302
    assert ReversalReport.objects.get().called_112 is False


def test_the_messages_are_english_under_en(client, district):
    response = client.post("/en/afrapporter/", answers(district, outcome=""))
    assert "Choose the outcome." in response.content.decode()


def test_too_many_posts_from_one_address_get_a_polite_refusal(client, district):
    for number in range(services.PUBLIC_POSTS_PER_HOUR):
        key = f"5a1c7d2e-8f1b-4c52-9a57-3f0c6f1d2b{number:02d}"
        assert client.post(URL, answers(district, key=key), REMOTE_ADDR="10.1.2.3").status_code == 302
    response = client.post(URL, answers(district, key="0a1c7d2e-8f1b-4c52-9a57-3f0c6f1d2b99"), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600  # until the hour's window frees a slot
    assert "Prøv igen senere" in response.content.decode()
    assert ReversalReport.objects.count() == services.PUBLIC_POSTS_PER_HOUR
    # Another address is not affected.
    assert (
        client.post(
            URL, answers(district, key="1a1c7d2e-8f1b-4c52-9a57-3f0c6f1d2b99"), REMOTE_ADDR="10.9.9.9"
        ).status_code
        == 302
    )


def test_a_refusal_for_too_many_posts_says_when_the_hours_window_frees_a_slot():
    """A 429 said nothing of when to try again (no Retry-After): a client that retries guessed, and soon."""
    at = dt.datetime(2026, 3, 29, 0, 59, 30, tzinfo=dt.UTC)  # 01:59:30 in Copenhagen, the spring-forward night
    assert seconds_until_next_window(at) == 30
    assert seconds_until_next_window(at.replace(minute=0, second=0)) == 3600
    assert seconds_until_next_window(at.replace(second=59, microsecond=500_000)) == 1


def test_behind_the_proxy_the_address_it_appended_is_counted(client, settings, district):
    settings.TRUSTED_PROXIES = 1
    # The left-most entries are whatever the sender wrote; the proxy appends the real address last.
    for number in range(services.PUBLIC_POSTS_PER_HOUR):
        client.post(
            URL,
            answers(district, key=f"5a1c7d2e-8f1b-4c52-9a57-3f0c6f1d2b{number:02d}"),
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{number}, 10.1.2.3",
        )
    response = client.post(
        URL,
        answers(district, key="0a1c7d2e-8f1b-4c52-9a57-3f0c6f1d2b99"),
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="192.0.2.200, 10.1.2.3",
    )
    assert response.status_code == 429


def test_the_rate_limit_stores_no_address(client, district):
    client.post(URL, answers(district), REMOTE_ADDR="10.1.2.3")
    row = PostCount.objects.get()
    assert "10.1.2.3" not in row.sender_digest and len(row.sender_digest) == 64
    assert row.sender_digest == address_digest("10.1.2.3") and row.scope == "naloxone-report"


def test_an_oversized_body_gets_a_polite_refusal(client, district):
    response = client.post(URL, answers(district, note="x" * (services.PUBLIC_MAX_BODY_BYTES + 1)))
    assert response.status_code == 413
    assert "for lang" in response.content.decode()
    assert not ReversalReport.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=200)
def test_a_body_django_refuses_to_read_gets_the_same_polite_refusal(district):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    token = browser.get(URL).context["csrf_token"]
    # Django's CSRF check would read the body first and raise RequestDataTooBig.
    response = browser.post(URL, answers(district, csrfmiddlewaretoken=str(token)))
    assert response.status_code == 413
    assert "for lang" in response.content.decode()
    assert not ReversalReport.objects.exists()


def test_too_many_fields_get_a_polite_refusal(client, district):
    body = "&".join(f"f{number}=1" for number in range(1100))
    response = client.post(URL, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert not ReversalReport.objects.exists()


def test_the_form_still_checks_csrf(district):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(URL, answers(district))
    assert response.status_code == 403
    assert not ReversalReport.objects.exists()


def test_posts_are_counted_per_hour_and_old_hours_are_deleted(db):
    now = timezone.now().replace(minute=10)
    assert count_post("naloxone-report", "10.1.2.3", now=now - dt.timedelta(days=2)) == 1
    assert count_post("naloxone-report", "10.1.2.3", now=now) == 1
    assert count_post("naloxone-report", "10.1.2.3", now=now + dt.timedelta(minutes=5)) == 2
    assert count_post("course-request", "10.1.2.3", now=now + dt.timedelta(minutes=5)) == 1
    assert count_post("naloxone-report", "10.1.2.3", now=now + dt.timedelta(hours=1)) == 1
    assert PostCount.objects.count() == 3  # the hour two days ago is gone


@pytest.mark.parametrize("doses", ["100000000000000000000", "-100000000000000000000", "11", "-1"])
def test_an_absurd_number_of_doses_is_refused_with_the_range_in_danish(client, district, doses):
    response = client.post(URL, answers(district, naloxone_doses=doses))
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("Angiv et antal doser fra 0 til 10.") == 2  # in the summary and beside the field
    assert "mindre end eller lig" not in page and "større end eller lig" not in page
    assert not ReversalReport.objects.exists()


def test_an_absurd_number_of_doses_is_refused_in_english_under_en(client, district):
    response = client.post("/en" + URL, answers(district, naloxone_doses="100000000000000000000"))
    assert response.status_code == 200
    assert "Give a number of doses from 0 to 10." in response.content.decode()


def test_a_report_sent_again_with_other_answers_is_no_dead_end(client, district):
    """A report received, then its page sent again with an answer changed (Back and resend, a copied tab): the
    form said "already sent with other content. Check your recent entries" and kept the same key, so every
    further send said it again; the public has no entries to check, and the report could not be sent. It says
    the report was received and that nothing more is needed, and the form now holds a new key: sent once more
    (another overdose), it is received as a new report, pending review like any other."""
    first = answers(district)
    assert client.post(URL, first).status_code == 302
    response = client.post(URL, {**first, "naloxone_doses": "3"})
    html = response.content.decode()
    assert response.status_code == 200 and "Se dine seneste registreringer" not in html
    assert "Vi har allerede modtaget denne afrapportering" in html and "Du behøver ikke sende den igen" in html
    assert 'value="3"' in html and f'value="{first["key"]}"' not in html
    assert ReversalReport.objects.count() == 1
    new_key = re.search(r'name="key" value="([^"]+)"', html)[1]
    assert client.post(URL, {**first, "naloxone_doses": "3", "key": new_key}).status_code == 302
    assert ReversalReport.objects.count() == 2
    assert set(ReversalReport.objects.values_list("review_status", flat=True)) == {"pending"}
