"""`date_as`: a date in one of the named formats of the active language (redliv/formats/<language>/formats.py).

Django's `date` filter knows only Django's names (DATE_FORMAT, SHORT_DATE_FORMAT, ...); this one
also knows ours (WEEKDAY_DATE_FORMAT, SHORT_MONTH_DAY_FORMAT, ...), so no template spells a pattern.
"""

from django import template
from django.template.defaultfilters import date
from django.utils import formats
from django.utils.html import format_html

from redliv import inputs

register = template.Library()


@register.simple_tag
def date_picker_bounds():
    """`min` and `max` for an <input type=date> written in a template (not by a form): the days every date parameter
    is held to (redliv.inputs.parse_date), so the picker offers no other. A form's date fields get theirs from
    redliv.inputs.limit_dates."""
    return format_html('min="{}" max="{}"', inputs.EARLIEST_DATE.isoformat(), inputs.LATEST_DATE.isoformat())


def named_format(name):
    """The pattern called `name` in the active language; a name no format module has is an error."""
    if name in formats.FORMAT_SETTINGS:
        return formats.get_format(name)
    for module in formats.get_format_modules():
        if hasattr(module, name):
            return getattr(module, name)
    raise template.TemplateSyntaxError(f"No date format named {name!r}.")


@register.filter(expects_localtime=True, is_safe=False)
def date_as(value, name):
    return date(value, named_format(name))
