"""Rolling 12-month figures on the public page for a municipality too small for monthly figures.

Langeland holds one course in each month it has people to train, and hands out a few
kits; Odense holds six courses of six people every month. People trained (first time)
in Langeland, counted by hand, by calendar quarter (months without a figure are 0):

    Q3 2024   0  0  0     no month hidden                      may be known: 0
    Q4 2024   6  0  7     no month hidden                      may be known: 13
    Q1 2025   3  4  2     three hidden, summing to 9           may be known: 9
    Q2 2025   4  3  2     three hidden, summing to 9           may be known: 9
    Q3 2025   2  3  8     2 and 3 hidden: 5 − 1 = 4 < 5         may not: the 2 and 3 would be pinned
    Q4 2025   4  4  5     4 and 4 hidden: 8 − 4 = 4             may not: each is at least 4, so 4
    Q1 2026   5  0  9     no month hidden                      may be known: 14
    April 2026: 3

A quarter's sum may be known when no hidden month is pinned from either side: the others
at their least (1) leave each room for 5 or more (9 − 1 − 1 = 7), and the others at their
most as "x" (4 each) leave each no lower bound above what it is known to be (9 − 4 − 4 = 1).
Two hidden months of 3 and 4 would not do: 7 − 4 = 3, so each is 3 or 4.

On 10 May 2026 the page shows the 12 months to the end of each of the last four whole
quarters: to June 2025 exactly (0 + 13 + 9 + 9 = 31); the three later ones contain
Q3 2025, so they are the sums of the published months: ≥ 13 + 8 = 21, ≥ 8 + 5 = 13
and ≥ 8 + 5 + 5 + 9 = 27.
"""

import datetime as dt
import itertools

import pytest
import time_machine

from redliv.models import Municipality, Organisation
from reports import disclosure
from reports.disclosure import HIDDEN, AtLeast
from reports.figures import Month, month_report, municipality_cells, public_statistics
from tests import factories, monthly_data
from tests.monthly_data import CPH, attend, course
from tests.test_disclosure_audit import audit

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 5, 10)
FIRST, LAST = Month(2024, 7), Month(2026, 4)
SPAN = [FIRST.shift(i) for i in range(22)]
LANGELAND_PEOPLE = {
    Month(2024, 10): 6,
    Month(2024, 12): 7,
    Month(2025, 1): 3,
    Month(2025, 2): 4,
    Month(2025, 3): 2,
    Month(2025, 4): 4,
    Month(2025, 5): 3,
    Month(2025, 6): 2,
    Month(2025, 7): 2,
    Month(2025, 8): 3,
    Month(2025, 9): 8,
    Month(2025, 10): 4,
    Month(2025, 11): 4,
    Month(2025, 12): 5,
    Month(2026, 1): 5,
    Month(2026, 3): 9,
    Month(2026, 4): 3,
}
LANGELAND_KITS = {Month(2026, 1): 6, Month(2026, 2): 2, Month(2026, 3): 3}  # Q1 2026: 2 and 3 hidden, 5 − 1 < 5


def when(month, day, hour=13):
    return dt.datetime(month.year, month.month, day, hour, tzinfo=CPH)


@pytest.fixture
def langeland(coordinator, red_liv):
    return build_langeland(coordinator, red_liv)


