"""Every model has an admin page that an administrator can open, in Danish."""

import pytest
from django.contrib import admin
from django.templatetags.static import static
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from redliv.models import User

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.fixture
def demo_admin(demo):
    admin_user = User.objects.get(username="demo-admin")
    TOTPDevice.objects.create(user=admin_user, name="app", confirmed=True)
    return admin_user


def test_an_administrator_can_list_search_and_open_every_model(client, demo_admin):
    """One seed for all models: loading the demo year is the slow part."""
    client.force_login(demo_admin)
    failures = []
    for model in REGISTERED:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages = [reverse(f"{prefix}_changelist")]
        if admin.site._registry[model].search_fields:
            pages.append(reverse(f"{prefix}_changelist") + "?q=a")
        entry = model._default_manager.first()
        if model._meta.app_label in {"courses", "kits"}:
            assert entry is not None, f"the demo data should hold a {model._meta.label}"
        if entry is not None:
            pages.append(reverse(f"{prefix}_change", args=[entry.pk]))
            if hasattr(model._meta, "simple_history_manager_attribute"):
                pages.append(reverse(f"{prefix}_history", args=[entry.pk]))
        failures += [(page, status) for page in pages if (status := client.get(page).status_code) != 200]
    assert failures == []


def test_the_admin_speaks_danish_and_names_the_sites_icon(client, administrator):
    client.force_login(administrator)
    content = client.get("/admin/").content.decode()
    assert "Kurser" in content
    assert "Naloxon-kit" in content
    assert "afrapporteringer af overdosis" in content.lower()
    # As every other page: without it the browser asks for /favicon.ico, a 404 (and a console error) on every
    # admin page in production.
    assert f'<link rel="icon" href="{static("street/icon-192.png")}"' in content


def test_the_ledger_cannot_be_edited_or_deleted_from_the_admin(client, administrator, bag):
    """Through HTTP, as an administrator would try: the page is read-only and posts to it are refused."""
    from kits.models import StockLevel, StockMovement

    movement = StockMovement.objects.get()
    client.force_login(administrator)
    change_url = reverse("admin:kits_stockmovement_change", args=[movement.pk])
    delete_url = reverse("admin:kits_stockmovement_delete", args=[movement.pk])
    page = client.get(change_url)
    assert page.status_code == 200
    assert "LOT-BAG" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert delete_url not in page.content.decode()
    edit = client.post(change_url, {"quantity": "1000", "reason": "rettet i admin"})
    assert edit.status_code == 403
    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert list(StockMovement.objects.values_list("pk", "quantity")) == [(movement.pk, 10)]
    assert StockLevel.objects.get(location=bag).quantity == 10


def test_district_postcodes_that_are_not_four_digits_get_a_message_in_the_admin(client, administrator, odense):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:redliv_district_add"), {"municipality": odense.pk, "name": "Vollsmose", "postcodes": "5240 5220"}
    )
    assert response.status_code == 200
    assert "Skriv firecifrede postnumre adskilt af komma" in response.content.decode()


def test_an_organisation_with_people_or_places_stays_in_its_municipality(
    client, administrator, other_coordinator, odense, aarhus
):
    """Chosen in the admin, another municipality took the organisation's trainers along, with the courses they
    taught (Aarhus's coordinator read Odense's courses on their pages), and its staff, who then saw Aarhus."""
    from redliv.models import Organisation
    from tests import factories

    korshaer = factories.make_organisation(odense, name="Kirkens Korshær Odense")
    trainer = factories.make_trainer(korshaer)
    factories.make_course(factories.make_venue(korshaer), title="Odenses kursus").trainers.add(trainer)
    client.force_login(administrator)
    change = reverse("admin:redliv_organisation_change", args=[korshaer.pk])
    response = client.post(change, {"name": korshaer.name, "kind": korshaer.kind, "municipality": aarhus.pk})
    assert response.status_code == 200
    assert "Kirkens Korshær Odense har brugere, trænere, steder eller lagre i Odense" in response.content.decode()
    assert Organisation.objects.get(pk=korshaer.pk).municipality == odense
    client.force_login(other_coordinator)
    assert client.get(f"/personale/traenere/{trainer.pk}/").status_code == 404

    # Made in the wrong municipality, with nothing in it yet: moved, and renamed as before.
    empty = factories.make_organisation(odense, name="Tom")
    client.force_login(administrator)
    change = reverse("admin:redliv_organisation_change", args=[empty.pk])
    response = client.post(change, {"name": "Tom i Aarhus", "kind": empty.kind, "municipality": aarhus.pk})
    assert response.status_code == 302
    assert Organisation.objects.get(pk=empty.pk).municipality == aarhus
    change = reverse("admin:redliv_organisation_change", args=[korshaer.pk])
    response = client.post(change, {"name": "Korshæren", "kind": korshaer.kind, "municipality": odense.pk})
    assert response.status_code == 302


