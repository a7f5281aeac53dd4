"""Writing cells for a spreadsheet: the one CSV writer for Danish Excel, and text that cannot run as a formula."""

import csv
import datetime as dt
import io
import re
import unicodedata
from decimal import Decimal

# A spreadsheet runs a cell that starts with one of these as a formula (or, after a TAB or
# a carriage return that it drops, as the formula that follows): OWASP's "CSV injection".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value):
    """Text that a spreadsheet must not run as a formula (a venue called "=HYPERLINK(…)"): a leading '."""
    if isinstance(value, str) and (
        value.startswith(FORMULA_STARTS) or _first_visible(value).startswith(FORMULA_STARTS)
    ):
        return "'" + value
    return value


def _first_visible(text: str) -> str:
    """`text` without the invisible format characters (zero-width space, BOM: Unicode category Cf)
    and white space in front, which a spreadsheet may skip before it reads a formula."""
    start = 0
    while start < len(text) and (text[start].isspace() or unicodedata.category(text[start]) == "Cf"):
        start += 1
    return text[start:]


def safe_cell(value):
    """One cell of an export, CSV or XLSX: numbers, dates and empty cells stay what they are;
    anything else is text that cannot run as a formula."""
    if value is None or isinstance(value, (bool, int, float, Decimal, dt.date)):
        return value
    return safe_text(str(value))


# What an XLSX file cannot hold: XML 1.0 allows no control character but TAB, LF and CR. openpyxl refuses a
# cell with one, and the whole export was a 500: a vertical tab comes with a line pasted from Word.
_NOT_IN_XLSX = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xlsx_cell(value):
    """One cell of an XLSX export: `safe_cell`, with each character the format cannot hold written as a space
    (and escaped again: a control character in front of "=" hid it from `safe_cell`)."""
    value = safe_cell(value)
    if isinstance(value, str) and _NOT_IN_XLSX.search(value):
        return safe_text(_NOT_IN_XLSX.sub(" ", value))
    return value


def csv_bytes(rows, separator: str = ";") -> bytes:
    """CSV for Danish Excel: UTF-8 with a byte-order mark, so Excel reads the Danish letters right.

    Every cell goes through `safe_cell` (None is an empty cell). With the semicolon, the
    separator of Danish Excel, a decimal number has a decimal comma as Danish Excel reads it
    ("4,8"): there "4.8" is the date 4 August and "10.0" the number 100.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    decimal_comma = separator == ";"
    for row in rows:
        writer.writerow(["" if value is None else _csv_value(safe_cell(value), decimal_comma) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_value(value, decimal_comma=False):
    if isinstance(value, dt.date):
        return value.isoformat()
    if decimal_comma and isinstance(value, (float, Decimal)):
        return str(value).replace(".", ",")
    return value
