"""What a person could mean: the bounds every parameter and form field of the project is held to.

- **Dates** from 1 January 1900 to 31 December 2200. A person planning a course,
  receiving a delivery or looking at a calendar means no date outside them, and inside
  them the date arithmetic of the pages (a month on, a week back) cannot overflow.
- **Numbers** lie in one range per field: the narrowest of the field's own bounds, its
  model field's (a ModelForm also takes the column's and the model's validators) and
  -1 000 000 to 1 000 000, far inside a PostgreSQL `integer` column and above any count
  the registry keeps. A number outside it gets one message that names the range in the
  reader's language ("Enter a number from 0 to 10."), never Django's generic one.
- **Text** holds no NUL character and no lone surrogate: PostgreSQL cannot store the
  first, and UTF-8 cannot encode the second. A field typed as free text (a text area or
  a plain text box) is shown with dir="auto", so right-to-left writing reads right.

`HostileInputMixin` applies the three to every field of a form (each form of the project
uses it: `tests/test_hostile_input.py` checks), `parse_date` reads a date parameter, and
`HostileParametersMiddleware` refuses a query string with NUL or a lone surrogate
before any view reads it.
"""

import codecs
import datetime as dt
import logging
import re
import unicodedata
import uuid

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import DecimalValidator, MaxValueValidator, MinValueValidator
from django.forms.widgets import DateTimeBaseInput
from django.http import QueryDict
from django.shortcuts import render
from django.utils import formats
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from redliv.api import ApiResponse, in_the_visitors_language

EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2200, 12, 31)
INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1
# The widest range a number field allows: no count the registry keeps comes near a million.
NUMBER_LIMIT = 1_000_000
# django-simple-history keeps the reason for a change in a column of 100 characters
# (`history_change_reason`); a form whose reason reaches it allows no more.
HISTORY_REASON_MAX_LENGTH = 100

DATE_OUT_OF_RANGE = _("Choose a date between 1900 and 2200.")
NOT_A_DATE = _("Not a date; write it as YYYY-MM-DD.")
OUT_OF_RANGE = "out_of_range"  # the error code, and the error_messages key of a field's own wording
NUMBER_OUT_OF_RANGE = _("Enter a number from %(min)s to %(max)s.")
logger = logging.getLogger(__name__)

UNUSABLE_CHARACTER = _("The text contains a character that cannot be stored (a NUL or a broken character).")
UNREADABLE_ENCODING = _("The form was sent in a character encoding the site cannot read (only UTF-8).")

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


def without_unusable_characters(value: str) -> str:
    return _UNUSABLE.sub("", value)


# Every kind of dash, made a hyphen by `plain_characters`.
DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")


def plain_characters(text: str) -> str:
    """Text as a person means it, in plain characters: compatibility forms folded (NFKC: a full-width
    @ or digit becomes the plain one), every other decimal digit (Arabic-Indic, Persian) made its ASCII
    digit, invisible format characters (Unicode category Cf: zero-width spaces, joiners, direction
    marks, the byte-order mark) removed, and every kind of dash made a hyphen.

    For finding an identifier in free text (redliv.personal_data), and for a field that holds a
    number to be dialled or typed elsewhere (a phone number: finder.forms.clean_phone_number).
    """
    text = unicodedata.normalize("NFKC", text)
    # Every decimal digit as its ASCII digit: NFKC leaves Arabic-Indic and Persian digits as they are.
    text = "".join(
        str(unicodedata.decimal(char)) if char.isdecimal() else char
        for char in text
        if unicodedata.category(char) != "Cf"
    )
    return text.translate(DASHES)


# More digits than any id has (a bigint has 19).
ID_DIGITS = 20


def is_id(text: str) -> bool:
    """Whether a query parameter can be looked up as an id: decimal digits only.

    Not `str.isdigit()`: it is true of "²" and "①", which `int()` (and so a look-up by id) refuses.
    A too large number is left to the look-up, which finds nothing; but not one of more than 20 digits (no
    id has them): `int()` refuses a number of more than 4,300 digits with a ValueError, a 500 on a public page."""
    return text.isdecimal() and len(text) <= ID_DIGITS


