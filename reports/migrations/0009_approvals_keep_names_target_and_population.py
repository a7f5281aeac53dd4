"""An approval keeps what its month's page showed besides the figures, and the database keeps it as made.

An approved month's page and exports followed the present in four things: the training target and the
residents behind "kits per 100,000 residents" (settings, so no change of the month, but the month then read
as approved with a target or a population it never had), the municipality's name, and the name of who
approved it. An approval now keeps them (redliv 0011; redliv.closing._approve_month,
reports.approval.kept_settings) and an approved month shows them from it (reports.approval.as_approved).

The approvals made before kept none of them, and what they were then is not recorded anywhere but for the
approver: each is given the best available.
- The approver's name (and a reopener's): as their user row stood at the approval, from the users' change
  history; today's name where that history has no row from before the approval.
- The municipality's name: today's (municipalities keep no history).
- The training target and the population: today's, worked out for the approval's month as the report does
  (reports.figures.residents_in_columns). A target or population changed between such an approval and this
  migration is not known; these approvals read as they did the day before it.

monthclosing_kept_as_approved then protects the new fields as it protects the others.
"""

from django.db import migrations

KEPT = """
CREATE OR REPLACE FUNCTION reports_monthclosing_kept_as_approved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR (NEW.municipality_id, NEW.month, NEW.action, NEW.by_id, NEW.at,
                            NEW.municipality_name, NEW.by_name, NEW.target_people, NEW.target_audience)
            IS DISTINCT FROM (OLD.municipality_id, OLD.month, OLD.action, OLD.by_id, OLD.at,
                              OLD.municipality_name, OLD.by_name, OLD.target_people, OLD.target_audience)
            OR NEW.figures::jsonb IS DISTINCT FROM OLD.figures::jsonb
            OR NEW.population::jsonb IS DISTINCT FROM OLD.population::jsonb THEN
        RAISE EXCEPTION 'an approval or reopening of a month is kept as it was made: approve or reopen the month again'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'monthclosing_kept_as_approved',
                  TABLE = 'reports_monthclosing';
    END IF;
    RETURN NEW;
END;
$$;
"""

# As reports 0008 made it.
KEPT_BEFORE = """
CREATE OR REPLACE FUNCTION reports_monthclosing_kept_as_approved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR (NEW.municipality_id, NEW.month, NEW.action, NEW.by_id, NEW.at)
            IS DISTINCT FROM (OLD.municipality_id, OLD.month, OLD.action, OLD.by_id, OLD.at)
            OR NEW.figures::jsonb IS DISTINCT FROM OLD.figures::jsonb THEN
        RAISE EXCEPTION 'an approval or reopening of a month is kept as it was made: approve or reopen the month again'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'monthclosing_kept_as_approved',
                  TABLE = 'reports_monthclosing';
    END IF;
    RETURN NEW;
END;
$$;
"""


def _name(user) -> str:
    """As redliv.closing.name_of: the full name, else the username."""
    return f"{user.first_name} {user.last_name}".strip() or user.username


def _columns(month) -> list[int]:
    """The year of each column of the month's report: the month, the month before, the same month last year."""
    before = month.year - 1 if month.month == 1 else month.year
    return [month.year, before, month.year - 1]


def fill(apps, schema_editor):
    MonthClosing = apps.get_model("redliv", "MonthClosing")
    HistoricalUser = apps.get_model("redliv", "HistoricalUser")
    TrainingTarget = apps.get_model("reports", "TrainingTarget")
    Population = apps.get_model("reports", "Population")
    targets = {target.municipality_id: target for target in TrainingTarget.objects.all()}
    populations = {}
    for population in Population.objects.order_by("year"):
        populations.setdefault(population.municipality_id, []).append(population)
    for closing in MonthClosing.objects.select_related("municipality", "by"):
        then = (
            HistoricalUser.objects.filter(id=closing.by_id, history_date__lte=closing.at)
            .order_by("-history_date", "-history_id")
            .first()
        )
        values = {"municipality_name": closing.municipality.name, "by_name": _name(then or closing.by)}
        if closing.action == "approved":
            target = targets.get(closing.municipality_id)
            values["target_people"] = target.people if target else None
            values["target_audience"] = target.audience if target else ""
            entered = populations.get(closing.municipality_id)
            if entered:
                used = [([p for p in entered if p.year <= year] or entered[:1])[-1] for year in _columns(closing.month)]
                values["population"] = {
                    "residents": [population.residents for population in used],
                    "year": used[0].year,
                    "source": used[0].source,
                }
        MonthClosing.objects.filter(pk=closing.pk).update(**values)


class Migration(migrations.Migration):
    dependencies = [
        ("redliv", "0011_month_closing_keeps_names_and_settings"),
        ("reports", "0008_approved_venues_by_id_and_approvals_never_change"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunSQL(KEPT, KEPT_BEFORE),
    ]
