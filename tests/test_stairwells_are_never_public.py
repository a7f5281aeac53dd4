"""A stairwell where people who use drugs live is never shown to the public, by name or address.

Its residents are a secondary audience of RED LIV. A venue named after the stairwell ("Opgang Vollsmose Allé 12")
and left open to the public was published on the finder, its API, feed and widget: it told everyone where drug
users live. A stairwell is now a kind of venue for its residents only, as a shelter is (the form says why, the
database refuses it otherwise), and the venues already named so became that kind.
"""

import importlib

import pytest
from django.apps import apps

from courses.models import Venue
from tests import factories
from tests.test_coordinator_venues import venue_data

pytestmark = pytest.mark.django_db

STAIRWELL = "Opgang Vollsmose Allé 12"


def test_the_venue_form_says_a_stairwell_is_never_shown_to_the_public(planner, red_liv):
    refused = planner.post("/personale/steder/ny/", venue_data(red_liv, name=STAIRWELL, kind="stairwell"))
    assert refused.status_code == 200
    assert list(refused.context["form"].errors) == ["open_to_public"]
    assert "hvor folk, der bruger stoffer, bor" in refused.content.decode()
    assert not Venue.objects.exists()
    saved = planner.post(
        "/personale/steder/ny/", venue_data(red_liv, name=STAIRWELL, kind="stairwell", open_to_public=None)
    )
    assert saved.status_code == 302
    assert "Opgang (kun for beboere)" in planner.get("/personale/steder/").content.decode()


def test_a_public_venue_named_after_a_stairwell_leaves_every_public_listing(client, red_liv):
    """The migration's step over the rows saved before it: the stairwell by its name, the shelter left as it was."""
    stairwell = factories.make_venue(red_liv, name=STAIRWELL, address="Vollsmose Allé 12")
    factories.make_course(stairwell, title="Nabokursus")
    factories.make_drop_in(stairwell, title="Beboercafé", published=True)
    library = factories.make_venue(red_liv, name="Vollsmose Bibliotek", address="Vollsmose Torv 8")
    pages = ["/", "/api/v1/courses/", "/kurser.ics", "/widget/"]
    assert all("Vollsmose Allé" in client.get(page).content.decode() for page in pages)

    migration = importlib.import_module("courses.migrations.0024_stairwells_are_for_their_residents_only")
    migration.stairwells_named_so_are_residents_only(apps, None)

    stairwell.refresh_from_db()
    assert (stairwell.kind, stairwell.open_to_public) == ("stairwell", False)
    assert Venue.objects.get(pk=library.pk).open_to_public
    for page in pages:
        assert "Vollsmose Allé" not in client.get(page).content.decode(), page