def test_a_venue_with_courses_stays_in_its_municipality(client, administrator, other_coordinator, red_liv, aarhus_org):
    """The coordinator's venue form keeps a venue in its municipality; the admin's let another be chosen: Aarhus's
    coordinator then read Odense's planned, unpublished courses at the venue on its page."""
    from courses.models import Venue
    from tests import factories

    venue = factories.make_venue(red_liv, name="Værestedet")
    factories.make_course(venue, title="Odenses lukkede kursus", published=False)
    client.force_login(administrator)
    change = reverse("admin:courses_venue_change", args=[venue.pk])
    form = client.get(change).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() not in (None, False, "")}
    data.update({"municipality": aarhus_org.municipality_id, "organisation": aarhus_org.pk})
    response = client.post(change, data)
    assert response.status_code == 200
    assert "Værestedet har kurser, faste tider eller lagre i Odense" in response.content.decode()
    assert Venue.objects.get(pk=venue.pk).municipality == red_liv.municipality
    client.force_login(other_coordinator)
    assert client.get(f"/personale/steder/{venue.pk}/").status_code == 404

    # One with nothing at it yet may move (made in the wrong municipality).
    empty = factories.make_venue(red_liv, name="Tomt sted")
    client.force_login(administrator)
    change = reverse("admin:courses_venue_change", args=[empty.pk])
    form = client.get(change).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() not in (None, False, "")}
    data.update({"municipality": aarhus_org.municipality_id, "organisation": aarhus_org.pk})
    assert client.post(change, data).status_code == 302
    assert Venue.objects.get(pk=empty.pk).municipality == aarhus_org.municipality


def test_a_district_with_reports_stays_in_its_municipality(client, administrator, other_coordinator, district, aarhus):
    """Reversal reports are seen and counted in their district's municipality: another chosen for the district in
    the admin moved Odense's reports (and their counts in approved months) to Aarhus's coordinator and figures."""
    import datetime as dt

    from django.utils import timezone

    from redliv.models import District
    from reversals.models import ReversalReport

    report = ReversalReport.objects.create(
        district=district,
        occurred_at=timezone.now() - dt.timedelta(days=2),
        substances=["heroin"],
        naloxone_doses=1,
        called_112=True,
        ambulance_arrived=True,
        first_aid_given=True,
        stayed_until_help=True,
        outcome="recovered",
        responder_trained="yes",
        kit_replaced=False,
        source=ReversalReport.Source.PUBLIC,
    )
    client.force_login(administrator)
    change = reverse("admin:redliv_district_change", args=[district.pk])
    response = client.post(change, {"municipality": aarhus.pk, "name": district.name, "postcodes": ""})
    assert response.status_code == 200
    assert "Vollsmose har steder eller afrapporteringer i Odense" in response.content.decode()
    assert District.objects.get(pk=district.pk).municipality != aarhus
    client.force_login(other_coordinator)
    assert client.get(f"/personale/afrapporteringer/{report.pk}/").status_code == 404

    empty = District.objects.create(municipality=district.municipality, name="Tom bydel")
    client.force_login(administrator)
    change = reverse("admin:redliv_district_change", args=[empty.pk])
    assert client.post(change, {"municipality": aarhus.pk, "name": empty.name, "postcodes": ""}).status_code == 302


def test_a_trainer_of_a_held_course_is_not_deleted_but_the_admin_says_what_to_do_and_can_forget_them(
    client, administrator, red_liv, venue, street_worker
):
    """Deleting a trainer who taught a held course is refused (the months count them). The page said only that
    the courses were protected objects that would have to be deleted, and the way to forget someone who asked to
    be (a blank name) was refused as "This field is required". The page says to deactivate them or forget them,
    and the list's action forgets them: no name, no contact, inactive, still counted."""
    import datetime as dt

    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from courses.models import Trainer
    from tests import factories

    trainer = factories.make_trainer(red_liv, name="Bo Hansen", contact="bo@example.org", user=street_worker)
    course = factories.make_course(venue, starts_at=timezone.now() - dt.timedelta(days=3))
    course.trainers.add(trainer)
    factories.make_attendance(course, street_worker)
    client.force_login(administrator)
    page = client.get(reverse("admin:courses_trainer_delete", args=[trainer.pk])).content.decode()
    assert "Fjern fluebenet ved Aktiv i stedet" in page and "Glem de valgte trænere" in page
    # The admin's log of an earlier change names them.
    LogEntry.objects.create(
        user=administrator,
        content_type=ContentType.objects.get_for_model(Trainer),
        object_id=str(trainer.pk),
        object_repr="Bo Hansen",
        action_flag=CHANGE,
    )
    forgotten = client.post(
        reverse("admin:courses_trainer_changelist"), {"action": "forget", "_selected_action": [trainer.pk]}
    )
    assert forgotten.status_code == 302
    trainer.refresh_from_db()
    assert trainer.name == f"Tidligere træner {trainer.pk}" and trainer.contact == "" and trainer.user is None
    assert not trainer.active and not trainer.show_name_publicly
    assert list(course.trainers.all()) == [trainer]
    assert not LogEntry.objects.filter(object_repr__contains="Bo Hansen").exists()
    assert "Bo Hansen" not in client.get(reverse("admin:courses_trainer_changelist")).content.decode()
    assert Trainer.objects.count() == 1
