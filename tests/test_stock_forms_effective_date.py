"""Stock forms take an effective date: a coordinator counting or receiving on the month's last day
and entering it on the 1st dates it in the month it belongs to, so that the month's closing stock is
right. A movement dated back between later ones must not take any day's stock below zero (the
database refuses it), and a date in an approved month is refused as everywhere else."""

import datetime as dt
import json
import re
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from kits import forms as kits_forms
from kits.models import STOCK_NON_NEGATIVE_ON_EVERY_DATE, StockLevel, StockMovement
from kits.services import adjust_after_count, transfer_kits
from redliv.db import violated_constraint
from redliv.months import Month
from reports.figures import stock_table
from reports.publication import approve_and_publish
from tests import factories
from tests.conftest import VerifiedClient

pytestmark = pytest.mark.django_db

CPH = ZoneInfo("Europe/Copenhagen")
NOVEMBER_20 = dt.datetime(2026, 11, 20, 10, 0, tzinfo=CPH)
NOVEMBER_30 = dt.date(2026, 11, 30)


def at(*args, **kwargs):
    return dt.datetime(*args, tzinfo=CPH, **kwargs)


@pytest.fixture
def office(red_liv, venue):
    return factories.make_location(red_liv, name="Kontoret", kind="venue", venue=venue)


@pytest.fixture
def bag(red_liv):
    return factories.make_location(red_liv, name="Tasken")


def level(location, batch):
    return StockLevel.objects.filter(location=location, batch=batch).values_list("quantity", flat=True).first()


def november_closing(municipality):
    return stock_table([Month(2026, 11)], municipality).rows[0].values[0]


def post(client, name, **fields):
    return client.post(reverse(f"kits:{name}"), {"key": str(uuid.uuid4()), **fields})


@pytest.mark.parametrize(
    "entered_at",
    [at(2026, 11, 30, 23, 30), at(2026, 12, 1, 0, 30)],
    ids=["last-day-23.30", "the-1st-00.30"],
)
def test_a_count_for_the_months_last_day_is_in_that_months_closing_stock(
    client, coordinator, office, odense, entered_at
):
    """Before: the count had no date and was dated when entered, so on the 1st it landed in December and
    November closed with the kits the count did not find."""
    with time_machine.travel(NOVEMBER_20, tick=False):
        batch = factories.make_batch()
        factories.receive(batch, office, 10, coordinator)
    with time_machine.travel(at(2026, 11, 30, 23, 0), tick=False):
        factories.hand_out(batch, office, 1, coordinator)  # the month's last handout, before the count
    with time_machine.travel(entered_at, tick=True):
        client.force_login(coordinator)
        assert client.get(reverse("kits:count")).context["form"]["on_date"].value() == entered_at.date()
        response = post(
            client, "count", location=office.pk, batch=batch.pk, counted="7", reason="Optalt", on_date="30.11.2026"
        )
        assert response.status_code == 302, response.context["form"].errors
    count = StockMovement.objects.get(kind="adjustment")
    assert count.quantity == 2 and count.from_location == office  # 9 on the ledger then, 7 counted
    assert timezone.localdate(count.occurred_at) == NOVEMBER_30
    assert november_closing(odense) == 7 and level(office, batch) == 7


def test_a_count_dated_back_is_taken_against_the_stock_of_that_day(client, coordinator, office, bag, odense):
    """Kits moved on the 1st before the count was entered are not counted as missing on the 30th."""
    with time_machine.travel(NOVEMBER_20, tick=False):
        batch = factories.make_batch()
        factories.receive(batch, office, 10, coordinator)
    with time_machine.travel(at(2026, 12, 1, 9, 0), tick=False):
        transfer_kits(user=coordinator, from_location=office, to_location=bag, quantity=4, batch=batch)
    with time_machine.travel(at(2026, 12, 1, 10, 0), tick=False):
        adjust_after_count(
            user=coordinator, location=office, batch=batch, counted=9, reason="Optalt", on_date=NOVEMBER_30
        )
    assert StockMovement.objects.get(kind="adjustment").quantity == 1  # 10 then, 9 counted
    assert november_closing(odense) == 9 and level(office, batch) == 5


