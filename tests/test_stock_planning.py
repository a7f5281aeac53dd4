"""Reorder and redistribution suggestions, worked out by hand on small ledgers.

"Today" is Monday 15 June 2026 (Copenhagen); the consumption window is the three full
months March, April and May 2026.
"""

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from kits import queries, services
from kits.models import StockLevel, StockLocation, StockMovement
from kits.planning import DAYS_PER_MONTH, consumption_window, plan_stock
from tests import factories

pytestmark = pytest.mark.django_db

CPH = ZoneInfo("Europe/Copenhagen")
TODAY = dt.date(2026, 6, 15)


def at(year, month, day, hour=11):
    return dt.datetime(year, month, day, hour, tzinfo=CPH)


@pytest.fixture(autouse=True)
def mid_june():
    with time_machine.travel(at(2026, 6, 15, 12), tick=False):
        yield


def location(organisation, name, **fields):
    return factories.make_location(organisation, name=name, **fields)


def batch(lot, expiry, received=dt.date(2026, 1, 5)):
    return factories.make_batch(lot_number=lot, expiry_date=expiry, received_on=received)


FIRST_OF_FEBRUARY = at(2026, 2, 1)


def receive(batch, where, quantity, user, when=FIRST_OF_FEBRUARY):
    return factories.receive(batch, where, quantity, user, occurred_at=when)


def hand_out(batch, where, quantity, user, when):
    return factories.hand_out(batch, where, quantity, user, occurred_at=when)


def plans_by_name(plan):
    return {entry.location.name: entry for entry in plan.locations}


def test_the_window_is_the_last_three_full_months_and_can_be_configured(settings):
    assert consumption_window(TODAY) == (dt.date(2026, 3, 1), dt.date(2026, 6, 1))
    assert consumption_window(dt.date(2026, 1, 31)) == (dt.date(2025, 10, 1), dt.date(2026, 1, 1))
    settings.KIT_CONSUMPTION_MONTHS = 6
    assert consumption_window(TODAY) == (dt.date(2025, 12, 1), dt.date(2026, 6, 1))


@pytest.fixture
def ledger(red_liv, coordinator):
    """Four locations with a hand-made history (see each comment for the sums)."""
    lasting = batch("LANG1", dt.date(2027, 6, 1))
    gone = batch("GAMMEL1", dt.date(2026, 5, 31))

    # Office: 90 handed out in the window, 5 of the May handout returned and the April
    # handout (20) corrected as logged by mistake: 65 in three months. Handouts in
    # February and June lie outside the window. 10 expired kits are not usable stock.
    office = location(red_liv, "Kontoret")
    receive(lasting, office, 200, coordinator)
    receive(gone, office, 10, coordinator, when=at(2026, 1, 10))
    hand_out(lasting, office, 10, coordinator, at(2026, 2, 25))
    hand_out(lasting, office, 30, coordinator, at(2026, 3, 5))
    april = hand_out(lasting, office, 20, coordinator, at(2026, 4, 10))
    may = hand_out(lasting, office, 40, coordinator, at(2026, 5, 20))
    hand_out(lasting, office, 7, coordinator, at(2026, 6, 2))
    services.return_kits(user=coordinator, handout=may, quantity=5, reason="Returned unused")
    services.correct_movement(user=coordinator, movement=april, reason="Logged twice")

    # Bag (min 1, max 2): 15 a month, 3 left after a discard of 2 (a discard is not consumption).
    bag = location(red_liv, "Tasken", min_months=Decimal(1), max_months=Decimal(2))
    receive(lasting, bag, 50, coordinator)
    for month in (3, 4, 5):
        hand_out(lasting, bag, 15, coordinator, at(2026, month, 10))
    services.discard_kits(user=coordinator, location=bag, batch=lasting, quantity=2, reason="Damaged")

    # Shelter (max 4): first kits on 10 April, so April and May count: 12 / 2 = 6 a month.
    shelter = location(red_liv, "Værestedet", max_months=Decimal(4))
    receive(lasting, shelter, 30, coordinator, when=at(2026, 4, 10))
    hand_out(lasting, shelter, 6, coordinator, at(2026, 4, 20))
    hand_out(lasting, shelter, 6, coordinator, at(2026, 5, 20))

    # Clinic: new this month, so no consumption yet.
    clinic = location(red_liv, "Klinikken")
    receive(lasting, clinic, 20, coordinator, when=at(2026, 6, 3))
    hand_out(lasting, clinic, 2, coordinator, at(2026, 6, 5))
    return office, bag, shelter, clinic


