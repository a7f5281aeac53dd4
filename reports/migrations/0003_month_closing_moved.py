"""MonthClosing now lives in `redliv` (see redliv 0006); its table stays. State only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_month_closing_action_and_target_people"),
        ("redliv", "0006_month_closing_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="MonthClosing")]),
    ]
