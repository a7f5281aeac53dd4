"""A failed statement's text, with a note in it, never reaches PostgreSQL's log, and `check --deploy` says
when the connected server would copy it there."""

import os
import uuid
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction

from courses.models import Attendance
from redliv.checks import check_database_logs_no_statements
from tests import factories

pytestmark = pytest.mark.django_db

NOTE = "Mads Mikkelsen 4711 ved banegården"


def server_log() -> Path:
    """The server's log: the project-local server's, or the file REDLIV_SERVER_LOG names for another server."""
    if os.environ.get("REDLIV_SERVER_LOG"):
        log = Path(os.environ["REDLIV_SERVER_LOG"])
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('data_directory')")
            log = Path(cursor.fetchone()[0]) / "server.log"
    if not log.exists():
        # Never a skip: `python3 dev.py test` (and so CI) always starts the project-local server.
        pytest.fail(
            f"PostgreSQL's log is not readable at {log}. Run the suite with `python3 dev.py test` (its own "
            "server), set REDLIV_SERVER_LOG to the log file of the server DATABASE_URL names, or leave these "
            "tests out with -k 'not server_log'."
        )
    return log


def test_a_failed_statement_with_a_note_leaves_no_note_in_the_server_log(street_worker, venue):
    log = server_log()
    start = log.stat().st_size
    first = factories.make_attendance(factories.make_course(venue), street_worker)
    # The idempotency race the design expects: a second row with the same key, the note in the INSERT.
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.make_attendance(
            factories.make_course(venue), street_worker, idempotency_key=first.idempotency_key, note=NOTE
        )
    # A CHECK violation, whose DETAIL would print the whole failing row, note included.
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.make_attendance(
            factories.make_course(venue), street_worker, idempotency_key=uuid.uuid4(), first_time=99, note=NOTE
        )
    written = log.read_bytes()[start:].decode(errors="replace")
    assert "duplicate key value violates unique constraint" in written  # the errors are logged…
    assert "attendance_first_time_plus_refresher_is_total" in written
    assert "Mikkelsen" not in written and "4711" not in written  # …without the statement or the row
    assert not Attendance.objects.filter(note=NOTE).exists()


def test_the_deploy_check_is_quiet_for_this_server_and_warns_when_statements_would_be_logged():
    assert check_database_logs_no_statements() == []
    with connection.cursor() as cursor:
        cursor.execute("SET log_min_error_statement = error")
        cursor.execute("SET log_error_verbosity = default")
    warnings = check_database_logs_no_statements()
    assert [warning.id for warning in warnings] == ["redliv.W001"]
    assert "log_min_error_statement = error" in warnings[0].msg
    assert (
        "log_error_verbosity = panic" not in warnings[0].hint and "log_min_error_statement = panic" in warnings[0].hint
    )
