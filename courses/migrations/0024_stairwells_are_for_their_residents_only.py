"""Stairwells are a kind of venue for their residents only, as shelters are, enforced by the database.

A secondary audience of RED LIV is the residents of a stairwell where people who use drugs live. A coordinator
who named such a venue after its address ("Opgang Vollsmose Allé 12") and left it open to the public published
that address on the finder, its API, feed and widget, and in the published figures: where drug users live.

The existing venues that are evidently stairwells, by the word in their name or address ("opgang", as in
"trappeopgang"; "stairwell"), become that kind, residents only: nothing held there is shown to the public from
now on, and the publication counts them in "Other places (not public)", past published months too
(reports.figures._published_venues). No other venue is guessed at, and no name is changed; their courses and
drop-in hours keep their rows, off the finder with the venue (finder.listing.PUBLIC_VENUE).
"""

from django.db import migrations, models
from django.db.models import Q
from django.utils import timezone

STAIRWELL_WORDS = ("opgang", "stairwell")


def stairwells_named_so_are_residents_only(apps, schema_editor):
    """The venues named after a stairwell (not a shelter, not online): kind stairwell, not open to the public."""
    Venue = apps.get_model("courses", "Venue")
    named = Q()
    for word in STAIRWELL_WORDS:
        named |= Q(name__icontains=word) | Q(address__icontains=word)
    # A form shown before this cannot put it back: its save is refused as from a stale tab (updated_at).
    Venue.objects.filter(named).exclude(kind__in=["shelter", "online"]).update(
        kind="stairwell", open_to_public=False, updated_at=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0023_trainer_of_a_held_course_is_kept"),
        ("redliv", "0011_month_closing_keeps_names_and_settings"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="venue",
            name="venue_shelter_is_residents_only",
        ),
        migrations.AlterField(
            model_name="venue",
            name="kind",
            field=models.CharField(
                choices=[
                    ("premises", "Premises"),
                    ("clinic", "Clinic"),
                    ("treatment_centre", "Treatment centre"),
                    ("shelter", "Shelter (residents only)"),
                    ("stairwell", "Stairwell (residents only)"),
                    ("street_stand", "Street stand"),
                    ("online", "Online"),
                ],
                help_text="Shelters and stairwells are for their residents only: never shown in the public finder, and never named in the published figures.",
                max_length=20,
                verbose_name="kind",
            ),
        ),
        migrations.RunPython(stairwells_named_so_are_residents_only, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="venue",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind__in", ("shelter", "stairwell")), _negated=True),
                    ("open_to_public", False),
                    _connector="OR",
                ),
                name="venue_residents_only_kinds_are_not_public",
                violation_error_message="A shelter or a stairwell is for its residents only: untick “open to the public”, or choose another kind.",
            ),
        ),
    ]
