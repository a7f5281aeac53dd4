"""ReversalReport (and its history) now live in `reversals` (see reversals 0003); the tables stay. State only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("kits", "0010_ledger_allows_the_purge_and_keyed_digests"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="reversalreport",
                    name="district",
                ),
                migrations.RemoveField(
                    model_name="reversalreport",
                    name="replacement_handout",
                ),
                migrations.RemoveField(
                    model_name="reversalreport",
                    name="reported_by",
                ),
                migrations.RemoveField(
                    model_name="reversalreport",
                    name="responder_course",
                ),
                migrations.RemoveField(
                    model_name="reversalreport",
                    name="reviewed_by",
                ),
                migrations.DeleteModel(
                    name="HistoricalReversalReport",
                ),
                migrations.DeleteModel(
                    name="ReversalReport",
                ),
            ]
        ),
    ]
