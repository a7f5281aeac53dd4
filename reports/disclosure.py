"""Disclosure control for published figures: cell suppression that survives subtraction.

The method (stated for readers on the method page, `/statistik/metode/`):

1. **The unit of protection is one municipality's month.** Every count published
   for a municipality and a month (participants by audience, first time and
   refresher, kits by reason and by audience, reversal reports by outcome, courses
   by format and venue, …) is decided from that municipality's figures for that
   month alone. Every page and export that shows the month (its own, the next
   month's "previous month" column, next year's "same month last year" column, the
   trend) therefore shows the same values.
2. **Primary suppression.** Every count from 1 to 4 is hidden. Zeros are shown.
3. **Secondary (complementary) suppression.** The counts form small additive
   tables that share a total (audience groups and first-time/refresher both add up
   to the participants; the reports where 112 was called and the rest, which is never
   shown but is the reports less them, add up to the reports). In a table whose total is shown, at least two parts are
   hidden and the hidden parts add up to at least their number plus 4, so that any
   hidden part may be 5 or more, whatever the others are. More parts are hidden,
   smallest first, until that holds; when no part is left, the total is hidden
   too, and then every table that adds up to it hides at least one part, which
   leaves the hidden cells without an upper bound.
4. **One symbol.** Primary and secondary suppressions are both shown as "x", so
   the symbol itself does not say "from 1 to 4".
5. **Derived figures come from the protected ones.** National figures are the sum
   of the municipalities' published figures, year-to-date the sum of the published
   months, a quarter the sum of its published months, a percentage the ratio of two
   published counts. When a hidden figure is part of a sum, the sum is shown as
   "at least" the part that is known ("≥ 73"); a percentage with a hidden part is
   hidden. A derived figure can therefore never be subtracted from another
   published figure to reveal anything the protected figures do not show already.

6. **Rolling 12-month figures** for municipalities too small for monthly figures
   move on a whole calendar quarter at a time and are exact only when each of their
   quarters may be known exactly without pinning a hidden month (`period_total`,
   at the end of this module); otherwise they are the sum of the published months.

7. **Published figures are frozen at approval.** The public statistics show a
   municipality's month as it was when the municipality approved it (a stored
   version, `reports.models.PublishedMonth`), never today's entries: a late entry,
   a correction or a reopening changes nothing a reader sees. Approving the month
   again makes a new, whole version, published only when no figure a reader can
   work out from it and any earlier version changes by 1 to 4 (`revision_problems`): two
   versions of a page are two publications, and their difference is one more
   published figure. Otherwise the earlier version stays.

8. **Coverage.** Beside each national month stands how many municipalities it covers
   ("41 of 98"). It counts municipalities, not people, and from the same published
   versions as the sums (a reopened month, or one whose new version was withheld, stays
   covered as it stays summed), so it moves only with the sum. What it tells a reader who
   saves the page twice is that the sums differ by whole municipality-months, which point 5
   already protects: a sum with a hidden month in it reads "≥" (test:
   tests/test_national_figures_say_what_they_cover.py).

`tests/test_disclosure_audit.py` checks this with the linear-programming interval
audit statistics agencies use: for every hidden cell it computes the largest value
the whole published set (the municipalities' months and their neighbours,
year-to-date, the national page and the public statistics) allows, and requires
at least 5.
"""

from __future__ import annotations

from dataclasses import dataclass

SMALL = 5  # counts from 1 to SMALL - 1 are hidden
HIDDEN = "x"


@dataclass(frozen=True)
class AtLeast:
    """A derived sum with a hidden figure in it: the sum of the parts that are shown."""

    value: int

    def __str__(self):
        return f"≥ {self.value}"


