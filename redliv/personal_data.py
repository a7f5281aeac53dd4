"""Identifiers that must never be stored in free text about a participant, recipient or victim.

`refuse_identifiers` is the one validator: model fields (the database's last word from the
admin and services) and form fields (a message beside the field, also in the tablet's
JSON answer) use it alike. It refuses a CPR number (with or without the dash, with a day
and month that exist), an e-mail address and a Danish phone number (eight digits, as
written: 12345678, 12 34 56 78, 1234 5678, with or without +45 or 0045).

Names cannot be detected reliably. `may_name_someone` finds two or more capitalised
words in a row, and the pages show the warning again, after saving, when it does.
"""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Day 01–31, month 01–12, two year digits, an optional dash or space, four digits.
CPR = re.compile(r"(?<![\d\w])(?P<day>[0-3]\d)(?P<month>[01]\d)(?P<year>\d\d)[-\s]?\d{4}(?![\d\w])")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Eight digits, as a Danish number is written; +45 or 0045 in front is optional. Other digits, letters or a
# dash right beside it mean it is part of something else (a lot number, a date, a longer number).
PHONE = re.compile(
    r"(?<![\w+\-./:])"
    r"(?:(?:\+|00)45\s?)?"
    r"(?!(?:19|20)\d\d\s(?:19|20)\d\d\b)"  # two years ("2025 2026") are not a number
    r"\d\d(?:\d{6}|\s\d{2}\s\d{2}\s\d{2}|\d{2}\s\d{4})"
    r"(?![\w\-/:]|[.,]\d|\s\d)"
)
# Two or more capitalised words in a row ("Jens Hansen", "Mødte Lise Holm").
NAME_LIKE = re.compile(r"\b[A-ZÆØÅÄÖÜÉ][a-zæøåäöüé]+(?:[ -][A-ZÆØÅÄÖÜÉ][a-zæøåäöüé]+)+\b")

CPR_MESSAGE = _("Remove the CPR number. The registry must not store who anyone is.")
EMAIL_MESSAGE = _("Remove the e-mail address. The registry must not store who anyone is.")
PHONE_MESSAGE = _("Remove the phone number. The registry must not store who anyone is.")
NAME_CONFIRM = _(
    "The note has words that look like a name. Never write names: remove it, or tick the box if the note "
    "names no one (a place or an organisation, say)."
)
NAME_NOTICE = _(
    "The note has words that look like a name. If it names a person, correct or withdraw the entry now: "
    "never write names, CPR numbers, addresses or other personal data."
)


def _is_date(day: str, month: str, year: str) -> bool:
    try:
        dt.date(2000 + int(year), int(month), int(day))  # 2000 is a leap year: 29 February passes
    except ValueError:
        return False
    return True


def has_cpr_number(text: str) -> bool:
    return any(_is_date(m["day"], m["month"], m["year"]) for m in CPR.finditer(text))


def has_email_address(text: str) -> bool:
    return EMAIL.search(text) is not None


def has_phone_number(text: str) -> bool:
    return PHONE.search(text) is not None


def refuse_identifiers(value) -> None:
    """Raise a ValidationError naming each kind of identifier found in `value`."""
    text = str(value or "")
    errors = []
    if has_cpr_number(text):
        errors.append(ValidationError(CPR_MESSAGE, code="cpr_number"))
    if has_email_address(text):
        errors.append(ValidationError(EMAIL_MESSAGE, code="email_address"))
    # A CPR number is ten digits, which the phone pattern does not take for a phone number.
    if has_phone_number(text):
        errors.append(ValidationError(PHONE_MESSAGE, code="phone_number"))
    if errors:
        raise ValidationError(errors)


def may_name_someone(*texts) -> bool:
    """Two or more capitalised words in a row in any of the texts: perhaps a name."""
    return any(NAME_LIKE.search(str(text or "")) for text in texts)
