import html
import re

from django import template
from django.urls import translate_url
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag(takes_context=True)
def other_language_url(context):
    """This page in the other language (Danish at /, English under /en/), as a plain link or a form's formaction.

    Its query string is kept, except a `next` leading off this site (the login page's and the code page's
    `?next=https://elsewhere.example/`): the page never goes there, and it does not write such an address into
    itself either."""
    request = context["request"]
    path = request.get_full_path()
    wanted = request.GET.getlist("next")
    if any(
        not url_has_allowed_host_and_scheme(
            value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        for value in wanted
    ):
        query = request.GET.copy()
        del query["next"]
        path = path.split("?", 1)[0] + (f"?{query.urlencode()}" if query else "")
    return translate_url(path, "da" if get_language() == "en" else "en")


@register.simple_tag(takes_context=True)
def calendar_subscription_url(context, path):
    """The feed's address for a calendar app to subscribe to (webcal://): a plain https:// link is a
    file downloaded once, which no one brings up to date; a webcal:// one is fetched again by the
    calendar itself (by https wherever the site is served so)."""
    absolute = context["request"].build_absolute_uri(path)
    return "webcal://" + absolute.split("://", 1)[1]


_BULLET = re.compile(r"^- +")
_NUMBER = re.compile(r"^\d+\. +")


@register.filter
def plain_text_body(text):
    """Coordinators' plain text as HTML: blank-line paragraphs, "- " and "1. " lists. Everything is escaped."""
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if block.strip()]
    html = []
    for block in blocks:
        lines = [line.strip() for line in block.split("\n")]
        for pattern, tag in ((_BULLET, "ul"), (_NUMBER, "ol")):
            if all(pattern.match(line) for line in lines):
                items = format_html_join("", "<li>{}</li>", ((pattern.sub("", line),) for line in lines))
                html.append(format_html("<{}>{}</{}>", tag, items, tag))
                break
        else:
            html.append(
                format_html("<p>{}</p>", format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines)))
            )
    return mark_safe("\n".join(html))  # noqa: S308 (every part above went through format_html)


@register.simple_tag
def district_options(districts, selected):
    """The district filter's <option>s, as `choice_options` makes them (a pk is a number: nothing to escape).

    The country has hundreds of districts: a template loop, or format_html, costs several
    milliseconds a request for them (bench/RESULTS.md).
    """
    chosen = selected.pk if selected else None
    return mark_safe(  # noqa: S308 (a pk is a number; every name is escaped)
        "".join(
            f'<option value="{district.pk}"{" selected" if district.pk == chosen else ""}>'
            f"{html.escape(district.name)}</option>"
            for district in districts
        )
    )


@register.simple_tag
def choice_options(choices, selected):
    """A filter's <option>s from (value, label) pairs, the selected one marked, escaped as Django's
    `escape` does (html.escape): as a template loop, the four filters' options were a sixth of the
    finder's template work."""
    return mark_safe(  # noqa: S308 (every value and label is escaped)
        "".join(
            f'<option value="{html.escape(str(value))}"{" selected" if value == selected else ""}>'
            f"{html.escape(str(label))}</option>"
            for value, label in choices
        )
    )
