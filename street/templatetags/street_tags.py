"""Render a form widget with the attributes that tie it to its help text and errors."""

import json

from django import template

register = template.Library()


@register.simple_tag
def widget(field, **attrs):
    described = [f"{field.auto_id}_helptext"] if field.help_text else []
    if field.errors:
        described.append(f"{field.auto_id}_error")
        attrs["aria-invalid"] = "true"
        attrs["class"] = (field.field.widget.attrs.get("class", "") + " is-invalid").strip()
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)


@register.simple_tag
def count_fields_json():
    """The audience count fields of a held course, for the page's script (one list, in the model)."""
    from courses.models import Attendance

    return json.dumps(list(Attendance.AUDIENCE_FIELDS.values()))


@register.simple_tag
def new_key():
    """A new key for one showing of a small form (a withdrawal): sent twice, it is applied once."""
    import uuid

    return str(uuid.uuid4())