@pytest.mark.parametrize(
    ("entered_at", "on_date"),
    [
        (at(2026, 12, 1, 0, 30), dt.date(2026, 11, 30)),
        (at(2026, 10, 25, 2, 30, fold=1), dt.date(2026, 10, 24)),  # the second 02:30 of a 25-hour night
        (at(2026, 10, 26, 0, 30), dt.date(2026, 10, 25)),  # the 25-hour day itself
        (dt.datetime(2027, 3, 28, 1, 30, tzinfo=dt.UTC).astimezone(CPH), dt.date(2027, 3, 27)),  # 23-hour night
    ],
    ids=["the-1st-00.30", "october-dst-02.30", "after-october-dst", "march-dst-03.30"],
)
def test_a_transfer_dated_back_takes_effect_at_the_end_of_that_day_in_copenhagen(
    client, coordinator, office, bag, entered_at, on_date
):
    with time_machine.travel(entered_at - dt.timedelta(days=5), tick=False):
        batch = factories.make_batch()
        factories.receive(batch, office, 10, coordinator)
    with time_machine.travel(entered_at, tick=True):
        client.force_login(coordinator)
        tomorrow = entered_at.date() + dt.timedelta(days=1)
        refused = post(client, "transfer", from_location=office.pk, to_location=bag.pk, quantity="2", on_date=tomorrow)
        assert refused.context["form"].errors["on_date"] == ["Datoen kan ikke ligge i fremtiden."]
        sent = post(client, "transfer", from_location=office.pk, to_location=bag.pk, quantity="2", on_date=on_date)
        assert sent.status_code == 302
        today = post(client, "transfer", from_location=office.pk, to_location=bag.pk, quantity="1")
        assert today.status_code == 302  # no date: today, now
    dated, undated = StockMovement.objects.filter(kind="transfer").order_by("id")
    assert timezone.localtime(dated.occurred_at).date() == on_date
    assert timezone.localtime(dated.occurred_at).time() == dt.time.max  # after everything else that day
    assert abs(undated.occurred_at - entered_at) < dt.timedelta(minutes=1)
    assert level(office, batch) == 7 and level(bag, batch) == 3


def test_a_transfer_out_dated_before_the_kits_came_is_refused_and_the_form_says_why(client, coordinator, office, bag):
    """The stock today would allow it; the office would have held -5 kits at the end of 30 November."""
    with time_machine.travel(NOVEMBER_20, tick=False):
        batch = factories.make_batch()
        factories.receive(batch, office, 10, coordinator)
    with time_machine.travel(at(2026, 11, 30, 12, 0), tick=False):
        transfer_kits(user=coordinator, from_location=office, to_location=bag, quantity=10, batch=batch)
    with time_machine.travel(at(2026, 12, 1, 10, 0), tick=True):
        factories.receive(batch, office, 10, coordinator)
        client.force_login(coordinator)
        fields = {"from_location": office.pk, "to_location": bag.pk, "quantity": "5", "batch": batch.pk}
        response = post(client, "transfer", on_date="30.11.2026", **fields)
        assert response.context["form"].errors["on_date"] == [
            "Dateret 30. nov 2026 ville kittene efterlade Kontoret med færre end ingen kit på en senere dag: "
            "bevægelser efter den dato tog kit, som denne allerede ville have taget. Vælg en senere dato, "
            "eller tjek bevægelserne siden 30. nov 2026."
        ]
        assert post(client, "transfer", on_date="01.12.2026", **fields).status_code == 302
    assert level(office, batch) == 5 and StockMovement.objects.filter(kind="transfer").count() == 2