def build_langeland(coordinator, red_liv):
    """Langeland and Odense, with the figures above (the coordinator logs them)."""
    municipality = Municipality.objects.create(name="Langeland", code=482)
    organisation = Organisation.objects.create(
        name="Langeland Kommune", kind=Organisation.Kind.MUNICIPALITY, municipality=municipality
    )
    small_venue = factories.make_venue(organisation, name="Rudkøbing Bibliotek")
    odense_venue = factories.make_venue(red_liv, name="Antidote Danmark, Odense")
    batch = factories.make_batch(expiry_date=dt.date(2029, 1, 1), received_on=dt.date(2024, 6, 1))
    bag = factories.make_location(organisation)
    factories.receive(batch, bag, 100, coordinator, occurred_at=when(Month(2024, 6), 2))
    for month in SPAN:
        if month in LANGELAND_PEOPLE:
            attend(course(small_venue, when(month, 10)), coordinator, people_who_use_drugs=LANGELAND_PEOPLE[month])
        for number in range(6):
            attend(course(odense_venue, when(month, 2 + number)), coordinator, people_who_use_drugs=6)
        if month in LANGELAND_KITS:
            factories.hand_out(batch, bag, LANGELAND_KITS[month], coordinator, occurred_at=when(month, 12))
    # Approved, every month: the public page shows the months as approved.
    monthly_data.publish(coordinator, Municipality.objects.all(), FIRST, LAST)
    return municipality


def test_a_small_municipality_gets_rolling_figures_to_the_end_of_each_whole_quarter_counted_by_hand(langeland):
    own = public_statistics(today=TODAY, municipality=langeland)["municipality"]
    assert own["rolling"] is True
    windows = [(row["first"], row["last"], row["people"], row["kits"], row["courses"]) for row in own["windows"]]
    assert windows == [
        (Month(2024, 7), Month(2025, 6), 31, 0, HIDDEN),  # one course a month: every month's 1 is hidden
        (Month(2024, 10), Month(2025, 9), AtLeast(21), 0, HIDDEN),
        (Month(2025, 1), Month(2025, 12), AtLeast(13), 0, HIDDEN),
        (Month(2025, 4), Month(2026, 3), AtLeast(27), AtLeast(6), HIDDEN),
    ]


def test_a_municipality_with_few_hidden_figures_keeps_its_months(langeland):
    odense = Municipality.objects.get(name="Odense")
    own = public_statistics(today=TODAY, municipality=odense)["municipality"]
    assert own["rolling"] is False
    assert [row["month"] for row in own["months"]] == [Month(2025, 5).shift(i) for i in range(12)]
    assert {(row["courses"], row["people"], row["kits"]) for row in own["months"]} == {(6, 36, 0)}


def test_the_public_page_shows_the_chosen_municipalitys_figures(client, langeland):
    odense = Municipality.objects.get(name="Odense")
    travel = time_machine.travel(dt.datetime(2026, 5, 10, 12, tzinfo=CPH), tick=False)
    travel.start()
    page = client.get(f"/en/statistik/?kommune={langeland.pk}").content.decode()
    assert "Langeland is too small for monthly figures" in page and 'data-table="municipality-rolling"' in page
    assert "≥ 21" in page
    assert f'<option value="{langeland.pk}" selected>Langeland</option>' in page
    page = client.get(f"/en/statistik/?kommune={odense.pk}").content.decode()
    assert 'data-table="municipality-months"' in page and "Odense, per month" in page
    danish = client.get(f"/statistik/?kommune={langeland.pk}").content.decode()
    assert "Langeland er for lille til månedstal" in danish
    assert client.get("/statistik/?kommune=abc").status_code == 404
    assert client.get("/statistik/?kommune=999999").status_code == 404
    # Too large for a bigint (the look-up finds nothing), and too long for int() (a ValueError: a 500 before).
    assert client.get("/statistik/?kommune=99999999999999999999").status_code == 404
    assert client.get("/statistik/?kommune=" + "9" * 5000).status_code == 404
    travel.stop()


def test_a_quarter_whose_hidden_months_are_pinned_from_below_is_not_exact():
    """Kits 4 and 4 hidden, the third month 0: a reader who takes "x" as at most 4 learns from a
    total of 8 that both were 4, and from 7 that each was 3 or 4. Three hidden months summing to
    9 leave each anything from 1 to 7."""
    hidden = {"kits": HIDDEN}
    assert not disclosure.quarter_is_exact("kits", [(4, hidden), (4, hidden), (0, {"kits": 0})])
    assert not disclosure.quarter_is_exact("kits", [(3, hidden), (4, hidden), (0, {"kits": 0})])
    assert disclosure.quarter_is_exact("kits", [(3, hidden), (4, hidden), (2, hidden)])


