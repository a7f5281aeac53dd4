"""The end of a recall: a lot cleared after investigation, or a recall that is over.

A coordinator of the municipality that started it, or an administrator, ends it after a confirmation
(who may: tests/test_who_may_recall.py); from then on the lot is
handed out again (if it has not expired), the public "Tjek dit kit" page and the finder's
banner stop showing it, and the lot trace tells who recalled it and who ended it, and why.

"Today" is Monday 30 November 2026 (Copenhagen); the lot was recalled on 20 November.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from kits import queries, services
from kits.models import Batch, StockLevel
from redliv.db import violated_constraint
from tests import factories

pytestmark = pytest.mark.django_db

CPH = ZoneInfo("Europe/Copenhagen")
TODAY = dt.date(2026, 11, 30)
RECALLED_ON = dt.date(2026, 11, 20)
INSTRUCTIONS = "Aflevér kittet på Antidote Danmark, Vestergade 1, og få et nyt med det samme."
CHECK = "/tjek-dit-kit/"


@pytest.fixture(autouse=True)
def end_of_november():
    with time_machine.travel(dt.datetime(2026, 11, 30, 14, tzinfo=CPH), tick=False):
        yield


@pytest.fixture
def bag(red_liv):
    return factories.make_location(red_liv, name="Gadeteamets taske")


@pytest.fixture
def office(red_liv):
    return factories.make_location(red_liv, name="Kontoret")


@pytest.fixture
def lot(bag, coordinator):
    """Lot NX2408, 30 kits in the bag since October, recalled by Odense's coordinator on 20 November."""
    with time_machine.travel(dt.datetime(2026, 11, 20, 9, tzinfo=CPH), tick=False):
        batch = factories.make_batch(
            lot_number="NX2408", expiry_date=dt.date(2027, 6, 1), received_on=dt.date(2026, 9, 1)
        )
        factories.receive(batch, bag, 30, coordinator, occurred_at=dt.datetime(2026, 10, 1, 10, tzinfo=CPH))
        return services.recall_lot(
            user=coordinator,
            batch=batch,
            recalled_on=RECALLED_ON,
            reason="Fejl i spraydysen",
            instructions=INSTRUCTIONS,
        )


END = {"reason": "Producenten fandt lottet i orden", "confirm": "on"}


def end_url(batch):
    return reverse("kits:end-recall", args=[batch.pk])


def trace(client):
    return client.get(reverse("kits:lot"), {"lot": "NX2408"}).content.decode()


def hand_out_one(user, bag, batch=None, **fields):
    return services.record_handout(
        user=user, location=bag, quantity=1, reason="first_supply", audience="relatives", batch=batch, **fields
    )


def level(location, batch):
    return StockLevel.objects.filter(location=location, batch=batch).values_list("quantity", flat=True).first()


# The action, with its confirmation


def test_the_trace_shows_who_recalled_the_lot_and_offers_to_end_the_recall(client, coordinator, lot):
    client.force_login(coordinator)
    content = trace(client)
    assert "Tilbagekaldt 20. nov 2026</strong> af koordinator-carla: Fejl i spraydysen" in content
    assert f'href="{end_url(lot)}"' in content and "Afslut tilbagekaldelsen" in content


def test_a_coordinator_ends_a_recall_only_after_confirming_it(client, coordinator, lot):
    client.force_login(coordinator)
    page = client.get(end_url(lot)).content.decode()
    assert "Afslut tilbagekaldelsen af lot NX2408" in page
    assert "Tilbagekaldt 20. nov 2026: Fejl i spraydysen." in page and "udleveres" in page

    refused = client.post(end_url(lot), {"reason": END["reason"]})
    assert refused.status_code == 200 and "Bekræft, at tilbagekaldelsen slutter." in refused.content.decode()
    refused = client.post(end_url(lot), {"confirm": "on", "reason": "  "})
    assert refused.status_code == 200 and "Dette felt er påkrævet." in refused.content.decode()
    lot.refresh_from_db()
    assert lot.recall_ended_on is None and lot.is_recalled(TODAY)

    response = client.post(end_url(lot), END, follow=True)
    content = response.content.decode()
    assert response.redirect_chain[-1][0] == f"{reverse('kits:lot')}?lot=NX2408"
    assert "Tilbagekaldelsen af lot NX2408 er afsluttet." in content
    lot.refresh_from_db()
    assert (lot.recall_ended_on, lot.recall_ended_by, lot.recall_end_reason) == (TODAY, coordinator, END["reason"])
    assert not lot.is_recalled(TODAY)
    # The trace tells who recalled it and who ended it, and offers a new recall.
    assert "Tilbagekaldelsen sluttede 30. nov 2026</strong> af koordinator-carla: Producenten fandt lottet i orden" in (
        content
    )
    assert "Tilbagekaldt 20. nov 2026 af koordinator-carla: Fejl i spraydysen" in content
    assert "Tilbagekald dette lot igen" in content and f'href="{end_url(lot)}"' not in content


