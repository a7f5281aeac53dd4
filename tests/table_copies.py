"""Copies of the tables' rows, taken once per test worker and put back when a test needs them.

Two states are copied this way:

- **The migrated database** (`migrated`): the content types, permissions, role groups and the
  information pages that migrations and their post_migrate signal leave. A transactional test
  (live server, browser) empties every table when it ends; Django then emits post_migrate again to
  make the content types, permissions and groups anew (0.25 s a test, some 250 such tests a run).
  Putting the copy back gives the same rows with the same ids in a few milliseconds, the
  information pages included, which the signal did not bring back.
- **The Odense demo** (`demo`): `seed_demo` builds fourteen months through the same forms and
  services as the pages (about 7,000 statements, ten seconds); the tests that read its rows
  rather than test the command itself get the copy, made once per worker.
"""

import io
import os
from unittest import mock

from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.test.utils import override_settings

DEMO_PASSWORD = "demo-password-123"


def _tables():
    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))


def take(tables=None):
    """{table: its rows in COPY's text format} for `tables` (every table of the models by default)."""
    copies = {}
    with connection.cursor() as cursor:
        for table in tables or _tables():
            buffer = io.BytesIO()
            cursor.copy_expert(f"COPY {connection.ops.quote_name(table)} TO STDOUT", buffer)
            copies[table] = buffer.getvalue()
    return copies


def migrated():
    """The rows of the tables that are not empty in the migrated database."""
    tables = _tables()
    with connection.cursor() as cursor:
        quote = connection.ops.quote_name
        cursor.execute("SELECT " + ", ".join(f"EXISTS (SELECT FROM {quote(table)})" for table in tables))
        filled = cursor.fetchone()
    return take([table for table, has_rows in zip(tables, filled, strict=True) if has_rows])


def demo():
    """Runs seed_demo in a transaction that is undone, and returns every table's rows as it left them."""
    from finder.models import InfoPage

    with transaction.atomic():
        # A transactional test before this one may have emptied the tables: put back what migrations add.
        if not InfoPage.objects.exists():
            seeding = __import__("finder.migrations.0002_seed_the_four_information_pages", fromlist=["add_pages"])
            seeding.add_pages(apps, None)
        with override_settings(DEBUG=True), mock.patch.dict(os.environ, DEMO_PASSWORD=DEMO_PASSWORD):
            call_command("seed_demo", stdout=io.StringIO())
        copies = take()
        transaction.set_rollback(True)
    return copies


def put_back(copies, emptied=False):
    """The copied tables as they were: emptied and filled again, with the triggers off (the ledger's
    trigger would apply each movement to the stock levels a second time) and their sequences past the
    rows. After a flush (`emptied`), a table that is not empty was filled by the flush's own trigger
    (finder_publicdataversion: a new version, so that nothing cached before is taken as current) and
    keeps what it has."""
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        if emptied:
            tables = list(copies)
            cursor.execute("SELECT " + ", ".join(f"EXISTS (SELECT FROM {quote(table)})" for table in tables))
            filled = cursor.fetchone()
            copies = {table: copies[table] for table, has_rows in zip(tables, filled, strict=True) if not has_rows}
        cursor.execute("SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal")
        triggered = [name for (name,) in cursor.fetchall() if name.strip('"') in copies]
        # ALTER TABLE waits for no deferred check: run the pending ones now, defer those of the copy.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in triggered:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        if not emptied:
            cursor.execute(f"TRUNCATE {', '.join(quote(table) for table in copies)}")
        for table, rows in copies.items():
            if rows:
                cursor.copy_expert(f"COPY {quote(table)} FROM STDIN", io.BytesIO(rows))
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in triggered:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        models = [model for model in apps.get_models(include_auto_created=True) if model._meta.db_table in copies]
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
