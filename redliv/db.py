"""Helpers for reading what the database refused, what it worked out itself, and one expression."""

from django.db import IntegrityError
from django.db.models import BooleanField, Func

NOT_NULL_VIOLATION = "23502"  # PostgreSQL's SQLSTATE
UNIQUE_VIOLATION = "23505"


def violated_constraint(error: IntegrityError) -> str | None:
    """The name of the constraint behind an IntegrityError, so a service can explain it.

    PostgreSQL reports it for CHECK, UNIQUE and the ledger trigger's own refusals.
    """
    diagnostics = getattr(error.__cause__, "diag", None)
    return getattr(diagnostics, "constraint_name", None)


def null_refused(error: IntegrityError) -> str | None:
    """The column whose NOT NULL refused the row, or None if the error was another."""
    if getattr(error.__cause__, "pgcode", None) != NOT_NULL_VIOLATION:
        return None
    return getattr(getattr(error.__cause__, "diag", None), "column_name", None)


def unique_violation(error: IntegrityError) -> bool:
    """Whether a unique constraint (or unique index) refused the row."""
    return getattr(error.__cause__, "pgcode", None) == UNIQUE_VIOLATION


def read_back_on_use(instance, attname: str):
    """An instance saved with a value the database worked out (a Subquery): Django keeps the expression,
    not the value. Dropping it makes the field deferred, so the first read loads the stored value."""
    instance.__dict__.pop(attname, None)
    return instance


class IsAnyOf(Func):
    """`value = ANY(array)`: with an uncorrelated ARRAY(subquery), PostgreSQL runs it once per statement."""

    template = "(%(expressions)s))"
    arg_joiner = " = ANY("
    output_field = BooleanField()
