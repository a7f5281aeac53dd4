"""The Odense demo (`seed_demo`), made once per test worker and put back for each test that reads it.

`seed_demo` builds fourteen months through the same forms and services as the pages (about 7,000
statements, ten seconds); the tests that read its rows rather than test the command itself take a
copy of every table as it left them, made once, and put it back in their own transaction.
"""

import io
import os
from unittest import mock

from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.test.utils import override_settings

DEMO_PASSWORD = "demo-password-123"


def _tables():
    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))


def make():
    """Runs seed_demo in a transaction that is undone, and returns every table's rows as it left them."""
    from django.apps import apps

    from finder.models import InfoPage

    copies = {}
    with transaction.atomic():
        # A transactional test before this one may have emptied the tables: put back what migrations add.
        if not InfoPage.objects.exists():
            seeding = __import__("finder.migrations.0002_seed_the_four_information_pages", fromlist=["add_pages"])
            seeding.add_pages(apps, None)
        with override_settings(DEBUG=True), mock.patch.dict(os.environ, DEMO_PASSWORD=DEMO_PASSWORD):
            call_command("seed_demo", stdout=io.StringIO())
        with connection.cursor() as cursor:
            for table in _tables():
                buffer = io.BytesIO()
                cursor.copy_expert(f"COPY {connection.ops.quote_name(table)} TO STDOUT", buffer)
                copies[table] = buffer.getvalue()
        transaction.set_rollback(True)
    return copies


def put_back(copies):
    """Every table as seed_demo left it: emptied and filled again, with the triggers off (the ledger's
    trigger would apply each movement to the stock levels a second time) and the sequences past the rows."""
    from django.apps import apps

    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal")
        triggered = [name for (name,) in cursor.fetchall()]
        # ALTER TABLE waits for no deferred check: run the pending ones now, defer those of the copy.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in triggered:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(f"TRUNCATE {', '.join(quote(table) for table in copies)}")
        for table, rows in copies.items():
            if rows:
                cursor.copy_expert(f"COPY {quote(table)} FROM STDIN", io.BytesIO(rows))
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in triggered:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for statement in connection.ops.sequence_reset_sql(no_style(), apps.get_models(include_auto_created=True)):
            cursor.execute(statement)
