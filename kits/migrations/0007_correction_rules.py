"""Corrections undo their original and nothing else, enforced by the database.

A correction (`corrects` set) is an adjustment or a transfer back (CHECK). The
ledger trigger now also locks the original row, so that two corrections of one
movement are serialised, and refuses a correction of a correction, one of
another batch or not the mirror image of the original's locations, and one that
would bring the corrections of a movement above its quantity. Each refusal names
a constraint that the services turn into a message for the person at the screen.
"""

from django.conf import settings
from django.db import migrations, models

# The function of migration 0003, with the correction rules in front.
CORRECTING = """
CREATE OR REPLACE FUNCTION kits_apply_stock_movement() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    batch_expiry date;
    original kits_stockmovement%ROWTYPE;
    corrected bigint;
BEGIN
    IF NEW.corrects_id IS NOT NULL THEN
        SELECT * INTO original FROM kits_stockmovement WHERE id = NEW.corrects_id FOR UPDATE;
        IF original.corrects_id IS NOT NULL THEN
            RAISE EXCEPTION 'movement % is itself a correction', NEW.corrects_id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'movement_corrects_an_original',
                      TABLE = 'kits_stockmovement';
        END IF;
        IF NEW.batch_id <> original.batch_id
           OR NEW.to_location_id IS DISTINCT FROM original.from_location_id
           OR NEW.from_location_id IS DISTINCT FROM original.to_location_id THEN
            RAISE EXCEPTION 'a correction of movement % must move its batch back between its locations',
                NEW.corrects_id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'movement_correction_mirrors_original',
                      TABLE = 'kits_stockmovement';
        END IF;
        -- The row lock above makes a concurrent correction wait; this reads what it committed.
        SELECT sum(quantity) INTO corrected FROM kits_stockmovement WHERE corrects_id = NEW.corrects_id;
        IF corrected > original.quantity THEN
            RAISE EXCEPTION 'movement % moved % kits; its corrections would undo %',
                NEW.corrects_id, original.quantity, corrected
                USING ERRCODE = 'check_violation', CONSTRAINT = 'movement_corrections_within_original',
                      TABLE = 'kits_stockmovement';
        END IF;
    END IF;
    IF NEW.kind = 'handout' THEN
        SELECT expiry_date INTO batch_expiry FROM kits_batch WHERE id = NEW.batch_id;
        IF (NEW.occurred_at AT TIME ZONE 'Europe/Copenhagen')::date > batch_expiry THEN
            RAISE EXCEPTION 'batch % expired on %', NEW.batch_id, batch_expiry
                USING ERRCODE = 'check_violation', CONSTRAINT = 'handout_batch_not_expired',
                      TABLE = 'kits_stockmovement';
        END IF;
    END IF;
    IF NEW.to_location_id IS NOT NULL THEN
        INSERT INTO kits_stocklevel (location_id, batch_id, quantity)
        VALUES (NEW.to_location_id, NEW.batch_id, NEW.quantity)
        ON CONFLICT (location_id, batch_id)
        DO UPDATE SET quantity = kits_stocklevel.quantity + EXCLUDED.quantity;
    END IF;
    IF NEW.from_location_id IS NOT NULL THEN
        UPDATE kits_stocklevel SET quantity = quantity - NEW.quantity
        WHERE location_id = NEW.from_location_id AND batch_id = NEW.batch_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'location % holds no kits of batch %', NEW.from_location_id, NEW.batch_id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'stocklevel_quantity_non_negative',
                      TABLE = 'kits_stocklevel';
        END IF;
    END IF;
    RETURN NULL;
END;
$$;
"""

# The function exactly as migration 0003 created it.
PREVIOUS = """
CREATE OR REPLACE FUNCTION kits_apply_stock_movement() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    batch_expiry date;
BEGIN
    IF NEW.kind = 'handout' THEN
        SELECT expiry_date INTO batch_expiry FROM kits_batch WHERE id = NEW.batch_id;
        IF (NEW.occurred_at AT TIME ZONE 'Europe/Copenhagen')::date > batch_expiry THEN
            RAISE EXCEPTION 'batch % expired on %', NEW.batch_id, batch_expiry
                USING ERRCODE = 'check_violation', CONSTRAINT = 'handout_batch_not_expired',
                      TABLE = 'kits_stockmovement';
        END IF;
    END IF;
    IF NEW.to_location_id IS NOT NULL THEN
        INSERT INTO kits_stocklevel (location_id, batch_id, quantity)
        VALUES (NEW.to_location_id, NEW.batch_id, NEW.quantity)
        ON CONFLICT (location_id, batch_id)
        DO UPDATE SET quantity = kits_stocklevel.quantity + EXCLUDED.quantity;
    END IF;
    IF NEW.from_location_id IS NOT NULL THEN
        UPDATE kits_stocklevel SET quantity = quantity - NEW.quantity
        WHERE location_id = NEW.from_location_id AND batch_id = NEW.batch_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'location % holds no kits of batch %', NEW.from_location_id, NEW.batch_id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'stocklevel_quantity_non_negative',
                      TABLE = 'kits_stocklevel';
        END IF;
    END IF;
    RETURN NULL;
END;
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0005_course_cancelled_at"),
        ("kits", "0006_movement_indexes_for_reports"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="stockmovement",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("corrects__isnull", True), ("kind__in", ["adjustment", "transfer"]), _connector="OR"
                ),
                name="movement_correction_is_adjustment_or_transfer",
            ),
        ),
        migrations.RunSQL(CORRECTING, PREVIOUS),
    ]
