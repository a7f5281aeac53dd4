"""The finder's index of courses still to end carries their venue and id, so the number of
matches is counted from the index alone (an index-only scan: no table row read)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0010_course_request_phone_is_a_number"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="course",
            name="course_published_planned_end",
        ),
        migrations.AddIndex(
            model_name="course",
            index=models.Index(
                condition=models.Q(("published", True), ("status", "planned")),
                fields=["ends_at"],
                include=("venue", "id"),
                name="course_published_planned_end",
            ),
        ),
    ]
