"""Every figure of the monthly report, computed in PostgreSQL.

The month page, the CSV and XLSX exports, the `export_month` command and the
public statistics all read their numbers from here, so they cannot disagree.

Definitions (the same everywhere):
- Months are calendar months in Copenhagen time: a course starting 23:30 local
  time on the last day belongs to that month, whatever UTC says.
- A course counts when it is a RED LIV course or a train-the-trainer course (not a
  network meeting) and is not cancelled. It is *held* when it has an attendance
  entry that is not withdrawn; a planned course in the past without one is
  "planned but nothing logged".
- Participants are the counts of the held courses' attendance entries; *people
  trained* are the first-time participants.
- Kits handed out are handout movements, less any movement that corrects them,
  dated by the handout; a course handout without an audience group is "at a course".
- Stock at the end of a month is the ledger as it stood then: today's stock (kept by
  the ledger's trigger) less every movement dated after the month.
- Reversal reports count only when verified (staff reports are verified at once).

The totals group by month over the thirteen months that end with the chosen one,
which gives the month, the previous month, the same month last year and the
twelve-month trend at once; the tables that break a figure down read only the three
months they compare.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import caches
from django.db.models import Count, DateField, F, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from courses.models import Attendance, Course, Venue
from kits.models import HandoutReason, StockLevel, StockMovement
from kits.queries import month_movements
from redliv.models import Audience, Municipality
from redliv.months import Month, local_tz
from reports import disclosure
from reports.formatting import figure_text
from reports.models import Population, PublishedMonth
from reversals.models import ReversalReport

AT_COURSE = "at_course"
COUNTED_KINDS = [Course.Kind.PARTICIPANT, Course.Kind.TRAIN_THE_TRAINER]
AUDIENCE_FIELDS = list(Attendance.AUDIENCE_FIELDS.items())  # [(audience, field name), …]


# --- the figures -----------------------------------------------------------------------


@dataclass
class Row:
    """One line of a table: a label and one value per column.

    kind is "part" (a share of the table's total), "total", "count" (a count that is
    not part of the total), "share" (a fraction of the total, share_of naming the
    count row it is the share of) or "amount" (kits in stock: never hidden).
    """

    label: str
    values: list
    kind: str = "part"
    share_of: int | None = None
    cell: str | None = None  # the count it shows, for publication (see reports.disclosure)
    whole_of: int | None = None  # a share's denominator row, when it is not the table's total
    municipality_id: int | None = None  # a rate per residents: whose kits, divided by how many residents
    residents: list[int] | None = None  # in each column (each month by its year's population)
    # Follows a setting (the training target), not the month's entries: no part of what an approval keeps.
    setting: bool = False
    # A row named after a thing that can be renamed (a venue): its lasting id ("venue_id:12"), by which an
    # approval keeps the row with the name it had then (reports.approval): a rename is no change of the month.
    key: str | None = None


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    note: str = ""
    months: list | None = None  # the Month of each column, when the columns are months
    signed: int | None = None  # a column of changes, whose positive values read "+2" where people read them

    def row(self, label):
        return next(row for row in self.rows if row.label == label)

    def row_by_cell(self, cell) -> list:
        return next(row for row in self.rows if row.cell == cell).values


@dataclass
class MonthReport:
    month: Month
    municipality: Municipality | None
    tables: list[Table]
    publication: bool = False
    # A national publication: (the municipalities the month's figures cover, the municipalities in all).
    coverage: tuple[int, int] | None = None
    # The municipality's name as the month was approved (reports.approval.as_approved), when it is.
    municipality_name: str | None = None

    @property
    def scope_label(self) -> str:
        if self.municipality is None:
            return _("All municipalities")
        return self.municipality_name or self.municipality.name

    def table(self, key) -> Table:
        return next(table for table in self.tables if table.key == key)


def _scoped(queryset, lookup, municipality):
    return queryset.filter(**{lookup: municipality}) if municipality is not None else queryset


def counted_courses(municipality=None):
    courses = Course.objects.filter(kind__in=COUNTED_KINDS).exclude(status=Course.Status.CANCELLED)
    return _scoped(courses, "municipality", municipality)


HELD = Q(attendance__isnull=False, attendance__withdrawn_at__isnull=True)


def counted_attendance(municipality=None):
    attendance = Attendance.objects.filter(
        withdrawn_at__isnull=True,
        course__kind__in=COUNTED_KINDS,
    ).exclude(course__status=Course.Status.CANCELLED)
    return _scoped(attendance, "course__municipality", municipality)


def handouts(municipality=None):
    """Handouts with `kits_out`: their quantity less what later movements corrected."""
    movements = StockMovement.objects.filter(kind=StockMovement.Kind.HANDOUT).with_kits_out()
    return _scoped(movements, "from_location__municipality", municipality)


def counting_reports(municipality=None):
    return _scoped(ReversalReport.objects.counting(), "district__municipality", municipality)


def _periods(months) -> list[tuple[dt.datetime, dt.datetime]]:
    """The months as [start, end) periods, neighbouring months joined: 13 months in a row are one period."""
    periods = []
    for month in sorted(set(months)):
        if periods and periods[-1][1] == month.start:
            periods[-1] = (periods[-1][0], month.end)
        else:
            periods.append((month.start, month.end))
    return periods


def _by_month(queryset, date_field, months, keys=(), **aggregates):
    """{(Month, *keys): {name: value}} for each of the months that has rows.

    Only the rows dated in those months are read: a table that compares three months
    does not group the thirteen of the trend.
    """
    in_months = Q()
    for start, end in _periods(months):
        in_months |= Q(**{f"{date_field}__gte": start, f"{date_field}__lt": end})
    rows = (
        queryset.filter(in_months)
        # The local month's first day as a date: no time zone conversion per row in Python.
        .annotate(report_month=TruncMonth(date_field, tzinfo=local_tz(), output_field=DateField()))
        .order_by()
        .values("report_month", *keys)
        .annotate(**aggregates)
    )
    # A few dozen months over tens of thousands of rows: each month's start is turned into a Month once.
    month_of: dict = {}
    by_month = {}
    for row in rows:
        start = row["report_month"]
        month = month_of.get(start)
        if month is None:
            month = month_of[start] = Month.of(start)
        by_month[(month, *(row[key] for key in keys))] = row
    return by_month


def _months(first: Month, last: Month) -> list[Month]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = month.shift(1)
    return months


def monthly_totals(first: Month, last: Month, municipality=None) -> dict:
    """Per month: courses planned/held, trainers active, participants, kits, reports (4 queries)."""
    months = _months(first, last)
    courses = _by_month(
        counted_courses(municipality),
        "starts_at",
        months,
        planned=Count("id", distinct=True),
        held=Count("id", filter=HELD, distinct=True),
        trainers=Count("trainers", filter=HELD, distinct=True),
    )
    people = _by_month(
        counted_attendance(municipality),
        "course__starts_at",
        months,
        participants=Sum(sum((F(name) for _a, name in AUDIENCE_FIELDS[1:]), F(AUDIENCE_FIELDS[0][1]))),
        first_time=Sum("first_time"),
        refresher=Sum("refresher"),
        **{name: Sum(name) for _a, name in AUDIENCE_FIELDS},
    )
    kits = _by_month(handouts(municipality), "occurred_at", months, kits=Sum("kits_out"))
    reports = _by_month(
        counting_reports(municipality),
        "occurred_at",
        months,
        reports=Count("id"),
        called_112=Count("id", filter=Q(called_112=True)),
        ambulance=Count("id", filter=Q(ambulance_arrived=True)),
        responder_trained=Count("id", filter=Q(responder_trained=ReversalReport.Trained.YES)),
    )
    totals = {}
    for month in months:
        merged = {}
        for source in (courses, people, kits, reports):
            merged.update({k: v for k, v in source.get((month,), {}).items() if k != "report_month"})
        totals[month] = {
            name: merged.get(name) or 0
            for name in [
                "planned",
                "held",
                "trainers",
                "participants",
                "first_time",
                "refresher",
                "kits",
                "reports",
                "called_112",
                "ambulance",
                "responder_trained",
                *[name for _a, name in AUDIENCE_FIELDS],
            ]
        }
    return totals


def _values(grouped: dict, months: list[Month], key, measure: str) -> list[int]:
    return [(grouped.get((month, key)) or {}).get(measure) or 0 for month in months]


def _share(part, whole):
    return part / whole if whole else None


def compared_months(month: Month) -> list[Month]:
    """The columns of the month's tables: the month, the month before, the same month last year."""
    return [month, month.shift(-1), month.shift(-12)]


