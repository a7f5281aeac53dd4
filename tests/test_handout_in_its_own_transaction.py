"""A handout sent outside any transaction is one INSERT, its own transaction (create_once
one_statement), and the database chooses its lot (kits 0014): simultaneous repeats, other content
under one key, lots emptied by others, a refused insert, an approved month, and the local day's
boundaries, where the function and the ledger trigger must agree. Most of these were written by a
review helper against the change."""

import datetime as dt
import json
import threading
import time
import uuid
from zoneinfo import ZoneInfo

import psycopg2
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from psycopg2.extensions import TRANSACTION_STATUS_IDLE

from kits.models import Handout, StockLevel
from kits.services import record_handout
from redliv.idempotency import IdempotencyConflict
from reports.publication import approve_and_publish
from tests import factories
from tests.simultaneous import at_once
from tests.test_street_logging import handout_fields, logged_in, send

CPH = ZoneInfo("Europe/Copenhagen")
# One-kit lots and as many simultaneous handouts: without the function's row lock, 12 failed most
# runs (each round one worker won; the others chose again, five times at most, then were refused).
LOTS = 12


@pytest.fixture
def bag(red_liv):
    return factories.make_location(red_liv, name="Gadeteamets taske")


def level(location, batch):
    return StockLevel.objects.get(location=location, batch=batch).quantity


@pytest.mark.django_db(transaction=True)
def test_simultaneous_repeats_of_one_key_store_one_handout_and_take_the_kits_once(bag, coordinator):
    first = factories.make_batch(expiry_date=timezone.localdate() + dt.timedelta(days=30))
    later = factories.make_batch(expiry_date=timezone.localdate() + dt.timedelta(days=300))
    factories.receive(first, bag, 2, coordinator)
    factories.receive(later, bag, 10, coordinator)
    key = uuid.uuid4()
    outcomes = at_once(
        12,
        lambda: record_handout(
            user=coordinator, location=bag, quantity=2, reason="replaces_used", audience="other", key=key
        ),
    )
    assert outcomes == ["stored"] * 12
    assert Handout.objects.count() == 1
    assert level(bag, first) + level(bag, later) == 10


@pytest.mark.django_db(transaction=True)
def test_simultaneous_sends_of_one_key_with_other_content_store_one_and_refuse_the_rest(bag, coordinator):
    batch = factories.make_batch()
    factories.receive(batch, bag, 3, coordinator)
    key = uuid.uuid4()
    quantities = iter([1, 2, 3, 1, 2, 3, 1, 2])

    def send():
        record_handout(
            user=coordinator, location=bag, quantity=next(quantities), reason="replaces_used", audience="other", key=key
        )

    outcomes = at_once(8, send, refusal=lambda error: "conflict" if isinstance(error, IdempotencyConflict) else error)
    assert Handout.objects.count() == 1
    stored = Handout.objects.get()
    assert level(bag, batch) == 3 - stored.quantity
    assert all(outcome in ("stored", "conflict") for outcome in outcomes), outcomes
    # Every send with the stored quantity answers "stored", every other one a conflict.
    assert outcomes.count("stored") == [1, 2, 3, 1, 2, 3, 1, 2].count(stored.quantity)


@pytest.mark.django_db(transaction=True)
def test_simultaneous_handouts_from_many_one_kit_lots_are_all_stored_while_kits_remain(bag, coordinator):
    """Twelve one-kit lots, twelve workers handing out one kit at once: every kit can go out, so
    none of them may be told there are not enough kits."""
    today = timezone.localdate()
    lots = [factories.make_batch(expiry_date=today + dt.timedelta(days=30 + day)) for day in range(LOTS)]
    for lot in lots:
        factories.receive(lot, bag, 1, coordinator)
    outcomes = at_once(
        LOTS,
        lambda: record_handout(user=coordinator, location=bag, quantity=1, reason="replaces_used", audience="other"),
        refusal=lambda error: error.message_dict["quantity"][0],
    )
    assert outcomes == ["stored"] * LOTS, outcomes
    assert sum(level(bag, lot) for lot in lots) == 0


