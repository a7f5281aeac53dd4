"""Deliveries, transfers, discards, counts and corrections: the stock ledger's rules."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kits.models import Batch, StockLevel, StockMovement
from kits.services import adjust_after_count, correct_movement, discard_kits, register_delivery, transfer_kits
from tests import factories
from tests.simultaneous import at_once

TODAY = timezone.localdate


@pytest.fixture
def office(red_liv):
    return factories.make_location(red_liv, name="Antidote Danmark, kontoret")


@pytest.fixture
def bag(red_liv):
    return factories.make_location(red_liv, name="Gadeteamets taske")


def level(location, batch):
    return StockLevel.objects.filter(location=location, batch=batch).values_list("quantity", flat=True).first()


def deliver(user, location, **fields):
    arguments = {
        "kit_type": factories.make_kit_type(),
        "product": "Nyxoid 1,8 mg næsespray",
        "lot_number": "NX2511",
        "expiry_date": TODAY() + dt.timedelta(days=500),
        "on_date": TODAY(),
        "quantity": 50,
        **fields,
    }
    return register_delivery(user=user, location=location, **arguments)


def refusal(call, **arguments):
    with pytest.raises(ValidationError) as error:
        call(**arguments)
    return error.value.message_dict


# Deliveries


@pytest.mark.django_db
def test_a_delivery_of_a_new_lot_creates_its_batch_and_stock(office, coordinator):
    movement, created = deliver(coordinator, office)
    assert created and movement.kind == "receive"
    assert movement.batch.lot_number == "NX2511" and movement.batch.quantity_received == 50
    assert level(office, movement.batch) == 50


@pytest.mark.django_db
def test_a_second_delivery_of_the_same_lot_and_expiry_adds_to_the_batch(office, bag, coordinator):
    first, _ = deliver(coordinator, office)
    second, _ = deliver(coordinator, bag, quantity=20, lot_number=" nx2511 ", product="NYXOID 1,8 mg næsespray")
    assert second.batch == first.batch and Batch.objects.count() == 1
    assert first.batch.quantity_received == 70 and level(bag, first.batch) == 20


@pytest.mark.django_db
def test_it_refuses_a_known_lot_with_another_expiry_date(office, coordinator):
    deliver(coordinator, office)
    errors = refusal(deliver, user=coordinator, location=office, expiry_date=TODAY() + dt.timedelta(days=300))
    assert "allerede registreret" in errors["lot_number"][0]
    assert StockMovement.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", [0, -5])
def test_it_refuses_a_delivery_of_no_or_negative_kits(office, coordinator, quantity):
    errors = refusal(deliver, user=coordinator, location=office, quantity=quantity)
    assert errors["quantity"] == ["Angiv mindst ét kit."]
    assert not Batch.objects.exists() and not StockMovement.objects.exists()


@pytest.mark.django_db
def test_it_refuses_an_expiry_date_before_the_received_date(office, coordinator):
    errors = refusal(
        deliver, user=coordinator, location=office, on_date=TODAY(), expiry_date=TODAY() - dt.timedelta(days=1)
    )
    assert errors["expiry_date"] == ["Udløbsdatoen skal ligge efter modtagelsesdatoen."]
    assert not Batch.objects.exists()


@pytest.mark.django_db
def test_a_retried_delivery_is_stored_once(office, coordinator):
    key = uuid.uuid4()
    first, created = deliver(coordinator, office, key=key)
    again, created_again = deliver(coordinator, office, key=key)
    assert (created, created_again) == (True, False) and again.pk == first.pk
    assert level(office, first.batch) == 50


# Transfers


@pytest.mark.django_db
def test_a_transfer_moves_the_earliest_expiring_batch_unless_one_is_chosen(office, bag, coordinator):
    later = factories.make_batch(expiry_date=TODAY() + dt.timedelta(days=400))
    sooner = factories.make_batch(expiry_date=TODAY() + dt.timedelta(days=40))
    factories.receive(later, office, 10, coordinator)
    factories.receive(sooner, office, 10, coordinator)
    moved, _ = transfer_kits(user=coordinator, from_location=office, to_location=bag, quantity=4)
    assert moved.batch == sooner and level(bag, sooner) == 4 and level(office, sooner) == 6
    chosen, _ = transfer_kits(user=coordinator, from_location=office, to_location=bag, quantity=3, batch=later)
    assert chosen.batch == later and level(bag, later) == 3


@pytest.mark.django_db
def test_it_refuses_a_transfer_to_the_same_location(office, coordinator):
    factories.receive(factories.make_batch(), office, 10, coordinator)
    errors = refusal(transfer_kits, user=coordinator, from_location=office, to_location=office, quantity=1)
    assert "en anden lokation" in errors["to_location"][0]
    assert StockMovement.objects.filter(kind="transfer").count() == 0


@pytest.mark.django_db
def test_it_refuses_a_transfer_of_more_than_the_source_holds(office, bag, coordinator):
    batch = factories.make_batch(lot_number="NX1")
    factories.receive(batch, office, 5, coordinator)
    errors = refusal(transfer_kits, user=coordinator, from_location=office, to_location=bag, quantity=6)
    assert errors["quantity"] == ["Ikke nok kit i Antidote Danmark, kontoret: 5 på lager, 6 ønsket."]
    errors = refusal(transfer_kits, user=coordinator, from_location=office, to_location=bag, quantity=6, batch=batch)
    assert errors["quantity"] == ["Ikke nok kit af lot NX1 i Antidote Danmark, kontoret: 5 på lager, 6 ønsket."]
    assert level(office, batch) == 5 and level(bag, batch) is None


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", [0, -1])
def test_it_refuses_a_transfer_of_no_kits(office, bag, coordinator, quantity):
    errors = refusal(transfer_kits, user=coordinator, from_location=office, to_location=bag, quantity=quantity)
    assert errors["quantity"] == ["Angiv mindst ét kit."]


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_transfers_from_ten_kits_move_exactly_ten(office, bag, coordinator):
    batch = factories.make_batch()
    factories.receive(batch, office, 10, coordinator)
    outcomes = at_once(
        20,
        lambda: transfer_kits(user=coordinator, from_location=office, to_location=bag, quantity=1, batch=batch),
        refusal=lambda error: error.message_dict["quantity"][0],
    )
    assert outcomes.count("stored") == 10
    assert all(outcome.startswith("Ikke nok kit") for outcome in outcomes if outcome != "stored")
    assert level(office, batch) == 0 and level(bag, batch) == 10


@pytest.mark.django_db(transaction=True)
def test_simultaneous_transfers_that_empty_the_first_expiring_lot_go_on_to_the_next(office, bag, coordinator):
    first, next_lot = factories.first_lot_nearly_empty(office, coordinator)
    outcomes = at_once(
        10,
        lambda: transfer_kits(user=coordinator, from_location=office, to_location=bag, quantity=1),
        refusal=lambda error: error.message_dict["quantity"][0],
    )
    assert outcomes == ["stored"] * 10
    assert level(office, first) == 0 and level(bag, first) == 1 and level(bag, next_lot) == 9


# Discards and counts


@pytest.mark.django_db
def test_a_discard_needs_a_reason_and_takes_the_kits_out(office, coordinator):
    batch = factories.make_batch()
    factories.receive(batch, office, 5, coordinator)
    errors = refusal(discard_kits, user=coordinator, location=office, batch=batch, quantity=2, reason="  ")
    assert errors["reason"] == ["Angiv en årsag."]
    discard_kits(user=coordinator, location=office, batch=batch, quantity=2, reason="Beskadiget spray")
    assert level(office, batch) == 3


@pytest.mark.django_db
def test_a_discard_of_more_than_the_location_holds_is_refused(office, coordinator):
    batch = factories.make_batch(lot_number="NX7")
    factories.receive(batch, office, 2, coordinator)
    errors = refusal(discard_kits, user=coordinator, location=office, batch=batch, quantity=3, reason="Udløbet")
    assert errors["quantity"] == ["Ikke nok kit af lot NX7 i Antidote Danmark, kontoret: 2 på lager, 3 ønsket."]
    assert level(office, batch) == 2


@pytest.mark.django_db
def test_a_count_records_the_difference_either_way(office, coordinator):
    batch = factories.make_batch()
    factories.receive(batch, office, 10, coordinator)
    fewer, _ = adjust_after_count(user=coordinator, location=office, batch=batch, counted=7, reason="Optælling")
    assert (fewer.from_location, fewer.to_location, fewer.quantity) == (office, None, 3)
    more, _ = adjust_after_count(user=coordinator, location=office, batch=batch, counted=9, reason="Fundet i skab")
    assert (more.from_location, more.to_location, more.quantity) == (None, office, 2)
    assert level(office, batch) == 9


@pytest.mark.django_db
def test_a_count_that_matches_or_is_negative_is_refused(office, coordinator):
    batch = factories.make_batch()
    factories.receive(batch, office, 4, coordinator)
    assert (
        "intet at rette"
        in refusal(adjust_after_count, user=coordinator, location=office, batch=batch, counted=4, reason="Optælling")[
            "counted"
        ][0]
    )
    assert refusal(adjust_after_count, user=coordinator, location=office, batch=batch, counted=-1, reason="Optælling")[
        "counted"
    ] == ["Optællingen kan ikke være negativ."]
    assert StockMovement.objects.count() == 1


# Corrections


@pytest.mark.django_db
def test_a_mistaken_transfer_is_corrected_by_an_opposite_movement(office, bag, coordinator):
    batch = factories.make_batch()
    factories.receive(batch, office, 10, coordinator)
    mistake, _ = transfer_kits(user=coordinator, from_location=office, to_location=bag, quantity=4, batch=batch)
    correction, created = correct_movement(user=coordinator, movement=mistake, reason="Forkert taske")
    assert created and correction.corrects == mistake
    assert (correction.kind, correction.from_location, correction.to_location) == ("transfer", bag, office)
    assert level(office, batch) == 10 and level(bag, batch) == 0
    mistake.refresh_from_db()
    assert (mistake.from_location, mistake.to_location, mistake.quantity) == (office, bag, 4)
    assert StockMovement.objects.count() == 3


@pytest.mark.django_db
def test_a_mistaken_delivery_and_handout_are_corrected_by_adjustments(office, coordinator):
    delivery, _ = deliver(coordinator, office, quantity=10)
    handout = factories.hand_out(delivery.batch, office, 2, coordinator)
    back, _ = correct_movement(user=coordinator, movement=handout, reason="Registreret to gange")
    assert (back.kind, back.to_location, back.quantity) == ("adjustment", office, 2)
    undone, _ = correct_movement(user=coordinator, movement=delivery, reason="Forkert lot")
    assert (undone.kind, undone.from_location, undone.quantity) == ("adjustment", office, 10)
    assert level(office, delivery.batch) == 0


@pytest.mark.django_db
def test_a_movement_is_corrected_once_and_a_correction_not_at_all(office, bag, coordinator):
    batch = factories.make_batch()
    factories.receive(batch, office, 10, coordinator)
    mistake, _ = transfer_kits(user=coordinator, from_location=office, to_location=bag, quantity=4, batch=batch)
    correction, _ = correct_movement(user=coordinator, movement=mistake, reason="Forkert taske")
    with pytest.raises(ValidationError, match="allerede blevet rettet"):
        correct_movement(user=coordinator, movement=mistake, reason="Igen")
    with pytest.raises(ValidationError, match="selv en rettelse"):
        correct_movement(user=coordinator, movement=correction, reason="Fortryd")
    assert StockMovement.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_simultaneous_corrections_of_one_movement_store_one(office, bag, coordinator):
    batch = factories.make_batch()
    factories.receive(batch, office, 10, coordinator)
    mistake, _ = transfer_kits(user=coordinator, from_location=office, to_location=bag, quantity=4, batch=batch)
    outcomes = at_once(
        4, lambda: correct_movement(user=coordinator, movement=StockMovement.objects.get(pk=mistake.pk), reason="Fejl")
    )
    assert sorted(outcomes) == ["Denne bevægelse er allerede blevet rettet."] * 3 + ["stored"]
    assert level(office, batch) == 10 and level(bag, batch) == 0


@pytest.mark.django_db
def test_a_correction_that_would_overdraw_is_refused(office, bag, coordinator):
    batch = factories.make_batch(lot_number="NX9")
    factories.receive(batch, office, 10, coordinator)
    mistake, _ = transfer_kits(user=coordinator, from_location=office, to_location=bag, quantity=4, batch=batch)
    factories.hand_out(batch, bag, 3, coordinator)
    errors = refusal(correct_movement, user=coordinator, movement=mistake, reason="Forkert taske")
    assert errors["quantity"] == ["Ikke nok kit af lot NX9 i Gadeteamets taske: 1 på lager, 4 ønsket."]
    assert not mistake.corrections.exists()