def month_report(month: Month, municipality=None, publication=False) -> MonthReport:
    """Every table of the month page for one municipality, or all when None (15 queries; 17 for all)."""
    compared = compared_months(month)
    columns = [m.label for m in compared]
    first = month.shift(-12)
    totals = monthly_totals(first, month, municipality)
    tables = []

    def total_values(name):
        return [totals[m][name] for m in compared]

    # Summary.
    summary = Table(
        "summary",
        _("Key figures"),
        columns,
        [
            Row(_("Courses held"), total_values("held"), "count", cell="held"),
            Row(_("Participants"), total_values("participants"), "count", cell="participants"),
            Row(_("People trained (first time)"), total_values("first_time"), "count", cell="first_time"),
            Row(_("Kits handed out"), total_values("kits"), "count", cell="kits"),
            Row(_("Overdose-reversal reports"), total_values("reports"), "count", cell="reports"),
        ],
    )
    tables.append(summary)

    # Courses by format and by venue.
    by_format = _by_month(
        counted_courses(municipality).filter(HELD), "starts_at", compared, keys=["format"], courses=Count("id")
    )
    table = Table("courses_by_format", _("Courses held, by format"), columns)
    for value, label in Course._meta.get_field("format").choices:
        table.rows.append(Row(str(label), _values(by_format, compared, value, "courses"), cell=f"format:{value}"))
    table.rows.append(Row(_("Total"), total_values("held"), "total", cell="held"))
    tables.append(table)

    # By the venue, not its name: a venue renamed is the same venue (its rows of an approved month keep the
    # name they were approved with, reports.approval.as_approved), and two venues never share a row.
    by_venue = _by_month(
        counted_courses(municipality).filter(HELD),
        "starts_at",
        compared,
        keys=["venue", "venue__name"],
        courses=Count("id"),
    )
    venues = sorted({key[1:] for key in by_venue}, key=lambda venue: (venue[0] is None, venue[1] or "", venue[0]))
    table = Table("courses_by_venue", _("Courses held, by venue"), columns)
    for venue_id, name in venues:
        table.rows.append(
            Row(
                name or _("Online (no venue)"),
                [(by_venue.get((m, venue_id, name)) or {}).get("courses") or 0 for m in compared],
                cell=f"venue:{name or ''}",
                key=f"venue_id:{venue_id}" if venue_id else None,
            )
        )
    table.rows.append(Row(_("Total"), total_values("held"), "total", cell="held"))
    tables.append(table)

    # Participants.
    table = Table("participants_by_audience", _("Participants, by audience group"), columns)
    for audience, name in AUDIENCE_FIELDS:
        table.rows.append(Row(str(Audience(audience).label), total_values(name), cell=f"audience:{audience}"))
    table.rows.append(Row(_("Total"), total_values("participants"), "total", cell="participants"))
    tables.append(table)

    tables.append(
        Table(
            "first_time",
            _("First-time and refresher participants"),
            columns,
            [
                Row(_("First time"), total_values("first_time"), cell="first_time"),
                Row(_("Refresher"), total_values("refresher"), cell="refresher"),
                Row(_("Total"), total_values("participants"), "total", cell="participants"),
            ],
        )
    )

    tables.append(trained_table(compared, municipality))

    # Kits.
    kits = handouts(municipality)
    by_reason = _by_month(kits, "occurred_at", compared, keys=["handout_reason"], kits=Sum("kits_out"))
    table = Table("kits_by_reason", _("Kits handed out, by reason"), columns)
    for value, label in HandoutReason.choices:
        table.rows.append(Row(str(label), _values(by_reason, compared, value, "kits"), cell=f"reason:{value}"))
    table.rows.append(Row(_("Total"), total_values("kits"), "total", cell="kits"))
    # Public Health Scotland's indicator: why a repeat supply was needed, above all because the last kit was used.
    first_supply = table.rows[0].values
    repeat = [total - first for total, first in zip(total_values("kits"), first_supply, strict=True)]
    table.rows.append(Row(_("Repeat supplies (all but first supplies)"), repeat, "count", cell="repeat"))
    repeat_row = len(table.rows) - 1
    for index, (value, label) in enumerate(HandoutReason.choices):
        if value == HandoutReason.FIRST_SUPPLY:
            continue
        table.rows.append(
            Row(
                _("Share of repeat supplies: %(reason)s") % {"reason": label},
                [_share(part, whole) for part, whole in zip(table.rows[index].values, repeat, strict=True)],
                "share",
                share_of=index,
                whole_of=repeat_row,
            )
        )
    tables.append(table)

    by_audience = _by_month(
        kits.annotate(group=Coalesce("recipient_audience", Value(AT_COURSE))),
        "occurred_at",
        compared,
        keys=["group"],
        kits=Sum("kits_out"),
    )
    table = Table("kits_by_audience", _("Kits handed out, by audience group"), columns)
    for value, label in [*Audience.choices, (AT_COURSE, _("At a course (no group given)"))]:
        table.rows.append(Row(str(label), _values(by_audience, compared, value, "kits"), cell=f"kit_audience:{value}"))
    table.rows.append(Row(_("Total"), total_values("kits"), "total", cell="kits"))
    tables.append(table)

    rates = kits_per_residents_table(compared, municipality, total_values("kits"))
    if rates.rows:
        tables.append(rates)
    tables.append(stock_table(compared, municipality))

    # Reversal reports.
    by_outcome = _by_month(
        counting_reports(municipality), "occurred_at", compared, keys=["outcome"], reports=Count("id")
    )
    table = Table("reports_by_outcome", _("Overdose-reversal reports (verified), by outcome"), columns)
    for value, label in ReversalReport.Outcome.choices:
        table.rows.append(Row(str(label), _values(by_outcome, compared, value, "reports"), cell=f"outcome:{value}"))
    table.rows.append(Row(_("Total"), total_values("reports"), "total", cell="reports"))
    reports = total_values("reports")
    for cell, count_label, share_label in [
        ("called_112", _("Reports where 112 was called"), _("Share where 112 was called")),
        ("ambulance", _("Reports where an ambulance came"), _("Share where an ambulance came")),
        (
            "responder_trained",
            _("Reports whose responder had taken a course"),
            _("Share whose responder had taken a course"),
        ),
    ]:
        counts = total_values(cell)
        table.rows.append(Row(count_label, counts, "count", cell=cell))
        shares = [_share(part, whole) for part, whole in zip(counts, reports, strict=False)]
        table.rows.append(Row(share_label, shares, "share", share_of=len(table.rows) - 1))
    tables.append(table)

    # Activity.
    tables.append(
        Table(
            "activity",
            _("Trainers and planned courses"),
            columns,
            [
                Row(_("Trainers active"), total_values("trainers"), "count", cell="trainers"),
                Row(_("Courses planned (not cancelled)"), total_values("planned"), "count", cell="planned"),
                Row(_("Courses held"), total_values("held"), "count", cell="held"),
            ],
        )
    )
    if not publication:
        tables.extend(nothing_logged_tables(month, municipality))
    if municipality is None:
        tables.append(municipality_table(month, totals[month]))

    for table in tables:
        if table.columns == columns:
            table.months = compared
    trend_months = [month.shift(offset) for offset in range(-11, 1)]
    tables.append(
        Table(
            "trend",
            _("The last 12 months"),
            [m.label for m in trend_months],
            [
                Row(_("Courses held"), [totals[m]["held"] for m in trend_months], "count", cell="held"),
                Row(_("Participants"), [totals[m]["participants"] for m in trend_months], "count", cell="participants"),
                Row(_("Kits handed out"), [totals[m]["kits"] for m in trend_months], "count", cell="kits"),
            ],
            months=trend_months,
        )
    )
    report = MonthReport(month, municipality, tables, publication)
    if publication:
        publish(report)
    return report


