"""First expiry, first out, as a database function: `kits_first_expiring_batch(location, wanted, day)`.

A handout without a chosen lot names this function as its batch (kits.services.FirstExpiringBatch),
so the insert chooses the lot itself. Django compiled the same choice written as a subquery in
1.2 ms, a sixth of a street entry's whole server time; a call with three values compiles at once.
The conditions are the ledger trigger's (migration 0013): not expired on the day, and not within
a recall that has begun and not ended.

The chosen lot's stock row is locked (FOR UPDATE), as the ledger trigger's update would lock it a
moment later: a handout that meets another taking the same lot waits for it, and PostgreSQL then
checks the row again and, if it no longer holds enough, goes on to the next lot. Without the lock,
twelve workers taking the last kit of twelve one-kit lots at once chose the same lot, and those
refused chose again up to five times and were then told there were not enough kits while kits
remained (found by a review helper). Hence VOLATILE: a function that locks may not be STABLE.
"""

from django.db import migrations

FIRST_EXPIRING_BATCH = """
CREATE OR REPLACE FUNCTION kits_first_expiring_batch(location bigint, wanted integer, on_day date)
RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RETURN (
        SELECT batch.id
          FROM kits_batch batch
          JOIN kits_stocklevel level ON level.batch_id = batch.id
         WHERE level.location_id = location
           AND level.quantity >= wanted
           AND batch.expiry_date >= on_day
           AND (batch.recalled_on IS NULL OR batch.recalled_on > on_day OR batch.recall_ended_on <= on_day)
         ORDER BY batch.expiry_date, batch.id
         LIMIT 1
         FOR UPDATE OF level
    );
END;
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("kits", "0013_recall_who_and_its_end")]

    operations = [
        migrations.RunSQL(
            FIRST_EXPIRING_BATCH,
            "DROP FUNCTION kits_first_expiring_batch(bigint, integer, date);",
        )
    ]
