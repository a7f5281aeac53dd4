"""The public statistics' versions of each municipality's month, made when it is approved.

The database holds the rules about the rows: a version belongs to an approval of the same
municipality and month and follows the one before it (publishedmonth_follows_its_approval), and a
version, once published, is never changed or deleted (publishedmonth_never_changes).

Months approved before this migration get their first version from the figures their latest
approval kept (MonthClosing.figures): the public statistics show them as they were approved.
"""

import django.db.models.deletion
from django.db import migrations, models

from reports import disclosure

CREATE = """
CREATE OR REPLACE FUNCTION reports_publishedmonth_follows_its_approval() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM reports_monthclosing AS approval
        WHERE approval.id = NEW.approval_id AND approval.action = 'approved'
          AND approval.municipality_id = NEW.municipality_id AND approval.month = NEW.month
    ) THEN
        RAISE EXCEPTION 'a published month belongs to an approval of the same municipality and month'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'publishedmonth_follows_its_approval',
                  TABLE = 'reports_publishedmonth';
    END IF;
    IF NEW.version <> 1 + COALESCE((
        SELECT max(version) FROM reports_publishedmonth
        WHERE municipality_id = NEW.municipality_id AND month = NEW.month
    ), 0) THEN
        RAISE EXCEPTION 'version % of a published month does not follow the one before it', NEW.version
            USING ERRCODE = 'check_violation', CONSTRAINT = 'publishedmonth_follows_its_approval',
                  TABLE = 'reports_publishedmonth';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER publishedmonth_follows_its_approval
    BEFORE INSERT ON reports_publishedmonth
    FOR EACH ROW EXECUTE FUNCTION reports_publishedmonth_follows_its_approval();

CREATE OR REPLACE FUNCTION reports_publishedmonth_never_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a published month is never changed: approve the month again for a new version'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'publishedmonth_never_changes',
              TABLE = 'reports_publishedmonth';
END;
$$;

CREATE TRIGGER publishedmonth_never_changes
    BEFORE UPDATE OR DELETE ON reports_publishedmonth
    FOR EACH ROW EXECUTE FUNCTION reports_publishedmonth_never_changes();
"""

DROP = """
DROP TRIGGER IF EXISTS publishedmonth_never_changes ON reports_publishedmonth;
DROP FUNCTION IF EXISTS reports_publishedmonth_never_changes();
DROP TRIGGER IF EXISTS publishedmonth_follows_its_approval ON reports_publishedmonth;
DROP FUNCTION IF EXISTS reports_publishedmonth_follows_its_approval();
"""

# Tables of the kept figures that are not the month's own counts: the trend's first column is a year
# before, and the rows without a cell (shares, stock, rates, the target) have ids "#…".
NOT_COUNTS = {"trend", "municipalities"}
RESTS = {"not_called_112": "called_112", "no_ambulance": "ambulance", "responder_not_trained": "responder_trained"}


def counts_kept(figures: dict) -> dict:
    """The month's counts by cell (reports.figures.municipality_cells), from the tables an approval kept."""
    counts = {}
    for table, rows in figures.get("tables", {}).items():
        if table in NOT_COUNTS:
            continue
        for cell, values in rows.items():
            value = values[0] if values else 0
            if cell.startswith("#") or cell == "repeat" or not isinstance(value, int) or not value:
                continue
            counts[cell] = value
    for rest, part in RESTS.items():
        if counts.get("reports", 0) - counts.get(part, 0):
            counts[rest] = counts.get("reports", 0) - counts.get(part, 0)
    return counts


def first_versions(apps, schema_editor):
    MonthClosing = apps.get_model("redliv", "MonthClosing")
    PublishedMonth = apps.get_model("reports", "PublishedMonth")
    latest = {}
    for approval in MonthClosing.objects.filter(action="approved", figures__isnull=False).order_by("at", "id"):
        latest[(approval.municipality_id, approval.month)] = approval
    for (municipality_id, month), approval in sorted(latest.items()):
        counts = counts_kept(approval.figures)
        version = PublishedMonth.objects.create(
            municipality_id=municipality_id,
            month=month,
            version=1,
            approval=approval,
            counts=counts,
            cells=disclosure.protect(counts),
        )
        PublishedMonth.objects.filter(pk=version.pk).update(published_at=approval.at)


class Migration(migrations.Migration):
    dependencies = [
        ("redliv", "0010_month_closing_is_of_an_ended_month"),
        ("reports", "0006_shared_cache_table"),
    ]

    operations = [
        migrations.CreateModel(
            name="PublishedMonth",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("month", models.DateField(help_text="The first day of the month.", verbose_name="month")),
                ("version", models.PositiveIntegerField(verbose_name="version")),
                ("counts", models.JSONField(editable=False, verbose_name="counts")),
                ("cells", models.JSONField(editable=False, verbose_name="published figures")),
                ("published_at", models.DateTimeField(auto_now_add=True, verbose_name="published at")),
                (
                    "approval",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="publication",
                        to="redliv.monthclosing",
                        verbose_name="approval",
                    ),
                ),
                (
                    "municipality",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="published_months",
                        to="redliv.municipality",
                        verbose_name="municipality",
                    ),
                ),
            ],
            options={
                "verbose_name": "published month",
                "verbose_name_plural": "published months",
                "ordering": ["municipality", "month", "-version"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("municipality", "month", "version"), name="publishedmonth_one_per_version"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("version__gte", 1)), name="publishedmonth_version_positive"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("month__day", 1)), name="publishedmonth_month_is_first_day"
                    ),
                ],
            },
        ),
        migrations.RunPython(first_versions, migrations.RunPython.noop),
        migrations.RunSQL(CREATE, DROP),
    ]