def test_a_hidden_total_is_at_least_every_count_published_as_at_most_it():
    """Reports hidden, but 112 called in 5 of them: another hidden month of the quarter may be
    at most the quarter less 5, so the quarter is not exact although the naive rule (2 hidden,
    sum 7 ≥ 2 + 4) would allow it."""
    small = {"reports": HIDDEN, "outcome:recovered": HIDDEN}
    pinned_high = {"reports": HIDDEN, "outcome:recovered": HIDDEN, "outcome:hospital": HIDDEN, "called_112": 5}
    assert disclosure.lower_bound(small, "reports") == 1
    assert disclosure.lower_bound(pinned_high, "reports") == 5
    assert not disclosure.quarter_is_exact("reports", [(2, small), (5, pinned_high), (0, {})])
    assert disclosure.quarter_is_exact("reports", [(2, small), (9, pinned_high), (0, {})])
    shown = {
        "first_time": HIDDEN,
        "participants": HIDDEN,
        "refresher": 2,
        "audience:other": 7,
        "audience:residents": HIDDEN,
    }
    assert disclosure.lower_bound(shown, "first_time") == 7 + 1 - 2


# --- the attacker --------------------------------------------------------------------------


def observations(municipalities):
    """Everything published about the span: [(municipality id or None for all, [months], cell, value)].

    Each municipality's and the country's publication of every month (with its previous
    month, the same month last year, the trend and so far this year, and the country's
    table by municipality), and the public page on the tenth of every month, with every
    municipality chosen.
    """
    ids = {m.name: m.pk for m in municipalities}
    seen = []
    for month in SPAN:
        for scope in [*municipalities, None]:
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
                        seen.extend((row_scope, [month], k, v) for k, v in zip(keys, row.values, strict=True))
                else:
                    seen.extend(
                        (scope_id, [column], row.cell, value)
                        for row in table.rows
                        if row.cell and row.cell != "repeat"
                        for column, value in zip(table.months, row.values, strict=True)
                    )
    for month in SPAN:
        today = month.shift(1).first_day.replace(day=10)
        for municipality in municipalities:
            statistics = public_statistics(today=today, municipality=municipality)
            for row in statistics["months"]:
                for key, cell in [("courses", "held"), ("people", "first_time"), ("kits", "kits")]:
                    seen.append((None, [row["month"]], cell, row[key]))
            for row in statistics["quarters"]:
                start = Month(row["year"], row["quarter"] * 3 - 2)
                seen.append((None, [start, start.shift(1), start.shift(2)], "reports", row["reports"]))
            own = statistics["municipality"]
            for row in own.get("months", []):
                for key, cell in [("courses", "held"), ("people", "first_time"), ("kits", "kits")]:
                    seen.append((municipality.pk, [row["month"]], cell, row[key]))
            for row in own.get("windows", []):
                window = [row["first"].shift(i) for i in range(12)]
                for key, cell in [("courses", "held"), ("people", "first_time"), ("kits", "kits")]:
                    seen.append((municipality.pk, window, cell, row[key]))
    return seen