def trained_table(compared: list[Month], municipality) -> Table:
    """People trained so far this year and since the start, and the target (2 queries)."""
    # Through the relation, so that the month page's target form reuses the row instead of asking again.
    target = getattr(municipality, "training_target", None) if municipality else None
    aggregates = {}
    for index, month in enumerate(compared):
        before_end = Q(course__starts_at__lt=month.end)
        aggregates[f"year_{index}"] = Sum("first_time", filter=before_end & Q(course__starts_at__gte=month.year_start))
        aggregates[f"all_{index}"] = Sum("first_time", filter=before_end)
        if target and target.audience:
            aggregates[f"target_{index}"] = Sum(Attendance.AUDIENCE_FIELDS[target.audience], filter=before_end)
    sums = counted_attendance(municipality).aggregate(**aggregates)
    columns = [m.label for m in compared]
    table = Table(
        "trained",
        _("People trained (first time), so far"),
        columns,
        [
            Row(_("So far this year"), [sums[f"year_{i}"] or 0 for i in range(3)], "count"),
            Row(_("Since the start"), [sums[f"all_{i}"] or 0 for i in range(3)], "count"),
        ],
    )
    if target:
        progress = [sums[f"target_{i}"] or 0 for i in range(3)] if target.audience else None
        add_target(table, target.people, target.audience, progress)
        table.note = _("Target set by the coordinator: %(people)d.") % {"people": target.people}
    return table


def add_target(table: Table, people: int, audience: str, progress: list[int] | None) -> None:
    """The target's rows of the "trained" table: the participants of its audience since the start (`progress`)
    when it has one, the target, and the share of it reached."""
    if audience:
        label = _("Participants since the start: %(audience)s") % {"audience": Audience(audience).label}
        table.rows.append(Row(label, progress, "count", setting=True))
    else:
        progress = table.rows[1].values
    table.rows.append(Row(_("Target"), [people] * 3, "amount", setting=True))
    table.rows.append(
        Row(
            _("Share of the target reached"),
            [p / people for p in progress],
            "share",
            share_of=len(table.rows) - 2,
            setting=True,
        )
    )


def audience_since_the_start(compared: list[Month], municipality, audience: str) -> list[int]:
    """The participants of an audience group since the start, to the end of each month (1 query)."""
    field = Attendance.AUDIENCE_FIELDS[audience]
    sums = counted_attendance(municipality).aggregate(
        **{f"to_{i}": Sum(field, filter=Q(course__starts_at__lt=month.end)) for i, month in enumerate(compared)}
    )
    return [sums[f"to_{i}"] or 0 for i in range(len(compared))]


PER_RESIDENTS = 100_000


def per_residents(kits: int, residents: int) -> float:
    return round(kits * PER_RESIDENTS / residents, 1)


