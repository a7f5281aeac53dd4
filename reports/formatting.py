"""How a figure reads for people: one rule for the month page, the CSV and the PDF."""

from django.utils import formats
from django.utils.translation import ngettext

from reports.disclosure import AtLeast

MISSING = "–"  # a figure there is nothing to compute from, e.g. a share of no reports


def figure_text(value, kind: str = "part", grouped: bool = True):
    """None as "–", hidden counts as "x", a sum with a hidden part as "≥ 73", shares in per cent ("42 %").

    Other numbers are grouped for reading ("1.234"), or with grouped=False left as
    numbers, so that the CSV keeps them ungrouped for a spreadsheet to add up.
    """
    if value is None:
        return MISSING
    if isinstance(value, str):
        return value
    if isinstance(value, AtLeast):
        return f"≥ {figure_text(value.value, kind, grouped)}"
    if kind == "share":
        return f"{round(value * 100)} %"
    if kind == "rate":  # kits per 100,000 residents, one decimal
        return formats.number_format(value, 1, use_l10n=True) if grouped else value
    if grouped:
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    return value


def coverage_text(covered, total: int) -> str:
    """How many municipalities a national figure covers: "Covers 41 of 98 municipalities", or all of them.

    `covered` is one month's number, or a list of them (a quarter's months: "40–41 of 98, by month").
    """
    numbers = covered if isinstance(covered, list) else [covered]
    if not total or not numbers:
        return MISSING
    fewest, most = min(numbers), max(numbers)
    values = {"covered": fewest, "fewest": fewest, "most": most, "total": total}
    if fewest == total:
        return ngettext("Covers the %(total)s municipality", "Covers all %(total)s municipalities", total) % values
    if fewest == most:
        return (
            ngettext(
                "Covers %(covered)s of %(total)s municipality", "Covers %(covered)s of %(total)s municipalities", total
            )
            % values
        )
    return (
        ngettext(
            "Covers %(fewest)s–%(most)s of %(total)s municipality, by month",
            "Covers %(fewest)s–%(most)s of %(total)s municipalities, by month",
            total,
        )
        % values
    )
