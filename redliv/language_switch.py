"""Switching language in the middle of a form keeps what was typed.

On a page with a form, the header's language switch is a submit button of that form
(templates/base.html, `language_switch_form` in the context: the form's id) that sends it,
with SWITCH, to the same page in the other language. The view answers with the form
again, in that language, holding what was typed: no data is checked, stored or counted,
and nothing typed travels in a URL (a query string ends up in server logs, the browser's
history and a Referer), only in the POST body, as the form itself sends it. It needs no
JavaScript: the button names its form with the `form` attribute and the other language's
address with `formaction`.
"""

from redliv import inputs

SWITCH = "switch_language"


def switching(request) -> bool:
    """Whether this POST is the language switch, not the form being sent."""
    return request.method == "POST" and SWITCH in request.POST


def as_typed(form_class, request, **kwargs):
    """The form as the person left it: unbound (no errors: nothing was sent yet), each field holding
    what was typed. Characters no page can show (a NUL, a broken one) are left out."""
    blank = form_class(**kwargs)
    typed = {}
    for name, field in blank.fields.items():
        value = field.widget.value_from_datadict(request.POST, request.FILES, blank.add_prefix(name))
        if isinstance(value, str):
            value = inputs.without_unusable_characters(value)
        elif isinstance(value, list):
            value = [inputs.without_unusable_characters(item) for item in value if isinstance(item, str)]
        if value not in (None, "", []):
            typed[name] = value
    initial = {**kwargs.pop("initial", {}), **typed}
    return form_class(initial=initial, **kwargs)