def kits_per_residents_table(compared: list[Month], municipality, kits_in_scope: list[int]) -> Table:
    """Kits handed out per 100,000 residents, by municipality, from the population an administrator entered.

    Each month is divided by the residents of its year, or the latest earlier year entered (the first
    one entered for earlier months). One query for a municipality, whose kits the report has counted
    already (`kits_in_scope`); two for all of them.
    """
    populations = {}
    for population in _scoped(Population.objects.select_related("municipality"), "municipality", municipality):
        populations.setdefault(population.municipality_id, []).append(population)
    if municipality is not None:
        kits = {(month, municipality.pk): {"kits": count} for month, count in zip(compared, kits_in_scope, strict=True)}
    elif populations:
        kits = _by_month(
            handouts(), "occurred_at", compared, keys=["from_location__municipality"], kits=Sum("kits_out")
        )
    else:
        kits = {}
    table = Table("kits_per_residents", _("Kits handed out per 100,000 residents"), [m.label for m in compared])
    sources = []
    for municipality_id, entered in sorted(populations.items(), key=lambda item: item[1][0].municipality.name):
        residents, used = residents_in_columns(entered, compared)
        counts = [(kits.get((month, municipality_id)) or {}).get("kits") or 0 for month in compared]
        name = entered[0].municipality.name
        table.rows.append(rate_row(name, municipality_id, counts, residents))
        sources.append(population_text(name, used.residents, used.year, used.source))
    table.note = (
        "; ".join(sources) if sources else _("No population figure entered yet (an administrator enters them).")
    )
    return table


def residents_in_columns(entered: list[Population], compared: list[Month]) -> tuple[list[int], Population]:
    """(the residents each month is divided by, the population the table's note names: the first month's).

    Each month takes the residents of its year, or of the latest earlier year entered (the first one
    entered for earlier months)."""
    entered = sorted(entered, key=lambda population: population.year)
    used = [([p for p in entered if p.year <= month.year] or entered[:1])[-1] for month in compared]
    return [population.residents for population in used], used[0]


def rate_row(name: str, municipality_id: int, kits: list, residents: list[int]) -> Row:
    """Kits per 100,000 residents: hidden where the kits are (a publication), none where they are none."""
    values = [
        per_residents(count, number) if isinstance(count, int) else (None if count is None else disclosure.HIDDEN)
        for count, number in zip(kits, residents, strict=True)
    ]
    return Row(name, values, "rate", municipality_id=municipality_id, residents=list(residents))


def population_text(name: str, residents: int, year: int, source: str) -> str:
    return _("%(municipality)s: %(residents)s residents (%(year)s, %(source)s)") % {
        "municipality": name,
        "residents": figure_text(residents),  # "210.500", as every count reads
        "year": year,
        "source": source,
    }


def stock_note(put_back_later: int = 0, put_back_from_earlier: int = 0) -> str:
    """Why the month's stock and its kits handed out need not add up, with the month's kits that make it so.

    Kits put back from a handout are taken off the kits handed out in the handout's month
    (the handout was smaller than logged), but the ledger has them back only from the day
    they were put back: a coordinator adding up the month found them missing, or extra.
    """
    parts = [
        _(
            "The stock is the ledger as it stood at the end of each month. Kits put back from a handout are taken "
            "off the kits handed out in the month of the handout, but are back in stock only from the day they "
            "were put back."
        ),
        # The stock page counts usable kits, and shows expired and recalled ones apart as "not counted".
        _("On hand counts every kit, also expired and recalled ones, which the stock page shows apart."),
    ]
    if put_back_later:
        parts.append(
            ngettext(
                "Of this month's handouts, %(kits)d kit was put back after the month ended. It is not among the "
                "kits handed out, nor in the stock at the month's end.",
                "Of this month's handouts, %(kits)d kits were put back after the month ended. They are not among "
                "the kits handed out, nor in the stock at the month's end.",
                put_back_later,
            )
            % {"kits": put_back_later}
        )
    if put_back_from_earlier:
        parts.append(
            ngettext(
                "%(kits)d kit put back in this month came from a handout of an earlier month. It is in the stock "
                "at the month's end, and was taken off that month's kits handed out.",
                "%(kits)d kits put back in this month came from handouts of earlier months. They are in the stock "
                "at the month's end, and were taken off those months' kits handed out.",
                put_back_from_earlier,
            )
            % {"kits": put_back_from_earlier}
        )
    return " ".join(parts)


def stock_table(compared: list[Month], municipality) -> Table:
    """Kits in stock at each month's end: today's stock less what has moved since (2 queries).

    The ledger's trigger keeps today's stock per location and batch, so only the
    movements dated after the earliest month's end are read, not the whole ledger.
    The same query counts the kits put back across the report month's end (`stock_note`).
    """
    days = settings.KIT_EXPIRY_WARNING_DAYS
    if municipality is None:
        incoming, outgoing = Q(to_location__isnull=False), Q(from_location__isnull=False)
    else:
        incoming, outgoing = Q(to_location__municipality=municipality), Q(from_location__municipality=municipality)
    now, since = {}, {}
    for index, month in enumerate(compared):
        end_date = month.shift(1).first_day
        soon = Q(batch__expiry_date__gte=end_date, batch__expiry_date__lt=end_date + dt.timedelta(days=days))
        expired = Q(batch__expiry_date__lt=end_date)
        after = Q(occurred_at__gte=month.end)
        for name, condition in [("hand", Q()), ("soon", soon), ("expired", expired)]:
            now[f"{name}_{index}"] = Sum("quantity", filter=condition)
            since[f"{name}_in_{index}"] = Sum("quantity", filter=after & incoming & condition)
            since[f"{name}_out_{index}"] = Sum("quantity", filter=after & outgoing & condition)
    # Kits put back from a handout, across the report month's end (its movements are all read: they
    # are dated after the earliest month's end). A put-back goes to the location the handout left.
    month = compared[0]
    put_back = incoming & Q(corrects__kind=StockMovement.Kind.HANDOUT)
    of_the_month = Q(corrects__occurred_at__gte=month.start, corrects__occurred_at__lt=month.end)
    since["put_back_later"] = Sum("quantity", filter=put_back & of_the_month & Q(occurred_at__gte=month.end))
    since["put_back_from_earlier"] = Sum(
        "quantity",
        filter=put_back
        & Q(corrects__occurred_at__lt=month.start, occurred_at__gte=month.start, occurred_at__lt=month.end),
    )
    levels = _scoped(StockLevel.objects.all(), "location__municipality", municipality).aggregate(**now)
    moved = StockMovement.objects.filter(
        Q(occurred_at__gte=min(month.end for month in compared)) & (incoming | outgoing),
    ).aggregate(**since)

    def level(name):
        return [
            (levels[f"{name}_{i}"] or 0) - (moved[f"{name}_in_{i}"] or 0) + (moved[f"{name}_out_{i}"] or 0)
            for i in range(len(compared))
        ]

    return Table(
        "stock",
        _("Kits in stock at the end of the month"),
        [m.label for m in compared],
        [
            Row(_("On hand"), level("hand"), "amount"),
            Row(_("Of which expire within %(days)d days") % {"days": days}, level("soon"), "amount"),
            Row(_("Of which have expired"), level("expired"), "amount"),
        ],
        note=stock_note(moved["put_back_later"] or 0, moved["put_back_from_earlier"] or 0),
    )


