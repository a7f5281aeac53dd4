"""A lot's dates are what a package can say: received from 2000, expiring by 2100. Year 1 or 9999 typed in
the admin or on the delivery form gets a message beside the field, never a 500 and never a stored lot."""

import datetime as dt
import uuid
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from kits.models import Batch
from tests import factories

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = "Vælg en dato fra 1. jan 2000 til 31. dec 2100."


def test_the_admin_refuses_a_lot_received_in_year_1_or_expiring_in_9999(client, administrator):
    client.force_login(administrator)
    data = {
        "kit_type": factories.make_kit_type().pk,
        "product": "Nyxoid 1,8 mg næsespray",
        "lot_number": "NX9999",
        "received_on": "0001-01-01",
        "expiry_date": "9999-12-31",
    }
    response = client.post(reverse("admin:kits_batch_add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["received_on"] == [OUT_OF_RANGE] and errors["expiry_date"] == [OUT_OF_RANGE]
    assert not Batch.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"), [("expiry_date", "2150-01-01"), ("on_date", "1950-03-01")], ids=["expiry", "received"]
)
def test_the_delivery_form_refuses_a_lot_dated_outside_the_range(planner, red_liv, field, value):
    office = factories.make_location(red_liv, name="Kontoret")
    data = {
        "key": str(uuid.uuid4()),
        "location": office.pk,
        "kit_type": factories.make_kit_type().pk,
        "product": "Nyxoid 1,8 mg næsespray",
        "lot_number": "NX2150",
        "expiry_date": "2027-06-01",
        "quantity": "5",
        field: value,
    }
    response = planner.post(reverse("kits:delivery"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [OUT_OF_RANGE]
    assert not Batch.objects.exists()
    assert dt.date.fromisoformat(value)  # a real date: refused for its range, not its form


# A database that held such dates before the constraints


def run(migration, backwards=False):
    """Migration kits.`migration`'s operations on the database, forwards or backwards, in a savepoint as `migrate`
    runs them. Without Django's project state as every migration before it leaves it (2 to 6 s to build at each
    step): the operations are given today's models, whose columns these two migrations do not change."""
    operations = import_module(f"kits.migrations.{migration}").Migration(migration, "kits").operations
    state = SimpleNamespace(apps=django_apps, clear_delayed_apps_cache=lambda: None)
    with connection.schema_editor(atomic=True) as editor:
        for operation in reversed(operations) if backwards else operations:
            run_it = operation.database_backwards if backwards else operation.database_forwards
            run_it("kits", editor, state, state)


RANGES = "0023_batch_dates_within_range"
RECALL_RANGES = "0024_batch_recall_dates_within_range"


def test_the_migrations_adding_the_ranges_stop_on_a_lot_dated_outside_and_name_it():
    """Before, a live database holding a lot received in year 1 (or recalled in year 10000, which Python cannot
    read) failed the deploy with PostgreSQL's bare "check constraint ... is violated by some row", naming no lot.
    Now each migration stops before its constraint with the lots' ids and dates and what to do, changes nothing,
    and goes on once they are corrected. In the test's transaction: the database is as it was afterwards."""
    run(RECALL_RANGES, backwards=True)
    run(RANGES, backwards=True)
    kit_type = factories.make_kit_type()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO kits_batch (kit_type_id, product, lot_number, received_on, expiry_date, recalled_on,"
            " recall_reason, recall_instructions, updated_at) VALUES (%s, 'Nyxoid', 'NX0001', '0001-01-01',"
            " '2027-01-01', '10000-01-01', 'Fejl', 'Aflever kittet', %s) RETURNING id",
            [kit_type.pk, timezone.now()],
        )
        [lot] = cursor.fetchone()
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE waits for no deferred check, as in a deploy

        with pytest.raises(CommandError) as stopped:
            run(RANGES)
        message = str(stopped.value)
        assert "before adding the constraint batch_dates_within_range: 1 lot(s)" in message
        assert f"id {lot}, lot NX0001 (Nyxoid): received_on 0001-01-01\n" in message
        assert "Nothing was changed." in message and "in the admin (Kits › Batches" in message
        cursor.execute("SELECT received_on FROM kits_batch WHERE id = %s", [lot])
        assert cursor.fetchone() == (dt.date(1, 1, 1),)

        cursor.execute("UPDATE kits_batch SET received_on = '2026-01-05' WHERE id = %s", [lot])
        run(RANGES)
        with pytest.raises(CommandError) as stopped:
            run(RECALL_RANGES)
        message = str(stopped.value)
        assert "batch_recall_dates_within_range: 1 lot(s) have a date outside 2000-01-01 to 2100-12-31" in message
        assert f"id {lot}, lot NX0001 (Nyxoid): recalled_on 10000-01-01\n" in message

        cursor.execute("UPDATE kits_batch SET recalled_on = '2026-05-01' WHERE id = %s", [lot])
        run(RECALL_RANGES)
        # The constraints are back: the database refuses the dates again.
        with pytest.raises(IntegrityError, match="batch_dates_within_range"), transaction.atomic():
            cursor.execute("UPDATE kits_batch SET expiry_date = '9999-12-31' WHERE id = %s", [lot])
    assert Batch.objects.get(pk=lot).received_on == dt.date(2026, 1, 5)
