"""Expired kits stay out: not received, moved only for return or destruction, shown apart
with a one-step discard or return, and never counted as what could be handed out.

"Today" is Monday 30 November 2026 (Copenhagen).
"""

import datetime as dt
import html
import re
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from courses.services import log_held_course
from kits import services
from kits.models import StockLevel, StockMovement
from redliv.db import violated_constraint
from tests import factories

pytestmark = pytest.mark.django_db

CPH = ZoneInfo("Europe/Copenhagen")
TODAY = dt.date(2026, 11, 30)


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
def returns(red_liv):
    return factories.make_location(red_liv, name="Returkassen", for_return=True)


@pytest.fixture
def expired(bag, coordinator):
    """95 kits of a lot that expired on 20 November, in the street bag."""
    lot = factories.make_batch(lot_number="NX2301", received_on=dt.date(2025, 10, 1), expiry_date=dt.date(2026, 11, 20))
    factories.receive(lot, bag, 95, coordinator, occurred_at=dt.datetime(2025, 10, 2, 10, tzinfo=CPH))
    return lot


def level(location, batch):
    return StockLevel.objects.filter(location=location, batch=batch).values_list("quantity", flat=True).first()


def messages_of(error):
    return error.value.message_dict


# Receiving


def test_a_delivery_of_a_lot_that_has_expired_since_it_was_received_is_refused(office, coordinator):
    with pytest.raises(ValidationError) as error:
        services.register_delivery(
            user=coordinator,
            location=office,
            kit_type=factories.make_kit_type(),
            product="Nyxoid 1,8 mg næsespray",
            lot_number="NX2011",
            expiry_date=dt.date(2026, 11, 20),
            on_date=dt.date(2026, 11, 1),
            quantity=40,
        )
    assert messages_of(error)["expiry_date"] == [
        "Disse kit udløb 20. nov 2026 og kan ikke modtages. Send dem retur til leverandøren, eller kassér dem."
    ]
    assert not StockMovement.objects.exists()


def test_the_delivery_form_says_the_same(client, coordinator, office):
    client.force_login(coordinator)
    response = client.post(
        reverse("kits:delivery"),
        {
            "key": str(uuid.uuid4()),
            "location": office.pk,
            "kit_type": factories.make_kit_type().pk,
            "product": "Nyxoid 1,8 mg næsespray",
            "lot_number": "NX2011",
            "expiry_date": "2026-11-20",
            "on_date": "2026-11-01",
            "quantity": "40",
        },
    )
    assert response.status_code == 200
    assert "Disse kit udløb 20. nov 2026 og kan ikke modtages." in response.content.decode()
    assert not StockMovement.objects.exists()


def test_a_lot_expiring_today_is_still_received(office, coordinator):
    movement, created = services.register_delivery(
        user=coordinator,
        location=office,
        kit_type=factories.make_kit_type(),
        product="Nyxoid 1,8 mg næsespray",
        lot_number="NX3011",
        expiry_date=TODAY,
        on_date=dt.date(2026, 11, 29),
        quantity=4,
    )
    assert created and level(office, movement.batch) == 4


# Moving


def test_expired_kits_are_not_moved_to_an_ordinary_location(expired, bag, office, coordinator):
    with pytest.raises(ValidationError) as error:
        services.transfer_kits(user=coordinator, from_location=bag, to_location=office, quantity=10, batch=expired)
    assert messages_of(error)["to_location"] == [
        "Disse kit er udløbet: flyt dem kun til et lagersted til returnering eller destruktion."
    ]
    assert level(bag, expired) == 95 and level(office, expired) is None


def test_the_database_refuses_moving_expired_kits_to_an_ordinary_location(expired, bag, office, coordinator):
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        StockMovement.objects.create(
            kind=StockMovement.Kind.TRANSFER,
            batch=expired,
            from_location=bag,
            to_location=office,
            quantity=1,
            occurred_at=dt.datetime(2026, 11, 30, 12, tzinfo=CPH),
            recorded_by=coordinator,
        )
    assert violated_constraint(error.value) == "transfer_expired_only_for_return"


def test_expired_kits_move_to_a_location_for_return_and_the_mistake_can_be_moved_back(
    expired, bag, returns, coordinator
):
    movement, created = services.transfer_kits(
        user=coordinator, from_location=bag, to_location=returns, quantity=95, batch=expired
    )
    assert created and level(returns, expired) == 95 and level(bag, expired) == 0
    services.correct_movement(user=coordinator, movement=movement, reason="Wrong box")
    assert level(bag, expired) == 95


def test_first_expiry_first_out_never_moves_an_expired_batch(expired, bag, office, coordinator):
    usable = factories.make_batch(lot_number="NX2408", expiry_date=dt.date(2027, 1, 29))
    factories.receive(usable, bag, 14, coordinator)
    movement, _created = services.transfer_kits(user=coordinator, from_location=bag, to_location=office, quantity=10)
    assert movement.batch == usable


# Shown apart, taken out in one step


