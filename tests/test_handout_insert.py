"""A handout with a key of its own is inserted by SQL written from the model (kits.services.insert_handout):
it names the columns and values Django's own insert would, stores the row Django's save would, and answers a
repeat, also one whose first send committed while the repeat's insert waited for it."""

import threading
import time
import uuid

import psycopg2
import pytest
from django.db import connection
from django.db.models.sql import InsertQuery
from django.utils import timezone

from kits.models import Handout, StockLevel, StockMovement
from kits.services import _insert_statement, record_handout, save_handout


def test_the_insert_names_every_column_as_djangos_insert_does():
    sql, written = _insert_statement()
    handout = Handout(idempotency_key=uuid.uuid4(), quantity=1, occurred_at=timezone.now())
    query = InsertQuery(StockMovement)
    query.insert_values(written, [handout])
    [(django_sql, django_params)] = query.get_compiler(connection=connection).as_sql()
    columns = django_sql[: django_sql.index(" VALUES")]
    assert f"WITH new AS ({columns} VALUES (" in sql
    # One value each (the batch's takes the three of FirstExpiringBatch besides), then the key to read back.
    assert sql.count("%s") == len(django_params) + 3 + 1
    assert [field.attname for field in written] == [
        field.attname for field in StockMovement._meta.concrete_fields if not field.primary_key
    ]


@pytest.mark.django_db
def test_no_trigger_runs_before_the_key_is_checked():
    """ON CONFLICT DO NOTHING skips a repeat after BEFORE INSERT triggers have run: one that wrote (as the ledger
    does, AFTER INSERT) would write for a row never stored."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'kits_stockmovement'::regclass AND NOT tgisinternal "
            "AND tgtype & 2 = 2 AND tgtype & 4 = 4"  # BEFORE, INSERT (pg_trigger.h)
        )
        assert cursor.fetchall() == []


@pytest.mark.django_db
def test_the_row_is_the_one_djangos_save_stores(street_worker, bag):
    location = type(bag).objects.get(pk=bag.pk)
    when = timezone.now()
    by_sql, _created = record_handout(
        user=street_worker,
        location=location,
        quantity=2,
        reason="replaces_used",
        audience="people_who_use_drugs",
        occurred_at=when,
    )
    by_orm = save_handout(
        Handout(
            idempotency_key=uuid.uuid4(),
            payload_digest="d" * 64,
            from_location=location,
            quantity=2,
            occurred_at=when,
            handout_reason="replaces_used",
            recipient_audience="people_who_use_drugs",
            recorded_by=street_worker,
        ),
        None,
        timezone.localdate(),
    )
    differ = ["id", "idempotency_key", "payload_digest", "recorded_at"]
    same = [field.attname for field in StockMovement._meta.concrete_fields if field.attname not in differ]
    assert StockMovement.objects.values(*same).get(pk=by_sql.pk) == StockMovement.objects.values(*same).get(
        pk=by_orm.pk
    )
    returned = {field.attname: getattr(by_sql, field.attname) for field in StockMovement._meta.concrete_fields}
    assert returned == StockMovement.objects.filter(pk=by_sql.pk).values(*returned).get()
    assert StockLevel.objects.get(location=bag).quantity == 6


@pytest.mark.django_db(transaction=True)
def test_a_repeat_whose_first_send_commits_while_it_waits_is_answered_with_the_stored_row(street_worker, bag):
    """The first send's insert is held open on another connection; the repeat's insert waits for it on the key,
    then skips it. Its snapshot is older than the first send's commit, so it cannot read the row: the stored
    row is looked up after it, and the repeat is answered as stored (200), the kits taken once."""
    key = uuid.uuid4()
    fields = {"location": bag, "quantity": 1, "reason": "replaces_used", "audience": "people_who_use_drugs"}
    first = psycopg2.connect(**connection.get_connection_params())
    answers = []

    def repeat():
        try:
            answers.append(record_handout(user=street_worker, key=key, **fields))
        finally:
            connection.close()

    try:
        with first.cursor() as cursor:
            cursor.execute("SET lock_timeout = '10s'")
            cursor.execute(
                "INSERT INTO kits_stockmovement (idempotency_key, payload_digest, kind, batch_id, from_location_id, "
                "quantity, occurred_at, recorded_at, recorded_by_id, handout_reason, recipient_audience, reason, "
                "dated_at_office) SELECT %s, '', 'handout', batch_id, %s, 1, %s, %s, %s, 'replaces_used', "
                "'people_who_use_drugs', '', false FROM kits_stocklevel WHERE location_id = %s",
                [str(key), bag.pk, timezone.now(), timezone.now(), street_worker.pk, bag.pk],
            )
            thread = threading.Thread(target=repeat)
            thread.start()
            for _ in range(500):  # until the repeat waits on the key
                cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.02)
            assert thread.is_alive()
        first.commit()
        thread.join(10)
    finally:
        first.close()
    [(stored, created)] = answers
    assert created is False and stored.idempotency_key == key
    assert StockMovement.objects.filter(idempotency_key=key).count() == 1
    assert StockLevel.objects.get(location=bag).quantity == 9
