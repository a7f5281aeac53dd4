"""The tests' clock: every test runs at a fixed instant, the live server sees it too, and the database
is never asked for the time, so the suite gives the same answer whatever the machine's clock says."""

import datetime as dt
import re
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from tests.conftest import COPENHAGEN, DEFAULT_INSTANT, INSTANTS
from tests.factories import make_course

ROOT = Path(__file__).resolve().parent.parent
APPS = ["courses", "finder", "kits", "redliv", "reports", "reversals", "street"]

# PostgreSQL's clock: any of these in the schema would use the machine's time, not the test's.
DATABASE_CLOCK = re.compile(
    r"(?<![\w.])(now|current_date|current_time|current_timestamp|localtime|localtimestamp|clock_timestamp"
    r"|statement_timestamp|transaction_timestamp|timeofday)\b",
    re.IGNORECASE,
)


def test_a_test_starts_at_the_fixed_instant_whatever_the_machines_clock():
    assert abs(timezone.now() - DEFAULT_INSTANT) < dt.timedelta(minutes=1)
    assert timezone.localdate() == dt.date(2026, 6, 11)


def test_the_instants_are_the_ones_the_clock_sensitive_tests_promise():
    local = {name: (instant.strftime("%A %H:%M"), instant.utcoffset()) for name, instant in INSTANTS.items()}
    assert local == {
        "monday-14.30": ("Monday 14:30", dt.timedelta(hours=1)),
        "tuesday-15.30": ("Tuesday 15:30", dt.timedelta(hours=1)),
        "sunday-23.30": ("Sunday 23:30", dt.timedelta(hours=1)),
        "new-years-eve-23.30": ("Thursday 23:30", dt.timedelta(hours=1)),
        "october-dst-02.30": ("Sunday 02:30", dt.timedelta(hours=1)),  # the second 02:30, in winter time
        "march-dst-02.30": ("Sunday 03:30", dt.timedelta(hours=2)),  # 02:30 does not exist that night
    }
    utc = {name: instant.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M") for name, instant in INSTANTS.items()}
    assert utc["october-dst-02.30"] == "2026-10-25 01:30" and utc["march-dst-02.30"] == "2027-03-28 01:30"
    assert INSTANTS["new-years-eve-23.30"].date() == dt.date(2026, 12, 31)
    # Each DST night is the last Sunday of its month, with the day an hour longer or shorter.
    for name, month_length in [("october-dst-02.30", 25), ("march-dst-02.30", 23)]:
        day = INSTANTS[name].date()
        assert day.weekday() == 6 and (day + dt.timedelta(days=7)).month != day.month
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=COPENHAGEN)
        next_midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=COPENHAGEN)
        assert (next_midnight.astimezone(dt.UTC) - midnight.astimezone(dt.UTC)) == dt.timedelta(hours=month_length)


def test_at_instant_moves_the_clock_and_the_local_date(at_instant):
    assert abs(timezone.now() - at_instant) < dt.timedelta(minutes=1)
    assert timezone.localdate() == at_instant.date()
    assert timezone.localtime().utcoffset() == at_instant.utcoffset()


@pytest.mark.django_db(transaction=True)
def test_the_live_server_thread_sees_the_tests_instant(at_instant, live_server, venue):
    """The calendar file's DTSTAMP is the server's now: the same instant as the test's, not the machine's."""
    course = make_course(venue)
    with urllib.request.urlopen(f"{live_server.url}/kurser/{course.pk}.ics") as response:  # noqa: S310 (the test's own server)
        calendar = response.read().decode()
    stamp = re.search(r"DTSTAMP:(\d{8}T\d{6}Z)", calendar).group(1)
    served_at = dt.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    assert dt.timedelta(0) <= served_at - at_instant.replace(microsecond=0) < dt.timedelta(minutes=1)


@pytest.mark.django_db
def test_the_database_schema_never_reads_postgresqls_clock():
    """Defaults, triggers and their functions, views and constraints: none may use now() and the like.

    PostgreSQL's clock is the machine's; the tests travel in time in Python only. The app passes every
    instant it stores (occurred_at, created_at…) from Python, so both always agree.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT 'default ' || adrelid::regclass || '.' || a.attname, pg_get_expr(d.adbin, d.adrelid)
            FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
            UNION ALL
            SELECT 'function ' || p.proname, p.prosrc
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
            UNION ALL
            SELECT 'view ' || viewname, definition FROM pg_views WHERE schemaname = 'public'
            UNION ALL
            SELECT 'constraint ' || conname, pg_get_constraintdef(c.oid)
            FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public'
            UNION ALL
            SELECT 'index ' || indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'
            """
        )
        rows = cursor.fetchall()
    assert any(name.startswith("function kits_") for name, _ in rows)  # the ledger's triggers are looked at
    assert [name for name, source in rows if DATABASE_CLOCK.search(source)] == []


def test_the_apps_never_ask_the_database_for_the_time():
    """No Now() in a query and no now() in raw SQL: the app's time is Django's timezone.now()."""
    in_python = re.compile(r"\bNow\(\)")  # django.db.models.functions.Now
    in_sql = re.compile(
        r"(?<![\w.])(now\(\)|(current_date|current_time|current_timestamp|localtimestamp|clock_timestamp"
        r"|statement_timestamp|transaction_timestamp)\b)",
        re.IGNORECASE,
    )
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                code = line.split("#")[0]
                if in_python.search(code) or in_sql.search(code):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


@pytest.mark.browser
def test_a_pages_clock_starts_where_the_servers_does_and_runs_on(phone_page):
    """The browser's own clock is the machine's; the page fixtures set the page's to the test's instant."""
    phone_page.goto("about:blank")
    in_page = dt.datetime.fromisoformat(phone_page.evaluate("new Date().toISOString()"))
    assert dt.timedelta(0) <= in_page - DEFAULT_INSTANT < dt.timedelta(minutes=1)
    assert phone_page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "Europe/Copenhagen"
    first = phone_page.evaluate("Date.now()")
    phone_page.wait_for_timeout(200)
    assert phone_page.evaluate("Date.now()") > first  # timers and time run as usual
