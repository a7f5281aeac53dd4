"""Render a form widget with the attributes that tie it to its help text and errors."""

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
