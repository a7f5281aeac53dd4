"""A location for return or destruction (the pharmacy's return box) keeps what was set aside in it.

Its kits are expired, recalled, or damaged kits of a good lot: never handed out (migration 0017). It stays a
location for return while it holds any kit (the admin, the stock targets page and the database refuse to make
it an ordinary one), and kits taken out of it back into use need a written reason and a coordinator or an
administrator, and never while their lot is recalled.
"""

import threading
import time
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from kits import services
from kits.models import StockLevel, StockLocation, StockMovement
from redliv.db import violated_constraint
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def returns(red_liv):
    return factories.make_location(red_liv, name="Returkassen", for_return=True)


@pytest.fixture
def damaged(returns, coordinator):
    """Three kits of a good lot, set aside in the return box because their sprays are damaged."""
    lot = factories.make_batch(lot_number="NX-SKADET")
    factories.receive(lot, returns, 3, coordinator)
    return lot


def admin_data(client, url, **changes):
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() not in (None, False, "")}
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


HOLDS_THREE = (
    "Returkassen har 3 kit, der er lagt til side til returnering eller destruktion. Flyt dem til et andet "
    "lagersted til returnering eller destruktion, eller kassér dem, før Returkassen bliver et almindeligt "
    "lagersted: der kunne de blive udleveret."
)


def test_an_administrator_cannot_untick_for_return_while_the_location_holds_kits(
    client, administrator, coordinator, returns, damaged
):
    client.force_login(administrator)
    url = reverse("admin:kits_stocklocation_change", args=[returns.pk])
    data = admin_data(client, url, for_return=None)
    response = client.post(url, data)
    assert response.status_code == 200 and HOLDS_THREE in response.content.decode()
    assert StockLocation.objects.get(pk=returns.pk).for_return

    # Emptied (discarded at the pharmacy), it may become an ordinary location.
    services.discard_kits(user=coordinator, location=returns, batch=damaged, quantity=3, reason="Destrueret")
    assert client.post(url, data).status_code == 302
    assert not StockLocation.objects.get(pk=returns.pk).for_return


def test_the_stock_targets_page_cannot_untick_for_return_while_the_location_holds_kits(
    client, coordinator, returns, damaged
):
    client.force_login(coordinator)
    url = reverse("kits:targets", args=[returns.pk])
    response = client.post(url, {"min_months": "1", "max_months": "3", "for_return": ""})
    assert response.status_code == 200 and HOLDS_THREE in response.content.decode()
    assert StockLocation.objects.get(pk=returns.pk).for_return


def test_the_database_keeps_a_location_for_return_while_it_holds_kits(returns, damaged):
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        StockLocation.objects.filter(pk=returns.pk).update(for_return=False)
    assert violated_constraint(error.value) == "stocklocation_for_return_kept_while_holding_kits"
    # Ticking it on a location with kits, or unticking it on an empty one, stays free.
    empty = factories.make_location(returns.organisation, name="Tom kasse", for_return=True)
    StockLocation.objects.filter(pk=empty.pk).update(for_return=False, min_months=2)
    StockLocation.objects.filter(pk=empty.pk).update(for_return=True)


def test_a_location_unticked_by_the_database_after_the_form_checked_gets_the_message_not_a_500(
    client, coordinator, returns, damaged, monkeypatch
):
    """Kits arrived between the form's check and the save: the database refuses, the page says why."""
    monkeypatch.setattr(StockLocation, "refuse_ordinary_while_holding_kits", lambda self: None)
    client.force_login(coordinator)
    url = reverse("kits:targets", args=[returns.pk])
    response = client.post(url, {"min_months": "1", "max_months": "3", "for_return": ""})
    assert response.status_code == 200 and HOLDS_THREE in response.content.decode()
    assert StockLocation.objects.get(pk=returns.pk).for_return


@pytest.mark.django_db(transaction=True)
def test_a_location_unticked_while_kits_arrive_waits_for_them_and_stays_for_return(returns, coordinator):
    """The untick counted the kits before a delivery into the empty box had committed: both went through, and
    the kits lay in an ordinary location. The arriving movement now locks the location's row."""
    lot = factories.make_batch(lot_number="NX-SAMTIDIG")
    arrived, release = threading.Event(), threading.Event()

    def deliver():
        try:
            with transaction.atomic():
                factories.receive(lot, returns, 4, coordinator)
                arrived.set()
                release.wait(5)
        finally:
            connection.close()

    delivery = threading.Thread(target=deliver)
    delivery.start()
    arrived.wait(5)
    outcome = []

    def untick():
        try:
            StockLocation.objects.filter(pk=returns.pk).update(for_return=False)
            outcome.append("unticked")
        except IntegrityError as error:
            outcome.append(violated_constraint(error))
        finally:
            connection.close()

    unticking = threading.Thread(target=untick)
    unticking.start()
    time.sleep(0.3)  # the untick reaches the database while the delivery is still open
    release.set()
    delivery.join()
    unticking.join()
    assert outcome == ["stocklocation_for_return_kept_while_holding_kits"]
    assert StockLocation.objects.get(pk=returns.pk).for_return


# Kits taken back into use


@pytest.fixture
def bag(red_liv):
    return factories.make_location(red_liv, name="Gadeteamets taske")


def level(location, batch):
    return StockLevel.objects.filter(location=location, batch=batch).values_list("quantity", flat=True).first()


WHY = (
    "Kittene forlader Returkassen, et lagersted til returnering eller destruktion, for at blive brugt igen: "
    "skriv hvorfor (for eksempel: tilbagekaldelsen af lottet er slut, eller de blev lagt der ved en fejl)."
)


