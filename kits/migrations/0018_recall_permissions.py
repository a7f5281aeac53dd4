"""Who may recall a lot, and who may change or end its recall (redliv.roles).

`recall_batch`: coordinators and administrators start a recall of a lot their municipality has held.
`change_every_recall`: administrators change or end any recall; coordinators only the recalls started in
their municipality (`roles.may_change_recall`). The recall pages no longer ask for `change_batch`.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("kits", "0017_no_handout_from_return_locations"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="batch",
            options={
                "ordering": ["expiry_date", "lot_number"],
                "permissions": [
                    ("recall_batch", "Can recall a lot"),
                    ("change_every_recall", "Can change or end the recall of any lot"),
                ],
                "verbose_name": "batch",
                "verbose_name_plural": "batches",
            },
        ),
    ]