def subtract_everything(seen, municipality_ids):
    """Every exact figure as a sum of cells; subtract every cell already known and any figure that
    lies inside another, again and again until nothing new comes out. {cell: value} worked out.

    The attacker knows that a municipality's publication lists all its own venues, formats and
    groups: a cell it never lists is 0.
    """
    listed = {(scope, cell) for scope, columns, cell, _v in seen if scope is not None and len(columns) == 1}
    facts = set()
    for scope, columns, cell, value in seen:
        if isinstance(value, int):
            scopes = [scope] if scope is not None else municipality_ids
            cells = frozenset((s, month, cell) for s in scopes for month in columns if (s, cell) in listed)
            facts.add((cells, value))
    known = {}
    for _round in range(50):
        reduced = set()
        for cells, value in facts:
            rest = frozenset(c for c in cells if c not in known)
            value -= sum(known[c] for c in cells if c in known)
            if len(rest) == 1:
                known[next(iter(rest))] = value
            elif rest:
                reduced.add((rest, value))
        differences = {
            (big - small, big_value - small_value)
            for (big, big_value), (small, small_value) in itertools.permutations(reduced, 2)
            if small < big
        }
        if reduced | differences == facts:
            return known
        facts = reduced | differences
    raise AssertionError("the subtractions did not come to an end")


def truth():
    return municipality_cells([FIRST.shift(-12 + i) for i in range(12 + len(SPAN))])


def hidden_small(seen, counts):
    """The cells a municipality's own publication hides whose count is from 1 to 4."""
    return {
        (scope, columns[0], cell)
        for scope, columns, cell, value in seen
        if scope is not None
        and len(columns) == 1
        and value == HIDDEN
        and disclosure.is_small(counts.get((scope, columns[0]), {}).get(cell, 0))
    }


def test_no_subtraction_of_published_figures_recovers_a_hidden_count_of_a_small_municipality(langeland):
    municipalities = list(Municipality.objects.all())
    seen = observations(municipalities)
    counts = truth()
    assert any(scope == langeland.pk and len(columns) == 12 and value == 31 for scope, columns, _c, value in seen)
    suppressed = hidden_small(seen, counts)
    assert len({c for c in suppressed if c[0] == langeland.pk}) >= 15  # the audit is not empty
    known = subtract_everything(seen, [m.pk for m in municipalities])
    for cell, value in known.items():  # what subtraction gives is true
        assert counts.get(cell[:2], {}).get(cell[2], 0) == value, cell
    assert suppressed & set(known) == set()


@pytest.mark.long(seconds=4)
def test_the_interval_audit_finds_no_hidden_count_pinned_below_5_with_the_rolling_figures(langeland):
    seen = observations(list(Municipality.objects.all()))
    counts = truth()
    largest = audit(seen, {key: cells for key, cells in counts.items()})
    assert {index for index in largest if index[0] == langeland.pk and index[2] == "first_time"}
    assert {index: bound for index, bound in largest.items() if bound < disclosure.SMALL - 1e-6} == {}


@pytest.mark.long(seconds=6)
def test_rolling_figures_published_every_month_give_the_months_away(langeland):
    """The attacker has teeth: twelve-month sums a month apart differ by one month in and one out."""
    municipalities = list(Municipality.objects.all())
    seen = observations(municipalities)
    counts = truth()
    for last in SPAN:
        window = [last.shift(-i) for i in range(12)]
        raw = sum(counts.get((langeland.pk, month), {}).get("first_time", 0) for month in window)
        seen.append((langeland.pk, window, "first_time", raw))
    known = subtract_everything(seen, [m.pk for m in municipalities])
    assert (langeland.pk, Month(2025, 7), "first_time") in hidden_small(seen, counts) & set(known)


@pytest.mark.long(seconds=10)
def test_a_quarter_whose_hidden_months_would_be_pinned_must_not_be_exact(langeland, monkeypatch):
    """The audit has teeth: without the quarter rule, Q3 2025's 2 and 3 are pinned below 5."""

    def always_exact(key, quarters):
        return sum(count for months in quarters for count, _published in months)

    monkeypatch.setattr(disclosure, "period_total", always_exact)
    largest = audit(observations(list(Municipality.objects.all())), truth())
    pinned = {index for index, bound in largest.items() if bound < disclosure.SMALL - 1e-6}
    assert (langeland.pk, Month(2025, 7), "first_time") in pinned
