"""Handing out kits: first expiry first out, never expired, never below zero, stored once."""

import datetime as dt
import random
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kits.models import Batch, Handout, StockLevel
from kits.services import first_expiring_batch, record_handout, return_kits, withdraw_handout
from redliv.idempotency import IdempotencyConflict
from tests import factories
from tests.simultaneous import at_once


@pytest.fixture
def bag(red_liv):
    return factories.make_location(red_liv, name="Gadeteamets taske")


def level(location, batch):
    return StockLevel.objects.get(location=location, batch=batch).quantity


@pytest.mark.django_db
def test_it_hands_out_from_the_earliest_expiring_unexpired_batch(bag, coordinator):
    today = timezone.localdate()
    later = factories.make_batch(expiry_date=today + dt.timedelta(days=300))
    sooner = factories.make_batch(expiry_date=today + dt.timedelta(days=30))
    expired = factories.make_batch(received_on=today - dt.timedelta(days=60), expiry_date=today - dt.timedelta(days=1))
    factories.receive(expired, bag, 5, coordinator, occurred_at=timezone.now() - dt.timedelta(days=50))
    for batch in (later, sooner):
        factories.receive(batch, bag, 5, coordinator)
    handout, created = record_handout(
        user=coordinator, location=bag, quantity=2, reason="first_supply", audience="people_who_use_drugs"
    )
    assert created and handout.batch == sooner
    assert level(bag, sooner) == 3 and level(bag, later) == 5 and level(bag, expired) == 5


@pytest.mark.django_db
def test_it_skips_a_batch_that_holds_too_few_kits(bag, coordinator):
    today = timezone.localdate()
    sooner = factories.make_batch(expiry_date=today + dt.timedelta(days=30))
    later = factories.make_batch(expiry_date=today + dt.timedelta(days=300))
    factories.receive(sooner, bag, 1, coordinator)
    factories.receive(later, bag, 5, coordinator)
    handout, _ = record_handout(
        user=coordinator, location=bag, quantity=3, reason="first_supply", audience="people_who_use_drugs"
    )
    assert handout.batch == later


@pytest.mark.django_db
def test_it_refuses_a_chosen_expired_batch_with_a_message(bag, coordinator):
    today = timezone.localdate()
    expired = factories.make_batch(received_on=today - dt.timedelta(days=60), expiry_date=today - dt.timedelta(days=1))
    factories.receive(expired, bag, 5, coordinator, occurred_at=timezone.now() - dt.timedelta(days=50))
    with pytest.raises(ValidationError) as error:
        record_handout(
            user=coordinator,
            location=bag,
            quantity=1,
            reason="first_supply",
            audience="people_who_use_drugs",
            batch=expired,
        )
    assert "udløb" in error.value.message_dict["batch"][0]
    assert not Handout.objects.exists()


@pytest.mark.django_db
def test_it_says_how_many_kits_are_on_hand_when_there_are_too_few(bag, coordinator):
    factories.receive(factories.make_batch(), bag, 2, coordinator)
    with pytest.raises(ValidationError) as error:
        record_handout(
            user=coordinator, location=bag, quantity=3, reason="first_supply", audience="people_who_use_drugs"
        )
    assert error.value.message_dict["quantity"] == ["Ikke nok kit i Gadeteamets taske: 2 på lager, 3 ønsket."]
    assert not Handout.objects.exists()


@pytest.mark.django_db
def test_the_same_key_with_the_same_content_is_stored_once(bag, coordinator):
    batch = factories.make_batch()
    factories.receive(batch, bag, 5, coordinator)
    key = uuid.uuid4()
    arguments = dict(user=coordinator, location=bag, quantity=1, reason="replaces_used", audience="other", key=key)
    first, created_first = record_handout(**arguments)
    again, created_again = record_handout(**arguments)
    assert (created_first, created_again) == (True, False)
    assert again.pk == first.pk
    assert Handout.objects.count() == 1 and level(bag, batch) == 4


@pytest.mark.django_db
def test_the_same_key_with_other_content_is_refused(bag, coordinator):
    batch = factories.make_batch()
    factories.receive(batch, bag, 5, coordinator)
    key = uuid.uuid4()
    record_handout(user=coordinator, location=bag, quantity=1, reason="replaces_used", audience="other", key=key)
    with pytest.raises(IdempotencyConflict):
        record_handout(user=coordinator, location=bag, quantity=2, reason="replaces_used", audience="other", key=key)
    assert Handout.objects.count() == 1 and level(bag, batch) == 4


