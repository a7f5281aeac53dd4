"""Coordinators manage their municipality's venues on the staff pages, not only administrators in the admin.

The venue's own rules hold here as in the admin (`Venue.clean`): it is not closed, nor made residents-only,
while something is still planned there, and its district lies in its municipality. Another municipality's
venue is a 404 at every URL; a save from a stale tab is refused, as for a trainer.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from courses.models import Course, Venue
from tests import factories
from tests.conftest import VerifiedClient

pytestmark = pytest.mark.django_db


def venue_data(organisation, **overrides):
    data = {
        "name": "Herberget Dannebrog",
        "organisation": organisation.pk,
        "kind": "premises",
        "address": "Dannebrogsgade 3",
        "postcode": "5000",
        "city": "Odense C",
        "district": "",
        "latitude": "55.400000",
        "longitude": "10.380000",
        "open_to_public": "on",
        "accessibility_notes": "Trin ved indgangen",
        "active": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def edit_data(venue, **overrides):
    data = venue_data(
        venue.organisation,
        name=venue.name,
        kind=venue.kind,
        address=venue.address,
        postcode=venue.postcode,
        city=venue.city,
        district=venue.district_id or "",
        latitude=venue.latitude,
        longitude=venue.longitude,
        open_to_public="on" if venue.open_to_public else None,
        accessibility_notes=venue.accessibility_notes,
        active="on" if venue.active else None,
    )
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_a_coordinator_creates_a_venue_in_a_district_of_their_municipality(planner, red_liv, district, odense):
    response = planner.post("/personale/steder/ny/", venue_data(red_liv, district=district.pk))
    venue = Venue.objects.get()
    assert response["Location"] == "/personale/steder/"
    assert (venue.municipality, venue.district, venue.accessibility_notes) == (odense, district, "Trin ved indgangen")
    listing = planner.get("/personale/steder/").content.decode()
    assert "Herberget Dannebrog" in listing and "Stedet blev gemt." in listing


def test_the_planning_menu_links_to_the_venues_where_the_trainers_are(planner):
    page = planner.get("/personale/traenere/").content.decode()
    assert 'href="/personale/traenere/">Trænere</a>' in page
    assert 'href="/personale/steder/">Steder</a>' in page


def test_another_municipalitys_coordinator_gets_404_for_every_url_and_method(other_coordinator, venue, red_liv):
    client = VerifiedClient()
    client.force_login(other_coordinator)
    path = f"/personale/steder/{venue.pk}/"
    assert client.get(path).status_code == 404
    assert client.post(path, edit_data(venue, name="Overtaget", active=None)).status_code == 404
    assert client.head(path).status_code == 404
    assert venue.name not in client.get("/personale/steder/").content.decode()
    refreshed = Venue.objects.get(pk=venue.pk)
    assert (refreshed.name, refreshed.active) == (venue.name, True)


def test_a_venue_is_not_created_in_another_municipalitys_organisation_or_district(
    planner, aarhus_org, red_liv, aarhus_district
):
    refused = planner.post("/personale/steder/ny/", venue_data(aarhus_org))
    assert refused.status_code == 200 and refused.context["form"].has_error("organisation")
    refused = planner.post("/personale/steder/ny/", venue_data(red_liv, district=aarhus_district.pk))
    assert refused.status_code == 200 and refused.context["form"].has_error("district")
    assert not Venue.objects.exists()


def test_an_administrator_cannot_put_a_venue_in_another_municipalitys_district(
    client, administrator, red_liv, venue, aarhus_district
):
    """An administrator is offered every municipality's districts for a new venue, named with their
    municipality; an existing venue is offered its own municipality's only."""
    client.force_login(administrator)
    page = client.get("/personale/steder/ny/").content.decode()
    assert "Gellerup (Aarhus)" in page
    refused = client.post("/personale/steder/ny/", venue_data(red_liv, district=aarhus_district.pk))
    assert refused.status_code == 200
    assert "Vælg en bydel i Odense, hvor stedet ligger." in refused.content.decode()
    assert "Gellerup" not in client.get(f"/personale/steder/{venue.pk}/").content.decode()
    refused = client.post(f"/personale/steder/{venue.pk}/", edit_data(venue, district=aarhus_district.pk))
    assert refused.status_code == 200 and refused.context["form"].has_error("district")
    assert Venue.objects.get() == venue and venue.district_id is None


