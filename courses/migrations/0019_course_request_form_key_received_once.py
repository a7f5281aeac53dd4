"""A course request remembers the key its public form was shown with: sent twice, it is stored once."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0018_course_trainer_in_course_municipality"),
    ]

    operations = [
        migrations.AddField(
            model_name="courserequest",
            name="form_key",
            field=models.UUIDField(blank=True, editable=False, null=True, unique=True, verbose_name="form key"),
        ),
        migrations.AddField(
            model_name="historicalcourserequest",
            name="form_key",
            field=models.UUIDField(blank=True, db_index=True, editable=False, null=True, verbose_name="form key"),
        ),
    ]