def test_the_database_refuses_any_movement_dated_back_that_leaves_a_day_below_zero(coordinator, office, bag):
    """Also from code that goes around the services: a count dated back that found fewer kits than
    the handouts after it took, and a transfer dated back before kits that later left had come."""
    with time_machine.travel(NOVEMBER_20, tick=False):
        batch = factories.make_batch()
        factories.receive(batch, office, 10, coordinator)
    with time_machine.travel(at(2026, 12, 2, 10, 0), tick=False):
        factories.hand_out(batch, office, 8, coordinator, occurred_at=at(2026, 12, 1, 10, 0))
        factories.receive(batch, office, 10, coordinator)  # 12 now: enough today, not on 1 December
        for fields in [
            {"kind": "adjustment", "reason": "Optalt", "occurred_at": at(2026, 11, 30, 23, 59)},  # 10 - 3 < 8
            {"kind": "transfer", "to_location": bag, "occurred_at": at(2026, 11, 25, 12, 0)},
        ]:
            with pytest.raises(IntegrityError) as refused, transaction.atomic():
                StockMovement.objects.create(
                    batch=batch, from_location=office, quantity=3, recorded_by=coordinator, **fields
                )
            assert violated_constraint(refused.value) == STOCK_NON_NEGATIVE_ON_EVERY_DATE
        # The times people enter are not exact: within a day, only the day's closing stock counts (a
        # street handout logged at 09:55 from kits whose delivery was entered at 10:00 is not refused).
        factories.hand_out(batch, office, 12, coordinator, occurred_at=at(2026, 12, 2, 9, 55))
        factories.receive(batch, office, 12, coordinator, occurred_at=at(2026, 12, 2, 11, 0))
        # Two kits could go on the 25th: the level stays at or above zero at the end of every day.
        StockMovement.objects.create(
            kind="transfer",
            batch=batch,
            from_location=office,
            to_location=bag,
            quantity=2,
            occurred_at=at(2026, 11, 25, 12, 0),
            recorded_by=coordinator,
        )
    assert level(office, batch) == 10 and level(bag, batch) == 2


def test_a_stock_date_in_an_approved_month_or_before_one_is_refused_with_the_approved_months_message(
    client, coordinator, street_worker, office, bag, odense
):
    with time_machine.travel(at(2026, 10, 20, 10, 0), tick=False):
        batch = factories.make_batch()
        factories.receive(batch, office, 10, coordinator)
    with time_machine.travel(at(2026, 12, 2, 10, 0), tick=True):
        approve_and_publish(coordinator, odense, dt.date(2026, 11, 1))
        client.force_login(coordinator)
        fields = {"location": office.pk, "batch": batch.pk, "counted": "9", "reason": "Optalt"}
        # October is open, but a count dated in it changes November's stock, which is approved.
        for on_date in ["30.11.2026", "31.10.2026"]:
            response = post(client, "count", on_date=on_date, **fields)
            [error] = response.context["form"].errors["change_reason"]
            assert error.startswith("november 2026 er godkendt (Godkendt 2. dec 2026 10:00 af ")
            assert error.endswith("Angiv en begrundelse for at tilføje en registrering til den.")
        with pytest.raises(ValidationError) as refused:
            transfer_kits(
                user=street_worker, from_location=office, to_location=bag, quantity=1, on_date=dt.date(2026, 10, 31)
            )
        assert refused.value.message_dict["on_date"][0].startswith("november 2026 er godkendt")
        assert "Kun en koordinator kan tilføje registreringer" in refused.value.message_dict["on_date"][0]
        sent = post(client, "count", on_date="30.11.2026", change_reason="Glemt optælling", **fields)
        assert sent.status_code == 302
    count = StockMovement.objects.get(kind="adjustment")
    assert count.history.get().history_change_reason == "Glemt optælling"
    assert StockMovement.objects.filter(kind="adjustment").count() == 1


def test_every_dated_stock_form_takes_the_shared_date_and_reason():
    """One rule for a dated stock form (`DatedForm`: not in the future; in or before an approved month only
    with a reason): the delivery form had a twin of it (received_on, reason) with its own messages."""
    stock_forms = [c for c in vars(kits_forms).values() if isinstance(c, type) and issubclass(c, kits_forms.KeyedForm)]
    for form_class in stock_forms:
        dates = {name for name, field in form_class.base_fields.items() if isinstance(field, forms.DateField)}
        dates -= {"expiry_date"}  # the lot's, not the day of the entry
        assert not dates or (issubclass(form_class, kits_forms.DatedForm) and dates == {"on_date"}), form_class
    assert issubclass(kits_forms.DeliveryForm, kits_forms.DatedForm)


