"""What is in the database, to show that a refused request wrote nothing."""

from django.apps import apps
from django.db import connection

APPS = {"redliv", "courses", "kits", "reversals", "finder", "reports"}
# Rate-limit counters: every post counts, refused or not, by design.
COUNTERS = {"redliv_postcount"}


def table_counts():
    """Every table's row count, in one query. Models with history (simple-history) add a
    history row on every change, so an update shows up here too."""
    tables = sorted(
        {
            model._meta.db_table
            for model in apps.get_models()
            if model._meta.app_label in APPS and not model._meta.proxy and model._meta.managed
        }
        - COUNTERS
    )
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT count(*) FROM {quote(table)})" for table in tables))
        return dict(zip(tables, cursor.fetchone(), strict=False))