def test_a_second_end_of_the_same_recall_changes_nothing(client, coordinator, administrator, lot):
    client.force_login(coordinator)
    client.post(end_url(lot), END)
    client.force_login(administrator)
    response = client.post(end_url(lot), {"reason": "Igen", "confirm": "on"}, follow=True)
    assert "Lot NX2408 er ikke tilbagekaldt nu." in response.content.decode()
    lot.refresh_from_db()
    assert (lot.recall_ended_by, lot.recall_end_reason) == (coordinator, END["reason"])
    with pytest.raises(ValidationError) as error:
        services.end_recall(user=administrator, batch=lot, reason="Igen")
    assert error.value.messages == ["Tilbagekaldelsen af lot NX2408 sluttede allerede 30. nov 2026."]


def test_the_service_ends_only_a_recall_and_only_with_a_reason(coordinator, lot):
    fine = factories.make_batch(lot_number="FINE1")
    with pytest.raises(ValidationError) as error:
        services.end_recall(user=coordinator, batch=fine, reason="I orden")
    assert error.value.messages == ["Lot FINE1 er ikke tilbagekaldt."]
    with pytest.raises(ValidationError) as error:
        services.end_recall(user=coordinator, batch=lot, reason=" ")
    assert error.value.message_dict == {"reason": ["Skriv, hvorfor tilbagekaldelsen slutter."]}


def test_an_administrator_ends_a_recall(client, administrator, lot):
    client.force_login(administrator)
    client.post(end_url(lot), END)
    lot.refresh_from_db()
    assert lot.recall_ended_by == administrator


# Who may


def test_a_visitor_is_sent_to_the_login(client, lot):
    response = client.get(end_url(lot))
    assert response.status_code == 302 and "/konto/login/" in response["Location"]


def test_a_street_worker_may_see_the_trace_but_not_end_the_recall(client, street_worker, lot):
    client.force_login(street_worker)
    assert client.get(end_url(lot)).status_code == 403
    assert client.post(end_url(lot), END).status_code == 403
    lot.refresh_from_db()
    assert lot.recall_ended_on is None


def test_another_municipalitys_coordinator_neither_sees_nor_ends_the_recall(client, other_coordinator, lot):
    client.force_login(other_coordinator)  # Aarhus never held the lot
    assert client.get(end_url(lot)).status_code == 404
    assert client.post(end_url(lot), END).status_code == 404
    assert client.get(reverse("kits:recall", args=[lot.pk])).status_code == 404
    assert client.get(reverse("kits:lot"), {"lot": "NX2408"}).status_code == 404
    lot.refresh_from_db()
    assert lot.recall_ended_on is None and lot.is_recalled(TODAY)


# Blocking before the end, not after


def test_the_lot_is_blocked_while_recalled_and_handed_out_again_after_the_end(client, coordinator, lot, bag, office):
    with pytest.raises(ValidationError):
        hand_out_one(coordinator, bag, lot)
    with pytest.raises(ValidationError):
        services.transfer_kits(user=coordinator, from_location=bag, to_location=office, quantity=5, batch=lot)
    with pytest.raises(ValidationError):  # first expiry, first out skips the recalled lot
        hand_out_one(coordinator, bag)

    client.force_login(coordinator)
    client.post(end_url(lot), END)
    lot.refresh_from_db()
    handout, created = hand_out_one(coordinator, bag, lot)
    assert created and handout.batch == lot
    assert hand_out_one(coordinator, bag)[0].batch == lot  # chosen again first expiry, first out
    services.transfer_kits(user=coordinator, from_location=bag, to_location=office, quantity=5, batch=lot)
    assert (level(bag, lot), level(office, lot)) == (23, 5)


