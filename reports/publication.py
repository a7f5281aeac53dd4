"""Publishing a month: the public statistics show what a municipality approved, as it was approved.

Approving a month (`approve_and_publish`, the only way to approve one) stores the month's protected
figures as a new version (`PublishedMonth`) in the approval's own transaction, while the month's
entries are held still (`redliv.closing._approve_month`). The public pages read only these versions.

A month approved again after a correction gets a new version only when it cannot be subtracted
from any version published before to find a change of 1 to 4
(`reports.disclosure.revision_problems`); otherwise the public statistics keep the version
before, and the month page says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from courses.models import Venue
from redliv import closing
from redliv.models import MonthClosing
from redliv.months import Month
from reports import disclosure
from reports.approval import kept_settings, latest_version
from reports.figures import municipality_cells
from reports.models import PublishedMonth


@dataclass
class Publication:
    """What an approval did to the public statistics: the version they show, and the problems when it is old."""

    shown: PublishedMonth | None
    withheld: list[str]


def counts_of(municipality, month: Month) -> dict:
    """The month's counts for the municipality, by cell, zeros left out (reports.figures.municipality_cells)."""
    return municipality_cells([month], municipality).get((municipality.pk, month), {})


def venue_names(counts: dict) -> dict:
    """The names of the venues of the month's counts ("venue_id:12"), as they are now: as published (1 query).

    Only venues open to the public have a cell of their own (reports.figures.venue_cell): the others, counted
    together (NOT_PUBLIC_VENUES), are named nowhere in a version."""
    ids = [int(key[len("venue_id:") :]) for key in counts if key.startswith("venue_id:") and key[9:].isdigit()]
    return {f"venue_id:{pk}": name for pk, name in Venue.objects.filter(pk__in=ids).values_list("pk", "name")}


def publish(approval: MonthClosing, counts: dict | None = None) -> Publication:
    """The next version of the approved month, unless its difference from an earlier one would tell 1–4.

    Called in the approval's transaction, which holds the month's entries still; `counts` are the
    month's (`counts_of`), when they have been counted already.
    """
    month = Month.of(approval.month)
    if counts is None:
        counts = counts_of(approval.municipality, month)
    cells = disclosure.protect(counts)
    previous = latest_version(approval.municipality, month)
    # Against every version published before, not only the last: a reader may have kept any of them, and
    # two changes of 5 or more (+6, then -5) can add up to 1.
    earlier = PublishedMonth.objects.filter(municipality=approval.municipality, month=month.first_day)
    problems = sorted(
        {
            problem
            for old_counts, old_cells in earlier.values_list("counts", "cells")
            for problem in disclosure.revision_problems(old_counts, old_cells, counts, cells)
        }
    )
    if problems:
        return Publication(previous, problems)
    version = PublishedMonth.objects.create(
        municipality=approval.municipality,
        month=month.first_day,
        version=previous.version + 1 if previous else 1,
        approval=approval,
        counts=counts,
        cells=cells,
        venue_names=venue_names(counts),
    )
    return Publication(version, [])


@transaction.atomic
def approve_and_publish(user, municipality, month, figures=None, counts=None) -> tuple[MonthClosing, Publication]:
    """Approve the month and publish it, in one transaction: the one way to approve a month.

    redliv.closing._approve_month records the approval, with the settings the month's report shows
    (reports.approval.kept_settings), and holds the month's entries still; it cannot publish (redliv does not
    depend on reports), so nothing else calls it (tests/test_every_approval_is_published.py). `counts` as for
    `publish`.
    """
    approval = closing._approve_month(
        user, municipality, month, figures, settings=lambda: kept_settings(municipality, month)
    )
    return approval, publish(approval, counts)


def public_version_text(municipality, month: Month) -> str:
    """For the month page: which approval the public statistics show, when it is not the latest one."""
    latest, approval = closing.approval_status(municipality, month.first_day)
    if municipality is None or not approval:
        return ""
    shown = latest_version(municipality, month)
    if shown is None or shown.approval_id == latest.pk:
        return ""
    return _(
        "The public statistics still show the figures approved on %(date)s: the difference between those and "
        "these would reveal a count from 1 to 4. A later approval publishes new figures once the difference no "
        "longer would."
    ) % {"date": formats.date_format(timezone.localtime(shown.approval.at), "SHORT_DATETIME_FORMAT")}