def test_a_handout_sent_late_from_the_tablet_is_stored_though_the_bags_delivery_was_entered_after_it(
    coordinator, street_worker, bag
):
    """The handout records kits given to someone; the ledger was short that evening because the bag's
    refill was entered the next morning. Refusing the late handout would lose what happened; today's
    stock still may not go below zero."""
    with time_machine.travel(NOVEMBER_20, tick=False):
        batch = factories.make_batch()
        factories.receive(batch, bag, 2, coordinator)
    with time_machine.travel(at(2026, 11, 21, 9, 0), tick=False):
        factories.receive(batch, bag, 10, coordinator)  # filled the evening before, entered now
        factories.hand_out(batch, bag, 5, street_worker, occurred_at=at(2026, 11, 20, 21, 0))  # offline until now
        assert level(bag, batch) == 7
        with pytest.raises(IntegrityError), transaction.atomic():
            factories.hand_out(batch, bag, 8, street_worker, occurred_at=at(2026, 11, 20, 22, 0))
    assert level(bag, batch) == 7


def test_an_office_handout_dated_before_the_kits_came_is_refused_and_the_form_says_why(
    client, coordinator, office, odense
):
    """The office form's date is the stock forms' effective date, not a tablet's late entry: dated before the
    office's delivery, it was stored, and November closed with -3 kits in stock at the office."""
    with time_machine.travel(at(2026, 12, 1, 10, 0), tick=True):
        batch = factories.make_batch()
        factories.receive(batch, office, 10, coordinator)
        client.force_login(coordinator)
        fields = {"location": office.pk, "quantity": "3", "reason": "first_supply", "audience": "professionals"}
        response = post(client, "handout", on_date="30.11.2026", **fields)
        assert response.status_code == 200
        assert (
            response.context["form"]
            .errors["on_date"][0]
            .startswith("Dateret 30. nov 2026 ville kittene efterlade Kontoret med færre end ingen kit")
        )
        assert level(office, batch) == 10 and not StockMovement.objects.filter(kind="handout").exists()
        assert november_closing(odense) == 0
        assert post(client, "handout", on_date="01.12.2026", **fields).status_code == 302
    assert level(office, batch) == 7


def test_the_database_refuses_an_office_handout_dated_back_that_leaves_a_day_below_zero(coordinator, office):
    """The check is the ledger trigger's, not the service's: a handout marked as dated on the office form,
    inserted around the service, is refused as a transfer dated back is. The mark is a handout's only."""
    with time_machine.travel(at(2026, 12, 1, 10, 0), tick=False):
        batch = factories.make_batch()
        factories.receive(batch, office, 10, coordinator)
        with pytest.raises(IntegrityError) as refused, transaction.atomic():
            factories.hand_out(batch, office, 3, coordinator, occurred_at=at(2026, 11, 30, 12, 0), dated_at_office=True)
        assert violated_constraint(refused.value) == STOCK_NON_NEGATIVE_ON_EVERY_DATE
        with pytest.raises(IntegrityError) as refused, transaction.atomic():
            StockMovement.objects.create(
                kind="discard",
                batch=batch,
                from_location=office,
                quantity=1,
                reason="Knust",
                occurred_at=timezone.now(),
                recorded_by=coordinator,
                dated_at_office=True,
            )
        assert violated_constraint(refused.value) == "movement_dated_at_office_only_on_handouts"
        factories.hand_out(batch, office, 3, coordinator, occurred_at=at(2026, 12, 1, 9, 0), dated_at_office=True)
    assert level(office, batch) == 7 and november_closing(office.municipality) == 0


