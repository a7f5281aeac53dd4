"""Copies of finder pages shared by every app server, and the number that says they are still true.

The triggers raise PublicDataVersion at commit (DEFERRABLE INITIALLY DEFERRED), once per
transaction: raised mid-transaction, the counter row would stay locked while the
transaction went on, and two transactions could wait for each other. A stock level raises
it only when whether it holds kits changes, so street logging does not wait on it for
every kit handed out.
"""

from django.db import migrations, models

# Every table whose rows the finder, its API, widget and feed show or filter by.
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
]

BUMP = """
CREATE FUNCTION finder_public_data_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('finder.public_data_changed_in', true) IS DISTINCT FROM txid_current()::text THEN
        INSERT INTO finder_publicdataversion (id, number) VALUES (1, 1)
            ON CONFLICT (id) DO UPDATE SET number = finder_publicdataversion.number + 1;
        PERFORM set_config('finder.public_data_changed_in', txid_current()::text, true);
    END IF;
    RETURN NULL;
END $$;
"""


def trigger(table, events="INSERT OR UPDATE OR DELETE", when="", name="finder_public_data_changed"):
    return (
        f"CREATE CONSTRAINT TRIGGER {name} AFTER {events} ON {table} "
        f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW {when} EXECUTE FUNCTION finder_public_data_changed();"
    )


CREATE = [
    "INSERT INTO finder_publicdataversion (id, number) VALUES (1, 0);",
    BUMP,
    *(trigger(table) for table in TABLES),
    trigger("kits_stocklevel", "INSERT OR DELETE"),
    # Only when "holds kits" flips: a handout from a bag that still holds some changes nothing shown.
    trigger(
        "kits_stocklevel",
        "UPDATE",
        "WHEN ((OLD.quantity > 0) IS DISTINCT FROM (NEW.quantity > 0))",
        name="finder_public_data_changed_quantity",
    ),
    # TRUNCATE fires no row trigger (a restore, an operator's clean-up): a statement trigger,
    # at once (it cannot wait for the commit; a TRUNCATE is rare enough for that to do no harm).
    *(
        f"CREATE TRIGGER finder_public_data_truncated AFTER TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION finder_public_data_changed();"
        for table in [*TABLES, "kits_stocklevel"]
    ),
]
DROP = [
    *(f"DROP TRIGGER IF EXISTS finder_public_data_changed ON {table};" for table in [*TABLES, "kits_stocklevel"]),
    "DROP TRIGGER IF EXISTS finder_public_data_changed_quantity ON kits_stocklevel;",
    *(f"DROP TRIGGER IF EXISTS finder_public_data_truncated ON {table};" for table in [*TABLES, "kits_stocklevel"]),
    "DROP FUNCTION IF EXISTS finder_public_data_changed();",
]


class Migration(migrations.Migration):
    dependencies = [
        ("finder", "0004_information_page_history"),
        ("courses", "0009_course_request_wishes_fit_the_form"),
        ("kits", "0013_recall_who_and_its_end"),
        ("redliv", "0009_user_may_see_every_municipality"),
    ]

    operations = [
        migrations.CreateModel(
            name="SharedPage",
            fields=[
                ("key", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("generation", models.BigIntegerField()),
                ("valid_until", models.DateTimeField(db_index=True)),
                ("body", models.TextField()),
                ("headers", models.JSONField()),
            ],
        ),
        migrations.CreateModel(
            name="PublicDataVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.BigIntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("id", 1)), name="public_data_version_one_row")
                ],
            },
        ),
        migrations.RunSQL(CREATE, reverse_sql=DROP),
    ]
