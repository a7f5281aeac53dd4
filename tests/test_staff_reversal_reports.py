"""Staff record reports told to them; coordinators list, filter, review and read each report's history."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from reversals.models import ReversalReport
from reversals.services import create_reversal_report
from tests import factories
from tests.reversal_helpers import make_report

pytestmark = pytest.mark.django_db

LIST = "/personale/afrapporteringer/"
RECORD = "/personale/afrapporteringer/ny/"


def staff_answers(place, **overrides):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    data = {
        "key": str(uuid.uuid4()),
        "occurred_on": yesterday.isoformat(),
        "occurred_time": "14:05",
        "district": place.pk,
        "substances": ["methadone"],
        "naloxone_doses": "1",
        "called_112": "yes",
        "ambulance_arrived": "no",
        "first_aid_given": "yes",
        "stayed_until_help": "yes",
        "outcome": "recovered",
        "responder_trained": "yes",
        "kit_replaced": "no",
        "note": "",
    }
    return {**data, **overrides}


# --- recording -----------------------------------------------------------------------


def test_a_street_worker_records_a_report_that_counts_at_once(client, street_worker, district, venue):
    course = factories.make_course(venue, starts_at=timezone.now() - dt.timedelta(days=30))
    client.force_login(street_worker)
    response = client.post(RECORD, staff_answers(district, responder_course=course.pk))
    assert response.status_code == 302
    report = ReversalReport.objects.get()
    assert report.source == "staff" and report.reported_by == street_worker
    assert report.review_status == "verified" and report.responder_course == course
    assert ReversalReport.objects.counting().get() == report


def test_the_staff_form_offers_only_the_users_own_districts(client, street_worker, district, aarhus_district):
    client.force_login(street_worker)
    page = client.get(RECORD).content.decode()
    assert "Vollsmose" in page and "Gellerup" not in page
    response = client.post(RECORD, staff_answers(aarhus_district))
    assert response.status_code == 200
    assert not ReversalReport.objects.exists()


def test_a_resent_staff_report_is_stored_once_and_the_page_says_so(client, street_worker, district):
    client.force_login(street_worker)
    answers = staff_answers(district)
    first = client.post(RECORD, answers, follow=True).content.decode()
    again = client.post(RECORD, answers, follow=True).content.decode()  # a double click, a second tab, a resend
    assert ReversalReport.objects.count() == 1
    assert "Afrapporteringen er gemt" in first and "Afrapporteringen er gemt" not in again
    assert "Denne afrapportering er allerede gemt fra denne formular" in again


def test_the_staff_form_refuses_bad_input_and_writes_nothing(client, street_worker, district):
    client.force_login(street_worker)
    response = client.post(RECORD, staff_answers(district, naloxone_doses="12", outcome=""))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "naloxone_doses" in errors and "outcome" in errors
    assert not ReversalReport.objects.exists()


def test_the_creation_service_is_idempotent_by_key(street_worker, district):
    key = uuid.uuid4()
    fields = dict(
        district=district,
        occurred_at=timezone.now() - dt.timedelta(hours=2),
        substances=["unknown"],
        naloxone_doses=2,
        called_112=True,
        ambulance_arrived=True,
        first_aid_given=False,
        stayed_until_help=True,
        outcome="hospital",
        responder_trained="unknown",
        kit_replaced=False,
        user=street_worker,
        key=key,
    )
    first, created = create_reversal_report(**fields)
    again, created_again = create_reversal_report(**fields)
    assert created and not created_again and first == again


def test_an_outsider_cannot_record(client, outsider):
    client.force_login(outsider)
    assert client.get(RECORD).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    assert client.get(RECORD).status_code == 302
    assert client.get(LIST).status_code == 302


# --- the coordinators' list ------------------------------------------------------------


def test_the_list_filters_by_period_district_outcome_and_status(
    client, coordinator, district, odense, django_assert_max_num_queries
):
    other = factories.make_district(odense, name="Bolbro")
    now = timezone.now()
    wanted = make_report(district, outcome="hospital", occurred_at=now - dt.timedelta(days=3))
    make_report(district, outcome="recovered", occurred_at=now - dt.timedelta(days=3))
    make_report(other, outcome="hospital", occurred_at=now - dt.timedelta(days=3))
    make_report(district, outcome="hospital", occurred_at=now - dt.timedelta(days=40))
    make_report(
        district,
        outcome="hospital",
        occurred_at=now - dt.timedelta(days=3),
        review_status="rejected",
        review_reason="Dobbelt",
    )
    client.force_login(coordinator)
    start = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    with django_assert_max_num_queries(12):
        response = client.get(
            LIST, {"start": start, "district": district.pk, "outcome": "hospital", "status": "pending"}
        )
    assert list(response.context["page"].object_list) == [wanted]
    assert client.get(LIST).context["page"].paginator.count == 5


def test_an_invalid_filter_shows_its_error_and_no_reports_like_the_course_list(client, coordinator, district):
    """An invalid filter was ignored: every report was listed under a form that looked as if it had filtered."""
    make_report(district, occurred_at=timezone.now() - dt.timedelta(days=3))
    client.force_login(coordinator)
    response = client.get(LIST, {"start": "31-31-2026", "outcome": "hospital"})
    assert response.status_code == 200
    assert "start" in response.context["filters"].errors
    assert response.context["filters"].errors["start"][0] in response.content.decode()
    assert list(response.context["page"].object_list) == []
    assert client.get(LIST).context["page"].paginator.count == 1


def test_the_list_shows_only_the_municipality_and_keeps_its_query_count(
    client, coordinator, district, aarhus_district, django_assert_max_num_queries
):
    for day in range(30):
        make_report(district, occurred_at=timezone.now() - dt.timedelta(days=day, hours=1))
    make_report(aarhus_district)
    client.force_login(coordinator)
    with django_assert_max_num_queries(11):
        response = client.get(LIST)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 30
    assert "Gellerup" not in response.content.decode()


def test_street_workers_and_trainers_do_not_get_the_list(client, street_worker, trainer_user):
    for user in (street_worker, trainer_user):
        client.force_login(user)
        assert client.get(LIST).status_code == 403


# --- one report, its review and its history ----------------------------------------------


def test_a_coordinator_verifies_a_public_report_and_it_counts(client, coordinator, district):
    report = make_report(district)
    client.force_login(coordinator)
    response = client.post(f"{LIST}{report.pk}/vurdering/", {"decision": "verify", "reason": ""})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.review_status == "verified" and report.reviewed_by == coordinator and report.reviewed_at
    assert ReversalReport.objects.counting().get() == report


def test_a_review_saved_in_another_tab_is_not_silently_overwritten(client, coordinator, district, red_liv):
    """Two coordinators (or two tabs) opened the same pending report: the second's rejection replaced the
    first's verification without a word, and the report stopped counting."""
    from tests.conftest import make_user

    colleague = make_user("koordinator-dorte", red_liv, "Koordinator")
    report = make_report(district)
    client.force_login(coordinator)
    shown = client.get(f"{LIST}{report.pk}/").context["review_form"]["shown_status"].value()
    assert shown == "pending"
    other = type(client)()
    other.force_login(colleague)
    assert other.post(f"{LIST}{report.pk}/vurdering/", {"decision": "verify", "shown_status": shown}).status_code == 302
    review = {"decision": "reject", "reason": "Ligner en test", "shown_status": shown}
    refused = client.post(f"{LIST}{report.pk}/vurdering/", review)
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "koordinator-dorte gennemså afrapporteringen, efter du åbnede siden: godkendt." in page
    report.refresh_from_db()
    assert report.review_status == "verified" and report.reviewed_by == colleague
    # Sent again from the page that said so, it replaces the other review on purpose.
    again = {**review, "shown_status": refused.context["review_form"]["shown_status"].value()}
    assert client.post(f"{LIST}{report.pk}/vurdering/", again).status_code == 302
    report.refresh_from_db()
    assert report.review_status == "rejected" and report.reviewed_by == coordinator