def test_a_handout_dated_inside_the_ended_recall_is_still_refused(client, coordinator, lot, bag):
    """An offline entry from the days of the recall: the lot was not to be handed out then."""
    services.end_recall(user=coordinator, batch=lot, reason="I orden")
    inside = dt.datetime(2026, 11, 25, 12, tzinfo=CPH)
    with pytest.raises(ValidationError):
        hand_out_one(coordinator, bag, Batch.objects.get(pk=lot.pk), occurred_at=inside)
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        factories.hand_out(lot, bag, 1, coordinator, occurred_at=inside)
    assert violated_constraint(error.value) == "handout_batch_not_recalled"
    assert level(bag, lot) == 30


def test_the_stock_page_counts_the_kits_as_usable_again(client, coordinator, lot, bag):
    client.force_login(coordinator)
    apart = client.get(reverse("kits:stock")).content.decode().split('id="expired-heading"')[1]
    assert "Tilbagekaldt 20. nov 2026" in apart.split("</section>")[0]
    services.end_recall(user=coordinator, batch=lot, reason="I orden")
    content = client.get(reverse("kits:stock")).content.decode()
    assert "30 brugbare kit" in content
    assert "Tilbagekaldt 20. nov 2026" not in content.split('id="expired-heading"')[1].split("</section>")[0]


# The public page and the finder


def answer(response):
    content = response.content.decode()
    return content.split("data-answer>")[1].split("</section>")[0]


def test_the_public_lookup_says_recalled_before_the_end_and_fine_after(client, coordinator, lot):
    assert 'data-status="recalled"' in answer(client.post(CHECK, {"lot": "NX2408"}))
    services.end_recall(user=coordinator, batch=lot, reason="I orden")
    after = answer(client.post(CHECK, {"lot": "NX2408"}))
    assert 'data-status="fine"' in after and "i orden at bruge til og med 1. juni 2027" in after
    assert INSTRUCTIONS not in after


def test_an_expired_lot_whose_recall_ended_is_expired_on_the_public_page(client, coordinator, bag):
    old = factories.make_batch(lot_number="NX2301", received_on=dt.date(2025, 1, 1), expiry_date=dt.date(2026, 11, 25))
    factories.receive(old, bag, 3, coordinator, occurred_at=dt.datetime(2025, 2, 1, 10, tzinfo=CPH))
    services.recall_lot(user=coordinator, batch=old, recalled_on=RECALLED_ON, reason="Fejl", instructions="Aflevér")
    services.end_recall(user=coordinator, batch=old, reason="I orden")
    text = answer(client.post(CHECK, {"lot": "NX2301"}))
    assert 'data-status="expired"' in text and "udløb 25. november 2026" in text


@pytest.mark.parametrize("with_a_course", [False, True], ids=["empty finder", "a course listed"])
def test_the_finder_banner_stops_naming_the_lot_when_the_recall_ends(
    client, coordinator, lot, venue, django_capture_on_commit_callbacks, with_a_course
):
    if with_a_course:  # the banner's lots then come with the page's course statement, not on their own
        factories.make_course(venue)
    assert "Lot NX2408 er tilbagekaldt." in client.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the finder forgets its lists once the end commits
        services.end_recall(user=coordinator, batch=lot, reason="I orden")
    assert "recall-banner" not in client.get("/").content.decode()
    assert queries.active_recalls(TODAY) == []


# History


