"""A published version keeps a venue's count by the venue, with the name it was published with.

The public statistics' versions of a month (PublishedMonth) kept courses by venue under the venue's name
("venue:Stand på Rådhuspladsen"): a venue renamed after publication was a new row in the next version, the
publication file then had the venue twice (its old name in the months published before, its new one after),
and a venue given another's old name took over that one's history. A version now keeps a venue's count by
its id ("venue_id:12", reports.figures.municipality_cells) and its name as published (`venue_names`,
reports.publication.venue_names); the file names each venue once, as the latest of its months published it
(as reports 0008 did for the approvals).

The versions published before are given the venue's id where the name still finds one venue, in the
version's municipality first, with that name as the name published; online courses ("venue:") are
"venue_id:". A name no venue has any more, or that two venues share, stays as it was ("venue:<name>"):
reports.disclosure protects and reports.figures shows those cells as before.

A version is never changed (publishedmonth_never_changes): this migration alone sets the trigger aside
while it renames the cells, which changes no count and no published figure.
"""

from django.db import migrations, models

PREFIX = "venue:"


def _renamed(cells: dict, renamed: dict) -> dict:
    return {renamed.get(key, key): value for key, value in cells.items()}


def venue_ids(apps, schema_editor):
    PublishedMonth = apps.get_model("reports", "PublishedMonth")
    Venue = apps.get_model("courses", "Venue")
    ids = {}
    for venue_id, municipality_id, name in Venue.objects.values_list("pk", "municipality_id", "name"):
        ids.setdefault((municipality_id, name), []).append(venue_id)
        ids.setdefault((None, name), []).append(venue_id)
    updates = []
    for version in PublishedMonth.objects.all():
        renamed, names = {}, {}
        for key in {*version.counts, *version.cells}:
            if not key.startswith(PREFIX):
                continue
            name = key.removeprefix(PREFIX)
            if not name:
                renamed[key] = "venue_id:"
                continue
            found = ids.get((version.municipality_id, name)) or ids.get((None, name)) or []
            if len(found) == 1:
                renamed[key] = f"venue_id:{found[0]}"
                names[renamed[key]] = name
        if renamed:
            updates.append((version.pk, _renamed(version.counts, renamed), _renamed(version.cells, renamed), names))
    if not updates:
        return
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    schema_editor.execute("ALTER TABLE reports_publishedmonth DISABLE TRIGGER publishedmonth_never_changes")
    for pk, counts, cells, names in updates:
        PublishedMonth.objects.filter(pk=pk).update(counts=counts, cells=cells, venue_names=names)
    schema_editor.execute("ALTER TABLE reports_publishedmonth ENABLE TRIGGER publishedmonth_never_changes")


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0023_trainer_of_a_held_course_is_kept"),
        ("reports", "0009_approvals_keep_names_target_and_population"),
    ]

    operations = [
        migrations.AddField(
            model_name="publishedmonth",
            name="venue_names",
            field=models.JSONField(blank=True, default=dict, editable=False, verbose_name="venue names as published"),
        ),
        migrations.RunPython(venue_ids, migrations.RunPython.noop),
    ]
