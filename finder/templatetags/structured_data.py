"""`{% course_json_ld %}` and `{% drop_in_json_ld %}`: the pages' schema.org data blocks (finder/structured_data.py)."""

from django import template
from django.utils import timezone
from django.utils.html import format_html

from finder import structured_data

register = template.Library()

_BLOCK = '<script type="application/ld+json">{}</script>'


@register.simple_tag(takes_context=True)
def course_json_ld(context, entry, course=None, cancelled=False):
    data = structured_data.course_events(entry, context["request"], course, cancelled=cancelled)
    return format_html(_BLOCK, structured_data.script(data))


@register.simple_tag(takes_context=True)
def drop_in_json_ld(context, entries, schedule):
    if not entries:
        return ""
    return format_html(
        _BLOCK, structured_data.script(structured_data.drop_in_events(entries, context["request"], schedule))
    )


@register.filter
def occurrence_anchor(moment):
    """The id of a drop-in date on its page (`d-2026-12-01`), which its Event's URL points to."""
    return structured_data.occurrence_anchor(timezone.localtime(moment).date())