def test_kits_taken_back_into_use_need_a_written_reason_kept_with_who_took_them(
    client, coordinator, returns, bag, damaged
):
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as error:
            services.transfer_kits(
                user=coordinator, from_location=returns, to_location=bag, quantity=2, batch=damaged, reason=reason
            )
        assert error.value.message_dict == {"reason": [WHY]}
    assert level(returns, damaged) == 3 and level(bag, damaged) is None

    movement, created = services.transfer_kits(
        user=coordinator,
        from_location=returns,
        to_location=bag,
        quantity=2,
        batch=damaged,
        reason="Lagt der ved en fejl",
    )
    assert created and (movement.reason, movement.recorded_by) == ("Lagt der ved en fejl", coordinator)
    client.force_login(coordinator)
    content = client.get(reverse("kits:movements")).content.decode()
    assert "Taget i brug igen</span> af koordinator-carla: Lagt der ved en fejl" in content


def test_only_a_coordinator_or_an_administrator_takes_kits_back_into_use(street_worker, returns, bag, damaged):
    with pytest.raises(ValidationError) as error:
        services.transfer_kits(
            user=street_worker, from_location=returns, to_location=bag, quantity=1, batch=damaged, reason="Fejl"
        )
    assert error.value.message_dict == {
        "from_location": [
            "Returkassen er til returnering eller destruktion: kun en koordinator eller en administrator kan tage "
            "kit derfra i brug igen."
        ]
    }
    assert level(returns, damaged) == 3


def test_kits_move_between_two_locations_for_return_without_a_reason(coordinator, returns, damaged):
    pharmacy = factories.make_location(returns.organisation, name="Apoteket", for_return=True)
    services.transfer_kits(user=coordinator, from_location=returns, to_location=pharmacy, quantity=3, batch=damaged)
    assert level(pharmacy, damaged) == 3


RECALLED_STAY = (
    "Lot NX-TILBAGE er tilbagekaldt: dets kit bliver i Returkassen til returnering eller destruktion, indtil "
    "tilbagekaldelsen slutter. Kassér dem der, eller flyt dem til et andet lagersted til returnering."
)


def test_kits_of_a_recalled_lot_never_leave_the_return_box_for_use_not_even_as_a_correction(coordinator, returns, bag):
    lot = factories.make_batch(lot_number="NX-TILBAGE")
    factories.receive(lot, bag, 5, coordinator)
    services.recall_lot(
        user=coordinator, batch=lot, recalled_on=timezone.localdate(), reason="Fejl i dysen", instructions="Aflevér"
    )
    into_returns, _created = services.transfer_kits(
        user=coordinator, from_location=bag, to_location=returns, quantity=5, batch=lot
    )
    with pytest.raises(ValidationError) as error:
        services.transfer_kits(
            user=coordinator, from_location=returns, to_location=bag, quantity=5, batch=lot, reason="Vi mangler kit"
        )
    assert error.value.message_dict == {"batch": [RECALLED_STAY]}
    with pytest.raises(ValidationError) as error:
        services.correct_movement(user=coordinator, movement=into_returns, reason="Forkert kasse")
    assert error.value.messages == [RECALLED_STAY]
    assert level(returns, lot) == 5 and level(bag, lot) == 0

    # The recall ended: the kits may be taken back into use, with a reason.
    services.end_recall(user=coordinator, batch=lot, reason="Producenten fandt lottet i orden")
    services.correct_movement(user=coordinator, movement=into_returns, reason="Tilbagekaldelsen er slut")
    assert level(bag, lot) == 5


def test_the_database_refuses_kits_taken_back_into_use_without_a_reason_or_of_a_recalled_lot(
    coordinator, returns, bag, damaged
):
    def take_back(batch, reason, **fields):
        defaults = {"quantity": 1, "occurred_at": timezone.now(), "recorded_by": coordinator}
        return StockMovement.objects.create(
            kind=StockMovement.Kind.TRANSFER,
            batch=batch,
            from_location=returns,
            to_location=bag,
            reason=reason,
            **{**defaults, **fields},
        )

    with pytest.raises(IntegrityError) as error, transaction.atomic():
        take_back(damaged, " ")
    assert violated_constraint(error.value) == "transfer_back_into_use_has_reason"

    lot = factories.make_batch(lot_number="NX-TILBAGE")
    factories.receive(lot, bag, 2, coordinator)
    into_returns, _created = services.transfer_kits(
        user=coordinator, from_location=bag, to_location=returns, quantity=2, batch=lot
    )
    services.recall_lot(
        user=coordinator, batch=lot, recalled_on=timezone.localdate(), reason="Fejl i dysen", instructions="Aflevér"
    )
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        take_back(lot, "Forkert kasse", quantity=2, corrects=into_returns)
    assert violated_constraint(error.value) == "recalled_kits_stay_for_return"
    take_back(damaged, "Sprayen var i orden")
    assert level(bag, damaged) == 1


def test_the_move_form_asks_for_the_reason_when_kits_leave_the_return_box(client, coordinator, returns, bag, damaged):
    client.force_login(coordinator)
    data = {"key": str(uuid.uuid4()), "from_location": returns.pk, "to_location": bag.pk, "batch": damaged.pk}
    response = client.post(reverse("kits:transfer"), {**data, "quantity": "2", "reason": ""})
    assert response.status_code == 200 and WHY in response.content.decode()
    assert "invalid-feedback" in response.content.decode() and level(bag, damaged) is None
    response = client.post(reverse("kits:transfer"), {**data, "quantity": "2", "reason": "Sprayen var i orden"})
    assert response.status_code == 302 and level(bag, damaged) == 2
