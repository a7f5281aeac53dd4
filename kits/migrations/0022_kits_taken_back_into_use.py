"""Kits taken back into use out of a location for return or destruction: with a reason, never while recalled.

Usable kits could be moved from the return box back to an ordinary location and handed out from there. That is
right after a recall has ended, or for kits put there by mistake, but it silently undid the return box for
damaged kits. Now (kits.services.transfer_kits, correct_movement) only a coordinator or an administrator
(`kits.take_back_into_use`) takes kits back into use, with a written reason, which the ledger keeps with who did
it; kits of a lot still under recall never leave the return box for an ordinary location. The ledger trigger
refuses a transfer (a correction too) from a location for return into an ordinary one without a reason
(transfer_back_into_use_has_reason) or of a lot recalled on its date (recalled_kits_stay_for_return).
Transfers between two locations for return (the office's box to the pharmacy) stay free.
"""

from importlib import import_module

from django.db import migrations

# The ledger function as migration 0021 left it, for the way back.
ARRIVALS_LOCK_THE_LOCATION = import_module(
    "kits.migrations.0021_return_location_kept_while_holding_kits"
).ARRIVALS_LOCK_THE_LOCATION

TAKEN_BACK_INTO_USE = """
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
    -- Kits set aside for return or destruction (expired, recalled, damaged) taken back into use, into an
    -- ordinary location where they may be handed out: with a written reason, which the ledger keeps beside who
    -- did it, and never while their lot is recalled. A correction too: a transfer into the return box moved
    -- back takes its kits back into use as well (migration 0022).
    IF NEW.kind = 'transfer' THEN
        SELECT for_return INTO source_for_return FROM kits_stocklocation WHERE id = NEW.from_location_id;
        IF source_for_return AND NOT target_for_return THEN
            IF btrim(NEW.reason) = '' THEN
                RAISE EXCEPTION 'kits of batch % leave location % (for return) without a reason',
                    NEW.batch_id, NEW.from_location_id
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'transfer_back_into_use_has_reason',
                          TABLE = 'kits_stockmovement';
            END IF;
            SELECT recalled_on, recall_ended_on INTO batch_recalled, batch_recall_ended
              FROM kits_batch WHERE id = NEW.batch_id;
            IF on_day >= batch_recalled AND (batch_recall_ended IS NULL OR on_day < batch_recall_ended) THEN
                RAISE EXCEPTION 'batch % was recalled on %; its kits stay in location % (for return)',
                    NEW.batch_id, batch_recalled, NEW.from_location_id
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'recalled_kits_stay_for_return',
                          TABLE = 'kits_stockmovement';
            END IF;
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


class Migration(migrations.Migration):
    dependencies = [("kits", "0021_return_location_kept_while_holding_kits")]

    operations = [
        migrations.AlterModelOptions(
            name="stockmovement",
            options={
                "ordering": ["-occurred_at", "-id"],
                "permissions": [
                    ("take_back_into_use", "Can take kits out of a location for return or destruction back into use"),
                ],
                "verbose_name": "stock movement",
                "verbose_name_plural": "stock movements",
            },
        ),
        migrations.RunSQL(TAKEN_BACK_INTO_USE, ARRIVALS_LOCK_THE_LOCATION),
    ]
