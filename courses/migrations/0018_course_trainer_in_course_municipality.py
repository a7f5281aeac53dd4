"""A trainer put on a course belongs to the course's municipality, enforced by the database.

A trainer belongs to their organisation's municipality (`TrainerQuerySet`): there their coordinator
sees them, their courses and their totals. An administrator, offered every municipality's trainers on
the course form, could put another municipality's on a course. The coordinator's form says so
(`services_planning.refuse_trainers_elsewhere`); this trigger refuses a link written any other way,
naming the constraint course_trainer_in_course_municipality. Links made before are left as they are.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION courses_course_trainer_in_course_municipality() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1
        FROM courses_course AS course
        JOIN courses_trainer AS trainer ON trainer.id = NEW.trainer_id
        JOIN redliv_organisation AS organisation ON organisation.id = trainer.organisation_id
        WHERE course.id = NEW.course_id AND organisation.municipality_id = course.municipality_id
    ) THEN
        RAISE EXCEPTION 'trainer % belongs to another municipality than course %', NEW.trainer_id, NEW.course_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'course_trainer_in_course_municipality',
                  TABLE = 'courses_course_trainers';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER course_trainer_in_course_municipality
    BEFORE INSERT OR UPDATE ON courses_course_trainers
    FOR EACH ROW EXECUTE FUNCTION courses_course_trainer_in_course_municipality();
"""

DROP = """
DROP TRIGGER IF EXISTS course_trainer_in_course_municipality ON courses_course_trainers;
DROP FUNCTION IF EXISTS courses_course_trainer_in_course_municipality();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0017_trainer_updated_at"),
        ("redliv", "0001_initial"),
    ]

    operations = [migrations.RunSQL(CREATE, DROP)]
