"""The coordinator's start page: what to look at every morning, in their municipality only."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from courses.models import CourseRequest
from tests import factories
from tests.reversal_helpers import make_report

pytestmark = pytest.mark.django_db


def local(day, hour):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def report(district, user, **fields):
    return make_report(district, source="staff", reported_by=user, **fields)


@pytest.fixture
def morning(red_liv, venue, coordinator, street_worker, odense, aarhus_org):
    """A municipality with something in every box, and Aarhus with the same."""
    today = timezone.localdate()
    for organisation, place, who in [(red_liv, venue, street_worker), (aarhus_org, None, None)]:
        place = place or factories.make_venue(organisation, name="Aarhus sted")
        who = who or coordinator
        factories.make_course(
            place,
            title=f"Dagens kursus {organisation.municipality}",
            starts_at=local(today, 23) if timezone.localtime().hour < 23 else timezone.now(),
        )
        held = factories.make_course(place, status="held", starts_at=timezone.now() - dt.timedelta(hours=5))
        factories.make_attendance(held, who, people_who_use_drugs=9, first_time=9, refresher=0)
        district = factories.make_district(organisation.municipality)
        report(district, who, review_status="pending")
        report(district, who, review_status="verified", kit_replaced=False)
        report(district, who, review_status="verified", kit_replaced=False)
        report(district, who, review_status="verified", kit_replaced=True)
        batch = factories.make_batch(
            expiry_date=today + dt.timedelta(days=settings.KIT_EXPIRY_WARNING_DAYS - 1),
            lot_number=f"SNART-{organisation.municipality}",
        )
        factories.receive(batch, factories.make_location(organisation), 4, who)
        trainer = factories.make_trainer(organisation, name=f"Træner {organisation.municipality}")
        trainer.certifications.create(
            kind="redliv_trainer", issued_on=today - dt.timedelta(days=700), expires_on=today + dt.timedelta(days=30)
        )
        CourseRequest.objects.create(
            municipality=organisation.municipality,
            organisation_name=f"Forespørger {organisation.municipality}",
            contact_name="Kontakt",
            contact_phone="12345678",
            audience="students",
            number_of_people=20,
        )
    return today


def test_the_start_page_shows_every_box_for_the_coordinators_municipality(planner, morning):
    response = planner.get("/personale/")
    context, page = response.context, response.content.decode()
    assert response.status_code == 200
    assert "Dagens kursus Odense" in [c.title for c in context["courses_today"]]
    assert "Dagens kursus Odense" in [c.title for c in context["courses_this_week"]]
    assert "Dagens kursus Aarhus" not in page
    assert [entry.total for entry in context["entries_since_yesterday"]] == [9]
    assert context["reports_to_review"] == 1
    assert context["kits_to_replace"] == 2  # the two verified ones without a new kit, as on the list it links to
    assert [level.batch.lot_number for level in context["stock_expiring"]] == ["SNART-Odense"]
    assert [c.trainer.name for c in context["certifications_expiring"]] == ["Træner Odense"]
    assert [r.organisation_name for r in context["open_requests"]] == ["Forespørger Odense"]
    assert "Træner Aarhus" not in page and "SNART-Aarhus" not in page and "Forespørger Aarhus" not in page
    assert "Koordinator" in page and "Odense" in page


def test_a_renewed_certification_is_not_highlighted(planner, red_liv):
    today = timezone.localdate()
    trainer = factories.make_trainer(red_liv, name="Fornyet Træner")
    trainer.certifications.create(
        kind="redliv_trainer", issued_on=today - dt.timedelta(days=700), expires_on=today + dt.timedelta(days=30)
    )
    trainer.certifications.create(kind="redliv_trainer", issued_on=today, expires_on=today + dt.timedelta(days=700))
    assert planner.get("/personale/").context["certifications_expiring"] == []


def test_a_certification_expiring_in_more_than_60_days_is_not_highlighted(planner, red_liv):
    trainer = factories.make_trainer(red_liv)
    trainer.certifications.create(
        kind="redliv_trainer", issued_on=dt.date(2020, 1, 1), expires_on=timezone.localdate() + dt.timedelta(days=61)
    )
    assert planner.get("/personale/").context["certifications_expiring"] == []


def test_venues_and_trainers_with_planned_but_unlogged_courses_this_month_are_named(
    at_instant, planner, red_liv, venue, street_worker
):
    now = timezone.now()
    month_start = timezone.make_aware(dt.datetime.combine(timezone.localdate().replace(day=1), dt.time.min))
    earlier = month_start + (now - month_start) / 2
    silent_venue = factories.make_venue(red_liv, name="Stille sted")
    silent_trainer = factories.make_trainer(red_liv, name="Stille træner")
    busy_trainer = factories.make_trainer(red_liv, name="Travl træner")
    factories.make_course(silent_venue, starts_at=earlier).trainers.add(silent_trainer)
    logged = factories.make_course(venue, starts_at=earlier, status="held")
    logged.trainers.add(busy_trainer)
    factories.make_attendance(logged, street_worker)
    context = planner.get("/personale/").context
    assert [v.name for v in context["silent_venues"]] == ["Stille sted"]
    assert [t.name for t in context["silent_trainers"]] == ["Stille træner"]


def test_the_start_page_has_a_fixed_number_of_queries(
    planner, morning, red_liv, venue, street_worker, django_assert_max_num_queries
):
    for _ in range(5):
        course = factories.make_course(venue, status="held", starts_at=timezone.now() - dt.timedelta(hours=3))
        factories.make_attendance(course, street_worker)
    with django_assert_max_num_queries(20):
        response = planner.get("/personale/")
    assert len(response.context["entries_since_yesterday"]) == 6


def test_the_start_page_offers_new_recovery_codes(planner):
    """Two-step login is required for coordinators, so their start page is where they renew the codes."""
    page = planner.get("/personale/").content.decode()
    assert 'action="/konto/to-trins/gendannelseskoder/"' in page
    assert "Lav nye gendannelseskoder" in page


def test_the_start_page_asks_for_last_months_approval_until_it_is_given(planner, coordinator, odense):
    """On 1 December nothing on the start page said that November was still to be approved and
    reported; the month report was one menu item among five."""
    from reports.publication import approve_and_publish

    page = planner.get("/personale/").content.decode()  # 11 June 2026: May is last month
    assert "Månedsrapporten for maj 2026 er ikke godkendt endnu" in page
    assert 'href="/personale/maaned/?month=2026-05">Åbn rapporten for maj 2026</a>' in page

    approve_and_publish(coordinator, odense, dt.date(2026, 5, 1))
    page = planner.get("/personale/").content.decode()
    assert "er ikke godkendt endnu" not in page


def test_the_month_to_approve_after_new_year_is_december_of_the_year_before(client, coordinator):
    import time_machine

    with time_machine.travel(dt.datetime(2027, 1, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))), tick=False):
        client.force_login(coordinator)
        response = client.get("/personale/")
    assert "Månedsrapporten for december 2026 er ikke godkendt endnu" in response.content.decode()
    assert str(response.context["month_to_approve"]) == "2026-12"


def test_a_street_worker_is_not_asked_to_approve_a_month(client, street_worker):
    client.force_login(street_worker)
    assert "er ikke godkendt endnu" not in client.get("/personale/").content.decode()


def test_a_recalled_lot_expiring_soon_is_marked_recalled_as_on_the_stock_page(planner, morning, coordinator):
    """It was listed like any kit to use first: the stock page keeps it apart, never to be handed out."""
    from kits.models import Batch

    today = timezone.localdate()
    Batch.objects.filter(lot_number="SNART-Odense").update(
        recalled_on=today, recall_reason="Fejl i dysen", recall_instructions="Aflever kittet", recalled_by=coordinator
    )
    page = planner.get("/personale/").content.decode()
    line = page.split("lot SNART-Odense")[1].split("</li>")[0]
    assert '<span class="badge text-bg-danger">Tilbagekaldt</span>' in line