def test_consumption_is_handouts_less_returns_and_corrections_over_the_full_months(ledger, coordinator):
    plan = plans_by_name(queries.stock_plan(coordinator, TODAY))

    office = plan["Kontoret"]
    assert (office.handed_out, office.months_counted) == (65, 3)
    assert office.consumption_exact == Fraction(65, 3)
    assert (office.usable, office.unusable) == (118, 10)  # 200 − 10 − 30 − 20 − 40 − 7 + 5 + 20
    assert office.months_of_stock == pytest.approx(118 / (65 / 3))
    assert office.suggested_order == 0  # 65 − 118 is below zero
    assert not office.below_minimum

    bag = plan["Tasken"]
    assert (bag.handed_out, bag.months_counted, bag.consumption, bag.usable) == (45, 3, 15.0, 3)
    assert bag.months_of_stock == pytest.approx(0.2)
    assert bag.suggested_order == 27  # 15 × 2 − 3
    assert bag.below_minimum

    shelter = plan["Værestedet"]
    assert (shelter.handed_out, shelter.months_counted, shelter.consumption, shelter.usable) == (12, 2, 6.0, 18)
    assert shelter.months_of_stock == pytest.approx(3.0)
    assert shelter.suggested_order == 6  # 6 × 4 − 18
    assert not shelter.below_minimum


def test_a_location_new_this_month_has_no_consumption_and_no_suggestion(ledger, coordinator):
    clinic = plans_by_name(queries.stock_plan(coordinator, TODAY))["Klinikken"]
    assert clinic.is_new and clinic.usable == 18
    assert (clinic.consumption, clinic.months_of_stock, clinic.suggested_order) == (None, None, None)
    assert not clinic.below_minimum


def test_a_suggested_order_is_rounded_up_to_whole_kits(red_liv, coordinator):
    bag = location(red_liv, "Tasken")
    kits = batch("RUND1", dt.date(2027, 6, 1))
    receive(kits, bag, 20, coordinator)
    for month, quantity in [(3, 3), (4, 3), (5, 4)]:  # 10 in three months: 3⅓ a month
        hand_out(kits, bag, quantity, coordinator, at(2026, month, 10))
    entry = plans_by_name(queries.stock_plan(coordinator, TODAY))["Tasken"]
    assert entry.usable == 10 and entry.suggested_order == 0  # 3⅓ × 3 = 10, 10 − 10 = 0
    StockMovement.objects.create(
        kind=StockMovement.Kind.HANDOUT,
        batch=kits,
        from_location=bag,
        quantity=1,
        occurred_at=at(2026, 6, 10),
        handout_reason="first_supply",
        recipient_audience="people_who_use_drugs",
        recorded_by=coordinator,
    )
    entry = plans_by_name(queries.stock_plan(coordinator, TODAY))["Tasken"]
    assert entry.usable == 9 and entry.suggested_order == 1