def test_a_venue_with_plans_is_not_closed_from_the_staff_page(planner, venue):
    course = factories.make_course(venue, title="Pop-up i december")
    schedule = factories.make_drop_in(venue, title="Torsdagscafé")
    path = f"/personale/steder/{venue.pk}/"
    page = planner.get(path).content.decode()  # what is planned there, each linked to where it is cancelled or ended
    assert f'href="/personale/kurser/{course.pk}/"' in page and f'href="/personale/faste-tider/{schedule.pk}/"' in page
    refused = planner.post(path, edit_data(venue, active=None))
    page = refused.content.decode()
    assert refused.status_code == 200
    assert "har stadig planer fra i dag" in page and "Pop-up i december" in page and "Torsdagscafé" in page
    assert Venue.objects.get(pk=venue.pk).active


def test_a_venue_without_plans_is_closed_and_no_longer_offered_for_courses(planner, venue):
    factories.make_course(venue, starts_at=timezone.now() - dt.timedelta(days=30))
    response = planner.post(f"/personale/steder/{venue.pk}/", edit_data(venue, active=None))
    assert response.status_code == 302
    assert not Venue.objects.get(pk=venue.pk).active
    assert "Lukket" in planner.get("/personale/steder/").content.decode()
    assert venue.name not in planner.get("/personale/kurser/ny/").content.decode()


def test_a_venue_with_public_plans_is_not_made_residents_only_from_the_staff_page(planner, venue):
    factories.make_drop_in(venue, title="Torsdagscafé")
    refused = planner.post(f"/personale/steder/{venue.pk}/", edit_data(venue, open_to_public=None))
    assert refused.status_code == 200 and "Torsdagscafé" in refused.content.decode()
    assert Venue.objects.get(pk=venue.pk).open_to_public


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"kind": "shelter"}, "open_to_public"),
        ({"postcode": "50O0"}, "postcode"),
        ({"longitude": ""}, "longitude"),
        ({"name": "Antidote Danmark, Odense"}, "name"),
    ],
)
def test_the_databases_rules_are_said_beside_the_field(planner, red_liv, venue, changes, field):
    refused = planner.post("/personale/steder/ny/", venue_data(red_liv, **changes))
    assert refused.status_code == 200
    form = refused.context["form"]
    assert list(form.errors) == [field]
    assert (
        "Begrænsning" not in refused.content.decode() and "Disse oplysninger kan ikke" not in refused.content.decode()
    )
    assert Venue.objects.count() == 1


def test_a_save_from_a_second_tab_does_not_silently_undo_the_first(planner, venue):
    path = f"/personale/steder/{venue.pk}/"
    shown = planner.get(path).context["form"]["shown_version"].value()
    assert shown and f'value="{shown}"' in planner.get(path).content.decode()
    saved = planner.post(path, edit_data(venue, accessibility_notes="Rampe ved indgangen", shown_version=shown))
    assert saved.status_code == 302
    refused = planner.post(path, edit_data(venue, active=None, shown_version=shown))
    assert refused.status_code == 200
    assert "Stedet blev ændret et andet sted, efter du åbnede siden" in refused.content.decode()
    venue.refresh_from_db()
    assert (venue.accessibility_notes, venue.active) == ("Rampe ved indgangen", True)
    # Sent again from the page that said so, it replaces the other change on purpose.
    again = refused.context["form"]["shown_version"].value()
    assert again != shown
    assert planner.post(path, edit_data(venue, active=None, shown_version=again)).status_code == 302
    venue.refresh_from_db()
    assert not venue.active


def test_a_save_in_the_admin_from_a_second_tab_does_not_silently_undo_the_first(client, administrator, venue):
    """The admin's venue form saved whatever it sent: a tab opened before a coordinator's (or another tab's) save
    undid that save without a word. It is checked as the staff page is; a double click is saved once."""
    from django.urls import reverse

    client.force_login(administrator)
    path = reverse("admin:courses_venue_change", args=[venue.pk])
    form = client.get(path).context["adminform"].form
    shown, key = form["shown_version"].value(), form["edit_key"].value()
    assert shown and f'value="{shown}"' in client.get(path).content.decode()
    fields = edit_data(venue, municipality=venue.municipality_id, edit_key=key)
    saved = client.post(path, {**fields, "accessibility_notes": "Rampe ved indgangen", "shown_version": shown})
    assert saved.status_code == 302
    refused = client.post(path, {**fields, "active": "", "shown_version": shown})
    assert refused.status_code == 200
    assert "Stedet blev ændret et andet sted, efter du åbnede siden" in refused.content.decode()
    venue.refresh_from_db()
    assert (venue.accessibility_notes, venue.active) == ("Rampe ved indgangen", True)
    # Sent again from the page that said so, it replaces the other change on purpose; a double click saves once.
    again = {**fields, "active": "", "shown_version": refused.context["adminform"].form["shown_version"].value()}
    assert again["shown_version"] != shown
    assert client.post(path, again).status_code == 302
    repeated = client.post(path, again, follow=True)
    assert "Stedet blev gemt." in repeated.content.decode()
    venue.refresh_from_db()
    assert not venue.active


