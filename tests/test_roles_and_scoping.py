"""Who sees what: a coordinator sees their municipality, an administrator sees all."""

import pytest
from django.contrib.auth.models import Group

from courses.models import Attendance, Course, Trainer, Venue
from kits.models import StockLevel, StockMovement
from redliv import roles
from redliv.models import District, Organisation
from reversals.models import ReversalReport
from tests import factories
from tests.reversal_helpers import make_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def odense_data(red_liv, venue, coordinator):
    course = factories.make_course(venue)
    factories.make_attendance(course, coordinator)
    factories.make_trainer(red_liv)
    batch = factories.make_batch()
    bag = factories.make_location(red_liv)
    factories.receive(batch, bag, 10, coordinator)
    factories.hand_out(batch, bag, 1, coordinator)
    district = factories.make_district(red_liv.municipality)
    make_report(
        district,
        occurred_at=course.starts_at,
        source="staff",
        reported_by=coordinator,
        review_status="verified",
    )


SCOPED_MODELS = [Organisation, District, Venue, Trainer, Course, Attendance, StockLevel, StockMovement, ReversalReport]


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda model: model.__name__)
def test_a_coordinator_of_another_municipality_sees_nothing_of_odense(model, odense_data, odense, other_coordinator):
    odense_rows = model.objects.in_municipality(odense)
    assert odense_rows.exists()
    assert not model.objects.for_user(other_coordinator).filter(pk__in=odense_rows.values("pk")).exists()


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda model: model.__name__)
def test_a_coordinator_sees_their_own_municipality(model, odense_data, odense, coordinator, other_coordinator):
    assert model.objects.for_user(coordinator).count() == model.objects.in_municipality(odense).count() > 0


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda model: model.__name__)
def test_an_administrator_sees_every_municipality(model, odense_data, administrator, other_coordinator):
    assert model.objects.for_user(administrator).count() == model.objects.count()


def test_a_user_without_an_organisation_sees_nothing(odense_data, outsider):
    assert not Course.objects.for_user(outsider).exists()


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda model: model.__name__)
def test_a_coordinator_whose_role_is_taken_away_sees_nothing(model, odense_data, coordinator):
    coordinator.groups.clear()
    coordinator = type(coordinator).objects.get(pk=coordinator.pk)  # the next request's user
    assert not model.objects.for_user(coordinator).exists()


def test_an_anonymous_visitor_sees_nothing(odense_data):
    from django.contrib.auth.models import AnonymousUser

    assert not Course.objects.for_user(AnonymousUser()).exists()


def test_a_deactivated_coordinator_sees_nothing(odense_data, coordinator):
    coordinator.is_active = False
    coordinator.save()
    assert not Course.objects.for_user(coordinator).exists()


def test_the_four_role_groups_exist_after_migrate(db):
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ALL)


def test_street_workers_can_log_but_not_plan(street_worker):
    assert street_worker.has_perm("courses.add_attendance")
    assert street_worker.has_perm("kits.add_handout")
    assert street_worker.has_perm("reversals.add_reversalreport")
    assert not street_worker.has_perm("courses.change_course")
    assert not street_worker.has_perm("kits.add_stockmovement")


def test_coordinators_plan_and_run_stock_but_never_edit_the_ledger(coordinator):
    assert coordinator.has_perm("courses.change_course")
    assert coordinator.has_perm("kits.add_stockmovement")
    assert not coordinator.has_perm("kits.change_stockmovement")
    assert not coordinator.has_perm("kits.delete_stockmovement")
    assert not coordinator.has_perm("redliv.change_user")


def test_administrators_hold_every_permission(administrator):
    assert administrator.has_perm("redliv.change_user")
    assert administrator.has_perm("redliv.add_organisation")
    assert administrator.has_perm(roles.SEE_EVERY_MUNICIPALITY)