def test_every_step_of_a_recall_is_kept_in_the_lots_history(client, coordinator, administrator, lot):
    client.force_login(coordinator)
    client.post(end_url(lot), END)
    client.force_login(administrator)
    client.post(
        reverse("kits:recall", args=[lot.pk]),
        {"recalled_on": "2026-11-30", "reason": "Ny fejl fundet", "instructions": INSTRUCTIONS},
    )
    lot.refresh_from_db()
    # A new recall: who recalled it is the administrator, and the old end is gone from the lot.
    assert (lot.recalled_on, lot.recalled_by, lot.recall_ended_on, lot.recall_end_reason) == (
        TODAY,
        administrator,
        None,
        "",
    )
    rows = list(lot.history.order_by("history_date", "history_id"))
    assert [(row.history_type, row.history_user, row.recalled_on, row.recall_ended_on) for row in rows] == [
        ("+", None, None, None),
        ("~", coordinator, RECALLED_ON, None),
        ("~", coordinator, RECALLED_ON, TODAY),
        ("~", administrator, TODAY, None),
    ]
    assert rows[2].recall_end_reason == END["reason"] and rows[2].recall_ended_by == coordinator
    steps = queries.recall_steps([lot])[lot.pk]
    assert [(step.action, step.who, step.on_date, step.reason) for step in steps] == [
        ("recalled", coordinator, RECALLED_ON, "Fejl i spraydysen"),
        ("ended", coordinator, TODAY, END["reason"]),
        ("recalled", administrator, TODAY, "Ny fejl fundet"),
    ]
    history = trace(client).split("Tilbagekaldelsens historik")[1].split("</ul>")[0]
    assert "20. nov 2026 09:00 · tilbagekaldt fra 20. nov 2026 · koordinator-carla · Fejl i spraydysen" in history
    assert "30. nov 2026 14:00 · tilbagekaldelsen sluttede 30. nov 2026 · koordinator-carla" in history
    assert "30. nov 2026 14:00 · tilbagekaldt fra 30. nov 2026 · admin-dina · Ny fejl fundet" in history


# A new recall that overlaps the one that ended


def recall_url(batch):
    return reverse("kits:recall", args=[batch.pk])


def test_a_new_recall_that_overlaps_the_ended_one_keeps_the_earlier_start(coordinator, lot, bag):
    """Recalled 20.11, ended 30.11, recalled again "from 25.11": the lot was under recall from 20.11 throughout."""
    services.end_recall(user=coordinator, batch=lot, reason="I orden")
    again = services.recall_lot(
        user=coordinator,
        batch=Batch.objects.get(pk=lot.pk),
        recalled_on=dt.date(2026, 11, 25),
        reason="Fejl i spraydysen alligevel",
        instructions=INSTRUCTIONS,
    )
    again.refresh_from_db()
    assert (again.recalled_on, again.recall_ended_on) == (RECALLED_ON, None)
    assert again.is_recalled(dt.date(2026, 11, 22)) and again.is_recalled(TODAY)
    # The database still refuses an offline handout dated inside the first days of the recall.
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        factories.hand_out(lot, bag, 1, coordinator, occurred_at=dt.datetime(2026, 11, 22, 12, tzinfo=CPH))
    assert violated_constraint(error.value) == "handout_batch_not_recalled"
    assert level(bag, lot) == 30


def test_a_new_recall_after_the_ended_one_starts_on_its_own_date(coordinator, lot):
    with time_machine.travel(dt.datetime(2026, 11, 24, 9, tzinfo=CPH), tick=False):
        services.end_recall(user=coordinator, batch=lot, reason="I orden")
    again = services.recall_lot(
        user=coordinator, batch=lot, recalled_on=dt.date(2026, 11, 28), reason="Ny fejl", instructions=INSTRUCTIONS
    )
    assert again.recalled_on == dt.date(2026, 11, 28)
    assert not again.is_recalled(dt.date(2026, 11, 26)) and again.is_recalled(TODAY)


def test_the_coordinator_is_told_when_a_new_recall_joins_the_ended_one(client, coordinator, lot):
    client.force_login(coordinator)
    client.post(end_url(lot), END)
    response = client.post(
        recall_url(lot),
        {"recalled_on": "2026-11-25", "reason": "Fejl i spraydysen alligevel", "instructions": INSTRUCTIONS},
        follow=True,
    )
    content = response.content.decode()
    assert response.redirect_chain[-1][0] == f"{reverse('kits:lot')}?lot=NX2408"
    assert (
        "Den nye tilbagekaldelse overlapper den, der begyndte 20. nov 2026, så de er én tilbagekaldelse: "
        "lot NX2408 er tilbagekaldt fra 20. nov 2026." in content
    )
    lot.refresh_from_db()
    assert (lot.recalled_on, lot.recall_ended_on) == (RECALLED_ON, None)