def test_a_double_submit_of_the_venue_form_creates_the_venue_once(planner, red_liv):
    key = planner.get("/personale/steder/ny/").context["form"]["key"].value()
    fields = venue_data(red_liv, key=str(key))
    first = planner.post("/personale/steder/ny/", fields, follow=True)
    again = planner.post("/personale/steder/ny/", fields, follow=True)
    assert Venue.objects.count() == 1
    assert "Stedet blev gemt." in first.content.decode()
    assert "Dette sted er allerede oprettet fra denne formular" in again.content.decode()


def test_street_workers_may_not_manage_venues(client, street_worker, venue):
    client.force_login(street_worker)
    assert client.get("/personale/steder/").status_code == 403
    assert client.post(f"/personale/steder/{venue.pk}/", edit_data(venue, active=None)).status_code == 403
    assert Venue.objects.get(pk=venue.pk).active


def test_the_venue_list_has_a_fixed_number_of_queries(planner, red_liv, odense, django_assert_max_num_queries):
    for _ in range(8):
        factories.make_venue(red_liv, district=factories.make_district(odense))
    with django_assert_max_num_queries(8):
        response = planner.get("/personale/steder/")
    assert len(response.context["venues"]) == 8


@pytest.fixture
def held_at_a_closed_venue(planner, venue):
    """A course held a month ago and drop-in hours ended yesterday at `venue`, which the coordinator then closed."""
    past = timezone.now() - dt.timedelta(days=30)
    course = factories.make_course(venue, starts_at=past, title="Holdt her", published=False)
    hours = factories.make_drop_in(
        venue, valid_from=timezone.localdate() - dt.timedelta(days=60), valid_until=timezone.localdate()
    )
    hours.valid_until = timezone.localdate() - dt.timedelta(days=1)
    hours.save()
    assert planner.post(f"/personale/steder/{venue.pk}/", edit_data(venue, active=None)).status_code == 302
    return course, hours


def test_a_course_and_drop_in_hours_at_a_closed_venue_can_still_be_corrected(planner, venue, held_at_a_closed_venue):
    """Closed, the venue was no longer a choice on their forms: any save of what was held there was refused."""
    course, hours = held_at_a_closed_venue
    form = planner.get(f"/personale/kurser/{course.pk}/rediger/").context["form"]
    fields = {name: form[name].value() for name in form.fields if form[name].value() not in (None, False)}
    fields.update(title="Holdt her, rettet", starts_at=form["starts_at"].value(), ends_at=form["ends_at"].value())
    assert planner.post(f"/personale/kurser/{course.pk}/rediger/", fields).status_code == 302
    assert Course.objects.get(pk=course.pk).title == "Holdt her, rettet"
    assert venue.name not in planner.get("/personale/kurser/ny/").content.decode()  # not for new courses
    form = planner.get(f"/personale/faste-tider/{hours.pk}/").context["form"]
    fields = {name: form[name].value() for name in form.fields if form[name].value() not in (None, False)}
    fields["title"] = "Tirsdagscafé"
    assert planner.post(f"/personale/faste-tider/{hours.pk}/", fields).status_code == 302
    hours.refresh_from_db()
    assert (hours.title, hours.venue_id) == ("Tirsdagscafé", venue.pk)


