"""Closing a venue, or making it residents-only, while courses or drop-in hours are still planned there.

Both take everything held there off the public finder at once (`listing.PUBLIC_VENUE`): the courses
stayed "planned" for the staff while their public pages became a bare "not found", and nobody who had
planned to come was told. The venue's form refuses, naming what is left, until each is cancelled
(its page then says so, with the reason) or moved, and the drop-in hours are ended or moved.
"""

import datetime as dt

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from courses.models import Course, Venue
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def venue_form(venue, **changes):
    fields = {key: value for key, value in model_to_dict(venue).items() if value is not None}
    fields.update(changes)
    return {key: value for key, value in fields.items() if value is not False}


def test_a_venue_with_a_planned_course_and_drop_in_hours_is_not_closed(admin_client, venue):
    course = factories.make_course(venue, title="Pop-up i december")
    factories.make_drop_in(venue, title="Torsdagscafé")
    response = admin_client.post(f"/admin/courses/venue/{venue.pk}/change/", venue_form(venue, active=False))
    page = response.content.decode()
    assert response.status_code == 200
    assert "har stadig planer fra i dag" in page
    assert "Pop-up i december" in page and "Torsdagscafé" in page
    assert Venue.objects.get(pk=venue.pk).active
    assert admin_client.get(f"/kurser/{course.pk}/").status_code == 200  # still shown, as still planned


def test_a_venue_is_closed_once_its_courses_are_cancelled_and_its_hours_ended(admin_client, venue):
    course = factories.make_course(venue)
    old_course = factories.make_course(venue, starts_at=timezone.now() - dt.timedelta(days=30))
    factories.make_drop_in(
        venue,
        valid_from=timezone.localdate() - dt.timedelta(days=60),
        valid_until=timezone.localdate() - dt.timedelta(days=1),
    )
    Course.objects.filter(pk=course.pk).update(status=Course.Status.CANCELLED, cancellation_reason="Lukket")
    response = admin_client.post(f"/admin/courses/venue/{venue.pk}/change/", venue_form(venue, active=False))
    assert response.status_code == 302
    assert not Venue.objects.get(pk=venue.pk).active
    assert old_course.venue_id == venue.pk
    assert admin_client.get(f"/kurser/{course.pk}/").status_code == 410  # the cancellation, with its reason


def test_a_venue_with_public_plans_is_not_made_residents_only(admin_client, venue):
    factories.make_drop_in(venue, title="Torsdagscafé")
    factories.make_course(venue, title="Kun for beboerne", published=False)
    response = admin_client.post(f"/admin/courses/venue/{venue.pk}/change/", venue_form(venue, open_to_public=False))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Torsdagscafé" in page and "Kun for beboerne" not in page
    assert Venue.objects.get(pk=venue.pk).open_to_public


def test_a_venue_cannot_lie_in_another_municipalitys_district(admin_client, venue, aarhus_district, district):
    """The admin's district menu offered four districts called "Centrum"; an Odense venue put in Aarhus's
    was listed by the finder under Aarhus."""
    page = admin_client.get(f"/admin/courses/venue/{venue.pk}/change/").content.decode()
    assert "Gellerup (Aarhus)" in page and "Vollsmose (Odense)" in page
    response = admin_client.post(
        f"/admin/courses/venue/{venue.pk}/change/", venue_form(venue, district=aarhus_district.pk)
    )
    assert response.status_code == 200
    assert "Vælg en bydel i Odense" in response.content.decode()
    assert Venue.objects.get(pk=venue.pk).district_id is None
    response = admin_client.post(f"/admin/courses/venue/{venue.pk}/change/", venue_form(venue, district=district.pk))
    assert response.status_code == 302
    assert Venue.objects.get(pk=venue.pk).district == district