def is_small(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < SMALL


# The additive tables of one municipality's month: a total and the breakdowns that add up to it.
# A breakdown is a key prefix ("format:" takes every "format:…" cell), a tuple of them, or a list of keys.
GROUPS = {
    # A venue's cell is "venue_id:<id>" (reports.figures.municipality_cells), the venues not open to the public
    # one cell together ("venue_id:not_public"); versions published before kept a venue whose name found none by
    # its name, "venue:<name>" (reports/migrations/0010).
    "held": ["format:", ("venue_id:", "venue:")],
    "participants": ["audience:", ["first_time", "refresher"]],
    "kits": ["reason:", "kit_audience:"],
    # Reports where 112 was called and the rest: the rest is never shown, but it is the reports less
    # those where 112 was called (or the share's complement), so it is protected like a shown part.
    "reports": [
        "outcome:",
        ["called_112", "not_called_112"],
        ["ambulance", "no_ambulance"],
        ["responder_trained", "responder_not_trained"],
    ],
}
# The parts above that are never shown themselves, only found by subtraction: no bound for a reader.
NEVER_SHOWN = {"not_called_112", "no_ambulance", "responder_not_trained"}
# Counts outside any table; each is at most a count that is either shown as 5 or more, or hidden
# without an upper bound (held ≤ planned).
STANDALONE = ["planned", "trainers"]


def _parts(cells: dict, breakdown) -> list[str]:
    if isinstance(breakdown, str | tuple):
        return sorted(key for key in cells if key.startswith(breakdown))
    return list(breakdown)


def protect_group(total: int, tables: list[dict]) -> tuple[bool, set]:
    """(is the total hidden, the hidden part keys) for breakdowns that each add up to `total`."""
    hidden = {key for table in tables for key, value in table.items() if is_small(value)}
    total_hidden = is_small(total)
    changed = True
    while changed:
        changed = False
        for table in tables:
            in_table = [key for key in table if key in hidden]
            if not total_hidden and not in_table:
                continue
            needed = (
                not in_table
                if total_hidden
                else len(in_table) < 2 or sum(table[key] for key in in_table) < len(in_table) + SMALL - 1
            )
            if not needed:
                continue
            candidates = sorted((value, key) for key, value in table.items() if value and key not in hidden)
            if candidates:
                hidden.add(candidates[0][1])
            elif not total_hidden:
                total_hidden = True
            else:
                continue  # the parts do not add up to the total: nothing left to hide
            changed = True
    return total_hidden, hidden


def protect(cells: dict) -> dict:
    """One municipality's month, every count as published: the number, or HIDDEN."""
    published = dict(cells)
    for total_key, breakdowns in GROUPS.items():
        total = cells.get(total_key, 0)
        tables = [{key: cells.get(key, 0) for key in _parts(cells, breakdown)} for breakdown in breakdowns]
        total_hidden, hidden = protect_group(total, tables)
        if total_hidden:
            published[total_key] = HIDDEN
        for key in hidden:
            published[key] = HIDDEN
    for key in STANDALONE:
        if is_small(cells.get(key, 0)):
            published[key] = HIDDEN
    return published


def total_of(values) -> int | AtLeast | str:
    """The sum of published figures: exact when all are shown, else at least the shown part."""
    known, hidden = 0, False
    for value in values:
        if isinstance(value, int):
            known += value
        elif isinstance(value, AtLeast):
            known, hidden = known + value.value, True
        else:
            hidden = True
    if not hidden:
        return known
    return AtLeast(known) if known else HIDDEN


def difference(whole, part):
    """A published figure less a part of it: exact only when both are shown; None when either is not
    published (a month not approved)."""
    if whole is None or part is None:
        return None
    if isinstance(whole, int) and isinstance(part, int):
        return whole - part
    return HIDDEN


def share_of(part, whole):
    """A percentage of two published counts; hidden when either is not exact, None when either is not published."""
    if part is None or whole is None:
        return None
    if isinstance(part, int) and isinstance(whole, int):
        return part / whole if whole else None
    return HIDDEN


def number(value) -> int:
    """What a chart can draw for a published figure: the known part, 0 for a hidden one."""
    if isinstance(value, AtLeast):
        return value.value
    return value if isinstance(value, int) else 0


# --- versions: a month approved again (reports.publication) -------------------------------------
#
# A reader who saved the page before holds the earlier version; their difference is published too.
# It is known exactly for a figure shown in both, and for the hidden parts of a table together when
# its total is shown in both (the total's change less the shown parts' changes). Each must be 0, or
# 5 or more either way. The counts that sums over months show (PERIOD_KEYS: the public page's
# courses, people trained, kits and reports, summed into quarters and rolling 12-month figures) are
# held to it whether or not the month shows them: a quarter's sum may be exact while its month is hidden.


def _changes_by(change: int) -> bool:
    return 0 < abs(change) < SMALL


def revision_problems(old_counts: dict, old_cells: dict, new_counts: dict, new_cells: dict) -> list[str]:
    """The figures (or "total: parts") whose change from the published version a reader could work out as 1–4."""
    keys = set(old_counts) | set(new_counts) | set(old_cells) | set(new_cells)

    def change(key):
        return new_counts.get(key, 0) - old_counts.get(key, 0)

    def shown_in_both(key):
        return isinstance(old_cells.get(key, 0), int) and isinstance(new_cells.get(key, 0), int)

    problems = {key for key in keys if _changes_by(change(key)) and (key in PERIOD_KEYS or shown_in_both(key))}
    every = dict.fromkeys(keys, 0)
    for total_key, breakdowns in GROUPS.items():
        if not shown_in_both(total_key):
            continue
        for breakdown in breakdowns:
            hidden = [key for key in _parts(every, breakdown) if not shown_in_both(key)]
            if hidden and _changes_by(sum(change(key) for key in hidden)):
                problems.add(f"{total_key}: {', '.join(sorted(hidden))}")
    return sorted(problems)


# --- figures over several months: rolling 12-month figures (reports.figures.rolling_figures) ---------
#
# A sum over months (a quarter, twelve months) set beside the months' own published figures
# is one more additive table: its parts are the months. Its exact value may be published only
# when that does not pin a hidden month. The months' figures are already decided (point 1
# above), so here nothing more is hidden: the sum is shown exactly, or as the sum of the
# published months ("≥ …", which tells nothing new).
#
# Rolling sums invite differencing: two twelve-month sums a month apart differ by one month
# in and one month out, and the sums from the start of the programme give every month away.
# So the rolling figures move a whole quarter at a time, and their unit is the calendar
# quarter: a twelve-month sum is exact only when each of its four quarters may be known
# exactly. Then any sum or difference of published rolling figures is a sum of such
# quarters, and each quarter protects its hidden months on its own (its months appear in no
# other quarter).
#
# A quarter may be known exactly when no month of it is hidden, or when at least two are and
# their sum leaves each one room for 5 or more even with the others at the least value their
# own month's published figures allow (lower_bound): for every hidden month m,
#     (sum of the hidden months) − (sum of the others' lower bounds) ≥ 5.

# Published counts that are at most a total: a lower bound for the total when it is hidden.
AT_MOST_TOTAL = {"reports": ["called_112", "ambulance", "responder_trained"]}
PERIOD_KEYS = ["held", "first_time", "kits", "reports"]  # the counts rolling figures may sum


def _floor(published: dict, breakdown) -> int:
    """The least sum of a breakdown's parts as published: shown parts as they are, hidden ones 1."""
    return sum(
        value if isinstance(value, int) else 1
        for value in (published.get(key, 0) for key in _parts(published, breakdown))
    )


def lower_bound(published: dict, key: str) -> int:
    """The least value one month's published figures allow for its hidden count `key`.

    A hidden part is at least 1 (zeros are shown); a hidden total is at least what each
    of its breakdowns adds up to at the least, and at least every count published as at
    most it. People trained are the participants less the refreshers.
    """
    if key not in PERIOD_KEYS:
        raise ValueError(f"no rolling figure for {key!r}")
    if key == "first_time":
        refresher, participants = published.get("refresher", 0), published.get("participants", 0)
        if not isinstance(refresher, int):
            return 1  # refreshers hidden: they may take all but one of the participants
        if isinstance(participants, int):
            return max(1, participants - refresher)
        return max(1, _floor(published, "audience:") - refresher)
    breakdowns = [b for b in GROUPS[key] if isinstance(b, str) or not NEVER_SHOWN.intersection(b)]
    bounds = [1, *(_floor(published, breakdown) for breakdown in breakdowns)]
    bounds += [value for value in (published.get(k) for k in AT_MOST_TOTAL.get(key, [])) if isinstance(value, int)]
    return max(bounds)


def quarter_is_exact(key: str, months: list[tuple[int, dict]]) -> bool:
    """May the exact sum of `key` over these months (a quarter) be known? months: (count, published)."""
    hidden = [(count, lower_bound(published, key)) for count, published in months if published.get(key, 0) == HIDDEN]
    if not hidden:
        return True
    if len(hidden) < 2:
        return False
    total = sum(count for count, _low in hidden)
    room = total - sum(low for _count, low in hidden)
    # Not pinned from above: the others at their least leave each month room for SMALL or more.
    if not all(room + low >= SMALL for _count, low in hidden):
        return False
    # Nor from below: a reader who takes the other hidden months as small as "x" says (at most
    # SMALL - 1 each) learns no lower bound for a month that would fall inside 1 … SMALL - 1
    # (4 and 4 hidden, summing to 8, would give both away).
    most_of_the_others = (len(hidden) - 1) * (SMALL - 1)
    return all(total - most_of_the_others <= low or total - most_of_the_others >= SMALL for _count, low in hidden)


def period_total(key: str, quarters: list[list[tuple[int, dict]]]):
    """The sum of `key` over whole quarters: exact when every quarter may be known exactly, else
    the sum of the months' published figures (≥ the known part, or x)."""
    exact = sum(count for months in quarters for count, _published in months)
    if all(quarter_is_exact(key, months) for months in quarters) and not is_small(exact):
        return exact
    return total_of(published.get(key, 0) for months in quarters for _count, published in months)