def test_what_is_held_at_a_closed_venue_is_not_planned_there_again(planner, venue, held_at_a_closed_venue):
    """Its form still offers the closed venue (to correct the past): a past course moved to next week, or ended
    drop-in hours made open-ended again, were planned at a venue that was closed because nothing was planned
    there, and the finder, which shows nothing held at a closed venue, left them out without a word."""
    course, hours = held_at_a_closed_venue
    form = planner.get(f"/personale/kurser/{course.pk}/rediger/").context["form"]
    fields = {name: form[name].value() for name in form.fields if form[name].value() not in (None, False)}
    next_week = timezone.localtime() + dt.timedelta(days=7)
    fields.update(
        starts_at=next_week.strftime("%Y-%m-%dT10:00"), ends_at=next_week.strftime("%Y-%m-%dT12:00"), published=None
    )
    fields = {key: value for key, value in fields.items() if value is not None}
    response = planner.post(f"/personale/kurser/{course.pk}/rediger/", fields)
    assert response.status_code == 200 and "venue" in response.context["form"].errors
    assert f"{venue.name} er lukket: vælg et åbent sted" in response.content.decode()
    assert Course.objects.get(pk=course.pk).starts_at == course.starts_at
    form = planner.get(f"/personale/faste-tider/{hours.pk}/").context["form"]
    fields = {name: form[name].value() for name in form.fields if form[name].value() not in (None, False)}
    fields.pop("valid_until")
    response = planner.post(f"/personale/faste-tider/{hours.pk}/", fields)
    assert response.status_code == 200 and "venue" in response.context["form"].errors
    hours.refresh_from_db()
    assert hours.valid_until == timezone.localdate() - dt.timedelta(days=1)
    assert not any(venue.planned_from_today())


def test_same_again_next_week_is_not_planned_at_a_closed_venue(planner, venue):
    """The copy of last week's course, held before the venue closed, was planned at the closed venue."""
    course = factories.make_course(venue, starts_at=timezone.now() - dt.timedelta(days=3), title="Sidste gang")
    assert planner.post(f"/personale/steder/{venue.pk}/", edit_data(venue, active=None)).status_code == 302
    response = planner.post(f"/personale/kurser/{course.pk}/kopier/", follow=True)
    assert f"{venue.name} er lukket: planlæg i stedet det næste kursus på et åbent sted." in response.content.decode()
    assert Course.objects.get() == course


def test_a_venue_closed_while_a_course_or_drop_in_hours_were_sent_is_not_planned_at(planner, venue, coordinator):
    """The forms were checked while the venue was open; it closed (another coordinator, another tab) before they
    were saved. The course and the hours were saved at the closed venue: the save reads the venue again, under a
    lock that closing it waits for."""
    from courses.forms import CourseForm, DropInScheduleForm
    from courses.models import DropInSchedule
    from courses.services_planning import save_course, save_dropin

    form = CourseForm(planner.get("/personale/kurser/ny/").context["form"].initial, user=coordinator)
    next_week = timezone.localtime() + dt.timedelta(days=7)
    data = {name: form[name].value() for name in form.fields if form[name].value() not in (None, False, "")}
    data.update(
        kind="participant",
        format="drop_in",
        venue=venue.pk,
        starts_at=next_week.strftime("%Y-%m-%dT10:00"),
        ends_at=next_week.strftime("%Y-%m-%dT12:00"),
        capacity="10",
    )
    course_form = CourseForm(data, user=coordinator)
    assert course_form.is_valid(), course_form.errors
    hours_form = DropInScheduleForm(
        {"venue": venue.pk, "weekday": "1", "starts_at": "10:00", "ends_at": "12:00", "valid_from": "2026-07-01"},
        user=coordinator,
    )
    assert hours_form.is_valid(), hours_form.errors
    Venue.objects.filter(pk=venue.pk).update(active=False)  # closed meanwhile, with nothing planned yet
    for save, form in [(save_course, course_form), (save_dropin, hours_form)]:
        with pytest.raises(ValidationError) as refused:
            save(form, coordinator)
        assert refused.value.message_dict["venue"] == [
            "Stedet blev lukket imens: vælg et åbent sted til det, der er planlagt fra i dag."
        ]
    assert not Course.objects.exists() and not DropInSchedule.objects.exists()


def test_a_venues_coordinates_are_held_to_denmark_and_the_help_says_how_to_write_them(planner, red_liv):
    """Before, the inputs took -1000000 to 1000000 and the help suggested '55,395', which a number field refuses in
    a browser of another language; a swapped pair was stored."""
    form = planner.get("/personale/steder/ny/").content.decode()
    latitude = form.split('name="latitude"')[1].split(">")[0]
    longitude = form.split('name="longitude"')[1].split(">")[0]
    assert 'min="54"' in latitude and 'max="58"' in latitude and 'min="8"' in longitude and 'max="16"' in longitude
    assert "grader nord, med punktum, fx 55.395 (fra 54 til 58)" in form and "55,395" not in form
    assert "Grader øst, med punktum, fx 10.388 (fra 8 til 16)" in form
    response = planner.post("/personale/steder/ny/", venue_data(red_liv, latitude="10.388", longitude="55.395"))
    page = response.content.decode()
    assert response.status_code == 200 and not Venue.objects.exists()
    assert "Indtast et tal fra 54 til 58." in page and "Indtast et tal fra 8 til 16." in page
