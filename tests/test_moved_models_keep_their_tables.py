"""ReversalReport (kits → reversals) and MonthClosing (reports → redliv) moved without touching the database.

The migrations change Django's idea of where the models live, not the tables: rows
written before the move are read after it, and the content types (so the permissions
the roles hold, and the admin history) follow the models instead of being made anew.
"""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [
    ("redliv", "0006_user_oversee_entries_permission"),
    ("reports", "0003_monthclosing_reason_purge"),
    ("kits", "0010_ledger_allows_the_purge_and_keyed_digests"),
    ("reversals", "0002_one_rate_limit_for_public_forms"),
]
# The migrations that move the two models, each a SeparateDatabaseAndState.
MOVES = [
    ("kits", "0011_reversal_report_moved"),
    ("redliv", "0007_month_closing_moved"),
    ("reports", "0004_month_closing_moved"),
    ("reversals", "0003_reversal_report_moved"),
]


@pytest.fixture
def empty_database(transactional_db):
    """A database of its own, with no table: migrating forward from nothing to before the moves is quicker
    than taking the test database back (and leaves that one as it was)."""
    original = connection.settings_dict["NAME"]
    scratch = f"{original}_moves"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {scratch}")
        cursor.execute(f"CREATE DATABASE {scratch}")
    connection.close()
    connection.settings_dict["NAME"] = scratch
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {scratch}")


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.long(seconds=5)
def test_rows_and_permissions_written_before_the_move_are_found_after_it(empty_database):
    old = migrate(BEFORE)
    ContentType = old.get_model("contenttypes", "ContentType")
    Permission = old.get_model("auth", "Permission")
    ContentType.objects.filter(app_label__in=["reversals", "redliv"], model__contains="reversalreport").delete()
    ContentType.objects.filter(app_label="redliv", model="monthclosing").delete()
    report_type, _ = ContentType.objects.get_or_create(app_label="kits", model="reversalreport")
    closing_type, _ = ContentType.objects.get_or_create(app_label="reports", model="monthclosing")
    add_report, _ = Permission.objects.get_or_create(
        content_type=report_type, codename="add_reversalreport", defaults={"name": "Can add"}
    )
    municipality = old.get_model("redliv", "Municipality").objects.create(name="Odense", code=461)
    district = old.get_model("redliv", "District").objects.create(municipality=municipality, name="Centrum")
    user = old.get_model("redliv", "User").objects.create(username="koordinator")
    report = old.get_model("kits", "ReversalReport").objects.create(
        occurred_at=timezone.make_aware(dt.datetime(2026, 3, 2, 22, 0)),
        district=district,
        source="public",
        substances=["heroin"],
        naloxone_doses=2,
        called_112=True,
        ambulance_arrived=True,
        first_aid_given=True,
        stayed_until_help=True,
        outcome="recovered",
        responder_trained="yes",
    )
    closing = old.get_model("reports", "MonthClosing").objects.create(
        municipality=municipality, month=dt.date(2026, 3, 1), action="approved", by=user
    )

    new = migrate(MOVES)  # not on to the latest: what follows the moves is every other test's database

    assert new.get_model("reversals", "ReversalReport").objects.get(pk=report.pk).naloxone_doses == 2
    assert new.get_model("redliv", "MonthClosing").objects.get(pk=closing.pk).action == "approved"
    ContentType = new.get_model("contenttypes", "ContentType")
    assert ContentType.objects.get(pk=report_type.pk).app_label == "reversals"
    assert ContentType.objects.get(pk=closing_type.pk).app_label == "redliv"
    assert new.get_model("auth", "Permission").objects.get(pk=add_report.pk).content_type_id == report_type.pk
