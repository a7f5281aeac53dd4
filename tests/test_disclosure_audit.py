"""The interval audit of the published figures: no hidden count can be worked out, nor, from two
versions of the public statistics, a change of 1 to 4 (the last tests).

Four municipalities, one large and three small, with many small counts in January to
April 2026. The attacker holds everything published for them: each municipality's
publication of February, March and April (with their previous-month and last-year
columns, the trend and so far this year), the same three months for all
municipalities, and the public statistics. For every hidden figure, linear programming
(HiGHS) finds the largest value that all of it allows, using every relation the
attacker knows (parts add up to their totals, municipalities add up to the country,
months add up to the year and the quarter, the reports with a 112 call and the rest add up
to the reports). None may be pinned below 5; nor may the rest of the reports (without a
112 call, an ambulance or a trained responder), which is never shown but is a difference.
"""

import datetime as dt
import random
from zoneinfo import ZoneInfo

import highspy
import pytest
from django.db import transaction

from courses.models import CourseFormat
from redliv.closing import reopen_month
from redliv.models import Audience, Municipality, Organisation
from reports import disclosure
from reports.disclosure import HIDDEN, AtLeast
from reports.figures import (
    NOT_PUBLIC_VENUES,
    Month,
    approved_cells,
    month_report,
    municipality_cells,
    public_statistics,
)
from reports.publication import approve_and_publish
from reversals.models import ReversalReport
from tests import factories, monthly_data
from tests.monthly_data import report

pytestmark = pytest.mark.django_db

CPH = ZoneInfo("Europe/Copenhagen")
MONTHS = [Month(2026, 1), Month(2026, 2), Month(2026, 3), Month(2026, 4)]
PUBLISHED_MONTHS = MONTHS[1:]
TODAY = dt.date(2026, 5, 10)
AUDIENCES = [value for value, _label in Audience.choices]
SIZES = {"Odense": 6, "Nyborg": 2, "Kerteminde": 2, "Langeland": 1}  # courses per month


