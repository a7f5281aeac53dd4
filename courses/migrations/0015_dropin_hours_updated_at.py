"""Drop-in hours keep when they last changed, as a course does: the calendar files' DTSTAMP.

Staged: the column is added empty and filled from the hours' history (the last version's time;
a historical row's own time for that row); 0016 makes it required, in a transaction of its own
(the finder's deferred triggers, finder/0005, hold events from the fill until its commit, and
PostgreSQL alters no table with events pending).
"""

from django.db import migrations, models
from django.utils import timezone


def fill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("UPDATE courses_historicaldropinschedule SET updated_at = history_date")
        cursor.execute(
            """
            UPDATE courses_dropinschedule AS hours
            SET updated_at = COALESCE(
                (SELECT max(history_date) FROM courses_historicaldropinschedule WHERE id = hours.id), %s
            )
            """,
            [timezone.now()],  # hours without a history (none are made so): the time of this migration
        )


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0014_dropin_and_trainer_form_keys_save_once"),
    ]

    operations = [
        migrations.AddField(
            model_name="dropinschedule",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, null=True, verbose_name="updated at"),
        ),
        migrations.AddField(
            model_name="historicaldropinschedule",
            name="updated_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="updated at"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