def test_the_stock_page_shows_expired_kits_apart_with_one_step_actions(client, coordinator, expired, bag, returns):
    client.force_login(coordinator)
    content = client.get(reverse("kits:stock")).content.decode()
    per_location = content.split('id="locations-heading"')[1].split("</section>")[0]
    assert "0 brugbare kit · " in per_location and "95 udløbne eller tilbagekaldte, holdt adskilt" in per_location
    apart = content.split('id="expired-heading"')[1].split("</section>")[0]
    assert "NX2301" in apart and "Udløbet 20. nov 2026" in apart
    assert "Kassér 95 kit af lot NX2301" in apart and "Returnér til Returkassen" in apart


def test_one_step_discards_every_expired_kit_of_the_batch(client, coordinator, expired, bag):
    client.force_login(coordinator)
    data = {"key": str(uuid.uuid4()), "location": bag.pk, "batch": expired.pk}
    response = client.post(reverse("kits:clear-unusable"), data, follow=True)
    assert "95 kit af lot NX2301 kasseret i Gadeteamets taske." in response.content.decode()
    discard = StockMovement.objects.get(kind=StockMovement.Kind.DISCARD)
    assert (discard.quantity, discard.reason) == (95, "Udløbet")
    client.post(reverse("kits:clear-unusable"), data)  # a double tap
    assert StockMovement.objects.filter(kind=StockMovement.Kind.DISCARD).count() == 1
    assert level(bag, expired) == 0


def test_one_step_returns_expired_kits(client, coordinator, expired, bag, returns):
    client.force_login(coordinator)
    data = {"key": str(uuid.uuid4()), "location": bag.pk, "batch": expired.pk, "to_location": returns.pk}
    response = client.post(reverse("kits:clear-unusable"), data, follow=True)
    assert "95 kit af lot NX2301 flyttet fra Gadeteamets taske til Returkassen til returnering." in (
        response.content.decode()
    )
    assert level(returns, expired) == 95


def one_step_forms(client):
    """{button text: what the form sends once confirmed} of the one-step forms on the stock page."""
    content = client.get(reverse("kits:stock")).content.decode()
    forms = re.findall(
        r'<form method="post" action="{}">(.*?)</form>'.format(reverse("kits:clear-unusable")), content, re.S
    )
    sent = {}
    for form in forms:
        button = html.unescape(re.search(r"<button[^>]*>(.*?)</button>", form, re.S)[1]).strip()
        sent[button] = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form))
        del sent[button]["csrfmiddlewaretoken"]
        del sent[button]["ask_first"]  # as the confirmation page sends them (tests/test_stock_buttons_ask_first.py)
    return sent


@pytest.mark.parametrize("first", ["Kassér 95 kit af lot NX2301", "Returnér til Returkassen"])
def test_each_one_step_button_of_a_row_has_its_own_key(client, coordinator, expired, bag, returns, first):
    """Before, a row's discard and return buttons carried one key: pressed one after the other (or in two tabs),
    the second was taken as the first sent again ("already registered"), or refused as "sent with other content".
    Now each button has its own key: pressed twice it stores one movement and says so, and the other button then
    says that the kits are gone."""
    client.force_login(coordinator)
    forms = one_step_forms(client)
    assert len(forms) == 2 and len({form["key"] for form in forms.values()}) == 2
    [other] = [button for button in forms if button != first]
    url = reverse("kits:clear-unusable")
    assert client.post(url, forms[first]).status_code == 302
    again = client.post(url, forms[first], follow=True).content.decode()
    assert "Dette var allerede registreret; det gemmes kun én gang." in again
    then = html.unescape(client.post(url, forms[other], follow=True).content.decode())
    assert "Der er ingen kit af lot NX2301 tilbage i Gadeteamets taske: de er allerede kasseret eller flyttet." in then
    assert "allerede registreret" not in then and "andet indhold" not in then
    assert StockMovement.objects.filter(kind__in=["discard", "transfer"]).count() == 1 and level(bag, expired) == 0


def test_one_step_refuses_a_usable_batch_and_an_ordinary_target(client, coordinator, bag, office, expired):
    usable = factories.make_batch(lot_number="NX2408", expiry_date=dt.date(2027, 1, 29))
    factories.receive(usable, bag, 14, coordinator)
    client.force_login(coordinator)
    response = client.post(
        reverse("kits:clear-unusable"), {"key": str(uuid.uuid4()), "location": bag.pk, "batch": usable.pk}, follow=True
    )
    assert "Lot NX2408 er hverken udløbet eller tilbagekaldt" in response.content.decode()
    response = client.post(
        reverse("kits:clear-unusable"),
        {"key": str(uuid.uuid4()), "location": bag.pk, "batch": expired.pk, "to_location": office.pk},
        follow=True,
    )
    assert response.status_code == 200 and level(bag, expired) == 95 and level(bag, usable) == 14


