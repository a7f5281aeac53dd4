"""The name a browser saves a download under (exports, CSV files)."""

import re
import unicodedata
from urllib.parse import quote

from django.utils.http import content_disposition_header

# Danish letters as Danish writes them without: "Ærø" as "Aeroe", "Tårnby" as "Taarnby".
DANISH_IN_ASCII = str.maketrans({"æ": "ae", "Æ": "Ae", "ø": "oe", "Ø": "Oe", "å": "aa", "Å": "Aa"})


def ascii_filename(filename: str) -> str:
    """`filename` in printable ASCII: Danish letters spelled out, other accents dropped, and what is left of
    neither (a quote, a backslash, a character from another script) left out."""
    text = unicodedata.normalize("NFKD", filename.translate(DANISH_IN_ASCII)).encode("ascii", "ignore").decode()
    return re.sub(r'[^\x20-\x7e]|["\\]', "", text).strip() or "download"


def attachment(filename: str) -> str:
    """`Content-Disposition` for a download saved as `filename` (RFC 6266).

    A name in ASCII is sent as it is (`django.utils.http.content_disposition_header`). Any other ("redliv-2026-03-
    ærø.pdf") goes as `filename*` in UTF-8, which browsers use, so the file keeps its Danish name; an ASCII
    `filename` comes first for a client that reads only that ("redliv-2026-03-aeroe.pdf")."""
    fallback = ascii_filename(filename)
    if fallback == filename:
        return content_disposition_header(as_attachment=True, filename=filename)
    return f"{content_disposition_header(as_attachment=True, filename=fallback)}; filename*=utf-8''{quote(filename)}"