@pytest.mark.django_db
def test_a_handout_opens_one_savepoint_in_the_callers_transaction(bag, coordinator):
    factories.receive(factories.make_batch(), bag, 5, coordinator)
    with CaptureQueriesContext(connection) as context:
        record_handout(
            user=coordinator, location=bag, quantity=1, reason="first_supply", audience="people_who_use_drugs"
        )
    savepoints = [query for query in context.captured_queries if query["sql"].startswith("SAVEPOINT")]
    assert len(savepoints) == 1  # create_once's own; no second pair around it


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_handouts_from_ten_kits_leave_exactly_zero(bag, coordinator):
    batch = factories.make_batch()
    factories.receive(batch, bag, 10, coordinator)
    outcomes = at_once(
        20,
        lambda: record_handout(
            user=coordinator, location=bag, quantity=1, reason="first_supply", audience="people_who_use_drugs"
        ),
        refusal=lambda error: error.message_dict["quantity"][0],
    )
    assert outcomes.count("stored") == 10
    refusals = [outcome for outcome in outcomes if outcome != "stored"]
    assert len(refusals) == 10 and all(refusal.startswith("Ikke nok kit") for refusal in refusals)
    assert level(bag, batch) == 0
    assert Handout.objects.count() == 10


@pytest.mark.django_db(transaction=True)
def test_simultaneous_handouts_that_empty_the_first_expiring_lot_go_on_to_the_next(bag, coordinator):
    """Ten workers hand out one kit each at once; the first-expiring lot holds one kit, the next 100.

    Each chose the first-expiring lot before the others' handouts were stored; the nine the
    database refuses choose again, and none is told there are not enough kits in a full bag.
    """
    first, next_lot = factories.first_lot_nearly_empty(bag, coordinator)
    outcomes = at_once(
        10,
        lambda: record_handout(
            user=coordinator, location=bag, quantity=1, reason="first_supply", audience="people_who_use_drugs"
        ),
        refusal=lambda error: error.message_dict["quantity"][0],
    )
    assert outcomes == ["stored"] * 10
    assert level(bag, first) == 0 and level(bag, next_lot) == 91
    assert Handout.objects.count() == 10


@pytest.mark.django_db(transaction=True)
def test_simultaneous_courses_logged_with_kits_from_an_emptied_first_lot_go_on_to_the_next(bag, coordinator, venue):
    """The street screen logs a course and its kits in one entry; the lot is chosen there too."""
    from courses.models import Attendance
    from courses.services import log_held_course

    first, next_lot = factories.first_lot_nearly_empty(bag, coordinator)
    outcomes = at_once(
        8,
        lambda: log_held_course(
            user=coordinator,
            venue=venue,
            starts_at=timezone.now() - dt.timedelta(hours=1),
            counts={"people_who_use_drugs": 1},
            kits=1,
            location=bag,
        ),
        refusal=lambda error: error.message_dict["kits"][0],
    )
    assert outcomes == ["stored"] * 8
    assert Attendance.objects.count() == 8
    assert level(bag, first) == 0 and level(bag, next_lot) == 93


@pytest.mark.django_db
def test_kits_are_put_back_in_part_then_all_and_then_refused(bag, coordinator):
    batch = factories.make_batch()
    factories.receive(batch, bag, 10, coordinator)
    handout, _ = record_handout(
        user=coordinator, location=bag, quantity=5, reason="first_supply", audience="people_who_use_drugs"
    )
    part = return_kits(user=coordinator, handout=handout, quantity=2, reason="Talt forkert")
    assert (part.kind, part.to_location, part.quantity, part.corrects) == ("adjustment", bag, 2, handout)
    rest = withdraw_handout(user=coordinator, handout=handout)
    assert rest.quantity == 3 and level(bag, batch) == 10
    with pytest.raises(ValidationError, match="trukket tilbage"):
        withdraw_handout(user=coordinator, handout=handout)
    with pytest.raises(ValidationError, match="allerede blevet rettet"), transaction.atomic():
        return_kits(user=coordinator, handout=handout, quantity=1, reason="Igen")
    assert handout.corrections.count() == 2 and level(bag, batch) == 10


