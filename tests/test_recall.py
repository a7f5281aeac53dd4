"""A recall that reaches the kits already handed out: coordinators mark a lot recalled, the
database then refuses handouts and transfers except for return, the trace lists where the
lot went, and anyone can check their kit on the public page.

"Today" is Monday 30 November 2026 (Copenhagen).
"""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from kits import services
from kits.models import Batch, StockLevel, StockMovement
from redliv.db import violated_constraint
from redliv.models import PostCount
from tests import factories
from tests.db_state import table_counts

pytestmark = pytest.mark.django_db

CPH = ZoneInfo("Europe/Copenhagen")
TODAY = dt.date(2026, 11, 30)
INSTRUCTIONS = "Aflevér kittet på Antidote Danmark, Vestergade 1, og få et nyt med det samme."


@pytest.fixture(autouse=True)
def end_of_november():
    with time_machine.travel(dt.datetime(2026, 11, 30, 14, tzinfo=CPH), tick=False):
        yield


@pytest.fixture
def bag(red_liv):
    return factories.make_location(red_liv, name="Gadeteamets taske")


@pytest.fixture
def office(red_liv, venue):
    return factories.make_location(red_liv, name="Kontoret", kind="venue", venue=venue)


@pytest.fixture
def returns(red_liv):
    return factories.make_location(red_liv, name="Returkassen", for_return=True)


@pytest.fixture
def lot(office, bag, coordinator, venue):
    """Lot NX2408: 100 received at the office, 30 moved to the bag, 2 handed out at a course, 1 to a relative."""
    batch = factories.make_batch(lot_number="NX2408", expiry_date=dt.date(2027, 6, 1))
    factories.receive(batch, office, 100, coordinator, occurred_at=dt.datetime(2026, 10, 1, 10, tzinfo=CPH))
    services.transfer_kits(
        user=coordinator, from_location=office, to_location=bag, quantity=30, batch=batch, on_date=dt.date(2026, 10, 2)
    )
    course = factories.make_course(venue, starts_at=dt.datetime(2026, 11, 3, 10, tzinfo=CPH), title="Drop-in 3. nov")
    factories.hand_out(batch, bag, 2, coordinator, course=course, occurred_at=course.starts_at)
    factories.hand_out(
        batch,
        office,
        1,
        coordinator,
        recipient_audience="relatives",
        occurred_at=dt.datetime(2026, 11, 10, 9, tzinfo=CPH),
    )
    return batch


def recall(batch, on=TODAY):
    return services.recall_lot(
        user=None, batch=batch, recalled_on=on, reason="Fejl i spraydysen", instructions=INSTRUCTIONS
    )


def level(location, batch):
    return StockLevel.objects.filter(location=location, batch=batch).values_list("quantity", flat=True).first()


# Marking a lot as recalled


def test_a_coordinator_recalls_a_lot_from_its_trace(client, coordinator, lot):
    client.force_login(coordinator)
    trace = client.get(reverse("kits:lot"), {"lot": "NX2408"}).content.decode()
    assert reverse("kits:recall", args=[lot.pk]) in trace and "Tilbagekald dette lot" in trace
    response = client.post(
        reverse("kits:recall", args=[lot.pk]),
        {"recalled_on": "2026-11-30", "reason": "Fejl i spraydysen", "instructions": INSTRUCTIONS},
        follow=True,
    )
    content = response.content.decode()
    assert "Lot NX2408 er tilbagekaldt." in content
    assert "Tilbagekaldt 30. nov 2026" in content and INSTRUCTIONS in content
    lot.refresh_from_db()
    assert (lot.recalled_on, lot.recall_reason) == (TODAY, "Fejl i spraydysen")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"recalled_on": "2026-12-01"}, "Tilbagekaldelsesdatoen kan ikke ligge i fremtiden."),
        # Before any lot's date (the form took 1900 to 2200): as a lot's own dates (kits.models.validate_lot_date).
        ({"recalled_on": "1999-12-31"}, "Vælg en dato fra 1. jan 2000 til 31. dec 2100."),
        ({"instructions": ""}, "Dette felt er påkrævet."),
        ({"reason": "   "}, "Dette felt er påkrævet."),
    ],
)
def test_a_recall_needs_a_past_date_a_reason_and_instructions(client, coordinator, lot, data, message):
    client.force_login(coordinator)
    fields = {"recalled_on": "2026-11-30", "reason": "Fejl i spraydysen", "instructions": INSTRUCTIONS, **data}
    response = client.post(reverse("kits:recall", args=[lot.pk]), fields)
    assert response.status_code == 200 and message in response.content.decode()
    lot.refresh_from_db()
    assert lot.recalled_on is None


