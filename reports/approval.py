"""The figures of an approved month: kept at approval, compared with today's, and what changed.

An approval keeps the month's report (every table, the three columns) in
`MonthClosing.figures`. When an entry dated in the month is later corrected by a
coordinator with a reason, the page and every export say what changed ("Participants
85 → 86"), when, by whom and why, and offer to approve the month again. The
municipality's export shows the approved figures unless the coordinator asks for the
current ones.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from courses.models import Attendance, Course
from kits.models import Batch, StockMovement
from redliv import closing as closing_rules
from redliv.models import MonthClosing, Municipality, name_of
from redliv.months import Month
from reports.figures import (
    MonthReport,
    Row,
    Table,
    add_movements,
    add_target,
    audience_since_the_start,
    compared_months,
    month_report,
    partial_note,
    per_residents,
    population_text,
    rate_row,
    residents_in_columns,
    stock_note,
)
from reports.formatting import coverage_text, figure_text
from reports.models import Population, PublishedMonth, TrainingTarget
from reversals.models import ReversalReport

LEFT_OUT = {"venues_not_logged", "trainers_not_logged"}  # lists of what is missing today, not figures
# Rows worked out from counts that are compared themselves: a share of a total, and kits per 100,000
# residents, which also follows the population an administrator enters once a year (often after the
# year's first months were approved with last year's). Their counts changing is what is reported.
DERIVED = {"share", "rate"}


def _row_id(index: int, row: Row) -> str:
    return row.key or row.cell or f"#{index}"


# The training target's rows, which follow from a setting (Row.setting): the third row of
# "trained" on. Approvals made before they were left out kept them under these ids.
TARGET_ROWS_KEPT_BEFORE = {"trained": {"#2", "#3", "#4"}}


def _kept_rows(table_key: str, kept: dict) -> dict:
    """The rows an approval kept, without the target's rows an older approval kept with them."""
    skipped = TARGET_ROWS_KEPT_BEFORE.get(table_key, set())
    return {row_id: values for row_id, values in kept.items() if row_id not in skipped}


def _figures(table) -> dict:
    """The table's rows by id, without those that follow a setting rather than the month's entries."""
    return {_row_id(i, row): row for i, row in enumerate(table.rows) if not row.setting}


def snapshot(report: MonthReport) -> dict:
    """The report's figures, by table and row, as JSON: what an approval keeps.

    The training target is a setting, not a figure of the month: setting or changing it
    later does not make an approved month "changed since the approval".
    """
    tables, labels = {}, {}
    for table in report.tables:
        if table.key in LEFT_OUT:
            continue
        rows = _figures(table)
        tables[table.key] = {row_id: list(row.values) for row_id, row in rows.items()}
        labels[table.key] = {row_id: row.label for row_id, row in rows.items()}
    return {"tables": tables, "labels": labels}


