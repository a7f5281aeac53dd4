from django import template
from django.utils import formats

register = template.Library()


@register.filter
def cell(value, kind="part"):
    """A figure as the page shows it: numbers grouped, shares in per cent, hidden ones as text."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if kind == "share":
        return f"{round(value * 100)} %"
    return formats.number_format(value, use_l10n=True, force_grouping=True)