def test_a_handout_sent_late_from_the_street_screen_is_still_stored_before_the_bags_delivery(
    coordinator, street_worker, bag
):
    """The tablet's entry, through the street screen's queue: dated the evening before the bag's refill was
    entered, it leaves that evening's stock below zero on the ledger and is stored all the same."""
    with time_machine.travel(NOVEMBER_20, tick=False):
        batch = factories.make_batch()
        factories.receive(batch, bag, 2, coordinator)
    with time_machine.travel(at(2026, 11, 21, 9, 0), tick=True):
        factories.receive(batch, bag, 10, coordinator)  # filled the evening before, entered now
        tablet = VerifiedClient()
        tablet.force_login(street_worker)
        fields = {
            "key": str(uuid.uuid4()),
            "date": "2026-11-20",
            "time": "21:00",
            "reason": "replaces_used",
            "audience": "people_who_use_drugs",
            "quantity": 5,
            "location": bag.pk,
            "batch": "",
        }
        sent = tablet.post(
            "/gade/api/poster/", json.dumps({"kind": "handout", "fields": fields}), content_type="application/json"
        )
        assert sent.status_code == 201, sent.content
    handout = StockMovement.objects.get(kind="handout")
    assert timezone.localtime(handout.occurred_at) == at(2026, 11, 20, 21, 0) and not handout.dated_at_office
    assert level(bag, batch) == 7


def test_a_count_dated_before_kits_came_in_is_refused_without_the_tick_and_names_them(
    client, coordinator, office, bag, odense
):
    """Before: a count of the kits here now, dated back before a delivery, was compared with that day's
    stock, and the adjustment added the delivered kits a second time, silently. Now the form names what
    came in after the date and saves the count for that date only when the coordinator ticks the box."""
    with time_machine.travel(NOVEMBER_20, tick=False):
        batch = factories.make_batch(lot_number="NX2511")
        factories.receive(batch, office, 10, coordinator)
        factories.receive(batch, bag, 5, coordinator)
    with time_machine.travel(at(2026, 12, 2, 10, 0), tick=True):
        factories.receive(batch, office, 10, coordinator, occurred_at=at(2026, 12, 1, 9, 0))
        transfer_kits(user=coordinator, from_location=bag, to_location=office, quantity=3, batch=batch)
        client.force_login(coordinator)
        assert 'type="checkbox" name="confirm_arrivals"' not in client.get(reverse("kits:count")).content.decode()
        fields = {"location": office.pk, "batch": batch.pk, "counted": "9", "reason": "Optalt", "on_date": "30.11.2026"}
        refused = post(client, "count", **fields)
        assert refused.status_code == 200
        assert refused.context["form"].errors["confirm_arrivals"] == [
            "Efter 30. nov 2026 kom der kit af lot NX2511 ind på Kontoret: 10 kit modtaget 1. dec 2026; 3 kit "
            "flyttet hertil fra Tasken 2. dec 2026. En optælling dateret 30. nov 2026 er beholdningen ved udgangen "
            "af den dag, før disse kit kom: har du også talt dem, så dater optællingen den dag, du talte. Sæt "
            "kryds, hvis optællingen er beholdningen 30. nov 2026."
        ]
        assert 'type="checkbox" name="confirm_arrivals"' in refused.content.decode()
        assert not StockMovement.objects.filter(kind="adjustment").exists() and level(office, batch) == 23
        asked = refused.context["form"]["arrivals_for"].value()
        assert post(client, "count", confirm_arrivals="on", arrivals_for=asked, **fields).status_code == 302
    count = StockMovement.objects.get(kind="adjustment")
    assert count.quantity == 1 and count.from_location == office  # 10 at the end of 30 November, 9 counted
    assert november_closing(odense) == 9 + 5 and level(office, batch) == 9 + 10 + 3  # and the bag's five then


def test_a_count_dated_back_with_no_kits_in_since_needs_no_tick(client, coordinator, office, odense):
    with time_machine.travel(NOVEMBER_20, tick=False):
        batch = factories.make_batch()
        factories.receive(batch, office, 10, coordinator)
    with time_machine.travel(at(2026, 12, 2, 10, 0), tick=True):
        factories.hand_out(batch, office, 2, coordinator, occurred_at=at(2026, 12, 1, 12, 0))  # out, not in
        client.force_login(coordinator)
        fields = {"location": office.pk, "batch": batch.pk, "counted": "9", "reason": "Optalt", "on_date": "30.11.2026"}
        assert post(client, "count", **fields).status_code == 302
    assert november_closing(odense) == 9 and level(office, batch) == 7