def figures_digest(figures: dict) -> str:
    """The figures an approval would keep, as a digest the month page sends with its approve button.

    By table and row id, not by label: the labels follow the page's language.
    """
    return hashlib.sha256(json.dumps(figures["tables"], sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class Change:
    label: str
    before: object
    after: object


@dataclass
class Correction:
    at: object
    by: str
    reason: str


def changes(figures: dict | None, report: MonthReport) -> list[Change]:
    """Every count of the month (first column) that differs from the approved one, each figure once."""
    if not figures:
        return []
    found, seen = [], set()
    for table in report.tables:
        kept = figures["tables"].get(table.key)
        if kept is None or table.key == "trend":
            continue
        kept, current = _kept_rows(table.key, kept), _figures(table)
        for row_id in [*current, *[row_id for row_id in kept if row_id not in current]]:
            row = current.get(row_id)
            if row is not None and row.kind in DERIVED:
                continue
            before = kept.get(row_id, [0])[0]
            after = row.values[0] if row is not None else 0
            key = row_id if not row_id.startswith("#") else (table.key, row_id)
            if before != after and key not in seen:
                seen.add(key)
                label = row.label if row is not None else figures["labels"][table.key][row_id]
                found.append(Change(label, before, after))
    return found


def corrections_since(closing: MonthClosing) -> list[Correction]:
    """Who changed an entry dated in the month after it was approved, when, and the reason they gave."""
    month = Month.of(closing.month)
    start, end = month.start, month.end
    # A course moved out of the month is found by any of its versions dated in it.
    courses = Course.history.filter(
        municipality=closing.municipality_id, starts_at__gte=start, starts_at__lt=end
    ).values("id")
    histories = [
        Course.history.filter(id__in=courses),
        Attendance.history.filter(
            course__municipality=closing.municipality_id, course__starts_at__gte=start, course__starts_at__lt=end
        ),
        ReversalReport.history.filter(
            district__municipality=closing.municipality_id, occurred_at__gte=start, occurred_at__lt=end
        ),
        # Deliveries have no from_location: a movement into the municipality changes its stock as well. The stock
        # at the month's end is every movement dated (its effective date, not when it was entered) before it: a
        # movement entered since and dated in an earlier month (a count or a discard dated back, with a reason)
        # changes this month's closing stock too, and is named with it. One dated after the month changes nothing
        # here (a correction of a movement is dated when it is made, kits.services.correct_movement).
        StockMovement.history.filter(
            Q(from_location__municipality=closing.municipality_id)
            | Q(to_location__municipality=closing.municipality_id),
            Q(occurred_at__gte=start) | Q(history_type="+"),
            occurred_at__lt=end,
        ),
    ]
    found = []
    for history in histories:
        for record in history.filter(history_date__gt=closing.at).select_related("history_user"):
            user = record.history_user
            reason = (
                record.history_change_reason
                or getattr(record, "reason", "")
                or getattr(record, "cancellation_reason", "")
                or ""
            )
            found.append(Correction(record.history_date, name_of(user) if user else "", reason))
    # A lot's expiry date corrected (in the admin) moves its kits in or out of the month's "have expired" and
    # "expire within" stock: of the lots the municipality held by the month's end.
    held = StockMovement.objects.filter(
        Q(from_location__municipality=closing.municipality_id) | Q(to_location__municipality=closing.municipality_id),
        occurred_at__lt=end,
    ).values("batch")
    for record in Batch.history.filter(id__in=held, history_date__gt=closing.at, history_type="~").select_related(
        "history_user"
    ):
        before = record.prev_record
        if before is not None and before.expiry_date != record.expiry_date:
            user = record.history_user
            found.append(
                Correction(
                    record.history_date,
                    name_of(user) if user else "",
                    record.history_change_reason or "",
                )
            )
    # Kits put back from a handout of the month are new movements that correct it.
    for movement in StockMovement.objects.filter(
        corrects__from_location__municipality=closing.municipality_id,
        corrects__occurred_at__gte=start,
        corrects__occurred_at__lt=end,
        recorded_at__gt=closing.at,
    ).select_related("recorded_by"):
        user = movement.recorded_by
        found.append(Correction(movement.recorded_at, name_of(user), movement.reason))
    unique = {(c.at.replace(microsecond=0), c.by, c.reason): c for c in found}
    return sorted(unique.values(), key=lambda c: c.at)


def change_text(found: list[Change], corrections: list[Correction]) -> str:
    """'Participants 85 → 86; corrected 02.12.2026 by carla, reason: paper form found'."""
    parts = [f"{change.label} {figure_text(change.before)} → {figure_text(change.after)}" for change in found]
    for correction in corrections:
        parts.append(
            _("corrected %(date)s by %(name)s, reason: %(reason)s")
            % {
                "date": formats.date_format(timezone.localtime(correction.at), "SHORT_DATE_FORMAT"),
                "name": correction.by,
                "reason": correction.reason or "–",
            }
        )
    return "; ".join(parts)


def approved_report(figures: dict, report: MonthReport) -> MonthReport:
    """The report with the approved figures in place of today's (rows gone since come back)."""
    approved = copy.deepcopy(report)
    for table in approved.tables:
        kept = figures["tables"].get(table.key)
        if kept is None:
            continue
        # The target's rows stay as they are: the target today, and its progress.
        kept, current = _kept_rows(table.key, kept), _figures(table)
        for row_id, row in current.items():
            if row_id in kept:
                row.values = list(kept[row_id])
            else:
                row.values = [0 if isinstance(v, int) else v for v in row.values]
        for row_id, values in kept.items():
            if row_id not in current:
                table.rows.insert(-1 if table.rows else 0, Row(figures["labels"][table.key][row_id], list(values)))
        if table.key == "stock":  # today's kits put back across the month's end are not the approved figures
            table.note = stock_note()
    # Kits per 100,000 residents follow the population an administrator enters (DERIVED): the approved kits
    # divided by the residents the table's note names, as in a month whose figures have not changed.
    kits = approved.table("summary").row_by_cell("kits")
    for table in approved.tables:
        for row in table.rows:
            if row.kind == "rate" and row.municipality_id == getattr(report.municipality, "pk", None):
                row.values = [
                    per_residents(count, residents) for count, residents in zip(kits, row.residents, strict=True)
                ]
    return approved


@dataclass
class ApprovalState:
    """What the page and the exports say about the month's approval and its figures."""

    closing: MonthClosing | None
    approval: str
    changes: list[Change]
    corrections: list[Correction]

    @property
    def changed(self) -> bool:
        return bool(self.approval and self.changes)

    @property
    def text(self) -> str:
        return change_text(self.changes, self.corrections) if self.changed else ""


def name_as_approved(figures: dict, report: MonthReport) -> None:
    """Give the report's named rows (a venue's, Row.key) the names the approval kept for them.

    A venue renamed after its month was approved is the same venue: the approved month reads as it
    was approved, on the page and in every export, current figures or approved ones. The month's
    next approval keeps the new name.
    """
    kept = {key: label for labels in figures["labels"].values() for key, label in labels.items()}
    for table in report.tables:  # the venues with nothing logged too: one venue, one name on the page
        for row in table.rows:
            if row.key and row.key in kept:
                row.label = kept[row.key]


def kept_settings(municipality, month) -> dict:
    """What an approval keeps of the settings the month's report shows, as MonthClosing's fields (2 queries):
    the training target, and the residents its kits per 100,000 residents are divided by."""
    month = Month.of(month)
    target = TrainingTarget.objects.filter(municipality=municipality).first()
    entered = list(Population.objects.filter(municipality=municipality))
    population = None
    if entered:
        residents, used = residents_in_columns(entered, compared_months(month))
        population = {"residents": residents, "year": used.year, "source": used.source}
    return {
        "target_people": target.people if target else None,
        "target_audience": target.audience if target else "",
        "population": population,
    }


def as_approved(closing: MonthClosing, report: MonthReport) -> None:
    """Show the report of an approved month with what the approval kept besides its figures: the municipality's
    name, the training target and the population, as they were when it was approved (0 queries; 1 when the
    target then had another audience group than the one set now). A publication (which shows no target) with
    those of the approval it shows.

    They are settings, not figures of the month: changing one since is no change of the month (`changes`),
    and the next approval keeps them as they are then.
    """
    if closing.municipality_name:
        report.municipality_name = closing.municipality_name
    name = report.scope_label
    for index, table in enumerate(report.tables):
        if table.key == "trained" and not report.publication:
            report.tables[index] = _target_as_approved(closing, report, table)
    # Where the report has the table (after the kits handed out by audience group), or would have it.
    keys = [table.key for table in report.tables]
    place = keys.index("kits_by_audience") + 1
    if "kits_per_residents" in keys:
        del report.tables[place]
    if closing.population:
        kept, summary = closing.population, report.table("summary")
        table = Table("kits_per_residents", _("Kits handed out per 100,000 residents"), summary.columns)
        table.months = summary.months
        table.rows.append(rate_row(name, report.municipality.pk, summary.row_by_cell("kits"), kept["residents"]))
        table.note = population_text(name, kept["residents"][0], kept["year"], kept["source"])
        report.tables.insert(place, table)


def _target_as_approved(closing: MonthClosing, report: MonthReport, table: Table) -> Table:
    """The "trained" table with the target the approval kept (none, when it kept none)."""
    current = [row for row in table.rows if row.setting]
    approved = Table(table.key, table.title, table.columns, [row for row in table.rows if not row.setting])
    approved.months = table.months
    if closing.target_people:
        audience = closing.target_audience
        progress = None
        if audience:
            # The participants of the audience group, counted already when the target set now has the same group.
            today = getattr(report.municipality, "training_target", None)
            if today is not None and today.audience == audience and current:
                progress = current[0].values
            else:
                progress = audience_since_the_start(table.months, report.municipality, audience)
        add_target(approved, closing.target_people, audience, progress)
        approved.note = _("Target when the month was approved: %(people)d.") % {"people": closing.target_people}
    return approved


def approval_state(report: MonthReport) -> ApprovalState:
    """The approval of the report's month and, when its figures have changed since, what changed (1–6 queries).

    An approved month's named rows take the names they were approved with (`name_as_approved`), and the report
    the municipality's name, target and population it was approved with (`as_approved`).
    """
    latest, approval = closing_rules.approval_status(report.municipality, report.month.first_day)
    if approval:
        as_approved(latest, report)
    if not approval or not latest.figures:
        return ApprovalState(latest, approval, [], [])
    name_as_approved(latest.figures, report)
    found = changes(latest.figures, report)
    return ApprovalState(latest, approval, found, corrections_since(latest) if found else [])


def latest_version(municipality, month: Month) -> PublishedMonth | None:
    """The version of the month the public statistics show (reports.publication)."""
    return (
        PublishedMonth.objects.filter(municipality=municipality, month=month.first_day)
        .select_related("approval")
        .order_by("-version")
        .first()
    )


def export_figures(month: Month, municipality, publication: bool = False, current: bool = False):
    """(report, approval line, extra header lines) for an export of the month.

    For an approved month whose figures have changed since, the export shows the approved
    figures unless `current` is asked for, and says what changed either way.

    A publication shows the months as the public statistics do: each as its municipality published
    it when approving it (reports.publication), "–" where it has not, and not what changed since
    (the change line gives every changed count before and after, unprotected, "Refresher 3 → 4",
    and who corrected it and why). Its approval line is the date of the approval whose figures it shows.
    """
    if publication:
        report = month_report(month, municipality, publication=True)
        shown = latest_version(municipality, month) if municipality is not None else None
        extra = [(_("Figures in this file"), _("As published: each month as approved (– for a month not approved)"))]
        if report.coverage:
            extra.append((_("Municipalities"), f"{coverage_text(*report.coverage)}. {partial_note()}"))
        if shown is not None:
            as_approved(shown.approval, report)
        return report, closing_rules.approval_date_text(shown.approval) if shown else "", extra
    report = month_report(month, municipality)
    state = approval_state(report)
    extra, movements_note = [], ""
    if state.changed:
        if current:
            extra.append((_("Figures in this file"), _("Current figures: they have changed since the approval")))
        else:
            report = approved_report(state.closing.figures, report)
            extra.append((_("Figures in this file"), _("As approved")))
            # An approval keeps no movements: they are today's, as on the month page.
            movements_note = _("The movements are today's: the stock table above shows the stock as approved.")
        extra.append((_("Changed since the approval"), state.text))
    add_movements(report, movements_note)
    return report, state.approval, extra


def nothing_registered(month: Month, municipality) -> bool:
    """Nothing dated in the month: no course logged, no stock movement (handouts included), no
    overdose-reversal report (1 query). Such a month may be right (a municipality with no activity),
    but approving it is confirmed in so many words (reports.views.approve)."""

    def dated(field):
        return {f"{field}__gte": month.start, f"{field}__lt": month.end}

    here = OuterRef("pk")
    found = (
        Municipality.objects.filter(pk=municipality.pk)
        .annotate(
            logged_courses=Exists(Attendance.objects.filter(course__municipality=here, **dated("course__starts_at"))),
            moved_kits=Exists(
                StockMovement.objects.filter(
                    Q(from_location__municipality=here) | Q(to_location__municipality=here), **dated("occurred_at")
                )
            ),
            reversal_reports=Exists(ReversalReport.objects.filter(district__municipality=here, **dated("occurred_at"))),
        )
        .values_list("logged_courses", "moved_kits", "reversal_reports")
        .get()
    )
    return not any(found)
