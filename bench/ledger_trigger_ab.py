"""The ledger trigger's cost under contention: 16 connections inserting handouts of one bag and lot, with
the trigger as it is (kits 0015) and as it was before it (kits 0013), two rounds each.

    python3 dev.py db    # the project-local PostgreSQL on 127.0.0.1:54329
    .venv/bin/python bench/ledger_trigger_ab.py

Makes (and leaves) a database `trigab` on that server. Prints inserts/s, p50 and p95 per trigger.
"""

import os
import sys
import threading
import time
import uuid
from importlib import import_module
from pathlib import Path

import psycopg2

SERVER = "postgresql://postgres@127.0.0.1:54329"
DSN = f"{SERVER}/trigab"
INSERT = """
INSERT INTO kits_stockmovement (idempotency_key, payload_digest, kind, batch_id, from_location_id, quantity,
                                occurred_at, recorded_at, recorded_by_id, handout_reason, recipient_audience, reason)
VALUES (%s, '', 'handout', %s, %s, 1, now(), now(), %s, 'first_supply', 'people_who_use_drugs', '')
"""


def set_up():
    """A migrated database with one bag holding a million kits of one lot: (batch id, bag id, user id)."""
    admin = psycopg2.connect(f"{SERVER}/postgres")
    admin.autocommit = True
    admin.cursor().execute("DROP DATABASE IF EXISTS trigab")
    admin.cursor().execute("CREATE DATABASE trigab")
    admin.close()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ["DJANGO_SETTINGS_MODULE"] = "redliv.test_settings"
    os.environ["DATABASE_URL"] = DSN
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from redliv.models import Municipality, Organisation, User
    from tests import factories

    call_command("migrate", verbosity=0)
    municipality = Municipality.objects.create(name="Odense", code=461)
    organisation = Organisation.objects.create(name="RED LIV", kind="municipality", municipality=municipality)
    user = User.objects.create_user(username="bench", organisation=organisation)
    bag = factories.make_location(organisation, name="Gadeteamets taske")
    batch = factories.make_batch()
    factories.receive(batch, bag, 1_000_000, user)
    connection.close()
    return batch.pk, bag.pk, user.pk


def run(label, trigger_sql, ids, connections=16, each=150):
    setting = psycopg2.connect(DSN)
    setting.autocommit = True
    setting.cursor().execute(trigger_sql)
    setting.close()
    times = []

    def insert_handouts():
        database = psycopg2.connect(DSN)
        database.autocommit = True
        cursor = database.cursor()
        for _ in range(each):
            started = time.perf_counter()
            cursor.execute(INSERT, (str(uuid.uuid4()), *ids))
            times.append((time.perf_counter() - started) * 1000)
        database.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=insert_handouts) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    times.sort()
    p50, p95 = times[len(times) // 2], times[int(len(times) * 0.95)]
    print(f"{label}: {connections * each / seconds:.0f} inserts/s, p50 {p50:.1f} ms, p95 {p95:.1f} ms")


if __name__ == "__main__":
    ids = set_up()
    before = import_module("kits.migrations.0013_recall_who_and_its_end").RECALL_WITH_AN_END
    now = import_module("kits.migrations.0015_movements_dated_back").DATED_BACK
    for _round in range(2):
        run("trigger before kits 0015", before, ids)
        run("trigger of kits 0015", now, ids)
