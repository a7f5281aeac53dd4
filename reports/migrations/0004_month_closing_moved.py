"""MonthClosing now lives in `redliv` (see redliv 0006); its table stays. State only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_monthclosing_reason_purge"),
        ("redliv", "0007_month_closing_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name="MonthClosing",
                ),
            ]
        ),
    ]