def test_the_service_refuses_an_incomplete_recall(lot):
    with pytest.raises(ValidationError) as error:
        services.recall_lot(user=None, batch=lot, recalled_on=TODAY, reason="", instructions="")
    assert set(error.value.message_dict) == {"reason", "instructions"}


def test_the_database_refuses_a_recall_without_instructions(lot):
    with pytest.raises(IntegrityError), transaction.atomic():
        Batch.objects.filter(pk=lot.pk).update(recalled_on=TODAY, recall_reason="Fejl")


def test_who_may_recall(client, lot, street_worker, other_coordinator):
    url = reverse("kits:recall", args=[lot.pk])
    client.force_login(street_worker)
    assert client.get(url).status_code == 403
    client.force_login(other_coordinator)  # no kits of the lot in Aarhus
    assert client.get(url).status_code == 404


# What a recall blocks


def test_a_recalled_lot_is_not_handed_out(lot, bag, coordinator):
    stale = Batch.objects.get(pk=lot.pk)
    recall(lot)
    with pytest.raises(ValidationError) as error:  # a form loaded before the recall: the database refuses
        services.record_handout(
            user=coordinator, location=bag, quantity=1, reason="first_supply", audience="relatives", batch=stale
        )
    assert error.value.message_dict["batch"] == [
        "Dette lot er tilbagekaldt og må ikke udleveres. Returnér det i stedet."
    ]
    lot.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.record_handout(
            user=coordinator, location=bag, quantity=1, reason="first_supply", audience="relatives", batch=lot
        )
    assert error.value.message_dict["batch"] == [
        "Lot NX2408 blev tilbagekaldt 30. nov 2026 og må ikke udleveres. Returnér det i stedet."
    ]
    with pytest.raises(ValidationError) as error:  # first expiry, first out skips it
        services.record_handout(user=coordinator, location=bag, quantity=1, reason="first_supply", audience="relatives")
    assert error.value.message_dict["quantity"] == ["Ikke nok kit i Gadeteamets taske: 0 på lager, 1 ønsket."]


def test_the_database_refuses_a_handout_of_a_recalled_lot(lot, bag, coordinator):
    recall(lot)
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        factories.hand_out(lot, bag, 1, coordinator)
    assert violated_constraint(error.value) == "handout_batch_not_recalled"
    assert level(bag, lot) == 28


def test_a_handout_dated_before_the_recall_is_still_recorded(lot, bag, coordinator):
    """An offline entry from the day before the recall tells what really happened."""
    recall(lot)
    handout, created = services.record_handout(
        user=coordinator,
        location=bag,
        quantity=1,
        reason="first_supply",
        audience="relatives",
        batch=lot,
        occurred_at=dt.datetime(2026, 11, 29, 15, tzinfo=CPH),
    )
    assert created and level(bag, lot) == 27


