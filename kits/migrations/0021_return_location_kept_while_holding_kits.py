"""A location for return or destruction stays one while it holds kits, enforced by the database.

Such a location (the pharmacy's return box) holds kits set aside: expired, recalled, or damaged kits of a good
lot. An administrator (the admin) or a coordinator (the stock targets page) could untick "for return or
destruction" while kits were in it; from then on the ledger took handouts from it, and the damaged kits and
the kits of a lot whose recall had ended could reach people. `StockLocation.clean` refuses it with a message
that counts the kits; this trigger refuses it written any other way, naming the constraint
stocklocation_for_return_kept_while_holding_kits. Ticking it, and unticking it on an empty location, stay free.

A movement that brings kits into a location now locks the location's row (FOR SHARE) where the ledger trigger
reads its for_return: a location unticked at the same moment waits for the movement, and then counts its kits.
"""

from importlib import import_module

from django.db import migrations

# The ledger function as migration 0017 left it, for the way back.
NO_HANDOUT_FROM_RETURN_LOCATIONS = import_module(
    "kits.migrations.0017_no_handout_from_return_locations"
).NO_HANDOUT_FROM_RETURN_LOCATIONS

ARRIVALS_LOCK_THE_LOCATION = """
CREATE OR REPLACE FUNCTION kits_apply_stock_movement() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    batch_expiry date;
    batch_recalled date;
    batch_recall_ended date;
    target_for_return boolean;
    source_for_return boolean;
    on_day date := (NEW.occurred_at AT TIME ZONE 'Europe/Copenhagen')::date;
    original kits_stockmovement%ROWTYPE;
    corrected bigint;
    latest_before timestamptz;
    level_now integer;
    lowest bigint;
BEGIN
    IF NEW.to_location_id IS NOT NULL THEN
        -- Kits arrive here: the row lock holds the location's for_return until this movement commits, so that
        -- a location for return or destruction is not made an ordinary one in between (the trigger of
        -- kits_stocklocation counts the kits it holds, this movement's among them, after the lock).
        SELECT for_return INTO target_for_return FROM kits_stocklocation WHERE id = NEW.to_location_id FOR SHARE;
    END IF;
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
        -- Kits set aside for return or destruction (expired, recalled, damaged) never reach a person,
        -- whatever their lot says today: a recall ended since, or a kit put there because it was damaged.
        SELECT for_return INTO source_for_return FROM kits_stocklocation WHERE id = NEW.from_location_id;
        IF source_for_return THEN
            RAISE EXCEPTION 'location % is for return or destruction; no kit is handed out from it',
                NEW.from_location_id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'handout_not_from_return_location',
                      TABLE = 'kits_stockmovement';
        END IF;
        SELECT expiry_date, recalled_on, recall_ended_on INTO batch_expiry, batch_recalled, batch_recall_ended
          FROM kits_batch WHERE id = NEW.batch_id;
        IF on_day > batch_expiry THEN
            RAISE EXCEPTION 'batch % expired on %', NEW.batch_id, batch_expiry
                USING ERRCODE = 'check_violation', CONSTRAINT = 'handout_batch_not_expired',
                      TABLE = 'kits_stockmovement';
        END IF;
        IF on_day >= batch_recalled AND (batch_recall_ended IS NULL OR on_day < batch_recall_ended) THEN
            RAISE EXCEPTION 'batch % was recalled on %', NEW.batch_id, batch_recalled
                USING ERRCODE = 'check_violation', CONSTRAINT = 'handout_batch_not_recalled',
                      TABLE = 'kits_stockmovement';
        END IF;
    END IF;
    -- Expired or recalled kits travel only towards return or destruction. A correction
    -- (a transfer moved back) is exempt: it undoes a mistake, checked above.
    IF NEW.kind = 'transfer' AND NEW.corrects_id IS NULL THEN
        SELECT expiry_date, recalled_on, recall_ended_on INTO batch_expiry, batch_recalled, batch_recall_ended
          FROM kits_batch WHERE id = NEW.batch_id;
        IF NOT target_for_return AND on_day >= batch_recalled
           AND (batch_recall_ended IS NULL OR on_day < batch_recall_ended) THEN
            RAISE EXCEPTION 'batch % was recalled on %; move it only for return', NEW.batch_id, batch_recalled
                USING ERRCODE = 'check_violation', CONSTRAINT = 'transfer_recalled_only_for_return',
                      TABLE = 'kits_stockmovement';
        END IF;
        IF NOT target_for_return AND on_day > batch_expiry THEN
            RAISE EXCEPTION 'batch % expired on %; move it only for return', NEW.batch_id, batch_expiry
                USING ERRCODE = 'check_violation', CONSTRAINT = 'transfer_expired_only_for_return',
                      TABLE = 'kits_stockmovement';
        END IF;
    END IF;
    IF NEW.to_location_id IS NOT NULL THEN
        INSERT INTO kits_stocklevel (location_id, batch_id, quantity, last_movement_at)
        VALUES (NEW.to_location_id, NEW.batch_id, NEW.quantity, NEW.occurred_at)
        ON CONFLICT (location_id, batch_id)
        DO UPDATE SET quantity = kits_stocklevel.quantity + EXCLUDED.quantity,
                      last_movement_at = GREATEST(kits_stocklevel.last_movement_at, EXCLUDED.last_movement_at);
    END IF;
    IF NEW.from_location_id IS NOT NULL THEN
        -- The row lock serialises every movement of this batch here; what they committed is read after it.
        SELECT last_movement_at INTO latest_before FROM kits_stocklevel
         WHERE location_id = NEW.from_location_id AND batch_id = NEW.batch_id FOR NO KEY UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'location % holds no kits of batch %', NEW.from_location_id, NEW.batch_id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'stocklevel_quantity_non_negative',
                      TABLE = 'kits_stocklevel';
        END IF;
        UPDATE kits_stocklevel SET quantity = quantity - NEW.quantity,
                                   last_movement_at = GREATEST(last_movement_at, NEW.occurred_at)
         WHERE location_id = NEW.from_location_id AND batch_id = NEW.batch_id
        RETURNING quantity INTO level_now;
        -- Dated on a day before later movements here: the stock at the end of each day from this one
        -- on is the level as it stands less what came in (plus what went out) on the days after it.
        -- None may be below zero. Days, not instants: the times people give are not exact (a street
        -- handout logged at 09:55 from kits whose transfer into the bag was entered at 10:00).
        -- Not for a handout sent late from a tablet that was offline: it records kits that were given to
        -- someone; if the ledger had too few in the bag that day, a transfer was entered late, and refusing
        -- the handout would lose what happened (today's stock is still never below zero). A handout given a
        -- date on the office form (dated_at_office) is a stock form's effective date, checked like the rest.
        IF (NEW.kind <> 'handout' OR NEW.dated_at_office)
           AND (latest_before AT TIME ZONE 'Europe/Copenhagen')::date > on_day THEN
            SELECT min(after) INTO lowest FROM (
                SELECT level_now - COALESCE(sum(day_net) OVER (
                           ORDER BY day DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS after
                  FROM (SELECT (m.occurred_at AT TIME ZONE 'Europe/Copenhagen')::date AS day,
                               sum(CASE WHEN m.to_location_id = NEW.from_location_id
                                        THEN m.quantity ELSE -m.quantity END) AS day_net
                          FROM kits_stockmovement m
                         WHERE m.batch_id = NEW.batch_id
                           AND (m.from_location_id = NEW.from_location_id
                                OR m.to_location_id = NEW.from_location_id)
                           AND (m.occurred_at AT TIME ZONE 'Europe/Copenhagen')::date >= on_day
                         GROUP BY 1) days) levels;
            IF lowest < 0 THEN
                RAISE EXCEPTION 'dated %, movement % would leave location % with % kits of batch % at the end of a day',
                    NEW.occurred_at, NEW.id, NEW.from_location_id, lowest, NEW.batch_id
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'stock_non_negative_on_every_date',
                          TABLE = 'kits_stockmovement';
            END IF;
        END IF;
    END IF;
    RETURN NULL;
END;
$$;
"""

