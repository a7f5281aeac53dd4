"""Trainers keep when they were last saved, as courses and drop-in hours do: a save from a form shown
before that (another tab) is refused (`services_planning.refuse_a_later_change`).

Trainers have no history to read a time from: the rows there are get the time of this migration
(Django's default for a new auto_now column, worked out in Python, not by the database).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0016_dropin_hours_updated_at_required"),
    ]

    operations = [
        migrations.AddField(
            model_name="trainer",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
    ]