def test_the_stock_page_and_the_csv_show_the_suggestions(ledger, client, coordinator):
    client.force_login(coordinator)
    content = client.get(reverse("kits:stock")).content.decode()
    section = content.split('id="plan-heading"')[1].split("</section>")[0]
    bag = ledger[1]
    row = section.split(f'id="plan-{bag.pk}"')[1].split("</tr>")[0]
    assert "Under minimum" in row and "15,0" in row and "0,2" in row and ">27<" in row
    assert "nyt: ingen hel måned endnu" in section
    # March to May: the window's last day, not the first day after it, which read as part of it.
    assert "fra 1. mar 2026 til 31. maj 2026 (hele måneder)" in section

    response = client.get(reverse("kits:suggestions-csv"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="bestillingsforslag-2026-03-01-2026-06-01.csv"'
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Lokation;Kommune;Minimum måneder;Maksimum måneder")
    assert "Tasken;Odense;1,0;2,0;45;3;15,0;3;0;0,2;27;ja" in lines
    assert "Klinikken;Odense;1,0;3,0;0;0;;18;0;;;nej" in lines
    assert "Værestedet;Odense;1,0;4,0;12;2;6,0;18;0;3,0;6;nej" in lines


def test_the_coordinator_start_page_links_locations_below_minimum_and_kits_at_risk(ledger, client, coordinator):
    client.force_login(coordinator)
    content = client.get(reverse("staff-home")).content.decode()
    bag = ledger[1]
    below = content.split('data-list="below-minimum"')[1].split("</ul>")[0]
    assert f'href="/personale/lager/#plan-{bag.pk}"' in below and "Tasken" in below and "bestil 27 kit" in below
    assert "Kontoret" not in below
    assert "Ingen kit er i fare for at udløbe ubrugte." in content


# Kits at risk and suggested transfers: first expiry, first out, across two batches and three locations.


@pytest.fixture
def three_places(red_liv, aarhus_org, coordinator):
    """P uses 3 kits a month, Q 30 and R 15 (March–May). E1 expires in 61 days, E2 in 365."""
    e0 = batch("E0", dt.date(2028, 1, 1))
    e1 = batch("E1", TODAY + dt.timedelta(days=61))
    e2 = batch("E2", TODAY + dt.timedelta(days=365))
    p, q, r = location(red_liv, "P"), location(red_liv, "Q"), location(red_liv, "R")
    far = location(aarhus_org, "Aarhus")  # uses many kits, but in another municipality
    for place, monthly in [(p, 3), (q, 30), (r, 15), (far, 100)]:
        receive(e0, place, monthly * 3, coordinator)
        for month in (3, 4, 5):
            hand_out(e0, place, monthly, coordinator, at(2026, month, 10))
    receive(e1, p, 90, coordinator)
    receive(e2, p, 20, coordinator)
    receive(e1, q, 10, coordinator)
    receive(e1, r, 5, coordinator)
    receive(e2, r, 200, coordinator)
    return p, q, r, far, e1, e2


def whole_plan():
    levels = StockLevel.objects.select_related("location", "batch")
    return plan_stock(list(StockLocation.objects.all()), list(levels), TODAY)


def test_kits_at_risk_follow_first_expiry_first_out(three_places):
    p, q, r, far, e1, e2 = three_places
    plan = whole_plan()
    assert [(risk.location, risk.batch, risk.on_hand, risk.quantity) for risk in plan.at_risk] == [
        # P hands out 3 a month: by E1's expiry in 61 days, 3 × 61 / 30.44 = 6.01 kits.
        (p, e1, 90, 84),
        # R uses its 5 of E1 first, then E2: 15 × 365 / 30.44 − 5 = 174.9 of its 200 kits.
        (r, e2, 200, 26),
    ]
    # P's 20 of E2 are used after E1 is gone: 35.98 − 6.01 leaves room for all of them.
    assert Fraction(3) / DAYS_PER_MONTH * 365 - Fraction(3) / DAYS_PER_MONTH * 61 > 20


def test_suggested_transfers_go_to_the_same_municipality_where_the_kits_are_used_in_time(three_places):
    p, q, r, far, e1, e2 = three_places
    plan = whole_plan()
    moves = [(t.from_location, t.to_location, t.batch, t.quantity) for t in plan.transfers]
    assert moves == [
        # Q will hand out 60.1 kits before E1 expires and holds 10: room for 50; R: 30.06 − 5 → 25.
        (p, q, e1, 50),
        (p, r, e1, 25),
        # Q's room for E2: 359.75 to hand out in a year, less its own 10 and the 50 of E1 already suggested.
        (r, q, e2, 26),
    ]
    assert plan.at_risk[0].left_at_risk == 9 and plan.at_risk[1].left_at_risk == 0
    assert far not in [t.to_location for t in plan.transfers]


def test_a_coordinator_makes_a_suggested_transfer_from_its_button(three_places, client, coordinator):
    p, q, r, far, e1, e2 = three_places
    client.force_login(coordinator)
    content = client.get(reverse("kits:stock")).content.decode()
    risk = content.split('id="risk-heading"')[1].split("</section>")[0]
    assert "Flyt 50 kit til Q" in risk and "Flyt 25 kit til R" in risk and "Flyt 26 kit til Q" in risk
    form = risk.split('action="/personale/lager/flyt/"')[1].split("</form>")[0]
    fields = dict(
        (part.split('name="')[1].split('"')[0], part.split('value="')[1].split('"')[0])
        for part in form.split("<input")[1:]
    )
    assert {k: fields[k] for k in ("from_location", "to_location", "batch", "quantity")} == {
        "from_location": str(p.pk),
        "to_location": str(q.pk),
        "batch": str(e1.pk),
        "quantity": "50",
    }
    assert fields.pop("ask_first") == "1"  # the button asks first; the confirmation sends the rest as it is
    response = client.post(reverse("kits:transfer"), fields, follow=True)
    assert "50 kit af lot E1 flyttet fra P til Q." in response.content.decode()
    assert StockLevel.objects.get(location=q, batch=e1).quantity == 60
    client.post(reverse("kits:transfer"), fields)  # sent twice: stored once
    assert StockLevel.objects.get(location=p, batch=e1).quantity == 40


def test_the_start_page_links_the_kits_at_risk(three_places, client, coordinator):
    p, q, r, far, e1, e2 = three_places
    client.force_login(coordinator)
    content = client.get(reverse("staff-home")).content.decode()
    risky = content.split('data-list="at-risk"')[1].split("</ul>")[0]
    assert f'href="/personale/lager/#risk-{p.pk}-{e1.pk}"' in risky and "84 kit af lot E1" in risky
    assert f'href="/personale/lager/#risk-{r.pk}-{e2.pk}"' in risky and "26 kit af lot E2" in risky
    assert "flytning foreslås" in risky
    stock = client.get(reverse("kits:stock")).content.decode()
    assert f'id="risk-{p.pk}-{e1.pk}"' in stock and f'id="plan-{q.pk}"' in stock


def test_the_stock_page_with_suggestions_needs_at_most_ten_queries(
    three_places, client, coordinator, red_liv, django_assert_max_num_queries
):
    for index in range(8):
        extra = location(red_liv, f"Ekstra {index}")
        for days in (40, 200):
            receive(batch(f"X{index}-{days}", TODAY + dt.timedelta(days=days)), extra, 30, coordinator)
    client.force_login(coordinator)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("kits:stock"))
    risk = response.content.decode().split('id="risk-heading"')[1].split("</section>")[0]
    assert response.status_code == 200 and risk.count("<form") >= 3 and "kit til Q" in risk


def test_a_coordinator_sets_the_minimum_and_maximum_months(client, coordinator, red_liv):
    bag = location(red_liv, "Tasken")
    assert (bag.min_months, bag.max_months) == (1, 3)
    client.force_login(coordinator)
    url = reverse("kits:targets", args=[bag.pk])
    response = client.post(url, {"min_months": "2", "max_months": "1"})
    assert "Minimum kan ikke være over maksimum." in response.content.decode()
    response = client.post(url, {"min_months": "0,5", "max_months": "2", "for_return": ""})
    assert response.status_code == 302
    bag.refresh_from_db()
    assert (bag.min_months, bag.max_months, bag.for_return) == (Decimal("0.5"), Decimal(2), False)


def test_another_municipalitys_location_targets_are_not_found(client, other_coordinator, red_liv):
    bag = location(red_liv, "Tasken")
    client.force_login(other_coordinator)
    assert client.get(reverse("kits:targets", args=[bag.pk])).status_code == 404


# What a suggestion leaves behind


def test_a_suggestion_leaves_a_cabinet_that_hands_out_nothing_its_reserve(red_liv, client, coordinator, settings):
    """Heroinklinikken's cabinet holds 25 kits for an overdose on the spot and hands none out: its minimum is 0.
    Before, the page suggested 'Flyt 25 kit til Gadeteamets taske', emptying it."""
    soon = batch("NX2301", TODAY + dt.timedelta(days=60))
    later = batch("NX2408", TODAY + dt.timedelta(days=300))
    cabinet = location(red_liv, "Heroinklinikken, skabet", min_months=Decimal(1), max_months=Decimal(4))
    bag = location(red_liv, "Gadeteamets taske", min_months=Decimal("0.5"), max_months=Decimal(2))
    receive(soon, cabinet, 25, coordinator)
    receive(later, bag, 90, coordinator)
    for month in (3, 4, 5):
        hand_out(later, bag, 30, coordinator, at(2026, month, 10))
    client.force_login(coordinator)
    risk = client.get(reverse("kits:stock")).content.decode().split('id="risk-heading"')[1].split("</section>")[0]
    assert "Flyt 20 kit til Gadeteamets taske" in risk and "Flyt 25" not in risk
    assert "efterlader altid mindst 5 kit" in risk
    # Its freshest kits stay: the 3 of a later lot are its reserve together with 2 of the soon-expiring one.
    receive(later, cabinet, 3, coordinator)
    assert [(t.from_location, t.quantity) for t in whole_plan().transfers] == [(cabinet, 23)]
    # A cabinet holding no more than the reserve is never offered a transfer out.
    settings.KIT_RESERVE = 28
    assert whole_plan().transfers == []


def test_a_suggestion_never_takes_a_location_below_its_minimum(three_places):
    p, q, r, far, e1, e2 = three_places
    StockLocation.objects.filter(pk=p.pk).update(min_months=24, max_months=24)  # P hands out 3 a month: it keeps 72
    plan = whole_plan()
    assert [(t.from_location, t.to_location, t.quantity) for t in plan.transfers if t.from_location == p] == [
        (p, q, 38)
    ]
    assert not plans_by_name(plan)["P"].below_minimum