def movements_table(month: Month, municipality) -> Table:
    """The month page's stock movements by location (kits.queries.month_movements, 2 queries), for the exports:
    a row per location and the total; `signed` is the column of adjustments, which read "+2" as on the page."""
    rows = month_movements(month, municipality)
    return Table(
        "stock_movements",
        _("The month's stock movements by location"),
        [_("At the start"), _("In"), _("Out"), _("Counted adjustments"), _("At the end")],
        [
            Row(
                row.location,
                [row.opening, row.came_in, row.went_out, row.counted, row.closing],
                "total" if index == len(rows) - 1 else "amount",
            )
            for index, row in enumerate(rows)
        ],
        note=_(
            "For reconciling by hand: stock at the start of the month, plus kits in, less kits out, plus or minus "
            "adjustments after counts, is the stock at its end. Corrections count as kits in or out."
        ),
        signed=3,
    )


def add_movements(report: MonthReport, note: str = "") -> None:
    """Put the stock movements by location after the stock table, as the month page does: a municipality's
    report only (the page has no such table for all municipalities) and never a publication's (which leaves
    the stock out: its change would reveal the kits handed out)."""
    if report.municipality is None or report.publication:
        return
    table = movements_table(report.month, report.municipality)
    if note:
        table.note = f"{table.note} {note}"
    at = next((index + 1 for index, shown in enumerate(report.tables) if shown.key == "stock"), len(report.tables))
    report.tables.insert(at, table)


def nothing_logged_tables(month: Month, municipality) -> list[Table]:
    """Venues and trainers with courses planned in the month (now past) but nothing logged (2 queries)."""
    missing = (
        counted_courses(municipality)
        .filter(
            starts_at__gte=month.start,
            starts_at__lt=min(month.end, timezone.now()),
        )
        .exclude(HELD)
    )
    column = [_("Courses without an entry")]
    venues = (
        missing.order_by()
        .values("venue", "venue__name")
        .annotate(courses=Count("id", distinct=True))
        .order_by("-courses", "venue__name", "venue")
    )
    trainers = (
        missing.filter(trainers__isnull=False)
        .order_by()
        .values("trainers__name")
        .annotate(courses=Count("id", distinct=True))
        .order_by("-courses", "trainers__name")
    )
    return [
        Table(
            "venues_not_logged",
            _("Venues with planned courses but nothing logged"),
            column,
            [
                Row(
                    row["venue__name"] or _("Online (no venue)"),
                    [row["courses"]],
                    "count",
                    key=f"venue_id:{row['venue']}" if row["venue"] else None,
                )
                for row in venues
            ],
        ),
        Table(
            "trainers_not_logged",
            _("Trainers with planned courses but nothing logged"),
            column,
            [Row(row["trainers__name"], [row["courses"]], "count") for row in trainers],
        ),
    ]


def municipality_table(month: Month, totals: dict) -> Table:
    """One row per municipality for the administrator's view of the month (3 queries)."""
    start, end = month.start, month.end
    people = {
        row["course__municipality__name"]: row
        for row in counted_attendance()
        .filter(course__starts_at__gte=start, course__starts_at__lt=end)
        .order_by()
        .values("course__municipality__name")
        .annotate(held=Count("id"), first_time=Sum("first_time"), refresher=Sum("refresher"))
    }
    kits = {
        row["from_location__municipality__name"]: row["kits"]
        for row in handouts()
        .filter(occurred_at__gte=start, occurred_at__lt=end)
        .order_by()
        .values("from_location__municipality__name")
        .annotate(kits=Sum("kits_out"))
    }
    reports = {
        row["district__municipality__name"]: row["reports"]
        for row in counting_reports()
        .filter(occurred_at__gte=start, occurred_at__lt=end)
        .order_by()
        .values("district__municipality__name")
        .annotate(reports=Count("id"))
    }
    names = sorted(set(people) | set(kits) | set(reports))
    table = Table(
        "municipalities",
        _("By municipality, %(month)s") % {"month": month.label},
        [
            _("Courses held"),
            _("Participants"),
            _("People trained (first time)"),
            _("Kits handed out"),
            _("Overdose-reversal reports"),
        ],
    )
    for name in names:
        row = people.get(name, {})
        first_time, refresher = row.get("first_time") or 0, row.get("refresher") or 0
        table.rows.append(
            Row(
                name,
                [row.get("held") or 0, first_time + refresher, first_time, kits.get(name) or 0, reports.get(name) or 0],
            )
        )
    table.rows.append(
        Row(
            _("Total"),
            [totals["held"], totals["participants"], totals["first_time"], totals["kits"], totals["reports"]],
            "total",
        )
    )
    return table


# --- publication: disclosure control (reports.disclosure) ----------------------------------


# The courses at every venue not open to the public, together: a publication names no such venue (a shelter
# for its residents, a place a coordinator named after a stairwell's address). A part of the venues' table
# ("venue_id:" prefix, reports.disclosure.GROUPS), protected like any other venue's cell.
NOT_PUBLIC_VENUES = "venue_id:not_public"
ONLINE_VENUE_CELLS = {"venue_id:", "venue:"}


def venue_cell(venue_id, open_to_public) -> str:
    """A course's venue cell: "venue_id:<id>" for a venue open to the public, NOT_PUBLIC_VENUES for any other,
    "venue_id:" online."""
    if venue_id and not open_to_public:
        return NOT_PUBLIC_VENUES
    return f"venue_id:{venue_id or ''}"