@pytest.mark.parametrize("mistake", ["handout", "transfer", "delivery"])
def test_a_count_dated_back_over_a_mistake_corrected_since_does_not_count_the_corrected_kits_twice(
    coordinator, office, bag, mistake
):
    """A movement logged by mistake before the count's date and corrected after it (the correction is dated
    when it is made) never moved a kit: the shelf counted that day already held them. Before: the count was
    compared with the ledger's stock that day, the mistake still in it, and its adjustment undid the mistake a
    second time (a withdrawn handout of 3: 3 kits more than the shelf, silently, no tick asked; a delivery
    logged twice: 10 fewer). Now the count is taken against the stock with the mistake undone: nothing to adjust."""
    from kits.services import correct_movement, withdraw_handout

    with time_machine.travel(NOVEMBER_20, tick=False):
        batch = factories.make_batch(lot_number="NX2511")
        factories.receive(batch, office, 10, coordinator)
    with time_machine.travel(at(2026, 11, 25, 10, 0), tick=False):
        if mistake == "handout":
            wrong = factories.hand_out(batch, office, 3, coordinator)
        elif mistake == "transfer":
            wrong, _created = transfer_kits(
                user=coordinator, from_location=office, to_location=bag, quantity=3, batch=batch
            )
        else:
            wrong = factories.receive(batch, office, 10, coordinator)
    with time_machine.travel(at(2026, 12, 2, 10, 0), tick=False):
        if mistake == "handout":
            withdraw_handout(user=coordinator, handout=wrong, reason="Registreret ved en fejl")
        else:
            correct_movement(user=coordinator, movement=wrong, reason="Registreret ved en fejl")
        assert level(office, batch) == 10
        # Counted on 30 November: the 10 kits on the shelf (the mistake never moved one). Entered today.
        with pytest.raises(ValidationError) as refused:
            adjust_after_count(
                user=coordinator, location=office, batch=batch, counted=10, reason="Optalt", on_date=NOVEMBER_30
            )
    assert refused.value.message_dict["counted"] == ["Optællingen svarer til lageret (10); der er intet at rette."]
    assert level(office, batch) == 10
    assert not StockMovement.objects.filter(kind="adjustment", corrects__isnull=True).exists()


def test_a_delivery_logged_by_mistake_after_the_counts_date_and_corrected_asks_for_no_tick(coordinator, office):
    """Before: the count named "10 kits received" that never came (the delivery was corrected) and asked for
    the tick; the delivery and its correction leave the stock as it was, so the count is simply saved."""
    from kits.services import correct_movement

    with time_machine.travel(NOVEMBER_20, tick=False):
        batch = factories.make_batch()
        factories.receive(batch, office, 10, coordinator)
    with time_machine.travel(at(2026, 12, 2, 10, 0), tick=False):
        wrong = factories.receive(batch, office, 10, coordinator, occurred_at=at(2026, 12, 1, 9, 0))
        correct_movement(user=coordinator, movement=wrong, reason="Registreret ved en fejl")
        count, _created = adjust_after_count(
            user=coordinator, location=office, batch=batch, counted=9, reason="Optalt", on_date=NOVEMBER_30
        )
    assert count.quantity == 1 and count.from_location == office and level(office, batch) == 9