def is_whole_number(text: str) -> bool:
    """Whether a query parameter is a whole number as a link or a program writes it: ASCII digits only, no more than
    an id has (`ID_DIGITS`).

    Not `int()`: it also reads "1_000" (as 1000), " 12", "+5" and "١٢" (Arabic-Indic digits, as 12), so the API's
    `offset=1_000` was taken as 1000 where every client and cache reads another query. Such a parameter is refused
    as any other text."""
    return text.isascii() and text.isdigit() and len(text) <= ID_DIGITS


def parse_whole_number(text: str) -> int:
    """A whole-number query parameter (`is_whole_number`); ValueError otherwise, as `int()` gives."""
    if not is_whole_number(text):
        raise ValueError(f"not a whole number: {text!r}")
    return int(text)


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
        self._bound_fields()
        self._rendered = False

    def __getitem__(self, name):
        if not self._rendered:  # a subclass's __init__ may have narrowed a field after ours
            self._rendered = True
            self._bound_fields()
        return super().__getitem__(name)

    def full_clean(self):
        self._bound_fields()  # also the fields a subclass added or narrowed after __init__
        self._rendered = True  # just bounded: reading a field while cleaning need not bound them again
        if self.is_bound:
            self.data = one_character_line_breaks(self.data)
        super().full_clean()

    def _bound_fields(self):
        for name, field in self.fields.items():
            bound_field(field, _model_validators(self, name))


def _model_validators(form, name):
    """The validators of the model field a ModelForm field edits (the column's range among them)."""
    model = getattr(getattr(form, "_meta", None), "model", None)
    if model is None:
        return []
    try:
        return model._meta.get_field(name).validators
    except FieldDoesNotExist:
        return []


def one_character_line_breaks(data):
    """A browser sends each line break of a text area as CR LF, but its counter and `maxlength`
    count one character: store "\n", so a text the page let through is not refused as too long."""
    if isinstance(data, QueryDict):  # copied value by value: its copy() deep-copies every string
        copied = QueryDict(mutable=True, encoding=data.encoding)
        for key, values in data.lists():
            copied.setlist(key, [_one_break(value) for value in values])
        return copied
    if hasattr(data, "setlist"):  # another MultiValueDict
        data = data.copy()
        for key, values in data.lists():
            data.setlist(key, [_one_break(value) for value in values])
        return data
    return {key: _one_break(value) for key, value in data.items()}


def _one_break(value):
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def bound_field(field, model_validators=()):
    if isinstance(field, forms.MultiValueField):
        for part in field.fields:
            bound_field(part)
    if isinstance(field, forms.CharField):
        _add_validator(field, validate_storable_text)
        if _typed_as_free_text(field.widget):
            # Arabic or Persian typed into a left-to-right field runs from the wrong side, its full
            # stops and brackets misplaced: the browser sets the direction from the first strong letter.
            field.widget.attrs.setdefault("dir", "auto")
    if isinstance(field, forms.DateField | forms.DateTimeField):
        _add_validator(field, validate_sensible_date)
        limit_dates(field)
    if isinstance(field, forms.IntegerField):  # DecimalField and FloatField are IntegerFields too
        _bound_number(field, model_validators)
    if isinstance(field, forms.ChoiceField):
        _say_what_the_blank_choice_is(field)


# Django's blank choice in a select, the same in every language; a Danish page showed it as it is.
DJANGO_BLANK = "---------"


def _say_what_the_blank_choice_is(field):
    """A select's empty first choice in words: "Vælg …" where one must be chosen, "Ingen" where none may be."""
    # Only Django's own blank is replaced: a plain string (Django's BLANK_CHOICE_DASH), never a translatable label,
    # which is compared without translating it (each label translated to be compared cost a street entry 0.1 ms).
    if isinstance(field, forms.ModelChoiceField):
        if isinstance(field.empty_label, str) and field.empty_label == DJANGO_BLANK:
            field.empty_label = _("Choose …") if field.required else _("None")
    elif any(isinstance(label, str) and label == DJANGO_BLANK for _value, label in field.choices):
        words = _("Choose …") if field.required else _("None")
        field.choices = [
            (value, words if isinstance(label, str) and label == DJANGO_BLANK else label)
            for value, label in field.choices
        ]


