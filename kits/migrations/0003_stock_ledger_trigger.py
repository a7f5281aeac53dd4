"""The database keeps stock, so that no bug in Python and no race between requests can
make it negative.

Every inserted movement adds to or takes from `kits_stocklevel` in the same
statement; its CHECK (quantity >= 0) then refuses the movement that would overdraw a
location. Row locks on the stock level serialise concurrent handouts. The trigger
also refuses a handout from an expired batch (dates in Copenhagen time) and keeps
the ledger append-only.
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION kits_apply_stock_movement() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER kits_stockmovement_apply
AFTER INSERT ON kits_stockmovement
FOR EACH ROW EXECUTE FUNCTION kits_apply_stock_movement();

CREATE FUNCTION kits_refuse_ledger_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'stock movements are append-only; record an opposite movement instead'
        USING ERRCODE = 'restrict_violation', CONSTRAINT = 'movement_append_only',
              TABLE = 'kits_stockmovement';
END;
$$;

CREATE TRIGGER kits_stockmovement_append_only
BEFORE UPDATE OR DELETE ON kits_stockmovement
FOR EACH ROW EXECUTE FUNCTION kits_refuse_ledger_change();
"""

DROP = """
DROP TRIGGER IF EXISTS kits_stockmovement_append_only ON kits_stockmovement;
DROP FUNCTION IF EXISTS kits_refuse_ledger_change();
DROP TRIGGER IF EXISTS kits_stockmovement_apply ON kits_stockmovement;
DROP FUNCTION IF EXISTS kits_apply_stock_movement();
"""


class Migration(migrations.Migration):
    dependencies = [("kits", "0002_initial")]

    operations = [migrations.RunSQL(CREATE, DROP)]
