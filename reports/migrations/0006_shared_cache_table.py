"""The table of the cache every app server shares (settings.CACHES["shared"])."""

from django.conf import settings
from django.core.management import call_command
from django.db import migrations


def table():
    return settings.CACHES["shared"]["LOCATION"]


def create(apps, schema_editor):
    call_command("createcachetable", table(), database=schema_editor.connection.alias, verbosity=0)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(table())}")


class Migration(migrations.Migration):
    dependencies = [("reports", "0005_population_per_municipality_and_year")]

    operations = [migrations.RunPython(create, drop)]
