"""Venues are made and changed on the coordinator's pages: once per form (`form_key`), and a save from a
form shown before the venue's last change (another tab) is refused (`updated_at`), as for a trainer.

The venues there are get the time of this migration as their `updated_at` (Django's default for a new
auto_now column, worked out in Python, not by the database).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0020_venue_district_in_venue_municipality"),
    ]

    operations = [
        migrations.AddField(
            model_name="venue",
            name="form_key",
            field=models.UUIDField(blank=True, editable=False, null=True, unique=True, verbose_name="form key"),
        ),
        migrations.AddField(
            model_name="venue",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
    ]
