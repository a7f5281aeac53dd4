"""System checks of the set-up around the app (run by `manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError, connection

from redliv.models import DATABASE_TIME_ZONE

# PostgreSQL settings under which a failed or slow statement, with the note or contact data
# in it, would be copied into the server's log, where no purge reaches. Each with the values
# that copy nothing.
QUIET_DATABASE_LOG = {
    "log_min_error_statement": {"panic"},
    "log_error_verbosity": {"terse"},  # no DETAIL: "Failing row contains (…)" would hold the note
    "log_statement": {"none", "ddl"},
    "log_min_duration_statement": {"-1"},
    "log_min_duration_sample": {"-1"},
    "log_parameter_max_length_on_error": {"0"},
}


def database_log_settings() -> dict[str, str]:
    """The connected server's values of QUIET_DATABASE_LOG's settings (a setting it lacks is left out)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, current_setting(name, true) FROM unnest(%s::text[]) AS name", [list(QUIET_DATABASE_LOG)]
        )
        return {name: value for name, value in cursor.fetchall() if value is not None}


@register(Tags.security, deploy=True)
def check_database_logs_no_statements(app_configs=None, **kwargs):
    try:
        current = database_log_settings()
    except DatabaseError:
        return [
            Warning(
                "Could not read the database's logging settings to check that it logs no statement text.",
                hint="Run the check with the production DATABASE_URL, with the database running.",
                id="redliv.W002",
            )
        ]
    loud = {name: value for name, value in current.items() if value not in QUIET_DATABASE_LOG[name]}
    if not loud:
        return []
    return [
        Warning(
            "PostgreSQL copies statement text, notes included, into its log: "
            + ", ".join(f"{name} = {value}" for name, value in sorted(loud.items()))
            + ".",
            hint="Set in postgresql.conf (or the managed database's parameters): "
            + ", ".join(f"{name} = {sorted(QUIET_DATABASE_LOG[name])[-1]}" for name in sorted(loud))
            + ". See README, production.",
            id="redliv.W001",
        )
    ]


@register()
def check_time_zone_is_the_database_rules(app_configs=None, **kwargs):
    """The app must count days in the zone the database's rules do, or the two disagree each night."""
    if settings.TIME_ZONE == DATABASE_TIME_ZONE:
        return []
    return [
        Error(
            f"TIME_ZONE is {settings.TIME_ZONE!r}, but the database's rules (kit expiry, approved months) "
            f"count days in {DATABASE_TIME_ZONE}: entries near midnight would be judged on two calendars.",
            hint=f"Leave TIME_ZONE unset or set it to {DATABASE_TIME_ZONE}.",
            id="redliv.E001",
        )
    ]
