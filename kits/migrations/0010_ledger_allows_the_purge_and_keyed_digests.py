from django.db import migrations

from redliv.migration_helpers import key_stored_digests

# The stock ledger stays append-only, with one sanctioned change: the retention purge
# (redliv.purge) blanks a movement's free-text reason and its digest and sets purged_at.
# Every other column must stay as it was; a DELETE is refused as before.
ALLOW_PURGE = """
CREATE OR REPLACE FUNCTION kits_refuse_ledger_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    purgeable CONSTANT text[] := ARRAY['reason', 'payload_digest', 'purged_at'];
BEGIN
    IF TG_OP = 'UPDATE'
       AND NEW.reason = '' AND NEW.payload_digest = '' AND NEW.purged_at IS NOT NULL
       AND (to_jsonb(NEW) - purgeable) = (to_jsonb(OLD) - purgeable) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'stock movements are append-only; record an opposite movement instead'
        USING ERRCODE = 'restrict_violation', CONSTRAINT = 'movement_append_only',
              TABLE = 'kits_stockmovement';
END;
$$;
"""

REFUSE_ALL = """
CREATE OR REPLACE FUNCTION kits_refuse_ledger_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'stock movements are append-only; record an opposite movement instead'
        USING ERRCODE = 'restrict_violation', CONSTRAINT = 'movement_append_only',
              TABLE = 'kits_stockmovement';
END;
$$;
"""

# Keying the digests stored before is a one-time rewrite that the trigger rightly refuses.
PAUSE_LEDGER_GUARD = "ALTER TABLE kits_stockmovement DISABLE TRIGGER kits_stockmovement_append_only"
RESUME_LEDGER_GUARD = "ALTER TABLE kits_stockmovement ENABLE TRIGGER kits_stockmovement_append_only"


class Migration(migrations.Migration):
    dependencies = [("kits", "0009_purge_reasons_and_refuse_identifiers")]

    operations = [
        migrations.RunSQL(ALLOW_PURGE, REFUSE_ALL),
        migrations.RunSQL(PAUSE_LEDGER_GUARD, RESUME_LEDGER_GUARD),
        migrations.RunPython(
            key_stored_digests(
                "kits.StockMovement",
                "kits.HistoricalStockMovement",
                "kits.ReversalReport",
                "kits.HistoricalReversalReport",
            ),
            migrations.RunPython.noop,
        ),
        migrations.RunSQL(RESUME_LEDGER_GUARD, PAUSE_LEDGER_GUARD),
    ]
