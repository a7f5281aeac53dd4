"""What the app's own log may hold: no personal data, also when something goes wrong.

A log line names a path, a view, a user id; never what a person typed. The one way typed
text could still reach the log is an unexpected error's traceback: an exception's message
may quote the input, and a database error quotes the row it refused ("DETAIL: Failing row
contains (…, the note, …)"), the very text PostgreSQL's own log is set up never to keep
(SECURITY.md, "Database log"). No purge reaches a log.

`PrivateFormatter` (the formatter of `LOGGING` in redliv/settings.py) writes a traceback's
frames (file, line, function, code) and each exception's type, and for a database error its
SQLSTATE and the constraint it broke; never an exception's message.
"""

import logging
import traceback

LEFT_OUT = "(its message is left out of the log: it can quote what a person wrote)"


class PrivateFormatter(logging.Formatter):
    """A `logging.Formatter` whose tracebacks name each exception's type and never its message."""

    def format(self, record):
        record.exc_text = None  # a text another formatter made first would hold the messages
        return super().format(record)

    def formatException(self, exc_info):  # noqa: N802 (logging.Formatter's name)
        return exception_without_messages(exc_info[1])


CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def exception_without_messages(exception) -> str:
    """The traceback of `exception` and the exceptions it came from, as Python prints it, less the messages."""
    parts = []
    for link, current in _chain(exception):
        parts.append(link)
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.StackSummary.extract(traceback.walk_tb(current.__traceback__)).format())
        parts.append(f"{_described(current)}\n")
    return "".join(parts).rstrip("\n")


def _chain(exception):
    """[(how it follows the one before, exception), …], the first one first, as Python prints them."""
    chain, seen = [], set()
    while exception is not None and id(exception) not in seen:
        seen.add(id(exception))
        if exception.__cause__ is not None:
            before, link = exception.__cause__, CAUSE
        elif exception.__context__ is not None and not exception.__suppress_context__:
            before, link = exception.__context__, CONTEXT
        else:
            before, link = None, ""
        chain.append((link, exception))
        exception = before
    return reversed(chain)


def _described(exception) -> str:
    """The exception's type; for a database error its SQLSTATE and constraint (psycopg's `diag`), never a row."""
    kind = type(exception)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    details = []
    if sqlstate := getattr(exception, "sqlstate", None):
        details.append(f"SQLSTATE {sqlstate}")
    if constraint := getattr(getattr(exception, "diag", None), "constraint_name", None):
        details.append(f"constraint {constraint}")
    return f"{name} [{', '.join(details)}] {LEFT_OUT}" if details else f"{name} {LEFT_OUT}"
