"""Drop-in hours may end at 00:00, which is midnight at the end of their day ("20:00–00:00"): the time
column holds no 24:00, and only 23:59 was accepted. Hours that start at 00:00 still cannot end then.
"""

import datetime
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0021_venue_form_key_and_updated_at"),
        ("redliv", "0010_month_closing_is_of_an_ended_month"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="dropinschedule",
            name="dropin_ends_after_start",
        ),
        migrations.AddConstraint(
            model_name="dropinschedule",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("ends_at__gt", models.F("starts_at")),
                    models.Q(("ends_at", datetime.time(0, 0)), ("starts_at__gt", datetime.time(0, 0))),
                    _connector="OR",
                ),
                name="dropin_ends_after_start",
            ),
        ),
    ]