@pytest.mark.django_db(transaction=True)
def test_simultaneous_withdrawals_of_one_handout_put_the_kits_back_once(bag, coordinator):
    batch = factories.make_batch()
    factories.receive(batch, bag, 10, coordinator)
    handout, _ = record_handout(
        user=coordinator, location=bag, quantity=3, reason="first_supply", audience="people_who_use_drugs"
    )
    outcomes = at_once(4, lambda: withdraw_handout(user=coordinator, handout=Handout.objects.get(pk=handout.pk)))
    assert sorted(outcomes) == ["Denne registrering er trukket tilbage."] * 3 + ["stored"]
    assert level(bag, batch) == 10
    assert handout.corrections.count() == 1


@pytest.mark.long(seconds=10)
@pytest.mark.django_db
def test_the_database_chooses_the_lot_the_python_rules_would_on_any_day_in_a_random_walk(coordinator, red_liv):
    """The insert's choice (the function `kits_first_expiring_batch`, kits migration 0014), the
    transfer's (`first_expiring_batch`, a query from `Batch.usable_q`) and the Python rules
    (`Batch.is_expired`, `Batch.is_recalled`) are three texts of one rule: in cupboards of three
    random lots, on every day around their expiry and their recall's start and end, for each
    quantity, they choose the same lot, or none."""
    rng = random.Random(2026)
    today = timezone.localdate()
    for _ in range(12):
        cupboard = factories.make_location(red_liv)
        batches = []
        for _ in range(3):
            fields = {"expiry_date": today + dt.timedelta(days=rng.randint(1, 25))}
            if rng.random() < 0.7:
                fields.update(
                    recalled_on=today + dt.timedelta(days=rng.randint(-3, 20)),
                    recall_reason="Fejl i sprayen",
                    recall_instructions="Send lotten retur",
                )
                if rng.random() < 0.6:
                    fields.update(
                        recall_ended_on=fields["recalled_on"] + dt.timedelta(days=rng.randint(0, 6)),
                        recall_ended_by=coordinator,
                        recall_end_reason="Fejlen var i en anden lot",
                    )
            if batches and rng.random() < 0.3:  # the same expiry as another lot: the lower id goes first
                fields["expiry_date"] = batches[0].expiry_date
            batch = factories.make_batch(**fields)
            factories.receive(batch, cupboard, rng.randint(1, 4), coordinator)
            batches.append(batch)
        held = {level.batch_id: level.quantity for level in StockLevel.objects.filter(location=cupboard)}

        for day in (today + dt.timedelta(days=offset) for offset in range(-4, 30)):
            for quantity in (1, 2, 4):
                by_python = min(
                    (
                        batch
                        for batch in batches
                        if held[batch.pk] >= quantity and not batch.is_expired(day) and not batch.is_recalled(day)
                    ),
                    key=lambda batch: (batch.expiry_date, batch.pk),
                    default=None,
                )
                usable = Batch.objects.filter(
                    Batch.usable_q(day), levels__location=cupboard, levels__quantity__gte=quantity
                )
                assert set(usable) == {
                    batch
                    for batch in batches
                    if held[batch.pk] >= quantity and not batch.is_expired(day) and not batch.is_recalled(day)
                }
                assert first_expiring_batch(cupboard, quantity, day) == by_python, (day, quantity)
                with connection.cursor() as cursor:
                    cursor.execute("SELECT kits_first_expiring_batch(%s, %s, %s)", [cupboard.pk, quantity, day])
                    assert cursor.fetchone()[0] == getattr(by_python, "pk", None), (day, quantity)


@pytest.mark.django_db
def test_a_handout_larger_than_any_one_lot_says_to_log_it_in_parts_not_that_kits_are_missing(bag, coordinator):
    """Two lots of three: four kits cannot come from one lot. "6 on hand, 4 asked for" read as a
    contradiction (found by a review helper); the refusal says what to do, and nothing is stored."""
    lots = [factories.make_batch(), factories.make_batch()]
    for lot in lots:
        factories.receive(lot, bag, 3, coordinator)
    with pytest.raises(ValidationError) as refused:
        record_handout(user=coordinator, location=bag, quantity=4, reason="first_supply", audience="other")
    assert refused.value.message_dict["quantity"] == [
        "Ingen batch i Gadeteamets taske rummer 4 kit: højst 3 i én batch, 6 i alt. "
        "En udlevering kommer fra én batch: registrér kittene som to udleveringer eller flere."
    ]
    with pytest.raises(ValidationError) as refused:
        record_handout(user=coordinator, location=bag, quantity=7, reason="first_supply", audience="other")
    assert refused.value.message_dict["quantity"] == ["Ikke nok kit i Gadeteamets taske: 6 på lager, 7 ønsket."]
    assert not Handout.objects.exists() and [level(bag, lot) for lot in lots] == [3, 3]