def municipality_cells(months: list[Month], municipality=None) -> dict:
    """{(municipality id, Month): {cell: count}} for every municipality with figures in the months (5 queries).

    The cells are the counts the publication protects, per municipality and month, with
    the same definitions as the month report: "held", "format:drop_in", "venue_id:<id>" ("venue_id:" online),
    "planned", "trainers", "participants", "audience:<group>", "first_time", "refresher",
    "kits", "reason:<reason>", "kit_audience:<group>", "reports", "outcome:<outcome>",
    "called_112", "ambulance" and "responder_trained", with the rest of the reports for each
    ("not_called_112", "no_ambulance", "responder_not_trained"). Counts of zero are left out.
    """
    cells: dict = {}

    def add(month, municipality_id, key, value):
        if value:
            figures = cells.setdefault((municipality_id, month), {})
            figures[key] = figures.get(key, 0) + value

    courses = _by_month(
        counted_courses(municipality),
        "starts_at",
        months,
        keys=["municipality", "format", "venue", "venue__open_to_public"],
        planned=Count("id", distinct=True),
        held=Count("id", filter=HELD, distinct=True),
    )
    for (month, municipality_id, course_format, venue, open_to_public), row in courses.items():
        add(month, municipality_id, "planned", row["planned"])
        add(month, municipality_id, "held", row["held"])
        add(month, municipality_id, f"format:{course_format}", row["held"])
        # By the venue, not its name: a venue renamed is the same venue (reports.publication keeps its name).
        # A venue not open to the public (a shelter for its residents, a stairwell) is never named nor counted on
        # its own: all of them are one cell, NOT_PUBLIC_VENUES, as the venue was when the month was counted.
        add(month, municipality_id, venue_cell(venue, open_to_public), row["held"])
    trainers = _by_month(
        counted_courses(municipality).filter(HELD),
        "starts_at",
        months,
        keys=["municipality"],
        trainers=Count("trainers", distinct=True),
    )
    for (month, municipality_id), row in trainers.items():
        add(month, municipality_id, "trainers", row["trainers"])
    people = _by_month(
        counted_attendance(municipality),
        "course__starts_at",
        months,
        keys=["course__municipality"],
        first_time=Sum("first_time"),
        refresher=Sum("refresher"),
        **{name: Sum(name) for _a, name in AUDIENCE_FIELDS},
    )
    for (month, municipality_id), row in people.items():
        for audience, name in AUDIENCE_FIELDS:
            add(month, municipality_id, f"audience:{audience}", row[name])
            add(month, municipality_id, "participants", row[name])
        add(month, municipality_id, "first_time", row["first_time"])
        add(month, municipality_id, "refresher", row["refresher"])
    kits = _by_month(
        handouts(municipality).annotate(group=Coalesce("recipient_audience", Value(AT_COURSE))),
        "occurred_at",
        months,
        keys=["from_location__municipality", "handout_reason", "group"],
        kits=Sum("kits_out"),
    )
    for (month, municipality_id, reason, group), row in kits.items():
        add(month, municipality_id, "kits", row["kits"])
        add(month, municipality_id, f"reason:{reason or ''}", row["kits"])
        add(month, municipality_id, f"kit_audience:{group}", row["kits"])
    reports = _by_month(
        counting_reports(municipality),
        "occurred_at",
        months,
        keys=["district__municipality", "outcome"],
        reports=Count("id"),
        called_112=Count("id", filter=Q(called_112=True)),
        ambulance=Count("id", filter=Q(ambulance_arrived=True)),
        responder_trained=Count("id", filter=Q(responder_trained=ReversalReport.Trained.YES)),
    )
    for (month, municipality_id, outcome), row in reports.items():
        add(month, municipality_id, "reports", row["reports"])
        add(month, municipality_id, f"outcome:{outcome}", row["reports"])
        add(month, municipality_id, "called_112", row["called_112"])
        add(month, municipality_id, "ambulance", row["ambulance"])
        add(month, municipality_id, "responder_trained", row["responder_trained"])
        # The rest of the reports: never shown, but the reports less the above (reports.disclosure.GROUPS).
        add(month, municipality_id, "not_called_112", row["reports"] - row["called_112"])
        add(month, municipality_id, "no_ambulance", row["reports"] - row["ambulance"])
        add(month, municipality_id, "responder_not_trained", row["reports"] - row["responder_trained"])
    return cells


VENUE_CELLS = ("venue_id:", "venue:")  # a venue's cell; "venue:<name>" in a version published before ids
PUBLIC_KEYS = ["held", "first_time", "kits"]  # the monthly figures of the public page
ROLLING_WHEN_HIDDEN = (1, 4)  # a municipality gets rolling figures when this share of its figures is hidden


def approved_cells(months: list[Month], municipality=None) -> tuple[dict, dict, dict]:
    """(counts, published figures, venue names as published) by (municipality id, Month), from the latest
    version each municipality published of each month (reports.publication); months not approved are left
    out (1 query)."""
    versions = (
        PublishedMonth.objects.filter(month__in=[month.first_day for month in months])
        .order_by("municipality_id", "month", "-version")
        .distinct("municipality_id", "month")
        .values_list("municipality_id", "month", "counts", "cells", "venue_names")
    )
    if municipality is not None:
        versions = versions.filter(municipality=municipality)
    counts, cells, names = {}, {}, {}
    for municipality_id, first_day, month_counts, month_cells, venue_names in versions:
        key = (municipality_id, Month.of(first_day))
        counts[key], cells[key], names[key] = month_counts, month_cells, venue_names
    return counts, cells, names


