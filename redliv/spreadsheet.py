"""Writing cells for a spreadsheet: the one CSV writer for Danish Excel, and text that cannot run as a formula."""

import csv
import io
from decimal import Decimal


def safe_text(value):
    """Text that a spreadsheet must not run as a formula (a venue called "=HYPERLINK(…)")."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def csv_bytes(rows, separator: str = ";") -> bytes:
    """CSV for Danish Excel: UTF-8 with a byte-order mark, so Excel reads the Danish letters right.

    Numbers stay numbers; every other cell is text that cannot run as a formula
    (None is an empty cell).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    for row in rows:
        writer.writerow(
            [
                value if isinstance(value, (int, float, Decimal)) else safe_text("" if value is None else str(value))
                for value in row
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
