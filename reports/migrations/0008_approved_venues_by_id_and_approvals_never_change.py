"""An approval keeps a venue's row by the venue, with the name it had; and an approval never changes.

The month report grouped courses by the venue's name, so renaming a venue renamed the rows of every
month approved before, and each such month then read "changed since the approval: <new name> 0 → 1;
<old name> 1 → 0" with no one having changed an entry. The report now keeps a venue's row by its id
("venue_id:12", reports.figures.Row.key) and an approved month shows it with the name the approval
kept (reports.approval.name_as_approved). The approvals made before keep their rows by name
("venue:<name>"): each is given its venue's id where the name still finds one venue, in the
approval's municipality first; a name no venue has any more stays as it was.

What an approval stated is then held by the database: the municipality, month, action, who and when,
and the figures it kept are never changed, and no approval or reopening is deleted
(monthclosing_kept_as_approved). Only the reason may be blanked, by the retention purge.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION reports_monthclosing_kept_as_approved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR (NEW.municipality_id, NEW.month, NEW.action, NEW.by_id, NEW.at)
            IS DISTINCT FROM (OLD.municipality_id, OLD.month, OLD.action, OLD.by_id, OLD.at)
            OR NEW.figures::jsonb IS DISTINCT FROM OLD.figures::jsonb THEN
        RAISE EXCEPTION 'an approval or reopening of a month is kept as it was made: approve or reopen the month again'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'monthclosing_kept_as_approved',
                  TABLE = 'reports_monthclosing';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER monthclosing_kept_as_approved
    BEFORE UPDATE OR DELETE ON reports_monthclosing
    FOR EACH ROW EXECUTE FUNCTION reports_monthclosing_kept_as_approved();
"""

DROP = """
DROP TRIGGER IF EXISTS monthclosing_kept_as_approved ON reports_monthclosing;
DROP FUNCTION IF EXISTS reports_monthclosing_kept_as_approved();
"""

TABLE = "courses_by_venue"


def venue_ids(apps, schema_editor):
    MonthClosing = apps.get_model("redliv", "MonthClosing")
    Venue = apps.get_model("courses", "Venue")
    ids = {}
    for venue_id, municipality_id, name in Venue.objects.values_list("pk", "municipality_id", "name"):
        ids.setdefault((municipality_id, name), []).append(venue_id)
        ids.setdefault((None, name), []).append(venue_id)
    for approval in MonthClosing.objects.filter(figures__isnull=False):
        tables, labels = approval.figures.get("tables", {}), approval.figures.get("labels", {})
        if TABLE not in tables:
            continue
        renamed = {}
        for row_id in tables[TABLE]:
            name = row_id.removeprefix("venue:") if row_id.startswith("venue:") else ""
            found = ids.get((approval.municipality_id, name)) or ids.get((None, name)) or []
            if name and len(found) == 1:
                renamed[row_id] = f"venue_id:{found[0]}"
        if not renamed:
            continue
        tables[TABLE] = {renamed.get(row_id, row_id): values for row_id, values in tables[TABLE].items()}
        if TABLE in labels:
            labels[TABLE] = {renamed.get(row_id, row_id): label for row_id, label in labels[TABLE].items()}
        MonthClosing.objects.filter(pk=approval.pk).update(figures=approval.figures)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0022_drop_in_hours_may_end_at_midnight"),
        ("redliv", "0010_month_closing_is_of_an_ended_month"),
        ("reports", "0007_published_month"),
    ]

    operations = [
        migrations.RunPython(venue_ids, migrations.RunPython.noop),
        migrations.RunSQL(CREATE, DROP),
    ]
