"""Kit types, lots and stock locations have a version.

A save from an admin form shown before the row's last change (another tab, another person) is refused
instead of silently undoing that change (redliv.admin.VersionChecked, as for venues and trainers).

The rows there are get the time of this migration as their `updated_at` (Django's default for a new auto_now
column, worked out in Python, not by the database); their history rows the same.
"""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("kits", "0024_batch_recall_dates_within_range"),
    ]

    operations = [
        migrations.AddField(
            model_name="batch",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AddField(
            model_name="historicalbatch",
            name="updated_at",
            field=models.DateTimeField(
                blank=True, default=django.utils.timezone.now, editable=False, verbose_name="updated at"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="kittype",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AddField(
            model_name="stocklocation",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
    ]
