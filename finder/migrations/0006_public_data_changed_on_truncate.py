"""TRUNCATE fires no row triggers: a table emptied at once (a restore, an operator's clean-up)
raises the finder's number too, at once (a statement trigger cannot wait for the commit; a
TRUNCATE is rare enough that holding the number's row to the end does no harm)."""

from django.db import migrations

# The tables of finder/0005, as they were then (a migration does not follow later code).
TABLES = [
    "courses_course",
    "courses_dropinschedule",
    "courses_dropinexception",
    "courses_venue",
    "redliv_district",
    "redliv_municipality",
    "redliv_organisation",
    "kits_batch",
    "kits_stocklocation",
    "finder_infopage",
    "kits_stocklevel",
]

CREATE = [
    f"CREATE TRIGGER finder_public_data_truncated AFTER TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION finder_public_data_changed();"
    for table in TABLES
]
DROP = [f"DROP TRIGGER IF EXISTS finder_public_data_truncated ON {table};" for table in TABLES]


class Migration(migrations.Migration):
    dependencies = [("finder", "0005_shared_page_copies")]

    operations = [migrations.RunSQL(CREATE, reverse_sql=DROP)]