@pytest.mark.django_db(transaction=True)
def test_after_a_refused_autocommit_insert_the_connection_is_idle_and_outside_a_transaction(bag, coordinator):
    factories.receive(factories.make_batch(), bag, 1, coordinator)
    with pytest.raises(ValidationError):
        record_handout(user=coordinator, location=bag, quantity=5, reason="replaces_used", audience="other")
    assert connection.get_autocommit() and not connection.in_atomic_block and not connection.needs_rollback
    assert connection.connection.info.transaction_status == TRANSACTION_STATUS_IDLE
    handout, created = record_handout(
        user=coordinator, location=bag, quantity=1, reason="replaces_used", audience="other"
    )
    assert created and handout.batch_id is not None


# --- an approved month, through the street API, in autocommit ------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_entry_stored_before_its_month_was_approved_answers_as_stored_and_a_new_one_is_refused(
    street_worker, coordinator, red_liv
):
    bag = factories.make_location(red_liv, name="Gadeteamets taske")
    batch = factories.make_batch()
    factories.receive(batch, bag, 10, coordinator, occurred_at=timezone.now() - dt.timedelta(days=40))
    client = logged_in(street_worker)
    may = {"date": "2026-05-20", "time": "14:00"}
    stored = handout_fields(bag, **may)
    assert send(client, "handout", stored).status_code == 201
    approve_and_publish(coordinator, red_liv.municipality, dt.date(2026, 5, 1))
    assert send(client, "handout", stored).status_code == 200  # a late retry of what was stored
    refused = send(client, "handout", handout_fields(bag, **may))
    assert refused.status_code == 400 and "godkendt" in json.dumps(refused.json(), ensure_ascii=False)
    other_content = send(client, "handout", {**stored, "quantity": 3})
    assert other_content.status_code == 409 and other_content.json()["code"] == "key_conflict"
    assert Handout.objects.count() == 1 and level(bag, batch) == 8


# --- the day boundaries, the function and the ledger trigger together -------------------------------


def handed_out_from(bag, lots, local_time, coordinator):
    """Three kits of each lot received the day before; the lot of one kit handed out at `local_time`."""
    received = dt.datetime.combine(local_time.date() - dt.timedelta(days=1), dt.time(12), tzinfo=CPH)
    for batch in lots.values():
        factories.receive(batch, bag, 3, coordinator, occurred_at=received)
    handout, created = record_handout(
        user=coordinator,
        location=bag,
        quantity=1,
        reason="replaces_used",
        audience="other",
        occurred_at=local_time.replace(tzinfo=CPH),
    )
    assert created
    return handout.batch


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("local_time", "lot"),
    [
        (dt.datetime(2026, 6, 10, 23, 59, 59), "expiring"),  # the expiry day's last second: still usable
        (dt.datetime(2026, 6, 11, 0, 0, 0), "later"),  # 22:00 UTC on the 10th: the local day counts
        (dt.datetime(2026, 6, 11, 1, 59), "later"),
    ],
)
def test_a_handout_near_midnight_takes_the_lot_the_local_day_allows_and_the_trigger_agrees(
    local_time, lot, coordinator, red_liv
):
    bag = factories.make_location(red_liv)
    lots = {
        "expiring": factories.make_batch(expiry_date=dt.date(2026, 6, 10), received_on=dt.date(2026, 1, 1)),
        "later": factories.make_batch(expiry_date=dt.date(2027, 6, 10), received_on=dt.date(2026, 1, 1)),
    }
    assert handed_out_from(bag, lots, local_time, coordinator) == lots[lot]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("local_time", "lot"),
    [
        (dt.datetime(2026, 6, 4, 23, 59), "recalled"),  # the day before the recall: usable
        (dt.datetime(2026, 6, 5, 0, 0), "other"),  # the recall's first day
        (dt.datetime(2026, 6, 8, 23, 59), "other"),  # the day before the recall ended
        (dt.datetime(2026, 6, 9, 0, 0), "recalled"),  # the recall's end day: usable again
    ],
)
def test_a_handout_around_a_recall_takes_the_lot_the_local_day_allows_and_the_trigger_agrees(
    local_time, lot, coordinator, red_liv
):
    bag = factories.make_location(red_liv)
    lots = {
        "recalled": factories.make_batch(
            expiry_date=dt.date(2027, 1, 1),
            received_on=dt.date(2026, 1, 1),
            recalled_on=dt.date(2026, 6, 5),
            recall_reason="Fejl",
            recall_instructions="Retur",
            recall_ended_on=dt.date(2026, 6, 9),
            recall_ended_by=coordinator,
            recall_end_reason="Fejlen var i en anden lot",
        ),
        "other": factories.make_batch(expiry_date=dt.date(2027, 6, 1), received_on=dt.date(2026, 1, 1)),
    }
    assert handed_out_from(bag, lots, local_time, coordinator) == lots[lot]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("expiry", "local_time", "lot"),
    [
        (dt.date(2026, 3, 29), dt.datetime(2026, 3, 29, 2, 30), "expiring"),  # the spring night's missing half hour
        (dt.date(2026, 3, 29), dt.datetime(2026, 3, 29, 23, 59), "expiring"),  # 21:59 UTC after the change
        (dt.date(2026, 3, 29), dt.datetime(2026, 3, 30, 0, 0), "later"),
        (
            dt.date(2026, 10, 25),
            dt.datetime(2026, 10, 25, 2, 30, fold=1),
            "expiring",
        ),  # the autumn night's second 02:30
        (dt.date(2026, 10, 25), dt.datetime(2026, 10, 25, 23, 59), "expiring"),  # 22:59 UTC after the change
        (dt.date(2026, 10, 25), dt.datetime(2026, 10, 26, 0, 0), "later"),
        (dt.date(2026, 12, 31), dt.datetime(2026, 12, 31, 23, 30), "expiring"),
        (dt.date(2026, 12, 31), dt.datetime(2027, 1, 1, 0, 0), "later"),
    ],
)
def test_a_lot_expiring_on_a_daylight_saving_night_or_new_years_eve_is_used_until_its_local_day_ends(
    expiry, local_time, lot, coordinator, red_liv
):
    """The function's day comes from Python (Copenhagen), the ledger trigger's from PostgreSQL
    (AT TIME ZONE 'Europe/Copenhagen'): on the nights the offset changes they must still agree."""
    bag = factories.make_location(red_liv)
    lots = {
        "expiring": factories.make_batch(expiry_date=expiry, received_on=dt.date(2026, 1, 1)),
        "later": factories.make_batch(expiry_date=dt.date(2027, 6, 10), received_on=dt.date(2026, 1, 1)),
    }
    assert handed_out_from(bag, lots, local_time, coordinator) == lots[lot]


