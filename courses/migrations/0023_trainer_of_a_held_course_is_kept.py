"""A trainer who taught a held course is kept, enforced by the database.

A month's "Trainers active" counts the trainers of its held courses (reports.figures.monthly_totals).
Deleting a trainer in the admin took them off every course they taught: each month they taught in
counted one trainer fewer, approved months too, with no reason asked and none shown. The admin
refuses it (courses.admin.TrainerAdmin names the held courses; deactivate the trainer instead, and
blank their name and contact if they asked to be forgotten). This trigger refuses it written any
other way, naming the constraint trainer_of_a_held_course_is_kept.

Django deletes the links to the courses before the trainer, so the check waits for the end of the
transaction: a link gone whose trainer is gone too, from a course with an entry that is not withdrawn.
A trainer taken off a course on the course form (the trainer stays) is a correction of the course,
which asks a coordinator's reason in an approved month (courses.services_planning.check_closed_months).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION courses_trainer_of_a_held_course_is_kept() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM courses_trainer WHERE id = OLD.trainer_id) AND EXISTS (
        SELECT 1 FROM courses_attendance WHERE course_id = OLD.course_id AND withdrawn_at IS NULL
    ) THEN
        RAISE EXCEPTION 'trainer % taught held course %: deactivate the trainer instead', OLD.trainer_id, OLD.course_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'trainer_of_a_held_course_is_kept',
                  TABLE = 'courses_course_trainers';
    END IF;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER trainer_of_a_held_course_is_kept
    AFTER DELETE ON courses_course_trainers
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION courses_trainer_of_a_held_course_is_kept();
"""

DROP = """
DROP TRIGGER IF EXISTS trainer_of_a_held_course_is_kept ON courses_course_trainers;
DROP FUNCTION IF EXISTS courses_trainer_of_a_held_course_is_kept();
"""


class Migration(migrations.Migration):
    dependencies = [("courses", "0022_drop_in_hours_may_end_at_midnight")]

    operations = [migrations.RunSQL(CREATE, DROP)]
