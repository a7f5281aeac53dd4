from django import template

from reports.formatting import coverage_text, figure_text

register = template.Library()


@register.filter
def cell(value, kind="part"):
    """A figure as the page shows it: numbers grouped, shares in per cent, hidden ones as text."""
    return figure_text(value, kind)


@register.filter
def coverage(covered, total):
    """How many of the municipalities a national figure covers, in words ("Covers 41 of 98 municipalities")."""
    return coverage_text(covered, total)
