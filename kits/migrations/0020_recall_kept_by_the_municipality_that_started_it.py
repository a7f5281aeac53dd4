"""A recall keeps the municipality that started it (`Batch.recalled_in`).

Who may change or end an active recall was read from the municipality of the coordinator who started it as
that coordinator's organisation is today (redliv.roles.may_change_recall): a coordinator moved to another
municipality's organisation took their recalls with them, and the municipality that started them could no
longer end them. Each recall recorded so far is given its starter's municipality as it is now (the best
there is; nothing older was kept).
"""

import django.db.models.deletion
from django.db import migrations, models


def recalled_in(apps, schema_editor):
    Batch = apps.get_model("kits", "Batch")
    for batch in Batch.objects.filter(recalled_by__isnull=False).select_related("recalled_by__organisation"):
        organisation = batch.recalled_by.organisation
        if organisation is not None and organisation.municipality_id is not None:
            Batch.objects.filter(pk=batch.pk).update(recalled_in=organisation.municipality_id)


class Migration(migrations.Migration):
    dependencies = [
        ("kits", "0019_stock_location_keeps_its_municipality"),
        ("redliv", "0010_month_closing_is_of_an_ended_month"),
    ]

    operations = [
        migrations.AddField(
            model_name="batch",
            name="recalled_in",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="redliv.municipality",
                verbose_name="recalled in",
            ),
        ),
        migrations.AddField(
            model_name="historicalbatch",
            name="recalled_in",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="redliv.municipality",
                verbose_name="recalled in",
            ),
        ),
        migrations.RunPython(recalled_in, migrations.RunPython.noop),
    ]