def test_a_recalled_lot_moves_only_for_return(lot, bag, office, returns, coordinator):
    recall(lot)
    with pytest.raises(ValidationError) as error:
        services.transfer_kits(user=coordinator, from_location=bag, to_location=office, quantity=5, batch=lot)
    assert error.value.message_dict["to_location"] == [
        "Dette lot er tilbagekaldt: flyt det kun til et lagersted til returnering eller destruktion."
    ]
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        StockMovement.objects.create(
            kind=StockMovement.Kind.TRANSFER,
            batch=lot,
            from_location=bag,
            to_location=office,
            quantity=5,
            occurred_at=dt.datetime(2026, 11, 30, 12, tzinfo=CPH),
            recorded_by=coordinator,
        )
    assert violated_constraint(error.value) == "transfer_recalled_only_for_return"
    services.transfer_kits(user=coordinator, from_location=bag, to_location=returns, quantity=28, batch=lot)
    assert level(returns, lot) == 28 and level(bag, lot) == 0


def test_the_stock_page_shows_recalled_kits_apart_with_a_one_step_return(client, coordinator, lot, bag, returns):
    recall(lot)
    client.force_login(coordinator)
    content = client.get(reverse("kits:stock")).content.decode()
    apart = content.split('id="expired-heading"')[1].split("</section>")[0]
    assert "Tilbagekaldt 30. nov 2026" in apart and "Returnér til Returkassen" in apart
    data = {"key": str(uuid.uuid4()), "location": bag.pk, "batch": lot.pk, "to_location": returns.pk}
    client.post(reverse("kits:clear-unusable"), data)
    movement = StockMovement.objects.get(to_location=returns)
    assert (movement.quantity, movement.reason) == (28, "Tilbagekaldt lot")


# The trace, for contacting the places


def test_the_trace_lists_every_holder_course_and_handout(client, coordinator, lot, bag, office):
    recall(lot)
    client.force_login(coordinator)
    content = client.get(reverse("kits:lot"), {"lot": "nx2408"}).content.decode()
    held = content.split("Stadig på lager")[1].split("</ul>")[0]
    assert "Kontoret: 69" in held and "Gadeteamets taske: 28" in held
    handouts = content.split("Udleveringer af dette lot")[1].split("</ul>")[0]
    assert "3. nov 2026 · Gadeteamets taske · 2 kit · Drop-in 3. nov" in handouts
    assert "10. nov 2026 · Kontoret · 1 kit" in handouts
    assert "Fejl i spraydysen" in content

    lines = client.get(reverse("kits:lot-csv"), {"lot": "NX2408"}).content.decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 4  # the header; the delivery, the transfer and two handouts
    assert any("Drop-in 3. nov" in line and ";2;" in line for line in lines)


# "Tjek dit kit"

CHECK = "/tjek-dit-kit/"


def answer(response):
    content = response.content.decode()
    return content.split("data-answer>")[1].split("</section>")[0] if "data-answer>" in content else ""


def test_a_fine_kit(client, lot):
    response = client.post(CHECK, {"lot": " nx 2408 "})
    assert response.status_code == 200
    assert 'data-status="fine"' in answer(response)
    assert "i orden at bruge til og med 1. juni 2027" in answer(response)


def test_an_expired_kit_gives_the_date(client, coordinator, bag):
    old = factories.make_batch(lot_number="NX2301", received_on=dt.date(2025, 1, 1), expiry_date=dt.date(2026, 11, 20))
    response = client.post(CHECK, {"lot": "NX2301"})
    assert 'data-status="expired"' in answer(response) and "udløb 20. november 2026" in answer(response)
    assert old.pk  # the batch exists without any stock: the page never reads stock


def test_a_recalled_kit_says_what_to_do_and_where_to_get_a_new_one(client, lot):
    recall(lot)
    text = answer(client.post(CHECK, {"lot": "NX2408"}))
    assert 'data-status="recalled"' in text and "tilbagekaldt 30. november 2026" in text
    assert INSTRUCTIONS in text and 'href="/"' in text and "få et nyt kit" in text


def test_an_unknown_lot_and_a_mistyped_one_get_the_same_answer(client, lot):
    unknown = answer(client.post(CHECK, {"lot": "ZZ9999"})).replace("ZZ9999", "LOT")
    mistyped = answer(client.post(CHECK, {"lot": "NX2480"})).replace("NX2480", "LOT")
    assert unknown == mistyped
    assert 'data-status="unknown"' in unknown and "Vi kender ikke dette lotnummer." in unknown


