"""What a person could mean: the bounds every parameter and form field of the project is held to.

- **Dates** from 1 January 1900 to 31 December 2200. A person planning a course,
  receiving a delivery or looking at a calendar means no date outside them, and inside
  them the date arithmetic of the pages (a month on, a week back) cannot overflow.
- **Whole numbers** fit a PostgreSQL `integer` column (-2**31 to 2**31-1) unless the
  field sets a narrower range of its own (a ModelForm takes the column's).
- **Text** holds no NUL character and no lone surrogate: PostgreSQL cannot store the
  first, and UTF-8 cannot encode the second.

`HostileInputMixin` applies the three to every field of a form (each form of the project
uses it: `tests/test_hostile_input.py` checks), `parse_date` reads a date parameter, and
`HostileParametersMiddleware` refuses a query string with NUL or a lone surrogate
before any view reads it.
"""

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2200, 12, 31)
INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1
# django-simple-history keeps the reason for a change in a column of 100 characters
# (`history_change_reason`); a form whose reason reaches it allows no more.
HISTORY_REASON_MAX_LENGTH = 100

DATE_OUT_OF_RANGE = _("Choose a date between 1900 and 2200.")
NOT_A_DATE = _("Not a date; write it as YYYY-MM-DD.")
UNUSABLE_CHARACTER = _("The text contains a character that cannot be stored (a NUL or a broken character).")

_UNUSABLE = re.compile("[\x00\ud800-\udfff]")


def validate_sensible_date(value):
    """A date or datetime between EARLIEST_DATE and LATEST_DATE."""
    if value is not None and not (EARLIEST_DATE.year <= value.year <= LATEST_DATE.year):
        raise ValidationError(DATE_OUT_OF_RANGE, code="date_out_of_range")


def validate_storable_text(value):
    """No NUL and no lone surrogate."""
    if isinstance(value, str) and _UNUSABLE.search(value):
        raise ValidationError(UNUSABLE_CHARACTER, code="unusable_character")


def has_unusable_characters(value: str) -> bool:
    return bool(_UNUSABLE.search(value))


def parse_date(text: str) -> dt.date:
    """A date parameter, as YYYY-MM-DD within the bounds; ValidationError with a message otherwise."""
    try:
        day = dt.date.fromisoformat(text.strip())
    except (ValueError, TypeError):
        raise ValidationError(NOT_A_DATE, code="invalid") from None
    validate_sensible_date(day)
    return day


class HostileInputMixin:
    """Holds every field of the form to the bounds above, with a form error beside the field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            bound_field(field)

    def full_clean(self):
        for field in self.fields.values():  # also the fields a subclass added after __init__
            bound_field(field)
        if self.is_bound:
            self.data = one_character_line_breaks(self.data)
        super().full_clean()


def one_character_line_breaks(data):
    """A browser sends each line break of a text area as CR LF, but its counter and `maxlength`
    count one character: store "\n", so a text the page let through is not refused as too long."""
    if hasattr(data, "setlist"):  # a QueryDict
        data = data.copy()
        for key, values in data.lists():
            data.setlist(key, [_one_break(value) for value in values])
        return data
    return {key: _one_break(value) for key, value in data.items()}


def _one_break(value):
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def bound_field(field):
    if isinstance(field, forms.MultiValueField):
        for part in field.fields:
            bound_field(part)
    if isinstance(field, forms.CharField):
        _add_validator(field, validate_storable_text)
    if isinstance(field, forms.DateField | forms.DateTimeField):
        _add_validator(field, validate_sensible_date)
    if isinstance(field, forms.IntegerField):
        if field.max_value is None or field.max_value > INTEGER_MAX:
            field.max_value = INTEGER_MAX
            _add_validator(field, MaxValueValidator(INTEGER_MAX))
            field.widget.attrs.setdefault("max", INTEGER_MAX)
        if field.min_value is None or field.min_value < INTEGER_MIN:
            field.min_value = INTEGER_MIN
            _add_validator(field, MinValueValidator(INTEGER_MIN))
            field.widget.attrs.setdefault("min", INTEGER_MIN)


def _add_validator(field, validator):
    if validator not in field.validators:
        # A copy: the class's field is deep-copied per form, but its validators list may be shared.
        field.validators = [*field.validators, validator]


class Form(HostileInputMixin, forms.Form):
    pass


class ModelForm(HostileInputMixin, forms.ModelForm):
    pass


class HostileParametersMiddleware:
    """A query string with a NUL or a lone surrogate gets a 400 with a message, before any view reads it.

    Form fields are checked by HostileInputMixin, beside the field; a query string has no
    form to show the error in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any(has_unusable_characters(key) or has_unusable_characters(value) for key, value in _items(request.GET)):
            message = UNUSABLE_CHARACTER
            if request.path.startswith("/api/"):
                return JsonResponse({"error": "invalid parameter", "message": str(message)}, status=400)
            return render(request, "400.html", {"message": message}, status=400)
        return self.get_response(request)


def _items(query):
    for key, values in query.lists():
        for value in values:
            yield key, value
