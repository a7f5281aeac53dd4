"""A venue's district lies in the venue's municipality, enforced by the database.

The finder's district filter lists a venue under its district's municipality: an Odense venue put in
Aarhus's "Centrum" was listed under Aarhus. The venue form says so (`Venue.clean`); this trigger
refuses a venue written any other way, naming the constraint venue_district_in_venue_municipality.
Venues written before are left as they are.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION courses_venue_district_in_venue_municipality() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.district_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM redliv_district AS district
        WHERE district.id = NEW.district_id AND district.municipality_id = NEW.municipality_id
    ) THEN
        RAISE EXCEPTION 'district % lies in another municipality than venue %', NEW.district_id, NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'venue_district_in_venue_municipality',
                  TABLE = 'courses_venue';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER venue_district_in_venue_municipality
    BEFORE INSERT OR UPDATE OF district_id, municipality_id ON courses_venue
    FOR EACH ROW EXECUTE FUNCTION courses_venue_district_in_venue_municipality();
"""

DROP = """
DROP TRIGGER IF EXISTS venue_district_in_venue_municipality ON courses_venue;
DROP FUNCTION IF EXISTS courses_venue_district_in_venue_municipality();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0019_course_request_form_key_received_once"),
        ("redliv", "0001_initial"),
    ]

    operations = [migrations.RunSQL(CREATE, DROP)]