@pytest.mark.parametrize("typed", ["LOT NX2408", "Lot: NX2408", "lot nx2408", "LOT. NX 2408", "Lot#NX2408"])
def test_a_recalled_kit_is_found_with_the_word_lot_typed_before_its_number(client, lot, typed):
    """The page says the number is printed "often after Lot or LOT": a person copies the word too. A recalled
    kit must not be answered "we do not know this lot number"."""
    recall(lot)
    assert 'data-status="recalled"' in answer(client.post(CHECK, {"lot": typed}))


@pytest.mark.parametrize(
    "typed",
    [
        "NX٢٤٠٨",  # the digits of an Arabic phone keyboard
        "NX۲۴۰۸",  # a Persian one's
        "ＮＸ２４０８",  # full-width, as some keyboards type them
        "NX\u200b2408",  # a zero-width space, copied from a message with the number
        "\u200fNX2408\u200f",  # right-to-left marks around a number pasted from Arabic text
    ],
)
def test_a_recalled_kit_is_found_whatever_digits_or_invisible_marks_it_was_typed_with(client, lot, typed):
    """A recalled kit was answered "we do not know this lot number" when the number was typed on an
    Arabic or Persian keyboard, or pasted with invisible characters: the person kept a recalled kit."""
    recall(lot)
    assert 'data-status="recalled"' in answer(client.post(CHECK, {"lot": typed}))


@pytest.mark.parametrize(
    "typed", ["NX-2408", "nx-2408", "nx 2408", "NX–2408", "NX.2408", "NX/2408", "NX_2408", "LOT: NX-2408", "NX‐٢٤٠٨"]
)
def test_a_recalled_kit_is_found_whatever_separator_was_typed_in_its_lot_number(client, lot, typed):
    """ "NX-2408" was answered "we do not know this lot number" for lot NX2408: the person kept a recalled kit."""
    recall(lot)
    assert 'data-status="recalled"' in answer(client.post(CHECK, {"lot": typed}))


def test_a_lot_stored_with_a_hyphen_is_found_without_it(client, coordinator, bag):
    factories.make_batch(lot_number="AB-1234", expiry_date=dt.date(2027, 1, 31))
    for typed in ["AB1234", "ab 1234", "AB-1234"]:
        assert "til og med 31. januar 2027" in answer(client.post(CHECK, {"lot": typed})), typed
    assert 'data-status="unknown"' in answer(client.post(CHECK, {"lot": "AB-12345"}))
    assert 'data-status="unknown"' in answer(client.post(CHECK, {"lot": "--"}))


def test_a_lot_whose_own_number_starts_with_lot_is_found_as_typed(client, coordinator, bag):
    factories.make_batch(lot_number="LOT77", expiry_date=dt.date(2027, 1, 31))
    assert "til og med 31. januar 2027" in answer(client.post(CHECK, {"lot": "lot77"}))
    assert 'data-status="unknown"' in answer(client.post(CHECK, {"lot": "LOT ZZ9999"}))


def test_the_page_answers_in_english(client, lot):
    """In English, with the date as English writes it ("1 June 2027"; it read "1. June 2027")."""
    response = client.post("/en" + CHECK, {"lot": "NX2408"})
    assert "fine to use until 1 June 2027." in answer(response)


def test_the_lookup_stores_nothing_but_the_hourly_counter(client, lot):
    before = table_counts()
    response = client.post(CHECK, {"lot": "NX2408"})
    assert table_counts() == before
    assert not Session.objects.exists()
    counter = PostCount.objects.get()
    assert counter.scope == "kit-check" and "NX2408" not in counter.sender_digest
    assert "no-store" in response["Cache-Control"]


def test_the_lookup_is_rate_limited(client, lot, settings):
    settings.KIT_CHECKS_PER_HOUR = 2
    for _ in range(2):
        assert client.post(CHECK, {"lot": "NX2408"}).status_code == 200
    response = client.post(CHECK, {"lot": "NX2408"})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600  # until the hour's window frees a slot
    assert "Du har tjekket mange lotnumre på kort tid." in response.content.decode()
    assert answer(response) == ""


