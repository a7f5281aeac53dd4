"""A municipality's population has a version.

A save from an admin form shown before the row's last change (another tab, another person) is refused
instead of silently undoing that change (redliv.admin.VersionChecked, as for venues and trainers).

The rows there are get the time of this migration as their `updated_at` (Django's default for a new auto_now
column, worked out in Python, not by the database); their history rows the same.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0010_published_venues_by_id"),
    ]

    operations = [
        migrations.AddField(
            model_name="population",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
    ]