class Published:
    """The protected counts of some months, for one municipality or summed over all of them.

    With `approved`, the versions the municipalities published when they approved the months
    (the public statistics): a month no municipality has approved is None, and a sum over
    municipalities is of those that have. Otherwise today's counts, protected (a publication export).
    """

    def __init__(self, months: list[Month], municipality=None, approved: bool = False):
        self.municipality = municipality
        self.approved = approved
        # The venues' names as each version published them, by (municipality id, Month) and cell.
        self.venue_names: dict = {}
        if approved:
            self.counts, self.cells, self.venue_names = approved_cells(months, municipality)
        else:
            self.counts = municipality_cells(months, municipality)
            self.cells = {key: disclosure.protect(figures) for key, figures in self.counts.items()}
        self.by_month: dict = {}
        for (municipality_id, month), figures in self.cells.items():
            self.by_month.setdefault(month, {})[municipality_id] = figures

    def value(self, month: Month, key: str, municipality_id=None):
        """A municipality's published count; for all municipalities the sum of theirs (≥ when one is hidden)."""
        figures = self.by_month.get(month, {})
        if municipality_id is None and self.municipality is not None:
            municipality_id = self.municipality.pk
        if municipality_id is not None:
            if self.approved and municipality_id not in figures:
                return None  # not approved (yet)
            return figures.get(municipality_id, {}).get(key, 0)
        if self.approved and not figures:
            return None
        return disclosure.total_of(cells.get(key, 0) for cells in figures.values())

    def covered(self, month: Month) -> int:
        """How many municipalities' versions of the month a national figure sums: those that have approved it."""
        return len(self.by_month.get(month, {}))

    def so_far_this_year(self, month: Month, key: str = "first_time"):
        """The sum of the year's published months; at least that sum when a month of them is not approved."""
        values = [self.value(Month(month.year, number), key) for number in range(1, month.month + 1)]
        approved = [value for value in values if value is not None]
        if not approved:
            return None
        total = disclosure.total_of(approved)
        if len(approved) < len(values) and isinstance(total, int):
            return disclosure.AtLeast(total)
        return total

    def rolling(self, last: Month, key: str, municipality_id: int):
        """A municipality's rolling 12-month figure for the twelve months to `last`, the end of a quarter.

        Exact when each of its four quarters may be known exactly (reports.disclosure.period_total),
        else the sum of the months' published figures.
        """
        if last.month % 3:
            raise ValueError("rolling figures move a whole quarter at a time: end them with a quarter")
        if self.approved and any((municipality_id, last.shift(-i)) not in self.cells for i in range(12)):
            return None  # a month of the twelve is not approved (yet)
        quarters = []
        for first in (last.shift(offset) for offset in (-11, -8, -5, -2)):
            quarters.append(
                [
                    (
                        self.counts.get((municipality_id, month), {}).get(key, 0),
                        self.cells.get((municipality_id, month), {}),
                    )
                    for month in (first, first.shift(1), first.shift(2))
                ]
            )
        return disclosure.period_total(key, quarters)

    def too_small_for_months(self, months: list[Month], municipality_id: int) -> bool:
        """Whether a quarter or more of the municipality's non-zero monthly public figures would be hidden."""
        values = [self.value(month, key, municipality_id) for month in months for key in PUBLIC_KEYS]
        hidden = sum(1 for value in values if value == disclosure.HIDDEN)
        shown = sum(1 for value in values if isinstance(value, int) and value > 0)
        return hidden > 0 and hidden * ROLLING_WHEN_HIDDEN[1] >= (hidden + shown) * ROLLING_WHEN_HIDDEN[0]


def publish(report: MonthReport) -> None:
    """Replace every count of the report with its protected value as published; leave out what cannot be protected.

    The values are those the municipalities published when they approved the months (reports.publication),
    as on the public statistics: a month not approved is None ("–"), and a later entry or correction
    changes the file only when the month is approved again. Two files saved on two days differ by no
    more than two published versions do.

    Kits in stock are left out (their change from one month to the next would reveal the
    kits handed out), and so are the figures since the start and the target (their
    difference from one month to the next would reveal a hidden month).
    """
    month = report.month
    first = Month(month.shift(-12).year, 1)
    published = Published(_months(first, month), report.municipality, approved=True)
    tables = []
    for table in report.tables:
        if table.key in ("stock", "trained", "venues_not_logged", "trainers_not_logged"):
            if table.key == "trained":
                tables.append(_published_so_far(table, published))
            continue
        if table.key == "municipalities":
            tables.append(_published_municipalities(table, published, month))
            continue
        if table.key == "courses_by_venue":
            tables.append(_published_venues(table, published))
            continue
        if table.key == "kits_per_residents":  # from the protected kits: hidden when they are
            table.rows = [
                rate_row(
                    row.label,
                    row.municipality_id,
                    [published.value(m, "kits", row.municipality_id) for m in table.months],
                    row.residents,
                )
                for row in table.rows
            ]
            tables.append(table)
            continue
        for row in table.rows:
            if row.cell == "repeat":  # kits less first supplies: exact only when both are shown
                row.values = [
                    disclosure.difference(published.value(m, "kits"), published.value(m, "reason:first_supply"))
                    for m in table.months
                ]
            elif row.cell:
                row.values = [published.value(column, row.cell) for column in table.months]
        reports = next((row for row in table.rows if row.cell == "reports"), None)
        for row in table.rows:
            whole = table.rows[row.whole_of] if row.whole_of is not None else reports
            if row.kind == "share" and whole is not None:
                part = table.rows[row.share_of]
                row.values = [disclosure.share_of(p, w) for p, w in zip(part.values, whole.values, strict=True)]
        tables.append(table)
    if report.municipality is None:
        report.coverage = (published.covered(month), _add_coverage(tables, published))
    report.tables = tables


def _add_coverage(tables: list[Table], published: Published) -> int:
    """The national publication's key figures and trend: how many municipalities each month's figures cover
    (1 query); the number of municipalities. A month that only some municipalities have approved is their
    sum, not the country's total."""
    total = Municipality.objects.count()
    for table in tables:
        if table.key in ("summary", "trend"):
            table.rows.append(
                Row(
                    _("Municipalities covered (of %(total)s)") % {"total": total},
                    [published.covered(month) for month in table.months],
                    "count",
                )
            )
            table.note = " ".join(filter(None, [table.note, partial_note()]))
    return total


def partial_note() -> str:
    return _(
        "A month's figures are the sum of the municipalities that have approved it: when it covers fewer "
        "than all of them, they are not the country's total."
    )


def _published_venues(table: Table, published: Published) -> Table:
    """The venues of the published versions of the months, not of today's entries: a course logged late at
    a venue that held none in an approved month would add a row to the next download, telling of it.

    One row per venue open to the public (its cell, "venue_id:<id>"), named as the latest of the months published
    it: a venue renamed since is neither renamed here nor split in two rows. The venues not open to the public
    are one row, "Other places (not public)" (NOT_PUBLIC_VENUES, reports.figures.venue_cell). A version published
    before they were (it named such a venue) is kept as it was published, but its venues that are not open to the
    public now are added into that row here, not named again: their sum is of published figures ("≥" when one is
    hidden, reports.disclosure.total_of), so it tells nothing they do not (1 query)."""
    names = {}
    for month in sorted(table.months, reverse=True):
        for municipality_id, cells in published.by_month.get(month, {}).items():
            kept = published.venue_names.get((municipality_id, month), {})
            for key in cells:
                if key.startswith(VENUE_CELLS) and key not in names:
                    names[key] = kept.get(key) or key.removeprefix("venue_id:").removeprefix("venue:")
    ids = [int(key[len("venue_id:") :]) for key in names if key.startswith("venue_id:") and key[9:].isdigit()]
    hidden_now = {
        f"venue_id:{pk}" for pk in Venue.objects.filter(pk__in=ids, open_to_public=False).values_list("pk", flat=True)
    }
    not_public = sorted(key for key in names if key == NOT_PUBLIC_VENUES or key in hidden_now)
    public = sorted(
        ((key, name) for key, name in names.items() if key not in not_public and key not in ONLINE_VENUE_CELLS),
        key=lambda item: (item[1], item[0]),
    )
    rows = [Row(name, [published.value(m, key) for m in table.months], cell=key) for key, name in public]
    if not_public:
        values = [[published.value(m, key) for key in not_public] for m in table.months]
        rows.append(
            Row(
                _("Other places (not public)"),
                [None if None in month else disclosure.total_of(month) for month in values],
                cell=NOT_PUBLIC_VENUES,
            )
        )
    rows.extend(
        Row(_("Online (no venue)"), [published.value(m, key) for m in table.months], cell=key)
        for key in sorted(ONLINE_VENUE_CELLS & names.keys())
    )
    rows.append(Row(_("Total"), [published.value(m, "held") for m in table.months], "total", cell="held"))
    return Table(table.key, table.title, table.columns, rows, note=table.note, months=table.months)


