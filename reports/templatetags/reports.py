from django import template

from reports.formatting import figure_text

register = template.Library()


@register.filter
def cell(value, kind="part"):
    """A figure as the page shows it: numbers grouped, shares in per cent, hidden ones as text."""
    return figure_text(value, kind)
