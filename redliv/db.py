"""Helpers for reading what the database refused."""

from django.db import IntegrityError


def violated_constraint(error: IntegrityError) -> str | None:
    """The name of the constraint behind an IntegrityError, so a service can explain it.

    PostgreSQL reports it for CHECK, UNIQUE and the ledger trigger's own refusals.
    """
    diagnostics = getattr(error.__cause__, "diag", None)
    return getattr(diagnostics, "constraint_name", None)