def test_coordinators_and_administrators_oversee_entries(coordinator, administrator, street_worker, trainer_user):
    assert coordinator.has_perm(roles.OVERSEE_ENTRIES) and administrator.has_perm(roles.OVERSEE_ENTRIES)
    assert not street_worker.has_perm(roles.OVERSEE_ENTRIES) and not trainer_user.has_perm(roles.OVERSEE_ENTRIES)


def test_role_names_are_shown_in_the_users_language(coordinator):
    assert coordinator.role_names == ["Koordinator"]


def test_the_staff_page_needs_a_login(client):
    response = client.get("/personale/")
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/login/")


def test_a_coordinator_sees_their_role_and_municipality_on_the_staff_page(client, coordinator):
    client.force_login(coordinator)
    response = client.get("/personale/")
    assert response.status_code == 200
    assert "Koordinator" in response.content.decode()
    assert "Odense" in response.content.decode()


def test_a_user_without_a_role_gets_no_empty_menu_and_a_street_worker_gets_theirs(client, outsider, street_worker):
    client.force_login(outsider)
    response = client.get("/personale/")
    assert response.status_code == 200 and "staff-actions" not in response.content.decode()
    assert not response.context["staff_menu"]
    client.force_login(street_worker)
    response = client.get("/personale/")
    assert "staff-actions" in response.content.decode()
    assert [url for url, _label, _current in response.context["staff_menu"]] == ["/gade/", "/personale/lager/"]


def test_the_admin_is_for_administrators_only(client, coordinator, administrator):
    client.force_login(coordinator)
    assert client.get("/admin/").status_code == 403
    client.force_login(administrator)
    assert client.get("/admin/").status_code == 200


def admin_pages():
    """The changelist of every model in the admin, and the admin's index."""
    from django.contrib import admin
    from django.urls import reverse

    return ["/admin/"] + sorted(
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist") for model in admin.site._registry
    )


@pytest.mark.parametrize("page", admin_pages())
def test_staff_status_alone_does_not_open_the_admin_to_a_coordinator(client, coordinator, page):
    """Ticked by mistake in the user's form: before, the coordinator saw every user in the country (names,
    e-mail addresses) and could change any municipality's lots."""
    coordinator.is_staff = True
    coordinator.save()
    client.force_login(coordinator)
    assert client.get(page).status_code == 403


def test_a_coordinator_with_staff_status_changes_no_lot_in_the_admin(
    client, coordinator, other_coordinator, aarhus_org
):
    batch = factories.make_batch(lot_number="AARHUS-LOT")
    factories.receive(batch, factories.make_location(aarhus_org), 10, other_coordinator)
    coordinator.is_staff = True
    coordinator.save()
    client.force_login(coordinator)
    change = f"/admin/kits/batch/{batch.pk}/change/"
    assert other_coordinator.username not in client.get("/admin/redliv/user/").content.decode()
    client.post(
        change,
        {
            "kit_type": batch.kit_type_id,
            "product": batch.product,
            "lot_number": "AARHUS-LOT",
            "expiry_date": "2026-06-12",
            "received_on": batch.received_on.isoformat(),
        },
    )
    batch.refresh_from_db()
    assert batch.expiry_date.isoformat() != "2026-06-12"


def test_a_logged_in_coordinator_asking_for_the_admin_is_refused_not_sent_round_in_circles(client, coordinator):
    """Before: /admin/ → the admin's login → /konto/login/ → (logged in already) /admin/ → …"""
    client.force_login(coordinator)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403 and response.redirect_chain == []


@pytest.mark.parametrize("who", ["coordinator", "street_worker", "administrator"])
def test_the_link_to_the_administration_is_shown_to_those_it_lets_in(client, who, request):
    user = request.getfixturevalue(who)
    user.is_staff = True
    user.save()
    client.force_login(user)
    page = client.get("/personale/").content.decode()
    assert ('href="/admin/"' in page) == (client.get("/admin/").status_code == 200)