def test_a_double_click_on_saving_a_review_saves_it_once_without_a_refusal(client, coordinator, district):
    report = make_report(district)
    client.force_login(coordinator)
    review = {"decision": "reject", "reason": "Ligner en test", "shown_status": "pending"}
    assert client.post(f"{LIST}{report.pk}/vurdering/", review).status_code == 302
    again = client.post(f"{LIST}{report.pk}/vurdering/", review, follow=True)
    assert again.status_code == 200 and "Gennemsynet er gemt." in again.content.decode()
    assert report.history.count() == 2  # received, then reviewed once


def test_a_rejection_needs_a_reason_and_is_stored_with_it(client, coordinator, district):
    report = make_report(district)
    client.force_login(coordinator)
    response = client.post(f"{LIST}{report.pk}/vurdering/", {"decision": "reject", "reason": ""})
    assert response.status_code == 200
    assert "Angiv en begrundelse" in response.content.decode()
    report.refresh_from_db()
    assert report.review_status == "pending"
    client.post(f"{LIST}{report.pk}/vurdering/", {"decision": "reject", "reason": "Testindberetning"})
    report.refresh_from_db()
    assert report.review_status == "rejected" and report.review_reason == "Testindberetning"
    assert not ReversalReport.objects.counting().exists()


def test_reviewing_a_report_of_an_approved_month_asks_for_a_reason_beside_the_reason_field(
    client, coordinator, district, odense
):
    """The refusal said only "Approved on … by …. Give a reason for changing an entry in it.", above
    the form, while the reason field said it was needed only to reject: which month, and why a reason?"""
    from reports.publication import approve_and_publish

    report = make_report(district, occurred_at=dt.datetime(2026, 5, 20, 14, tzinfo=dt.UTC))
    approve_and_publish(coordinator, odense, dt.date(2026, 5, 1))
    client.force_login(coordinator)
    page = client.get(f"{LIST}{report.pk}/").content.decode()
    assert "Skal udfyldes ved afvisning og for en afrapportering i en godkendt måned." in page
    response = client.post(f"{LIST}{report.pk}/vurdering/", {"decision": "verify", "reason": ""})
    assert response.status_code == 200
    [error] = response.context["form"].errors["reason"]
    assert error.startswith("maj 2026 er godkendt (Godkendt ")
    assert error.endswith("Angiv en begrundelse for at ændre en registrering i måneden.")
    report.refresh_from_db()
    assert report.review_status == "pending"

    response = client.post(f"{LIST}{report.pk}/vurdering/", {"decision": "verify", "reason": "Ringet op og bekræftet"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.review_status == "verified"


def test_the_report_page_shows_its_history_read_only(client, coordinator, district):
    report = make_report(district, note="Fandt ham i opgangen")
    client.force_login(coordinator)
    client.post(f"{LIST}{report.pk}/vurdering/", {"decision": "verify", "reason": "Bekræftet af gadeteamet"})
    page = client.get(f"{LIST}{report.pk}/").content.decode()
    assert "Historik" in page
    assert "Oprettet" in page and "Ændret" in page
    assert "Afventer gennemsyn → Godkendt" in page
    assert coordinator.username in page
    assert "Fandt ham i opgangen" in page
    assert "/history/" not in page and "revert" not in page.lower()


def test_the_history_of_a_first_review_says_nobody_reviewed_it_before_in_danish(client, coordinator, district):
    """A coordinator reading a reviewed report's history saw "Gennemset af: Deleted bruger (pk=None) →
    demo-koordinator": django-simple-history tells an empty foreign key as a deleted object, in English."""
    from django.contrib.auth import get_user_model
    from simple_history.models import DeletedObject

    from redliv.history import shown

    report = make_report(district)
    client.force_login(coordinator)
    client.post(f"{LIST}{report.pk}/vurdering/", {"decision": "verify", "reason": ""})
    page = client.get(f"{LIST}{report.pk}/").content.decode()
    assert "Deleted" not in page and "pk=" not in page
    assert f"– → {coordinator.username}" in page
    reviewer = ReversalReport._meta.get_field("reviewed_by")
    assert shown(reviewer, DeletedObject(get_user_model(), 7)) == "bruger, slettet"


def test_staff_reports_are_not_reviewed(client, coordinator, district):
    report = make_report(district, source="staff", reported_by=coordinator, review_status="verified")
    client.force_login(coordinator)
    response = client.post(f"{LIST}{report.pk}/vurdering/", {"decision": "reject", "reason": "Nej"})
    assert response.status_code == 200
    report.refresh_from_db()
    assert report.review_status == "verified"


@pytest.mark.parametrize("path", ["", "vurdering/"])
def test_another_municipalitys_report_is_not_found(client, other_coordinator, district, path):
    report = make_report(district)
    client.force_login(other_coordinator)
    response = (
        client.post(f"{LIST}{report.pk}/{path}", {"decision": "verify"}) if path else client.get(f"{LIST}{report.pk}/")
    )
    assert response.status_code == 404
    report.refresh_from_db()
    assert report.review_status == "pending"


@pytest.mark.parametrize("path", ["", "vurdering/"])
def test_a_street_worker_may_not_review(client, street_worker, district, path):
    report = make_report(district)
    client.force_login(street_worker)
    response = (
        client.post(f"{LIST}{report.pk}/{path}", {"decision": "verify"}) if path else client.get(f"{LIST}{report.pk}/")
    )
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.review_status == "pending"


def test_an_administrator_sees_every_municipalitys_reports(client, administrator, district, aarhus_district):
    make_report(district)
    make_report(aarhus_district)
    client.force_login(administrator)
    assert client.get(LIST).context["page"].paginator.count == 2


def test_the_staff_form_answers_an_absurd_number_of_doses_with_the_range(client, street_worker, district):
    client.force_login(street_worker)
    response = client.post(RECORD, staff_answers(district, naloxone_doses="100000000000000000000"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Angiv et antal doser fra 0 til 10." in page
    assert "2147483647" not in page and "mindre end eller lig" not in page
    assert not ReversalReport.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_same_staff_report_form_sent_twice_at_once_is_stored_once(street_worker, district):
    from reversals.forms import StaffReportForm
    from tests.simultaneous import at_once

    answers = staff_answers(district)
    forms = [StaffReportForm(answers, user=street_worker) for _ in "ab"]
    assert all(form.is_valid() for form in forms)
    created = []
    outcomes = at_once(
        2, lambda: created.append(create_reversal_report(user=street_worker, **forms.pop().report_fields())[1])
    )
    assert outcomes == ["stored", "stored"] and sorted(created) == [False, True]
    assert ReversalReport.objects.count() == 1