def _picker(widget):
    """The kind of date picker a widget is ("date", "datetime-local", "month"), or None."""
    kind = widget.attrs.get("type", getattr(widget, "input_type", None))
    return kind if kind in ("date", "datetime-local", "month") else None


def _attribute_day(text):
    try:
        return dt.date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


def limit_dates(field, earliest=None, latest=None):
    """Narrow the date picker of `field` (an <input type=date>, datetime-local or month) to the days `earliest` to
    `latest` (inclusive; None: no bound of its own), and never beyond EARLIEST_DATE to LATEST_DATE: its `min` and
    `max`, so that a phone's or tablet's picker offers no day the form refuses. Only narrows: bounds set before stay.
    A month picker offers the months of those days ("2000-01" to "2026-12").

    Each form passes the bounds from the same constants and functions its checks use, worked out when the form is
    made (in Copenhagen's days: `timezone.localdate`), so the two cannot drift apart. The server stays the
    authority: the form checks every date as before; a browser may be sent a date outside the picker's days."""
    widget = field.widget
    kind = _picker(widget)
    if kind is None:
        return
    lows = [EARLIEST_DATE, earliest, _attribute_day(widget.attrs.get("min"))]
    highs = [LATEST_DATE, latest, _attribute_day(widget.attrs.get("max"))]
    low = max(day for day in lows if day is not None)
    high = min(day for day in highs if day is not None)
    if kind == "date":
        widget.attrs.update({"min": low.isoformat(), "max": high.isoformat()})
    elif kind == "month":
        widget.attrs.update({"min": low.isoformat()[:7], "max": high.isoformat()[:7]})
    else:
        widget.attrs.update({"min": f"{low.isoformat()}T00:00", "max": f"{high.isoformat()}T23:59"})


def _typed_as_free_text(widget):
    """A text area, or a plain text box (not an e-mail, phone, password, date or hidden one)."""
    if isinstance(widget, forms.Textarea):
        return True
    return (
        isinstance(widget, forms.TextInput)
        and not isinstance(widget, DateTimeBaseInput)
        and widget.attrs.get("type", widget.input_type) == "text"
    )


def _bound_number(field, model_validators):
    """One NumberRange in place of the field's minimum and maximum validators (and its digits check)."""
    lows, highs, others, digits = [-NUMBER_LIMIT], [NUMBER_LIMIT], [], None
    for validator in field.validators:
        if isinstance(validator, NumberRange):
            lows.append(validator.low)
            highs.append(validator.high)
            digits = validator.digits
        elif isinstance(validator, DecimalValidator):
            digits = validator
        elif not isinstance(validator, MinValueValidator | MaxValueValidator):
            others.append(validator)
    for validator in [*field.validators, *model_validators]:
        limit = getattr(validator, "limit_value", None)
        limit = limit() if callable(limit) else limit
        if isinstance(validator, MinValueValidator):
            lows.append(limit)
        elif isinstance(validator, MaxValueValidator):
            highs.append(limit)
    lows += [field.min_value] if field.min_value is not None else []
    highs += [field.max_value] if field.max_value is not None else []
    field.min_value, field.max_value = max(lows), min(highs)
    message = field.error_messages.get(OUT_OF_RANGE, NUMBER_OUT_OF_RANGE)
    field.validators = [*others, NumberRange(field.min_value, field.max_value, digits, message)]
    field.widget.attrs.update({"min": field.min_value, "max": field.max_value})


@deconstructible
class NumberRange:
    """A number from `low` to `high`, or one message that names the range as the reader's language writes it.

    Checked before the digits of a decimal, so "1e20" is answered with the range alone.
    The message has %(min)s and %(max)s: a field may word it for its page with
    `error_messages={"out_of_range": ...}`.
    """

    def __init__(self, low, high, digits=None, message=None):
        self.low, self.high, self.digits = low, high, digits
        self.message = message or NUMBER_OUT_OF_RANGE

    def __call__(self, value):
        if not self.low <= value <= self.high:
            raise ValidationError(
                self.message,
                code=OUT_OF_RANGE,
                params={"min": _Written(self.low), "max": _Written(self.high)},
            )
        if self.digits is not None:
            self.digits(value)

    def __eq__(self, other):
        return isinstance(other, NumberRange) and (self.low, self.high, self.digits, self.message) == (
            other.low,
            other.high,
            other.digits,
            other.message,
        )