def build_months(user):
    """Many small counts, the same every run."""
    rng = random.Random(18)
    batch = factories.make_batch(expiry_date=dt.date(2029, 1, 1), received_on=dt.date(2025, 12, 1))
    for code, (name, courses) in enumerate(SIZES.items(), start=400):
        municipality = Municipality.objects.get_or_create(name=name, defaults={"code": code})[0]
        organisation = Organisation.objects.get_or_create(
            name=f"{name} Kommune", kind=Organisation.Kind.MUNICIPALITY, municipality=municipality
        )[0]
        # The second is a shelter for its residents: a publication counts it only among "Other places (not public)".
        venues = [factories.make_venue(organisation), factories.make_venue(organisation, open_to_public=False)]
        trainer = factories.make_trainer(organisation)
        bag = factories.make_location(organisation)
        factories.receive(batch, bag, 1000, user, occurred_at=dt.datetime(2025, 12, 2, tzinfo=CPH))
        district = factories.make_district(municipality)
        for month in MONTHS:
            held = []
            for number in range(courses):
                starts = dt.datetime(month.year, month.month, 2 + number * 3, 13, tzinfo=CPH)
                course = factories.make_course(
                    rng.choice(venues), starts_at=starts, format=rng.choice([CourseFormat.DROP_IN, "pop_up"])
                )
                course.trainers.set([trainer])
                held.append(course)
                counts = {audience: rng.choice([0, 0, 1, 2, 3, 6]) for audience in rng.sample(AUDIENCES, 3)}
                total = sum(counts.values()) or 1
                counts.setdefault(Audience.PEOPLE_WHO_USE_DRUGS, 0)
                if not sum(counts.values()):
                    counts[Audience.PEOPLE_WHO_USE_DRUGS] = 1
                refresher = rng.randint(0, total // 2)
                factories.make_attendance(
                    course,
                    user,
                    **{**dict.fromkeys(AUDIENCES, 0), **counts},
                    first_time=total - refresher,
                    refresher=refresher,
                )
            for number in range(courses + 1):
                audience = rng.choice([Audience.PEOPLE_WHO_USE_DRUGS, Audience.PROFESSIONALS, None])
                factories.hand_out(
                    batch,
                    bag,
                    rng.choice([1, 1, 2, 3]),
                    user,
                    occurred_at=dt.datetime(month.year, month.month, 3 + number, 11, tzinfo=CPH),
                    handout_reason=rng.choice(["first_supply", "first_supply", "replaces_used", "lost"]),
                    recipient_audience=audience,
                    course=None if audience else rng.choice(held),
                )
            for number in range(rng.randint(0, courses)):
                report(
                    district,
                    dt.datetime(month.year, month.month, 5 + number, 22, tzinfo=CPH),
                    user,
                    outcome=rng.choice([ReversalReport.Outcome.RECOVERED, ReversalReport.Outcome.HOSPITAL]),
                    called_112=rng.random() < 0.7,
                    responder_trained=rng.choice(["yes", "no"]),
                    ambulance_arrived=rng.random() < 0.5,
                )


def observations():
    """Everything published: [(municipality id or None for all, [months], cell, shown value)]."""
    ids = dict(Municipality.objects.values_list("name", "pk"))
    seen = []
    for month in PUBLISHED_MONTHS:
        for scope in [*Municipality.objects.all(), None]:
            scope_id = scope.pk if scope else None
            for table in month_report(month, scope, publication=True).tables:
                if table.key == "trained":
                    for column, value in zip(table.months, table.rows[0].values, strict=True):
                        year = [Month(column.year, m) for m in range(1, column.month + 1)]
                        seen.append((scope_id, year, "first_time", value))
                elif table.key == "municipalities":
                    keys = ["held", "participants", "first_time", "kits", "reports"]
                    for row in table.rows:
                        row_scope = None if row.kind == "total" else ids[row.label]
                        seen.extend(
                            (row_scope, [month], key, value) for key, value in zip(keys, row.values, strict=True)
                        )
                else:
                    for row in table.rows:
                        if row.cell == "repeat":  # kits less first supplies: shown only when both are
                            assert row.values == [
                                disclosure.difference(
                                    table.row_by_cell("kits")[i], table.row_by_cell("reason:first_supply")[i]
                                )
                                for i in range(len(row.values))
                            ]
                        elif row.cell:
                            seen.extend(
                                (scope_id, [column], row.cell, value)
                                for column, value in zip(table.months, row.values, strict=True)
                            )
    statistics = public_statistics(today=TODAY)
    for row in statistics["months"]:
        for key, cell in [("courses", "held"), ("people", "first_time"), ("kits", "kits")]:
            seen.append((None, [row["month"]], cell, row[key]))
    for row in statistics["quarters"]:
        start = Month(row["year"], row["quarter"] * 3 - 2)
        seen.append((None, [start, start.shift(1), start.shift(2)], "reports", row["reports"]))
    return seen


RELATIONS = [  # (total, prefix of the parts that add up to it)
    ("held", "format:"),
    ("held", "venue_id:"),
    ("participants", "audience:"),
    ("kits", "reason:"),
    ("kits", "kit_audience:"),
    ("reports", "outcome:"),
]
AT_MOST = [("held", "planned")]
# Reports where 112 was called and the rest, which is never shown but is the reports less them.
SPLITS = [
    ("called_112", "not_called_112"),
    ("ambulance", "no_ambulance"),
    ("responder_trained", "responder_not_trained"),
]
RESTS = {rest for _part, rest in SPLITS}


def add_version(highs, seen, keys, municipalities, months, complete_tables=True):
    """Variables for every count of one version of the published set, held to all it shows:
    ({(municipality id, month, cell): variable}, the hidden cells).

    With `complete_tables`, a municipality's own tables list every cell it has (another municipality's
    venue is 0 there); without, a cell no table lists is unknown.
    """
    exact, hidden, listed = {}, set(), set()
    for scope, columns, cell, value in seen:
        if scope is not None and len(columns) == 1:
            listed.add((scope, cell))
            if isinstance(value, int):
                exact[(scope, columns[0], cell)] = value
            elif value == HIDDEN:
                hidden.add((scope, columns[0], cell))
    variables = {}
    for municipality in municipalities:
        for month in months:
            for key in keys:
                index = (municipality, month, key)
                if index in exact:
                    variables[index] = highs.addVariable(lb=exact[index], ub=exact[index])
                elif index in hidden:
                    variables[index] = highs.addVariable(lb=1, ub=10**6)  # zeros are never hidden
                elif key in RESTS:  # known only as a difference
                    variables[index] = highs.addVariable(lb=0, ub=10**6)
                elif complete_tables and (municipality, key) not in listed:  # another municipality's venue
                    variables[index] = highs.addVariable(lb=0, ub=0)
                else:
                    variables[index] = highs.addVariable(lb=0, ub=10**6)

    def total(municipality, month, key):
        return variables[(municipality, month, key)]

    for municipality in municipalities:
        for month in months:
            for whole, prefix in RELATIONS:
                parts = [total(municipality, month, key) for key in keys if key.startswith(prefix)]
                if parts:
                    highs.addConstr(sum(parts[1:], parts[0]) == total(municipality, month, whole))
            highs.addConstr(
                total(municipality, month, "first_time") + total(municipality, month, "refresher")
                == total(municipality, month, "participants")
            )
            for part, whole in AT_MOST:
                highs.addConstr(total(municipality, month, part) <= total(municipality, month, whole))
            for part, rest in SPLITS:
                highs.addConstr(
                    total(municipality, month, part) + total(municipality, month, rest)
                    == total(municipality, month, "reports")
                )
    for scope, columns, cell, value in seen:
        if scope is not None and len(columns) == 1:
            continue
        scopes = [scope] if scope is not None else municipalities
        terms = [total(s, month, cell) for s in scopes for month in columns]
        expression = sum(terms[1:], terms[0])
        if isinstance(value, int):
            highs.addConstr(expression == value)
        elif isinstance(value, AtLeast):
            highs.addConstr(expression >= value.value)
    return variables, hidden


def audit(seen, truth):
    """{(municipality id, month, cell): the largest value the published set allows} for every hidden cell,
    and for every rest of the reports (RESTS) from 1 to 4."""
    municipalities = list(Municipality.objects.values_list("pk", flat=True))
    months = sorted({month for _s, columns, _c, _v in seen for month in columns})
    published_months = {columns[0] for scope, columns, _c, _v in seen if scope is not None and len(columns) == 1}
    keys = {key for (_m, _month), cells in truth.items() for key in cells} | {cell for *_x, cell, _v in seen} | RESTS
    highs = highspy.Highs()
    highs.silent()
    variables, hidden = add_version(highs, seen, keys, municipalities, months)
    largest = {}
    # The hidden cells, and the rests that are never shown but could be worked out by subtraction.
    # Only those from 1 to 4: a rest of 0 may well be known (112 called in every report).
    rests = {
        (municipality, month, rest)
        for municipality in municipalities
        for month in published_months
        for part, rest in SPLITS
        if 1
        <= truth.get((municipality, month), {}).get("reports", 0) - truth.get((municipality, month), {}).get(part, 0)
        <= 4
    }
    for index in sorted(hidden | rests, key=str):
        highs.maximize(variables[index])
        assert highs.getModelStatus() == highspy.HighsModelStatus.kOptimal, index
        largest[index] = highs.val(variables[index])
    return largest


def truth_of():
    truth = {
        (municipality, month): cells
        for (municipality, month), cells in municipality_cells([Month(2025, 1).shift(i) for i in range(16)]).items()
    }
    for cells in truth.values():
        for part, rest in SPLITS:
            cells[rest] = cells.get("reports", 0) - cells.get(part, 0)
    return truth


def one_report_without_112(user):
    """Ærø, March 2026: six reports, and 112 called, an ambulance and a trained responder in five."""
    municipality = Municipality.objects.create(name="Ærø", code=492)
    district = factories.make_district(municipality)
    for day in range(1, 7):
        yes = day < 6
        report(
            district,
            dt.datetime(2026, 3, day, 22, tzinfo=CPH),
            user,
            called_112=yes,
            ambulance_arrived=yes,
            responder_trained="yes" if yes else "no",
        )


def approve_everything(user):
    """Every municipality approves January to April: the public statistics show them (reports.publication)."""
    monthly_data.publish(user, Municipality.objects.all(), MONTHS[0], MONTHS[-1])


@pytest.mark.long(seconds=6)
def test_no_hidden_figure_can_be_worked_out_from_everything_published(coordinator):
    build_months(coordinator)
    one_report_without_112(coordinator)
    approve_everything(coordinator)
    truth = truth_of()
    seen = observations()
    for scope, columns, cell, value in seen:  # what is shown is true
        if scope is not None and len(columns) == 1 and isinstance(value, int):
            assert truth.get((scope, columns[0]), {}).get(cell, 0) == value, (scope, columns, cell)
    assert {cell for _s, _c, cell, _v in seen if cell.startswith("venue_id:")} >= {NOT_PUBLIC_VENUES}  # audited too
    largest = audit(seen, truth)
    small = [index for index in largest if 1 <= truth.get(index[:2], {}).get(index[2], 0) <= 4]
    assert len(small) >= 40  # the months are full of small counts: the audit is not empty
    assert [index for index in small if index[2] in RESTS]  # and of small rests
    pinned = {index: bound for index, bound in largest.items() if bound < disclosure.SMALL - 1e-6}
    assert pinned == {}


@pytest.mark.long(seconds=5)
def test_the_audit_finds_the_figures_that_hiding_only_the_small_counts_gives_away(coordinator, monkeypatch):
    """The audit has teeth: with primary suppression alone, it pins hidden counts."""

    def primary_only(cells):
        return {key: HIDDEN if disclosure.is_small(value) else value for key, value in cells.items()}

    build_months(coordinator)
    monkeypatch.setattr(disclosure, "protect", primary_only)
    approve_everything(coordinator)  # published as protected then
    largest = audit(observations(), truth_of())
    assert [index for index, bound in largest.items() if bound < disclosure.SMALL - 1e-6]


# --- two versions: the public statistics saved before and after the months were approved again -------


def public_observations(municipalities):
    """The public statistics as a reader saves them: the country's, and each municipality's own."""
    seen = []
    for scope in [None, *municipalities]:
        statistics = public_statistics(today=TODAY, municipality=scope)
        if scope is None:
            for row in statistics["months"]:
                for key, cell in [("courses", "held"), ("people", "first_time"), ("kits", "kits")]:
                    seen.append((None, [row["month"]], cell, row[key]))
            for row in statistics["quarters"]:
                start = Month(row["year"], row["quarter"] * 3 - 2)
                seen.append((None, [start, start.shift(1), start.shift(2)], "reports", row["reports"]))
            continue
        own = statistics["municipality"]
        for row in own.get("months", []):
            for key, cell in [("courses", "held"), ("people", "first_time"), ("kits", "kits")]:
                seen.append((scope.pk, [row["month"]], cell, row[key]))
        for row in own.get("windows", []):
            window = [row["first"].shift(i) for i in range(12)]
            for key, cell in [("courses", "held"), ("people", "first_time"), ("kits", "kits")]:
                seen.append((scope.pk, window, cell, row[key]))
    return [observation for observation in seen if observation[3] is not None]  # – : not approved


def published_counts():
    counts, _cells, _names = approved_cells(MONTHS)
    return counts


def late_entries(user):
    """Kits and reports of January to April logged after the months were approved: some changes of
    1 to 4, some of 5 or more, the same every run."""
    rng = random.Random(20)
    batch = factories.make_batch(expiry_date=dt.date(2029, 1, 1), received_on=dt.date(2025, 12, 1))
    for name in SIZES:
        municipality = Municipality.objects.get(name=name)
        bag = factories.make_location(Organisation.objects.get(name=f"{name} Kommune"))
        factories.receive(batch, bag, 200, user, occurred_at=dt.datetime(2025, 12, 2, tzinfo=CPH))
        district = factories.make_district(municipality)
        for month in MONTHS:
            for _ in range(rng.choice([0, 1, 1, 2])):
                factories.hand_out(
                    batch,
                    bag,
                    rng.choice([1, 2, 3, 5, 6, 9]),
                    user,
                    occurred_at=dt.datetime(month.year, month.month, 20, 11, tzinfo=CPH),
                    handout_reason=rng.choice(["first_supply", "replaces_used"]),
                )
            for number in range(rng.choice([0, 0, 1, 5])):
                report(district, dt.datetime(month.year, month.month, 21 + number, 22, tzinfo=CPH), user)


def approve_again(user):
    for name in SIZES:
        municipality = Municipality.objects.get(name=name)
        for month in MONTHS:
            reopen_month(user, municipality, month.first_day, "Sene indberetninger")
            approve_and_publish(user, municipality, month.first_day)


def changes_pinned(before, after, counts_before, counts_after, municipalities):
    """{(municipality id, month, cell): (least, largest) change} for every change from 1 to 4 that the two
    versions pin between -4 and 4: it cannot be 0 or 5 or more either way."""
    months = sorted({month for _s, columns, _c, _v in before + after for month in columns})
    keys = {key for counts in (counts_before, counts_after) for cells in counts.values() for key in cells}
    keys |= {"held", "first_time", "refresher", "participants", "kits", "reports", "planned"} | RESTS
    keys |= {cell for splits in SPLITS for cell in splits}
    highs = highspy.Highs()
    highs.silent()
    first, _hidden = add_version(highs, before, keys, municipalities, months, complete_tables=False)
    second, _hidden = add_version(highs, after, keys, municipalities, months, complete_tables=False)
    pinned = {}
    for municipality, month in sorted(counts_after, key=str):
        for key in keys:
            change = counts_after[(municipality, month)].get(key, 0) - counts_before.get((municipality, month), {}).get(
                key, 0
            )
            if not 1 <= abs(change) <= 4:
                continue
            bounds = []
            for solve in (highs.minimize, highs.maximize):
                solve(second[(municipality, month, key)] - first[(municipality, month, key)])
                assert highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
                bounds.append(highs.getInfo().objective_function_value)
            least, largest = bounds
            if (
                least > -disclosure.SMALL + 1e-6
                and largest < disclosure.SMALL - 1e-6
                and (least > 1e-6 or largest < -1e-6)
            ):
                pinned[(municipality, month, key)] = (least, largest)
    return pinned


def test_two_versions_of_the_public_statistics_tell_no_change_from_1_to_4(coordinator, monkeypatch):
    """A reader saves the public statistics, the months get late entries and are approved again, and the
    reader saves them again. Every change from 1 to 4 stays unknown: it may as well be 0 or 5 or more."""
    build_months(coordinator)
    approve_everything(coordinator)
    municipalities = list(Municipality.objects.filter(name__in=SIZES))
    ids = [municipality.pk for municipality in municipalities]
    before, counts_before = public_observations(municipalities), published_counts()
    late_entries(coordinator)

    # The attacker has teeth: publishing every new version as it is gives changes away.
    with transaction.atomic():
        monkeypatch.setattr(disclosure, "revision_problems", lambda *versions: [])
        approve_again(coordinator)
        unchecked = changes_pinned(before, public_observations(municipalities), counts_before, published_counts(), ids)
        monkeypatch.undo()
        transaction.set_rollback(True)
    assert unchecked

    approve_again(coordinator)
    counts_after = published_counts()
    changed = {key for key, cells in counts_after.items() if cells != counts_before[key]}
    withheld = {key for key in counts_before if key not in changed}
    assert changed and len(withheld) >= 4  # some months have new versions, some keep theirs
    after = public_observations(municipalities)
    assert changes_pinned(before, after, counts_before, counts_after, ids) == {}
