"""Identifiers that must never be stored in free text about a participant, recipient or victim.

`refuse_identifiers` is the one validator: model fields (the database's last word from the
admin and services) and form fields (a message beside the field, also in the tablet's
JSON answer) use it alike. It refuses a CPR number (with or without a separator, also
grouped 01 01 90 1234, with a day and month that exist), an e-mail address (also
jens @ hansen.dk, jens(at)hansen.dk) and a Danish phone number (eight digits, as written:
12345678, 12 34 56 78, 12-34-56-78, 12.34.56.78, 12 345 678, 1234 5678, with or without +45
or 0045, also in brackets, and then also 1234-5678), after folding look-alike characters,
invisible characters and dashes away.

Names cannot be detected reliably. `may_name_someone` finds two or more capitalised
words in a row, and the pages show the warning again, after saving, when it does.
"""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from redliv.inputs import plain_characters

# Text is folded before it is searched (`redliv.inputs.plain_characters`): look-alike digits,
# invisible characters and dashes do not hide an identifier.
# Day 01–31, month 01–12, two year digits, then four digits: written together, with one separator
# (dash, dot, slash or space) before the last four, or grouped 2-2-2-4 with the same separator.
CPR = re.compile(
    r"(?<![\d\w])(?P<day>[0-3]\d)(?P<sep>[-./ ]?)(?P<month>[01]\d)(?P=sep)(?P<year>\d\d)[-./\s]?\d{4}(?![\d\w])"
)
# An address, also written with spaces around the @ or as (at), [at], {at}, and (dot) for a dot. It is
# looked for from each "@" or "(at)" outwards (`has_email_address`): a pattern that starts at every letter
# went back over a long word from each of them (a note of 10,000 letters took half a second to check).
EMAIL_AT = re.compile(r"@|[(\[{]\s*(?:at|snabel-a)\s*[)\]}]", re.IGNORECASE)
EMAIL_DOMAIN = re.compile(r"\s*[\w-]+(?:(?:\.|\s*[(\[{]\s*(?:dot|punktum)\s*[)\]}]\s*)[\w-]+)+", re.IGNORECASE)
EMAIL_LOCAL_END = re.compile(r"[\w.+-]")
# Eight digits, as a Danish number is written; +45 or 0045 in front is optional. Other digits, letters or a
# dash right beside it mean it is part of something else (a lot number, a date, a longer number).
# A ":" in front is a label ("tlf:12345678"). Grouped 2-2-2-2 or 2-3-3 with one kind of separator
# (space, dash or dot), or 4-4 with a space: "2026-0042" is a lot number, "12.10.2026" a date. After the
# country code, also in brackets ("(+45) 1234-5678"), 4-4 with a dash or a dot is a number too.
PHONE = re.compile(
    r"(?<![\w+\-./])"
    r"(?:(?P<country>\(?(?:\+|00)45\)?)\s?)?"
    r"(?!(?:19|20)\d\d\s(?:19|20)\d\d\b)"  # two years ("2025 2026") are not a number
    r"\d\d(?:\d{6}|(?P<sep>[-. ])\d{2}(?P=sep)\d{2}(?P=sep)\d{2}|(?P<sep3>[-. ])\d{3}(?P=sep3)\d{3}|\d{2}\s\d{4}"
    r"|(?(country)\d{2}[-.]\d{4}|(?!)))"
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
    """Something@domain.tld: a local part's character before the "@" (spaces between allowed), a domain after."""
    for at in EMAIL_AT.finditer(text):
        before = at.start() - 1
        while before >= 0 and text[before].isspace():
            before -= 1
        if before >= 0 and EMAIL_LOCAL_END.match(text, before) and EMAIL_DOMAIN.match(text, at.end()):
            return True
    return False


def has_phone_number(text: str) -> bool:
    return PHONE.search(text) is not None


def refuse_identifiers(value) -> None:
    """Raise a ValidationError naming each kind of identifier found in `value` (normalised first)."""
    text = plain_characters(str(value or ""))
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