class _Written:
    """A number as the language active when the message is shown writes it (1.000.000 in Danish)."""

    def __init__(self, value):
        self.value = value

    def __str__(self):
        return formats.number_format(self.value, force_grouping=True)


def _add_validator(field, validator):
    if validator not in field.validators:
        # A copy: the class's field is deep-copied per form, but its validators list may be shared.
        field.validators = [*field.validators, validator]


class Form(HostileInputMixin, forms.Form):
    pass


BROKEN_RULE = _("These entries cannot be saved together. Check them and try again.")


class ModelForm(HostileInputMixin, forms.ModelForm):
    """A model form that never shows a person a database rule's name ("Constraint “x” is violated").

    Each form should check its model's rules itself, with a message beside the field; a rule it
    misses is answered with a general message, and logged by name (no values) for the team."""

    def _update_errors(self, errors):
        super()._update_errors(_without_rule_names(self._meta.model, errors, type(self).__name__))


def _without_rule_names(model, errors, form_name):
    unnamed = {
        str(constraint.get_violation_error_message()): constraint.name
        for constraint in model._meta.constraints
        if constraint.violation_error_message == constraint.default_violation_error_message
    }
    if not unnamed:
        return errors

    def readable(error):
        text = str(error.message % error.params if error.params else error.message)
        if text not in unnamed:
            return error
        logger.warning("form %s checks no rule %s of its own", form_name, unnamed[text])
        return ValidationError(BROKEN_RULE, code="broken_rule")

    if hasattr(errors, "error_dict"):
        return ValidationError({field: [readable(e) for e in found] for field, found in errors.error_dict.items()})
    return ValidationError([readable(error) for error in errors.error_list])


def key_field(required=True):
    """The hidden key a form is shown with (`offer_key`): sent again by a double click, a second tab,
    a resend or the tablet's queue, the service stores its row once (an idempotency key, or a form key)."""
    return forms.UUIDField(widget=forms.HiddenInput, required=required)


def offer_key(kwargs):
    """A new key for this showing of a form, put in its `initial`; none for a form that edits a saved row.

    Always a new one, whatever `initial` holds: a key taken from a link's query string (a page prefilled from
    `?…`) may have been used already, and the entry sent with it would be answered "already stored" and lost.
    A resend (a double click, the browser's resend) posts the key the form was shown with: a bound form."""
    instance = kwargs.get("instance")
    if instance is None or instance.pk is None:
        kwargs["initial"] = {**(kwargs.get("initial") or {}), "key": uuid.uuid4()}


def _form_in_another_encoding(request) -> bool:
    """Whether a form body is declared in a character set other than UTF-8 (a form is always UTF-8).

    Django refuses to read such a form (BadRequest), and its 400 page reads the form again for the CSRF token and
    fails the same way: a 500. Another name for UTF-8 ("UTF8") is read as UTF-8; a name Python does not know is
    ignored by Django (the form is read as UTF-8)."""
    if request.content_type != "application/x-www-form-urlencoded" or not request.encoding:
        return False
    if codecs.lookup(request.encoding).name == "utf-8":  # Django looked the name up before it set it
        request.encoding = "utf-8"
        return False
    return True


class HostileParametersMiddleware:
    """A query string with a NUL or a lone surrogate gets a 400 with a message, before any view reads it,
    as does a form declared in another character set than UTF-8.

    Form fields are checked by HostileInputMixin, beside the field; a query string has no
    form to show the error in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _form_in_another_encoding(request):
            return render(request, "400.html", {"message": UNREADABLE_ENCODING}, status=400)
        if any(has_unusable_characters(key) or has_unusable_characters(value) for key, value in _items(request.GET)):
            message = UNUSABLE_CHARACTER
            if request.path.startswith("/api/"):  # in the language of the API's other answers, and saying so
                return in_the_visitors_language(_refused_api_parameter)(request)
            return render(request, "400.html", {"message": message}, status=400)
        return self.get_response(request)


def _refused_api_parameter(request):
    return ApiResponse({"error": "invalid parameter", "message": str(UNUSABLE_CHARACTER)}, status=400)


def _items(query):
    for key, values in query.lists():
        for value in values:
            yield key, value