@pytest.mark.django_db(transaction=True)
def test_a_lot_recalled_while_a_handout_waits_for_it_sends_the_handout_to_the_next_lot(bag, coordinator):
    """The insert chose the first-expiring lot and waited for its stock row; the recall committed
    meanwhile, and the ledger trigger refused the lot. The worker chose no lot: the handout is
    chosen again from what is usable, not refused with "this lot has been recalled"."""
    today = timezone.localdate()
    first = factories.make_batch(expiry_date=today + dt.timedelta(days=30))
    later = factories.make_batch(expiry_date=today + dt.timedelta(days=300))
    factories.receive(first, bag, 5, coordinator)
    factories.receive(later, bag, 5, coordinator)
    recaller = psycopg2.connect(**connection.get_connection_params())
    outcome = []

    def hand_out():
        try:
            handout, _created = record_handout(
                user=coordinator, location=bag, quantity=1, reason="replaces_used", audience="other"
            )
            outcome.append(handout.batch_id)
        except ValidationError as error:
            outcome.append(error.messages[0])
        finally:
            connection.close()

    try:
        with recaller.cursor() as cursor:  # a recall in progress, holding the first lot's stock row
            cursor.execute(
                "SELECT 1 FROM kits_stocklevel WHERE location_id = %s AND batch_id = %s FOR UPDATE", [bag.pk, first.pk]
            )
            cursor.execute(
                "UPDATE kits_batch SET recalled_on = %s, recall_reason = 'Fejl', recall_instructions = 'Retur', "
                "recalled_by_id = %s WHERE id = %s",
                [today, coordinator.pk, first.pk],
            )
            worker = threading.Thread(target=hand_out)
            worker.start()
            for _ in range(500):  # until the handout waits for the row
                cursor.execute("SELECT pg_stat_clear_snapshot()")  # else one view per transaction
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.01)
            else:
                pytest.fail("the handout never waited for the lot's stock row")
        recaller.commit()
        worker.join(10)
    finally:
        recaller.close()
    assert outcome == [later.pk]
    assert (level(bag, first), level(bag, later)) == (5, 4)