def test_an_empty_or_overlong_lot_number_gets_a_message(client):
    assert "Dette felt er påkrævet." in client.post(CHECK, {"lot": ""}).content.decode()
    response = client.post(CHECK, {"lot": "X" * 101})
    assert response.status_code == 200 and answer(response) == ""


# The finder


def test_the_finder_shows_a_banner_while_a_recall_is_active(client, lot, django_capture_on_commit_callbacks):
    assert "Tilbagekaldelse af naloxon-kit." not in client.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the finder forgets its lists once the recall commits
        recall(lot)
    content = client.get("/").content.decode()
    banner = content.split("recall-banner")[1].split("</div>")[0]
    assert "Lot NX2408 er tilbagekaldt." in banner and f'href="{CHECK}"' in banner


def test_the_finder_tells_per_venue_whether_kits_are_handed_out_now(client, coordinator, red_liv, office, venue):
    stocked = factories.make_course(venue, title="Med kit", published=True)
    bare_venue = factories.make_venue(red_liv, name="Uden lager")
    factories.make_course(bare_venue, title="Uden lager", published=True)
    expired_venue = factories.make_venue(red_liv, name="Kun udløbne")
    factories.make_course(expired_venue, title="Kun udløbne", published=True)
    cupboard = factories.make_location(red_liv, name="Skabet", kind="venue", venue=expired_venue)
    old = factories.make_batch(lot_number="OLD", received_on=dt.date(2025, 1, 1), expiry_date=dt.date(2026, 11, 1))
    factories.receive(old, cupboard, 40, coordinator, occurred_at=dt.datetime(2025, 1, 2, tzinfo=CPH))
    good = factories.make_batch(lot_number="GOOD", expiry_date=dt.date(2027, 6, 1))
    factories.receive(good, office, 17, coordinator)
    assert stocked.venue == office.venue

    content = client.get("/").content.decode()

    def hint(title):
        return content.split(f">{title}</a></h3>")[1].split("</li>")[0]  # the course card, not the map's list

    assert 'data-kits-here="yes"' in hint("Med kit") and "Her udleveres naloxon-kit nu." in hint("Med kit")
    assert 'data-kits-here="ask"' in hint("Uden lager") and "spørg på stedet" in hint("Uden lager")
    assert 'data-kits-here="ask"' in hint("Kun udløbne")
    assert "17" not in hint("Med kit") and "40" not in hint("Kun udløbne")


def test_kits_are_handed_out_at_a_venue_only_while_its_lot_is_neither_recalled_nor_expired(
    client, administrator, lot, venue
):
    """The same answer for a course and for standing drop-in hours at the venue, through a recall, its
    end, and the lot's expiry: the usable lots are worked out once per statement (finder.listing)."""
    factories.make_course(venue, title="Kursus på kontoret", published=True)
    factories.make_drop_in(venue, title="Torsdagscafé")

    def hints():
        content = client.get("/").content.decode()
        return [
            content.split(f">{title}</a></h3>")[1].split("</li>")[0] for title in ("Kursus på kontoret", "Torsdagscafé")
        ]

    assert all('data-kits-here="yes"' in hint for hint in hints())
    recall(lot)
    assert all('data-kits-here="ask"' in hint for hint in hints())
    services.end_recall(user=administrator, batch=lot, reason="Undersøgt: kittene er i orden")
    assert all('data-kits-here="yes"' in hint for hint in hints())
    with time_machine.travel(dt.datetime(2027, 6, 2, 9, tzinfo=CPH), tick=False):  # the lot expired on 1 June
        factories.make_course(
            venue, title="Kursus på kontoret", published=True, starts_at=dt.datetime(2027, 6, 3, 10, tzinfo=CPH)
        )
        assert all('data-kits-here="ask"' in hint for hint in hints())
