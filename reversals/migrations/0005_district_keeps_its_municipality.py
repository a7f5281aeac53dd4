"""A district with venues or overdose-reversal reports stays in its municipality, enforced by the database.

A report counts in its district's municipality (reports.figures.counting_reports). The admin let an
administrator move a district to another municipality: its reports left the months that municipality
had approved, and joined the other's, with no reason asked and none shown; its venues then lay in a
district of another municipality (venue_district_in_venue_municipality only checks a venue's own
writes). `District.clean` says so in the admin; this trigger refuses it written any other way, naming
the constraint district_keeps_its_municipality. A district with neither may still be moved (made in
the wrong municipality by mistake).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION redliv_district_keeps_its_municipality() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.municipality_id <> OLD.municipality_id AND (
        EXISTS (SELECT 1 FROM kits_reversalreport WHERE district_id = OLD.id)
        OR EXISTS (SELECT 1 FROM courses_venue WHERE district_id = OLD.id)
    ) THEN
        RAISE EXCEPTION 'district % has venues or reversal reports counted in municipality %', OLD.id, OLD.municipality_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'district_keeps_its_municipality',
                  TABLE = 'redliv_district';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER district_keeps_its_municipality
    BEFORE UPDATE OF municipality_id ON redliv_district
    FOR EACH ROW EXECUTE FUNCTION redliv_district_keeps_its_municipality();
"""

DROP = """
DROP TRIGGER IF EXISTS district_keeps_its_municipality ON redliv_district;
DROP FUNCTION IF EXISTS redliv_district_keeps_its_municipality();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("reversals", "0004_optional_answers_of_the_public_form"),
        ("courses", "0022_drop_in_hours_may_end_at_midnight"),
    ]

    operations = [migrations.RunSQL(CREATE, DROP)]
