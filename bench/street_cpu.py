"""CPU in process of one street entry (a handout from the tablet's queue) against the write floor.

    python3 dev.py db                          # the project-local PostgreSQL (REDLIV_PG_PORT, default 54329)
    .venv/bin/python bench/street_cpu.py       # --entries 300 --rounds 5; --profile new|repeat|floor

Makes (and keeps, for the next run) a database `streetcpu` on that server: migrated, one street worker
with a bag of a million kits, and the floor's table. Each request goes through Django's WSGI handler,
as gunicorn calls it, with the production middleware (bench.settings, DEBUG off) and the body
bench/street.lua sends, cookie and CSRF header included. Prints `time.process_time` per request:
the median of each round, and the fastest round's median, for a new entry, its repeat and the floor.
"""

import argparse
import cProfile
import io
import os
import pstats
import secrets
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = os.environ.get("REDLIV_PG_PORT", "54329")
SERVER = f"postgresql://postgres@127.0.0.1:{PORT}"
DATABASE = "streetcpu"
CSRF = "b" * 32


def environment():
    sys.path.insert(0, str(ROOT))
    os.environ.update(
        {
            "DATABASE_URL": f"{SERVER}/{DATABASE}",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "SECURE_SSL_REDIRECT": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "FINDER_SHARED_COPIES": "0",
        }
    )


def set_up(fresh: bool):
    """The street worker's session cookie and bag id, in a migrated database (made once)."""
    import psycopg2

    admin = psycopg2.connect(f"{SERVER}/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
        exists = cursor.fetchone() is not None
        if fresh and exists:
            cursor.execute(f"DROP DATABASE {DATABASE}")
            exists = False
        if not exists:
            cursor.execute(f"CREATE DATABASE {DATABASE}")
    admin.close()

    import django

    django.setup()
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from bench.urls import FLOOR_WRITE_TABLE
    from kits.models import StockLocation
    from redliv import roles
    from redliv.models import Municipality, Organisation, User
    from tests import factories

    if not exists:
        call_command("migrate", verbosity=0)
        municipality = Municipality.objects.create(name="Odense", code=461)
        organisation = Organisation.objects.create(
            name="Odense Kommune, RED LIV", kind=Organisation.Kind.MUNICIPALITY, municipality=municipality
        )
        user = User.objects.create_user(username="gade-cpu", organisation=organisation)
        user.groups.add(Group.objects.get(name=roles.STREET_WORKER))
        bag = factories.make_location(organisation, name="Gadeteamets taske")
        factories.receive(factories.make_batch(), bag, 1_000_000, user)
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE {FLOOR_WRITE_TABLE} (key uuid PRIMARY KEY, stored_at timestamptz DEFAULT now())"
            )
    user = User.objects.get(username="gade-cpu")
    bag = StockLocation.objects.get(organisation=user.organisation)
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value, bag.pk


def environ_for(path: str, body: bytes, cookie: str) -> dict:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_COOKIE": f"sessionid={cookie}; csrftoken={CSRF}",
        "HTTP_X_CSRFTOKEN": CSRF,
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def body_for(key: str, day: str, clock: str, location: int) -> bytes:
    """What bench/street.lua sends."""
    return (
        f'{{"kind":"handout","fields":{{"key":"{key}","date":"{day}","time":"{clock}","reason":"replaces_used",'
        f'"audience":"people_who_use_drugs","quantity":1,"location":{location},"batch":""}}}}'
    ).encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=300, help="entries a round (each sent twice)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--fresh", action="store_true", help="make the database again")
    parser.add_argument("--profile", choices=["new", "repeat", "floor"], help="cProfile one kind, print the top")
    parser.add_argument("--dump", help="with --profile: also write the pstats file here")
    arguments = parser.parse_args()
    environment()
    cookie, location = set_up(arguments.fresh)

    import datetime as dt

    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    handler = WSGIHandler()
    now = timezone.localtime() - dt.timedelta(minutes=10)
    day, clock = now.date().isoformat(), now.strftime("%H:%M")
    statuses = {}

    def send(path, body):
        answer = {}

        def start_response(status, headers):
            answer["status"] = int(status.split()[0])

        response = handler(environ_for(path, body, cookie), start_response)
        b"".join(response)
        response.close()
        return answer["status"]

    def timed(path, body, expect):
        begun = time.process_time()
        status = send(path, body)
        spent = time.process_time() - begun
        if status != expect:
            raise RuntimeError(f"{path} answered {status}, not {expect}")
        return spent

    def round_of(count):
        times = {"new": [], "repeat": [], "floor": []}
        for _ in range(count):
            body = body_for(str(uuid.uuid4()), day, clock, location)
            times["new"].append(timed("/gade/api/poster/", body, 201))
            times["repeat"].append(timed("/gade/api/poster/", body, 200))
            body = body_for(str(uuid.uuid4()), day, clock, location)
            times["floor"].append(timed("/bench/floor-write", body, 201))
            times["floor"].append(timed("/bench/floor-write", body, 200))
        return {kind: statistics.median(values) * 1000 for kind, values in times.items()}

    round_of(20)  # warm: imports, translations, the kept connection
    body = body_for(str(uuid.uuid4()), day, clock, location)
    for kind in ("new", "repeat"):
        with CaptureQueriesContext(connection) as captured:
            send("/gade/api/poster/", body)
        statuses[kind] = len(captured.captured_queries)
    print(f"SQL statements: new entry {statuses['new']}, repeat {statuses['repeat']}")

    if arguments.profile:
        path = "/bench/floor-write" if arguments.profile == "floor" else "/gade/api/poster/"
        bodies = [body_for(str(uuid.uuid4()), day, clock, location) for _ in range(arguments.entries)]
        if arguments.profile == "repeat":
            for body in bodies:
                send(path, body)
        profile = cProfile.Profile(time.process_time)  # CPU, not the wait for PostgreSQL
        profile.enable()
        for body in bodies:
            send(path, body)
        profile.disable()
        stats = pstats.Stats(profile)
        if arguments.dump:
            stats.dump_stats(arguments.dump)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(30)
        return 0

    rounds = [round_of(arguments.entries) for _ in range(arguments.rounds)]
    print(f"ms of CPU a request (time.process_time), median of {arguments.entries} each, {arguments.rounds} rounds")
    for kind in ("new", "repeat", "floor"):
        medians = [one[kind] for one in rounds]
        print(f"  {kind:7} fastest round {min(medians):.2f}   rounds " + " ".join(f"{m:.2f}" for m in medians))
    best = {kind: min(one[kind] for one in rounds) for kind in ("new", "repeat", "floor")}
    pair = best["new"] + best["repeat"]
    print(f"  an entry sent twice costs {pair:.2f} ms, the floor's two {2 * best['floor']:.2f} ms: "
          f"{2 * best['floor'] / pair:.2f} of the floor's rate by CPU alone")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
