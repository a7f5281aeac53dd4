"""A stock location whose kits have moved stays in its municipality, enforced by the database.

Kits handed out count in the municipality of the location they left, and a month's stock is that of
its municipality's locations (reports.figures.handouts, stock_table). The admin let an administrator
move a location to another municipality: its whole ledger went with it, out of the months its
municipality had approved ("Kits handed out 9 → 0") and into the other's. Kits that go elsewhere are
moved (a transfer), and the ledger says when. `StockLocation.clean` says so in the admin; this trigger
refuses it written any other way, naming the constraint stocklocation_keeps_its_municipality. A
location no kit has moved in or out of may still be moved (made in the wrong municipality by mistake).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION kits_stocklocation_keeps_its_municipality() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.municipality_id <> OLD.municipality_id AND EXISTS (
        SELECT 1 FROM kits_stockmovement WHERE from_location_id = OLD.id OR to_location_id = OLD.id
    ) THEN
        RAISE EXCEPTION 'stock location % has movements counted in municipality %', OLD.id, OLD.municipality_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'stocklocation_keeps_its_municipality',
                  TABLE = 'kits_stocklocation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER stocklocation_keeps_its_municipality
    BEFORE UPDATE OF municipality_id ON kits_stocklocation
    FOR EACH ROW EXECUTE FUNCTION kits_stocklocation_keeps_its_municipality();
"""

DROP = """
DROP TRIGGER IF EXISTS stocklocation_keeps_its_municipality ON kits_stocklocation;
DROP FUNCTION IF EXISTS kits_stocklocation_keeps_its_municipality();
"""


class Migration(migrations.Migration):
    dependencies = [("kits", "0018_recall_permissions")]

    operations = [migrations.RunSQL(CREATE, DROP)]
