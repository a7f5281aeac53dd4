"""The ground the project stands on: PostgreSQL, migrations, settings, /healthz."""

import os
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection

ROOT = Path(__file__).resolve().parent.parent


def test_the_suite_runs_on_postgresql(db):
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        assert cursor.fetchone()[0].startswith("PostgreSQL")


def test_every_model_change_has_its_migration(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_healthz_says_ok_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_is_unreachable(client, db, monkeypatch):
    class UnreachableDatabase:
        def cursor(self):
            raise DatabaseError("could not connect to server")

    monkeypatch.setattr("redliv.views.connection", UnreachableDatabase())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


@pytest.mark.parametrize("host", ["10.0.3.17", "10.0.3.17:8000", "redliv-web-1", "redliv.internal:8000"])
def test_healthz_answers_a_probe_by_ip_address_or_internal_host_name_without_an_error_in_the_log(
    client, db, caplog, host
):
    with caplog.at_level("WARNING"):
        response = client.get("/healthz", headers={"Host": host})
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert caplog.records == []


def test_every_other_path_still_refuses_a_host_not_in_allowed_hosts(client, db, caplog):
    with caplog.at_level("ERROR"):
        assert client.get("/", headers={"Host": "10.0.3.17"}).status_code == 400
        assert client.get("/healthz/", headers={"Host": "10.0.3.17"}).status_code == 400
        assert client.get("/en/healthz", headers={"Host": "10.0.3.17"}).status_code == 400
    assert any("DisallowedHost" in record.name for record in caplog.records)


def run_check(env_overrides, *args):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x9!Qm2#rT7vL0pZ4kW8yB1nC6dF3gH5jJ-aS_eU+iO=oP@lK&zX*cV%bN^m",
    "ALLOWED_HOSTS": "redliv.example.dk",
    "CSRF_TRUSTED_ORIGINS": "https://redliv.example.dk",
}


@pytest.mark.long(seconds=5)
def test_the_deploy_check_is_clean_when_configured_as_the_readme_says():
    result = run_check(PRODUCTION, "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


@pytest.mark.parametrize("secret", ["", "django-insecure-development-only-never-use-this-key-in-production", "short"])
def test_the_app_refuses_to_start_without_a_real_secret_key_when_debug_is_off(secret):
    result = run_check({**PRODUCTION, "SECRET_KEY": secret})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_pages_carry_a_content_security_policy_that_allows_only_self(client, db):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy


def _another_connection():
    """A connection of the test's own, in autocommit: each look at pg_stat_activity is a new snapshot."""
    import psycopg2

    other = psycopg2.connect(**connection.get_connection_params())
    other.autocommit = True
    return other


def _server_side(pid):
    """What the server says of one backend."""
    with closing(_another_connection()) as other, other.cursor() as cursor:
        cursor.execute("SELECT state, query FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()


def _terminate(pid):
    import time

    with closing(_another_connection()) as other, other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(200):
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.05)
    raise AssertionError(f"backend {pid} still there")


@pytest.mark.django_db(transaction=True)
def test_a_kept_connection_is_checked_at_each_request_without_a_query():
    """The health check (redliv/postgresql) asks the socket, not the server: no SELECT 1 per request."""
    from django.db import close_old_connections

    with connection.cursor() as cursor:
        cursor.execute("SELECT 'the last request'")
    pid = connection.connection.info.backend_pid
    for _ in range(3):
        close_old_connections()  # what each request begins with
        connection.close_if_health_check_failed()
        assert connection.connection.info.backend_pid == pid
    assert _server_side(pid) == ("idle", "SELECT 'the last request'")


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_closed_between_requests_costs_the_next_request_nothing(client):
    """A database restart or an administrator's pg_terminate_backend: the next request opens a new connection."""
    from django.db import close_old_connections

    assert connection.settings_dict["CONN_MAX_AGE"] and connection.settings_dict["CONN_HEALTH_CHECKS"]
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    _terminate(pid)
    close_old_connections()  # the next request begins (the test client skips this signal)
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
    assert connection.connection.info.backend_pid != pid


def test_a_healthy_connection_on_a_descriptor_above_select_s_limit_is_kept(db):
    """select() refuses a descriptor above 1023 (a busy process may hand one out); the check must not
    read that as a dead connection and open a new one on every request."""
    import resource

    from django.db.utils import load_backend

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
    taken = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    kept = load_backend("redliv.postgresql").DatabaseWrapper(connection.settings_dict, alias="high_descriptor")
    try:
        kept.ensure_connection()
        assert kept.connection.fileno() >= 1024
        assert kept.is_usable()
    finally:
        kept.close()
        for descriptor in taken:
            os.close(descriptor)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.mark.parametrize(
    "asked, engine",
    [(None, "redliv.postgresql"), ("socket", "redliv.postgresql"), ("query", "django.db.backends.postgresql")],
)
def test_the_database_health_check_is_the_socket_s_unless_django_s_is_asked_for(asked, engine):
    code = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    env = {"DATABASE_HEALTH_CHECK": asked} if asked else {}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "redliv.settings", **env},
        capture_output=True,
        text=True,
    )
    assert result.stdout.splitlines()[-1] == engine, result.stderr


def test_an_unknown_database_health_check_stops_the_app_at_start_up():
    result = run_check({**PRODUCTION, "DATABASE_HEALTH_CHECK": "off"})
    assert result.returncode != 0 and "DATABASE_HEALTH_CHECK is socket or query." in result.stderr


@pytest.mark.django_db(transaction=True)
def test_a_connection_left_in_a_failed_transaction_is_not_handed_to_the_next_request():
    """After an error Django asks is_usable(); a quiet socket alone would keep a connection whose
    transaction is aborted, and every later request on it would fail."""
    from django.db import close_old_connections

    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        with pytest.raises(DatabaseError):
            cursor.execute("SELECT * FROM no_such_table")
    assert connection.errors_occurred
    close_old_connections()  # the request ends
    with connection.cursor() as cursor:
        cursor.execute("SELECT 42")
        assert cursor.fetchone() == (42,)
