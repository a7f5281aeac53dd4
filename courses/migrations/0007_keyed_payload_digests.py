from django.db import migrations

from redliv.migration_helpers import key_stored_digests


class Migration(migrations.Migration):
    """Attendances' payload digests become keyed (HMAC): a plain hash let a purged note be guessed."""

    dependencies = [("courses", "0006_purge_contact_data_and_refuse_identifiers")]

    operations = [
        migrations.RunPython(
            key_stored_digests("courses.Attendance", "courses.HistoricalAttendance"), migrations.RunPython.noop
        ),
    ]
