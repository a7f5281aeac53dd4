"""Shared copies are kept gzipped (finder/shared_copy.py). They are copies, worth a minute at
most: the ones there are dropped rather than converted."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("finder", "0005_shared_page_copies"),
    ]

    operations = [
        migrations.RunSQL("DELETE FROM finder_sharedpage", migrations.RunSQL.noop),
        migrations.RemoveField(model_name="sharedpage", name="body"),
        migrations.AddField(
            model_name="sharedpage",
            name="gzipped_body",
            field=models.BinaryField(default=b""),
            preserve_default=False,
        ),
    ]
