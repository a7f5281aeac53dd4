"""Who may recall a lot, and who may change or end its recall (`redliv.roles.may_change_recall`).

A lot is national: one manufacturer lot held by many municipalities, and its recall stops its handouts
in all of them. Any coordinator whose municipality has held the lot may recall it (the lot keeps who).
Changing or ending the recall puts kits back in people's hands everywhere: the coordinators of the
municipality whose coordinator started it may, and administrators; a coordinator of another municipality
that holds the lot may not. Street workers and trainers do neither.

Lot NX2408 is held in Odense and in Aarhus; Odense's coordinator recalled it on 20 November.
"Today" is Monday 30 November 2026 (Copenhagen).
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from kits import services
from redliv import roles
from redliv.models import Municipality, Organisation
from tests import factories
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

CPH = ZoneInfo("Europe/Copenhagen")


@pytest.fixture(autouse=True)
def end_of_november():
    with time_machine.travel(dt.datetime(2026, 11, 30, 14, tzinfo=CPH), tick=False):
        yield


@pytest.fixture
def colleague(red_liv):
    """A second coordinator in Odense, who did not start the recall."""
    return make_user("koordinator-ole", red_liv, roles.COORDINATOR)


@pytest.fixture
def vejle_coordinator(db):
    vejle = Municipality.objects.create(name="Vejle", code=630)
    organisation = Organisation.objects.create(
        name="Vejle Kommune", kind=Organisation.Kind.MUNICIPALITY, municipality=vejle
    )
    return make_user("koordinator-vejle", organisation, roles.COORDINATOR)


@pytest.fixture
def lot(red_liv, aarhus_org, coordinator, other_coordinator):
    batch = factories.make_batch(lot_number="NX2408", expiry_date=dt.date(2027, 6, 1), received_on=dt.date(2026, 9, 1))
    factories.receive(batch, factories.make_location(red_liv, name="Gadeteamets taske"), 30, coordinator)
    factories.receive(batch, factories.make_location(aarhus_org, name="Aarhus' taske"), 20, other_coordinator)
    return services.recall_lot(
        user=coordinator,
        batch=batch,
        recalled_on=dt.date(2026, 11, 20),
        reason="Fejl i spraydysen",
        instructions="Aflevér kittet og få et nyt.",
    )


# (change the recall, end the recall): the answer to a GET of each page.
ANSWERS = {
    "street_worker": (403, 403),
    "trainer_user": (403, 403),
    "coordinator": (200, 200),  # started the recall
    "colleague": (200, 200),  # the same municipality
    "other_coordinator": (403, 403),  # Aarhus holds the lot, but Odense recalled it
    "vejle_coordinator": (404, 404),  # never held the lot: it does not exist for them
    "administrator": (200, 200),
}


@pytest.mark.parametrize("who", ANSWERS)
def test_who_may_change_and_end_a_recall(client, request, lot, who):
    client.force_login(request.getfixturevalue(who))
    change = client.get(reverse("kits:recall", args=[lot.pk]))
    end = client.get(reverse("kits:end-recall", args=[lot.pk]))
    assert (change.status_code, end.status_code) == ANSWERS[who]
    may = ANSWERS[who] == (200, 200)
    trace = client.get(reverse("kits:lot"), {"lot": "NX2408"}).content.decode()
    assert (reverse("kits:end-recall", args=[lot.pk]) in trace) is may


def test_a_coordinator_of_another_municipality_cannot_end_the_recall_and_is_told_who_can(
    client, lot, other_coordinator, colleague
):
    client.force_login(other_coordinator)
    trace = client.get(reverse("kits:lot"), {"lot": "NX2408"}).content.decode()
    assert "Kun koordinatorerne i Odense, hvor tilbagekaldelsen blev startet, eller en administrator kan ændre" in (
        trace
    )
    refused = client.post(reverse("kits:end-recall", args=[lot.pk]), {"reason": "Fint", "confirm": "on"})
    assert refused.status_code == 403
    with pytest.raises(PermissionDenied):
        services.end_recall(user=other_coordinator, batch=lot, reason="Fint")
    with pytest.raises(PermissionDenied):  # changing it (a later date shortens it) is refused too
        services.recall_lot(
            user=other_coordinator, batch=lot, recalled_on=dt.date(2026, 11, 29), reason="Andet", instructions="Andet"
        )
    lot.refresh_from_db()
    assert lot.is_recalled(dt.date(2026, 11, 30)) and lot.recalled_on == dt.date(2026, 11, 20)

    client.force_login(colleague)
    client.post(
        reverse("kits:end-recall", args=[lot.pk]), {"reason": "Producenten fandt lottet i orden", "confirm": "on"}
    )
    lot.refresh_from_db()
    assert (lot.recall_ended_on, lot.recall_ended_by) == (dt.date(2026, 11, 30), colleague)


def test_any_coordinator_whose_municipality_held_the_lot_may_recall_it_and_is_recorded(
    client, lot, coordinator, other_coordinator
):
    services.end_recall(user=coordinator, batch=lot, reason="Producenten fandt lottet i orden")
    client.force_login(other_coordinator)
    response = client.post(
        reverse("kits:recall", args=[lot.pk]),
        {"recalled_on": "2026-11-30", "reason": "Utæt spray i Aarhus", "instructions": "Aflevér kittet."},
    )
    assert response.status_code == 302
    lot.refresh_from_db()
    assert (lot.recalled_on, lot.recalled_by) == (dt.date(2026, 11, 30), other_coordinator)
    # Now the recall is Aarhus': Odense's coordinator may no longer end it.
    client.force_login(coordinator)
    assert client.get(reverse("kits:end-recall", args=[lot.pk])).status_code == 403


def test_the_recall_stays_with_the_municipality_that_started_it_when_its_coordinator_moves(
    client, lot, coordinator, colleague, aarhus_org
):
    """Who may change or end a recall was read from where its starter works today: Odense's coordinator, moved
    to Aarhus's organisation, took the recall to Aarhus, and Odense's coordinators could no longer end it."""
    coordinator.organisation = aarhus_org
    coordinator.save()
    lot.refresh_from_db()
    assert not roles.may_change_recall(coordinator, lot)
    client.force_login(colleague)
    trace = client.get(reverse("kits:lot"), {"lot": "NX2408"}).content.decode()
    assert reverse("kits:end-recall", args=[lot.pk]) in trace
    client.post(
        reverse("kits:end-recall", args=[lot.pk]), {"reason": "Producenten fandt lottet i orden", "confirm": "on"}
    )
    lot.refresh_from_db()
    assert (lot.recall_ended_on, lot.recall_ended_by) == (dt.date(2026, 11, 30), colleague)