def _published_so_far(table: Table, published: Published) -> Table:
    return Table(
        table.key,
        table.title,
        table.columns,
        [Row(_("So far this year"), [published.so_far_this_year(m) for m in table.months], "count")],
        note=_("The sum of the months' published figures; ≥ when a month's figure is hidden."),
        months=table.months,
    )


def _published_municipalities(table: Table, published: Published, month: Month) -> Table:
    keys = ["held", "participants", "first_time", "kits", "reports"]
    names = dict(Municipality.objects.filter(pk__in=published.by_month.get(month, {})).values_list("pk", "name"))
    rows = [
        Row(name, [published.value(month, key, municipality_id) for key in keys], "count")
        for municipality_id, name in sorted(names.items(), key=lambda item: item[1])
    ]
    rows.append(Row(_("Total"), [published.value(month, key) for key in keys], "total"))
    return Table(table.key, table.title, table.columns, rows)


# --- public statistics -------------------------------------------------------------------


def public_statistics(today: dt.date | None = None, municipality: Municipality | None = None) -> dict:
    """The last twelve full months and the last four full quarters, all municipalities, protected;
    with `municipality`, its own figures as well (`municipality_statistics`).

    Every figure is the sum of the municipalities' published figures (reports.disclosure),
    so the page can never be set against a municipality's own publication; and they are the
    figures each municipality published when it approved the month (reports.publication), so
    that a late entry or a correction changes nothing until the month is approved again.
    """
    last = Month.of(today or timezone.localdate()).shift(-1)
    first = last.shift(-11)
    last_quarter_end = last.shift(-(last.month % 3))  # the last month of the last whole quarter
    quarter_start = last_quarter_end.shift(-11)
    published = Published(_months(min(first, quarter_start), last), approved=True)
    months = [
        {
            "month": month,
            "courses": published.value(month, "held"),
            "people": published.value(month, "first_time"),
            "kits": published.value(month, "kits"),
            "covered": published.covered(month),
        }
        for month in _months(first, last)
    ]
    quarters = []
    for index in range(4):
        start = quarter_start.shift(index * 3)
        quarters.append(
            {
                "year": start.year,
                "quarter": (start.month - 1) // 3 + 1,
                "reports": sum_of_approved(published.value(start.shift(i), "reports") for i in range(3)),
                "covered": [published.covered(start.shift(i)) for i in range(3)],
            }
        )
    # How many municipalities each figure covers (the municipalities that have approved the month) and of how
    # many: a partial sum must not read as the country's total. Numbers only: the page words them in the
    # reader's language (reports.templatetags.reports.coverage), and this dict is shared by both languages.
    statistics = {
        "months": months,
        "quarters": quarters,
        "municipality": None,
        "municipalities": Municipality.objects.count(),
    }
    if municipality is not None:
        # Its own cells only (as in its own publication): the same values as in the sums above.
        oldest = last_quarter_end.shift(-3 * (ROLLING_WINDOWS - 1) - 11)
        own = Published(_months(min(first, oldest), last), municipality, approved=True)
        statistics["municipality"] = municipality_statistics(own, municipality, first, last, last_quarter_end)
    return statistics


def sum_of_approved(values):
    """The sum of the approved months' figures (reports.disclosure.total_of); None when none is approved."""
    approved = [value for value in values if value is not None]
    return disclosure.total_of(approved) if approved else None


PUBLIC_STATISTICS_SECONDS = 300


# The shape of `public_statistics`' dict, in the shared copy's key: one more whenever its keys change. During a
# release, app servers of the previous one still fill the shared copy in their shape; read by this release's
# page, a copy without "municipalities" (the coverage, 2) was a 500 until it expired, and again at each refill.
PUBLIC_STATISTICS_SHAPE = 2


def public_statistics_as_of(now: dt.datetime | None = None, municipality=None) -> tuple[dict, dt.datetime]:
    """`public_statistics` and when they were worked out: at most five minutes ago, by any app server.

    The page is public, and working it out reads two years of every municipality's published
    months (and, before they were stored, of courses, attendance and handouts: 0.5–1 s at
    national scale, bench/analysis.md): one copy shared by every app server keeps a few
    visitors reloading it from taking the servers from the people looking for a course. Its
    figures are the months as approved (reports.publication), so an approval shows within
    five minutes, and a late entry or a correction not until the month is approved again.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    key = f"public-statistics:{PUBLIC_STATISTICS_SHAPE}:{Month.of(today)}:{municipality.pk if municipality else 'all'}"
    shared = caches["shared"]
    kept = shared.get(key)
    if kept is None:
        kept = (public_statistics(today, municipality), now)
        shared.set(key, kept, PUBLIC_STATISTICS_SECONDS)
    return kept


ROLLING_WINDOWS = 4  # rolling 12-month figures shown: to the end of each of the last four whole quarters


def municipality_statistics(published: Published, municipality, first: Month, last: Month, quarter_end: Month):
    """One municipality on the public page: its months, or, when too small for monthly figures, its
    rolling 12-month figures to the end of each of the last four whole quarters."""
    months = _months(first, last)
    if not published.too_small_for_months(months, municipality.pk):
        return {
            "municipality": municipality,
            "rolling": False,
            "months": [
                {
                    "month": month,
                    "courses": published.value(month, "held", municipality.pk),
                    "people": published.value(month, "first_time", municipality.pk),
                    "kits": published.value(month, "kits", municipality.pk),
                }
                for month in months
            ],
        }
    windows = []
    for index in reversed(range(ROLLING_WINDOWS)):
        end = quarter_end.shift(-3 * index)
        windows.append(
            {
                "first": end.shift(-11),
                "last": end,
                "courses": published.rolling(end, "held", municipality.pk),
                "people": published.rolling(end, "first_time", municipality.pk),
                "kits": published.rolling(end, "kits", municipality.pk),
            }
        )
    return {"municipality": municipality, "rolling": True, "windows": windows}
