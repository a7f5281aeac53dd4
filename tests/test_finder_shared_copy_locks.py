"""The number behind the finder's shared copies (finder/0005) is raised at commit: a committer
that holds it must not then wait for a row another committer holds while it waits for the number."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from kits.models import Batch, StockLocation
from kits.services import recall_lot
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_delivery_of_two_lots_and_a_recall_of_one_at_the_same_moment_both_commit(red_liv, venue, coordinator):
    """The recall keeps its lot locked until it commits (it runs inside a longer transaction here)
    while the delivery, at its commit, raises the number and then checks its second lot's key.
    With the lot locked FOR UPDATE the two waited for each other; FOR NO KEY UPDATE (what a
    change of a lot's own columns needs) lets the key check through."""
    place = factories.make_location(red_liv, name="Kit ved caféen", venue=venue, kind=StockLocation.Kind.VENUE)
    first, second = factories.make_batch(), factories.make_batch()
    locked, committing = threading.Event(), threading.Event()
    outcomes = {}

    def delivery_at_its_commit():
        """The recall holds its lot until the delivery has committed or waits for a lock at its commit.

        A fixed half second may be too short on a busy machine: the recall then commits first, the two
        never meet at their commits, and the test passes without testing anything."""
        with connection.cursor() as cursor:
            for _ in range(1000):
                if "delivery" in outcomes:
                    return
                cursor.execute("SELECT pg_stat_clear_snapshot()")  # else one view per transaction
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
                if cursor.fetchone()[0]:
                    return
                time.sleep(0.01)

    def recall():
        try:
            with transaction.atomic():
                recall_lot(
                    user=coordinator,
                    batch=Batch.objects.get(pk=second.pk),
                    recalled_on=timezone.localdate(),
                    reason="Utæt pakning",
                    instructions="Aflever kittet på apoteket.",
                )
                locked.set()
                committing.wait(5)
                delivery_at_its_commit()
            outcomes["recall"] = "stored"
        except Exception as error:  # noqa: BLE001 - the outcome is what the test reads
            outcomes["recall"] = repr(error)
        finally:
            connection.close()

    def delivery():  # two lots received into a place that held none: it now holds kits
        try:
            locked.wait(5)
            with transaction.atomic():
                factories.receive(first, place, 5, coordinator)
                factories.receive(second, place, 5, coordinator)
                committing.set()
            outcomes["delivery"] = "stored"
        except Exception as error:  # noqa: BLE001 - the outcome is what the test reads
            outcomes["delivery"] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=recall), threading.Thread(target=delivery)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == {"recall": "stored", "delivery": "stored"}
