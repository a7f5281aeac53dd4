"""Drop-in hours' updated_at, filled by 0015, is required from now on."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0015_dropin_hours_updated_at"),
    ]

    operations = [
        migrations.AlterField(
            model_name="dropinschedule",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="historicaldropinschedule",
            name="updated_at",
            field=models.DateTimeField(blank=True, editable=False, verbose_name="updated at"),
        ),
    ]
