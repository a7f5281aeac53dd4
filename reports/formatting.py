"""How a figure reads for people: one rule for the month page, the CSV and the PDF."""

from django.utils import formats

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