def test_a_tick_confirms_only_the_count_it_was_asked_for(client, coordinator, office):
    """The tick said "the count is of the stock at the end of that day, before these kits came". Before, it stayed
    ticked when the form came back, and a count then dated on another day (or of another lot) was saved with it,
    against arrivals no one had been shown; a tick sent without the question was taken too. Now the tick answers
    the count it was asked for (location, lot, date); for another, the form names that one's arrivals, unticked."""
    with time_machine.travel(NOVEMBER_20, tick=False):
        batch = factories.make_batch(lot_number="NX2511")
        factories.receive(batch, office, 10, coordinator)
    with time_machine.travel(at(2026, 12, 2, 10, 0), tick=True):
        factories.receive(batch, office, 4, coordinator, occurred_at=at(2026, 11, 29, 9, 0))
        factories.receive(batch, office, 10, coordinator, occurred_at=at(2026, 12, 1, 9, 0))
        client.force_login(coordinator)
        fields = {"location": office.pk, "batch": batch.pk, "counted": "9", "reason": "Optalt"}
        unasked = post(client, "count", confirm_arrivals="on", on_date="30.11.2026", **fields)
        assert "confirm_arrivals" in unasked.context["form"].errors  # a tick without the question: asked
        asked = unasked.context["form"]["arrivals_for"].value()
        # The count is dated on the 28th instead, the tick left as it was: the 29th's 4 kits were never named.
        refused = post(client, "count", confirm_arrivals="on", arrivals_for=asked, on_date="28.11.2026", **fields)
        assert refused.status_code == 200 and "4 kit modtaget 29. nov 2026" in str(refused.context["form"].errors)
        [box] = re.findall(r'<input type="checkbox" name="confirm_arrivals"[^>]*>', refused.content.decode())
        assert " checked" not in box  # a new question, unticked
        assert not StockMovement.objects.filter(kind="adjustment").exists()
        asked = refused.context["form"]["arrivals_for"].value()
        saved = post(client, "count", confirm_arrivals="on", arrivals_for=asked, on_date="28.11.2026", **fields)
        assert saved.status_code == 302
    assert StockMovement.objects.get(kind="adjustment").quantity == 1  # 10 at the end of 28 November, 9 counted


def test_a_months_closing_stock_follows_the_movements_dated_in_it_and_names_each_one_entered_after_its_approval(
    client, coordinator, office, odense
):
    """November's closing stock, as the coordinator reports it to the municipality: the ledger by effective date.
    A correction entered in December and dated in December leaves it as approved; one dated in November changes it,
    and so does one dated in October (the stock at November's end is every movement dated before it). Each is
    named, with who and why, beside the approved figure. Before, the one dated in October changed November's
    "On hand" with no word of who or why: the change line named only the November count, as if it had made it all.
    """
    with time_machine.travel(at(2026, 10, 20, 10, 0), tick=False):
        batch = factories.make_batch()
        factories.receive(batch, office, 12, coordinator)
    with time_machine.travel(NOVEMBER_20, tick=False):
        factories.hand_out(batch, office, 2, coordinator)
    count = {"location": office.pk, "batch": batch.pk, "reason": "Optalt"}
    with time_machine.travel(at(2026, 12, 2, 10, 0), tick=True):
        client.force_login(coordinator)
        assert client.post("/personale/maaned/godkend/", {"month": "2026-11"}).status_code == 302  # keeps its figures
        assert post(client, "count", counted="9", on_date="02.12.2026", **count).status_code == 302
        assert november_closing(odense) == 10
        fields = {"counted": "8", "on_date": "30.11.2026", "change_reason": "Optælling glemt"}
        assert post(client, "count", **fields, **count).status_code == 302
        assert november_closing(odense) == 8
        fields = {"quantity": "1", "reason": "Beskadiget", "on_date": "31.10.2026", "change_reason": "Kassation glemt"}
        assert post(client, "discard", location=office.pk, batch=batch.pk, **fields).status_code == 302
        assert november_closing(odense) == 7 and level(office, batch) == 6
        export = client.get("/en/personale/maaned/csv/", {"month": "2026-11", "separator": "comma"}).content.decode()
    lines = export.splitlines()
    assert "Figures in this file,As approved" in lines and "On hand,10,12,0" in lines  # November, October, a year ago
    [changed] = [line for line in lines if line.startswith("Changed since the approval,")]
    assert changed.startswith('Changed since the approval,"On hand 10 → 7; corrected 2 Dec 2026 by koordinator-carla')
    assert "reason: Optælling glemt" in changed and "reason: Kassation glemt" in changed
    assert "Optalt" not in changed  # the count dated in December is not November's