def test_one_step_is_for_staff_who_may_move_stock(client, street_worker, bag, expired):
    client.force_login(street_worker)
    response = client.post(
        reverse("kits:clear-unusable"), {"key": str(uuid.uuid4()), "location": bag.pk, "batch": expired.pk}
    )
    assert response.status_code == 403 and level(bag, expired) == 95


# The refusal counts what could have been handed out


@pytest.fixture
def mixed_bag(bag, coordinator, expired):
    """302 kits in the bag: 95 expired, 14 of the chosen lot and 193 of another."""
    chosen = factories.make_batch(lot_number="NX2408", expiry_date=dt.date(2027, 1, 29))
    other = factories.make_batch(lot_number="NX2511", expiry_date=dt.date(2028, 11, 1))
    factories.receive(chosen, bag, 14, coordinator)
    factories.receive(other, bag, 193, coordinator)
    assert services.stock_on_hand(bag) == 302
    return chosen, other


def test_a_handout_from_a_chosen_batch_counts_that_batch(bag, coordinator, mixed_bag):
    chosen, _other = mixed_bag
    with pytest.raises(ValidationError) as error:
        services.record_handout(
            user=coordinator, location=bag, quantity=80, reason="first_supply", audience="relatives", batch=chosen
        )
    assert messages_of(error)["quantity"] == ["Ikke nok kit af lot NX2408 i Gadeteamets taske: 14 på lager, 80 ønsket."]


def test_a_handout_first_expiry_first_out_counts_the_usable_kits(bag, coordinator, mixed_bag):
    with pytest.raises(ValidationError) as error:
        services.record_handout(
            user=coordinator, location=bag, quantity=250, reason="first_supply", audience="relatives"
        )
    assert messages_of(error)["quantity"] == ["Ikke nok kit i Gadeteamets taske: 207 på lager, 250 ønsket."]


def test_a_course_logged_with_a_chosen_batch_counts_that_batch(bag, coordinator, mixed_bag, venue):
    chosen, _other = mixed_bag
    with pytest.raises(ValidationError) as error:
        log_held_course(
            user=coordinator,
            venue=venue,
            starts_at=dt.datetime(2026, 11, 30, 10, tzinfo=CPH),
            counts={"people_who_use_drugs": 80},
            kits=80,
            location=bag,
            batch=chosen,
        )
    assert messages_of(error)["kits"] == ["Ikke nok kit af lot NX2408 i Gadeteamets taske: 14 på lager, 80 ønsket."]


# A location for return or destruction hands out nothing


@pytest.fixture
def cleared_in_returns(bag, returns, coordinator):
    """12 kits of lot NX2408 in the return box: recalled, moved there for return, and the recall ended since.

    The lot is usable again, but these kits were set aside for the pharmacy (like damaged kits moved there)."""
    lot = factories.make_batch(lot_number="NX2408", expiry_date=dt.date(2027, 6, 1))
    factories.receive(lot, bag, 12, coordinator, occurred_at=dt.datetime(2026, 11, 2, 10, tzinfo=CPH))
    services.recall_lot(user=coordinator, batch=lot, recalled_on=TODAY, reason="Fejl i dysen", instructions="Aflevér")
    services.transfer_kits(user=coordinator, from_location=bag, to_location=returns, quantity=12, batch=lot)
    services.end_recall(user=coordinator, batch=lot, reason="Producenten fandt lottet i orden")
    return lot


RETURN_REFUSAL = (
    "Der udleveres ikke kit fra Returkassen: stedet er til returnering eller destruktion. Vælg et andet lagersted."
)


def test_no_kit_is_handed_out_from_a_location_for_return(returns, coordinator, venue, cleared_in_returns):
    """Kits set aside for return reached a person through the office form, the street screen or a course."""
    for batch in (None, cleared_in_returns):
        with pytest.raises(ValidationError) as error:
            services.record_handout(
                user=coordinator, location=returns, quantity=1, reason="first_supply", audience="relatives", batch=batch
            )
        assert messages_of(error) == {"location": [RETURN_REFUSAL]}
    with pytest.raises(ValidationError) as error:
        log_held_course(
            user=coordinator,
            venue=venue,
            starts_at=dt.datetime(2026, 11, 30, 10, tzinfo=CPH),
            counts={"people_who_use_drugs": 2},
            kits=2,
            location=returns,
        )
    assert messages_of(error) == {"location": [RETURN_REFUSAL]}
    assert level(returns, cleared_in_returns) == 12


def test_the_database_refuses_a_handout_from_a_location_for_return(returns, coordinator, cleared_in_returns):
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        factories.hand_out(cleared_in_returns, returns, 1, coordinator)
    assert violated_constraint(error.value) == "handout_not_from_return_location"


def test_the_handout_forms_do_not_offer_a_location_for_return(client, coordinator, returns, bag, cleared_in_returns):
    client.force_login(coordinator)
    for url in (reverse("kits:handout"), reverse("street:start"), reverse("street:handout")):
        content = client.get(url).content.decode()
        assert "Gadeteamets taske</option>" in content and "Returkassen</option>" not in content