CREATE = """
CREATE OR REPLACE FUNCTION kits_stocklocation_for_return_kept_while_holding_kits() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    held bigint;
BEGIN
    IF OLD.for_return AND NOT NEW.for_return THEN
        SELECT COALESCE(sum(quantity), 0) INTO held FROM kits_stocklevel WHERE location_id = OLD.id;
        IF held > 0 THEN
            RAISE EXCEPTION 'stock location % is for return or destruction and holds % kits', OLD.id, held
                USING ERRCODE = 'check_violation', CONSTRAINT = 'stocklocation_for_return_kept_while_holding_kits',
                      TABLE = 'kits_stocklocation';
        END IF;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER stocklocation_for_return_kept_while_holding_kits
    BEFORE UPDATE OF for_return ON kits_stocklocation
    FOR EACH ROW EXECUTE FUNCTION kits_stocklocation_for_return_kept_while_holding_kits();
"""

DROP = """
DROP TRIGGER IF EXISTS stocklocation_for_return_kept_while_holding_kits ON kits_stocklocation;
DROP FUNCTION IF EXISTS kits_stocklocation_for_return_kept_while_holding_kits();
"""


class Migration(migrations.Migration):
    dependencies = [("kits", "0020_recall_kept_by_the_municipality_that_started_it")]

    operations = [
        migrations.RunSQL(CREATE, DROP),
        migrations.RunSQL(ARRIVALS_LOCK_THE_LOCATION, NO_HANDOUT_FROM_RETURN_LOCATIONS),
    ]
