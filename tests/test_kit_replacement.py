"""A used kit is replaced: the "kits to replace" list, and the handout linked to its report."""

import uuid

import pytest
from django.core.exceptions import ValidationError

from kits.models import Handout, StockLevel
from reversals.models import ReversalReport
from reversals.services import replace_kit
from tests import factories
from tests.reversal_helpers import make_report

pytestmark = pytest.mark.django_db

LIST = "/personale/afrapporteringer/kit-der-skal-erstattes/"


@pytest.fixture
def bag(red_liv, coordinator):
    bag = factories.make_location(red_liv, name="Gadeteamets taske")
    factories.receive(factories.make_batch(), bag, 5, coordinator)
    return bag


def replace_url(report):
    return f"/personale/afrapporteringer/{report.pk}/erstat-kit/"


def test_the_list_holds_counting_reports_whose_kit_is_not_replaced(
    client, street_worker, district, aarhus, django_assert_max_num_queries
):
    waiting = [make_report(district, review_status="verified") for _ in range(3)]
    make_report(district, review_status="verified", kit_replaced=True)
    make_report(district)  # pending: does not count yet
    make_report(district, review_status="rejected", review_reason="Spam")
    make_report(factories.make_district(aarhus), review_status="verified")
    client.force_login(street_worker)
    with django_assert_max_num_queries(7):
        response = client.get(LIST)
    assert list(response.context["reports"]) == waiting


@pytest.mark.parametrize("who", ["street_worker", "trainer_user", "coordinator"])
def test_street_workers_trainers_and_coordinators_see_the_list(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(LIST).status_code == 200


def test_an_outsider_does_not(client, outsider):
    client.force_login(outsider)
    assert client.get(LIST).status_code == 403


def test_recording_the_replacement_links_the_handout_and_marks_the_kit_replaced(client, street_worker, district, bag):
    report = make_report(district, review_status="verified")
    client.force_login(street_worker)
    assert "Gadeteamets taske" in client.get(replace_url(report)).content.decode()
    response = client.post(
        replace_url(report), {"key": str(uuid.uuid4()), "location": bag.pk, "audience": "people_who_use_drugs"}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    handout = Handout.objects.get()
    assert report.kit_replaced and report.replacement_handout_id == handout.pk
    assert handout.handout_reason == "replaces_used" and handout.quantity == 1 and handout.from_location == bag
    assert handout.recorded_by == street_worker
    assert StockLevel.objects.get(location=bag).quantity == 4
    assert report not in client.get(LIST).context["reports"]


def test_a_resent_replacement_hands_out_one_kit(client, street_worker, district, bag):
    report = make_report(district, review_status="verified")
    client.force_login(street_worker)
    data = {"key": str(uuid.uuid4()), "location": bag.pk, "audience": "people_who_use_drugs"}
    client.post(replace_url(report), data)
    response = client.post(replace_url(report), data)
    assert response.status_code == 302
    assert Handout.objects.count() == 1


def test_a_second_replacement_with_another_key_is_refused(street_worker, district, bag):
    report = make_report(district, review_status="verified")
    replace_kit(report=report, user=street_worker, location=bag, audience="people_who_use_drugs")
    with pytest.raises(ValidationError):
        replace_kit(report=report, user=street_worker, location=bag, audience="people_who_use_drugs")
    assert Handout.objects.count() == 1


def test_an_empty_location_gets_a_message_and_nothing_is_written(client, street_worker, district, red_liv):
    empty = factories.make_location(red_liv, name="Tom taske")
    report = make_report(district, review_status="verified")
    client.force_login(street_worker)
    response = client.post(
        replace_url(report), {"key": str(uuid.uuid4()), "location": empty.pk, "audience": "people_who_use_drugs"}
    )
    assert response.status_code == 200
    assert "Tom taske" in response.content.decode()
    report.refresh_from_db()
    assert not report.kit_replaced and report.replacement_handout is None
    assert not Handout.objects.exists()


def test_a_location_of_another_municipality_is_not_offered(client, street_worker, district, bag, aarhus_org):
    elsewhere = factories.make_location(aarhus_org, name="Aarhus taske")
    report = make_report(district, review_status="verified")
    client.force_login(street_worker)
    response = client.post(
        replace_url(report), {"key": str(uuid.uuid4()), "location": elsewhere.pk, "audience": "people_who_use_drugs"}
    )
    assert response.status_code == 200
    assert not Handout.objects.exists()


def test_another_municipalitys_report_is_not_found(client, other_coordinator, district):
    report = make_report(district, review_status="verified")
    client.force_login(other_coordinator)
    assert client.get(replace_url(report)).status_code == 404


def test_an_outsider_may_not_replace(client, outsider, district):
    report = make_report(district, review_status="verified")
    client.force_login(outsider)
    assert client.get(replace_url(report)).status_code == 404  # sees no municipality at all
    assert ReversalReport.objects.get().kit_replaced is False


@pytest.mark.parametrize("status", ["pending", "rejected"])
def test_a_report_that_does_not_count_gets_no_kit_even_by_posting(client, coordinator, district, bag, status):
    """The list, the start page, the report page and the service agree: only verified reports need a kit."""
    report = make_report(district, review_status=status, review_reason="Spam" if status == "rejected" else "")
    with pytest.raises(ValidationError):
        replace_kit(report=report, user=coordinator, location=bag, audience="people_who_use_drugs")
    client.force_login(coordinator)
    assert client.get(replace_url(report)).status_code == 302
    response = client.post(
        replace_url(report), {"key": str(uuid.uuid4()), "location": bag.pk, "audience": "people_who_use_drugs"}
    )
    assert response.status_code == 200
    assert "godkendt afrapportering" in response.content.decode()
    assert replace_url(report) not in client.get(f"/personale/afrapporteringer/{report.pk}/").content.decode()
    assert client.get("/personale/").context["kits_to_replace"] == 0
    assert not Handout.objects.exists() and not ReversalReport.objects.get().kit_replaced


def test_a_verified_report_page_offers_the_replacement(client, coordinator, district):
    report = make_report(district, review_status="verified")
    client.force_login(coordinator)
    assert replace_url(report) in client.get(f"/personale/afrapporteringer/{report.pk}/").content.decode()
    assert client.get("/personale/").context["kits_to_replace"] == 1
