"""How a figure reads for people: one rule for the month page, the CSV and the PDF."""

from django.utils import formats

MISSING = "–"  # a figure there is nothing to compute from, e.g. a share of no reports


def figure_text(value, kind: str = "part", grouped: bool = True):
    """None as "–", hidden counts as their text ("<5", "x"), shares in per cent ("42 %").

    Other numbers are grouped for reading ("1.234"), or with grouped=False left as
    numbers, so that the CSV keeps them ungrouped for a spreadsheet to add up.
    """
    if value is None:
        return MISSING
    if isinstance(value, str):
        return value
    if kind == "share":
        return f"{round(value * 100)} %"
    if grouped:
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    return value
