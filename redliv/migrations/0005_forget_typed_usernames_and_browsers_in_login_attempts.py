"""django-axes kept the username as typed (a typo can be a real name or a CPR number) and the
browser's User-Agent. From now on it stores a keyed hash of the username and no User-Agent
(redliv.security.username_digest, AxesHandler); the records kept so far are deleted. They
only hold failed logins of the last minutes, so at most a running lockout is lifted."""

from django.db import migrations


def delete_login_attempts(apps, schema_editor):
    for name in ("AccessAttempt", "AccessFailureLog", "AccessLog"):
        apps.get_model("axes", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("redliv", "0004_district_postcodes_four_digits"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(delete_login_attempts, migrations.RunPython.noop)]
