"""Switching language in the middle of a form keeps what was typed.

On a page with a form, the header's language switch is a submit button of that form
(templates/base.html, `language_switch_form` in the context: the form's id) that sends it,
with SWITCH, to the same page in the other language. The view answers with the form
again, in that language, holding what was typed: no data is checked, stored or counted,
and nothing typed travels in a URL (a query string ends up in server logs, the browser's
history and a Referer), only in the POST body, as the form itself sends it. It needs no
JavaScript: the button names its form with the `form` attribute and the other language's
address with `formaction`.

A form that was refused (its errors shown) is checked again in the new language, so that the
same errors show, translated: the person who switched language to understand the message gets
it. The page marks the switch so (the button's value is REFUSED, templates/base.html); checking
only validates: the view stores nothing and counts no post (the rate limit is read, not bumped:
`redliv.ratelimit.would_allow_post`). A password typed is never shown again.

A page showing an answer (the kit check's, ANSWERED) is sent again from the other language as the person sent
it: the answer needs the lookup again, and it counts against the hour as any lookup, so that the switch is no
way around the limit.
"""

from django import forms

from redliv import inputs

SWITCH = "switch_language"
# The switch's value on a page showing the form refused; elsewhere it is the language switched to.
REFUSED = "refused"
# Its value on a page showing the answer to what was sent (the kit check's): the other language sends the form
# again, as the person did, so that the answer shows in that language; that is a lookup, and counts as one.
ANSWERED = "answered"


def switching(request) -> bool:
    """Whether this POST is the language switch, not the form being sent."""
    return request.method == "POST" and SWITCH in request.POST


def refused(request) -> bool:
    """Whether the switch was pressed on a page showing the form refused, with its errors."""
    return switching(request) and request.POST.get(SWITCH) == REFUSED


def answered(request) -> bool:
    """Whether the switch was pressed on a page showing the answer to the form sent (ANSWERED)."""
    return switching(request) and request.POST.get(SWITCH) == ANSWERED


def form_again(form_class, request, /, **kwargs):
    """The form in the language switched to: checked again if the page before showed it refused, so that
    its errors show again, in this language; otherwise as typed, without errors (`as_typed`). Checking only
    validates: the caller stores nothing and counts nothing."""
    if refused(request):
        form = form_class(request.POST, request.FILES, **kwargs)
        form.is_valid()
        return form
    return as_typed(form_class, request, **kwargs)


def as_typed(form_class, request, /, **kwargs):
    """The form as the person left it: unbound (no errors: nothing was sent yet), each field holding
    what was typed. Characters no page can show (a NUL, a broken one) are left out, and so is a
    password: it is never written into a page."""
    blank = form_class(**kwargs)
    typed = {}
    for name, field in blank.fields.items():
        if isinstance(field.widget, forms.PasswordInput):
            continue
        value = field.widget.value_from_datadict(request.POST, request.FILES, blank.add_prefix(name))
        if isinstance(value, str):
            value = inputs.without_unusable_characters(value)
        elif isinstance(value, list):
            value = [inputs.without_unusable_characters(item) for item in value if isinstance(item, str)]
        if value not in (None, "", []):
            typed[name] = value
    initial = {**kwargs.pop("initial", {}), **typed}
    form = form_class(initial=initial, **kwargs)
    # What was typed wins over what the form offers a new showing: its key above all, which the page before was
    # shown with and may have sent already (inputs.offer_key); sent again from this page, it is stored once.
    form.initial.update(typed)
    return form
