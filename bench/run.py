#!/usr/bin/env python3
"""Benchmark the registry at national scale, from an empty database, and write bench/RESULTS.md.

    python3 bench/run.py                 full scale (the documented numbers, in bench/RESULTS.md)
    python3 bench/run.py --scale 0.05    a quick run (5 % of the volumes, same 98 municipalities),
                                         written to bench/results/RESULTS-scale-0.05.md (git-ignored)
                                         unless --write-results asks for bench/RESULTS.md

Steps: a throwaway PostgreSQL (dev.py's LocalPostgres, durable settings), migrate,
generate the national data (bench/generate.py), collect static files, start gunicorn
on 127.0.0.1 with the README's worker count and production settings, then measure
with Debian's `wrk` (installed with apt-get when missing) and print a Markdown table.
Then the production layout with two app servers: two gunicorns on their own ports behind
Debian's HAProxy (installed with apt-get when missing, configured in a temporary
directory, bound to 127.0.0.1), sharing the one PostgreSQL.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import gzip
import json
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

import dev  # noqa: E402

WORKERS = 3  # README, "Running it in production": gunicorn … --workers 3 (2 cores)
CONNECTIONS = 32
# What Chromium sends: the finder's shared copies are kept gzipped and sent so to a client that accepts it.
BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}
STREET_CLIENTS = 16
APP_SERVER_WORKERS = 2  # each of the two app servers behind the load balancer (4 workers on 2 cores)
REPEATS = 5
# Each table under load measures its rows in turn, ROUNDS times, duration / ROUNDS seconds each: a floor
# and the pages held against it then share the machine's slow and fast minutes (on two shared cores
# the floor alone moved from 290 to 168 rows/s between two runs an hour apart, runs 19 and 21).
ROUNDS = 4
MONTH_TARGETS = {"month page", "XLSX export"}  # issue 8: each under a second at national scale; the PDF has none
STOCK_TARGET_MS, STOCK_MAX_QUERIES = 300, 10  # issue 19: the stock page with its suggestions


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


# --- set-up ----------------------------------------------------------------------------


def ensure_tools() -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "-q",
            "-r",
            str(BENCH / "requirements.txt"),
        ],
        check=True,
    )
    missing = [package for package in ("wrk", "haproxy") if not shutil.which(package) and not haproxy_path(package)]
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        dev.fail(f"the benchmark needs Debian's {' and '.join(missing)}: apt-get install -y {' '.join(missing)}")
    say(f"installing {' and '.join(missing)} with apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-q", *missing], check=True, env=env, stdout=subprocess.DEVNULL)


def haproxy_path(name: str = "haproxy") -> str | None:
    """Debian installs haproxy in /usr/sbin, which a non-login shell may not have on its PATH."""
    if name != "haproxy":
        return None
    found = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
    return found


def manage(*args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, cwd=ROOT)


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    dev.fail(f"{url} did not answer")


def sessions() -> dict:
    """Session cookies for the Odense street worker, the Odense coordinator and an administrator.

    As after a real two-step login: the session carries the verified authenticator (as
    tests/conftest.py's VerifiedClient does).
    """
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from redliv.models import User

    cookies = {}
    for name, username in [("street", "gade-461"), ("coordinator", "koordinator-461"), ("admin", "bench-admin")]:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None:
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        cookies[name] = client.cookies["sessionid"].value
    return cookies


# --- measurements ----------------------------------------------------------------------


def wrk(
    url: str, *, connections: int, seconds: int, script: Path, args: list[str] = (), headers: dict | None = None
) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script)]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    if args:
        command += ["--", *args]
    output = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    return {key: float(value) for key, value in (pair.split("=") for pair in line.split()[1:])}


def timed_get(url: str, cookie: str | None = None) -> tuple[float, int, int]:
    headers = {**BROWSER, **({"Cookie": f"sessionid={cookie}"} if cookie else {})}  # a public page comes gzipped
    request = urllib.request.Request(url, headers=headers)
    begun = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        body = response.read()
        status = response.status
    return time.perf_counter() - begun, status, len(body)


def wall_time(url: str, cookie: str) -> float:
    timed_get(url, cookie)  # warm
    times = []
    for _ in range(REPEATS):
        seconds, status, _size = timed_get(url, cookie)
        if status != 200:
            raise RuntimeError(f"{url} answered {status}")
        times.append(seconds)
    return statistics.median(times)


def page_queries(path: str, cookie: str | None) -> list[str]:
    """The SQL one request of the page issues (in-process, same settings and data)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    if cookie:
        client.cookies["sessionid"] = cookie
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return [query["sql"] for query in captured.captured_queries]


def postgres_time(url: str, statements: list[str]) -> float:
    """Median time PostgreSQL needs for the statements, sent one by one from psycopg2 (no Django)."""
    import psycopg2

    connection = psycopg2.connect(url)
    connection.autocommit = True
    cursor = connection.cursor()
    cursor.execute("SET TIME ZONE 'UTC'")
    runs = []
    for run in range(REPEATS + 1):
        begun = time.perf_counter()
        for sql in statements:
            cursor.execute(sql)
            if cursor.description is not None:
                cursor.fetchall()
        if run:  # the first run warms the cache
            runs.append(time.perf_counter() - begun)
    connection.close()
    return statistics.median(runs)


ASSET = re.compile(r'<(?:script[^>]+src|link[^>]+rel="(?:stylesheet|modulepreload)"[^>]+href)="([^"]+)"')


def first_load_bytes(base: str, path: str, cookie: str | None) -> dict:
    """HTML (gzip -6, as the reverse proxy sends it) plus its scripts and stylesheets as whitenoise sends them."""
    headers = {"Accept-Encoding": "br, gzip"}
    if cookie:
        headers["Cookie"] = f"sessionid={cookie}"
    with urllib.request.urlopen(urllib.request.Request(base + path, headers=headers), timeout=60) as response:
        html = response.read()
        encoding = response.headers.get("Content-Encoding")
    html_bytes = len(html) if encoding else len(gzip.compress(html, 6))
    assets = 0
    for href in sorted(set(ASSET.findall(html.decode() if not encoding else gzip.decompress(html).decode()))):
        request = urllib.request.Request(base + href.replace("&amp;", "&"), headers=headers)
        with urllib.request.urlopen(request, timeout=60) as response:
            assets += len(response.read())
    return {"html": html_bytes, "assets": assets, "total": html_bytes + assets}


def profile(path: str, cookie: str | None, out: Path) -> None:
    """One in-process request of the page under pyinstrument, as text."""
    from django.test import Client
    from pyinstrument import Profiler

    client = Client(HTTP_HOST="127.0.0.1")
    if cookie:
        client.cookies["sessionid"] = cookie
    client.get(path)
    profiler = Profiler(interval=0.001)
    profiler.start()
    client.get(path)
    profiler.stop()
    out.write_text(profiler.output_text(unicode=True, color=False, show_all=False))


def machine(database_url: str) -> dict:
    import psycopg2

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    connection = psycopg2.connect(database_url)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
        cursor.execute("SHOW random_page_cost")
        page_cost = cursor.fetchone()[0]
    connection.close()
    return {
        "nproc": os.cpu_count(),
        "memory": f"{memory / 1024 / 1024:.1f} GiB",
        "cpu": cpu,
        "postgres": f"PostgreSQL {version} (shared_buffers {buffers}, random_page_cost {page_cost}, "
        "otherwise defaults)",
        "python": platform.python_version(),
    }


# --- several app servers ----------------------------------------------------------------

HAPROXY_CONFIG = """\
# Generated by bench/run.py: the README's production layout on one machine.
global
    maxconn 2048
defaults
    mode http
    option forwardfor
    option http-server-close
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    timeout check 10s
    retries 2
frontend redliv
    bind 127.0.0.1:{port}
    default_backend app_servers
backend app_servers
    balance roundrobin
    option httpchk
    http-check send meth GET uri /healthz hdr Host 127.0.0.1
{servers}
"""


def start_gunicorn(port: int, workers: int, shared_copies: bool = False) -> subprocess.Popen:
    """gunicorn on 127.0.0.1; the finder's shared copies (finder/shared_copy.py) only when asked."""
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "redliv.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers)],
        cwd=ROOT,
        env={**os.environ, "FINDER_SHARED_COPIES": "1" if shared_copies else "0"},
    )  # fmt: skip


def start_haproxy(directory: Path, port: int, backends: list[int]) -> subprocess.Popen:
    servers = "\n".join(
        f"    server app{i} 127.0.0.1:{backend} check inter 2s fall 5 rise 1" for i, backend in enumerate(backends, 1)
    )
    config = directory / "haproxy.cfg"
    config.write_text(HAPROXY_CONFIG.format(port=port, servers=servers))
    subprocess.run([haproxy_path(), "-c", "-q", "-f", str(config)], check=True)
    return subprocess.Popen([haproxy_path(), "-db", "-f", str(config)], stdout=subprocess.DEVNULL)


def _opener(session: str | None = None) -> dict:
    """The cookies a client sends: the CSRF cookie as street.lua sends it (with DEBUG off the app marks its
    own Secure, so a plain-HTTP client would not send it back), and a session when given."""
    return {"csrftoken": "b" * 32, **({"sessionid": session} if session else {})}


def fetch(cookies: dict, url: str, data: dict | None = None, referer: str | None = None) -> tuple[int, str, str]:
    """(status, body, final URL path) of a GET, or of a form POST when data is given; redirects followed."""
    headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())}
    if referer:
        headers["Referer"] = referer
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode(), urllib.parse.urlparse(response.url).path
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), urllib.parse.urlparse(url).path


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def sessions_on_either(backends: list[str], cookie: str) -> dict:
    """The coordinator's one session, sent to each app server directly: the staff start page, not the login."""
    answers = {}
    for base in backends:
        status, _body, path = fetch(_opener(cookie), base + "/personale/")
        answers[base] = status == 200 and path == "/personale/"
    return answers


def rate_limit_across(backends: list[str]) -> list[int]:
    """Six course requests from one address, alternately to each app server: the sixth must be refused (429)."""
    from redliv.models import Municipality

    municipality = Municipality.objects.order_by("pk").first()
    visitor = _opener()
    statuses = []
    for attempt in range(6):
        url = backends[attempt % 2] + "/bestil-kursus/"
        _status, html, _path = fetch(visitor, url)
        form = {
            "csrfmiddlewaretoken": csrf_token(html),
            "organisation_name": f"Benchmark {attempt}",
            "municipality": municipality.pk,
            "contact_name": "Bench",
            "contact_email": "bench@example.org",
            "contact_phone": "",
            "audience": "professionals",
            "number_of_people": "10",
            "wishes": "",
            "website": "",
        }
        status, _body, path = fetch(visitor, url, form, referer=url)
        statuses.append(302 if status == 200 and path.endswith("/tak/") else status)
    return statuses


# Where the other app server shows a course, and how to recognise it there; `{query}` narrows the
# finder, the API and the widget to the format of the course cancelled (see `course_to_cancel`).
def _planned_in_feed(pk: int, body: str) -> bool:
    """Whether the feed lists the course as planned: a course cancelled lately stays in it, as STATUS:CANCELLED."""
    start = body.find(f"UID:course-{pk}@")
    return start >= 0 and "STATUS:CANCELLED" not in body[start : body.find("END:VEVENT", start)]


VISIBLE_ON = {
    "finder `/{query}`": ("/{query}", lambda pk, body: f'href="/kurser/{pk}/"' in body),
    "API": ("/api/v1/courses/?limit=500{and_query}", lambda pk, body: f'"course-{pk}"' in body),
    "feed `/kurser.ics`": ("/kurser.ics", _planned_in_feed),
    "widget `/widget/{query}`": ("/widget/{query}", lambda pk, body: f'href="/kurser/{pk}/"' in body),
}
# The widget lists the next few entries: on a weekday afternoon they may all be drop-in hours (run 20,
# a Tuesday at 13:58, found no course on it), so the formats that are never drop-in hours are tried next.
WIDGET_QUERIES = ("", "?format=pop_up", "?format=scheduled", "?format=online")


def course_to_cancel(other: str, visitor: dict) -> tuple[int, dict]:
    """The first course on the other app server's widget, unfiltered or by format, and the lists to watch."""
    for query in WIDGET_QUERIES:
        found = re.search(r'href="/kurser/(\d+)/"', fetch(visitor, f"{other}/widget/{query}")[1])
        if found:
            and_query = "&" + query[1:] if query else ""
            lists = {
                label.format(query=query): (path.format(query=query, and_query=and_query), shown)
                for label, (path, shown) in VISIBLE_ON.items()
            }
            return int(found.group(1)), lists
    raise RuntimeError("no course on the widget, in any format")


def cancellation_seen(through: str, other: str, cookie: str) -> dict:
    """Cancel the widget's first course through one app server; seconds until each list of the other drops it.

    Each list is polled in its own thread; a time is when the first answer without the course arrived (in
    the feed: with it marked cancelled), counted from the cancel form's answer (so it includes that one
    request's own time).
    """
    visitor = _opener()
    pk, lists = course_to_cancel(other, visitor)
    for label, (path, shown) in lists.items():
        if not shown(pk, fetch(visitor, other + path)[1]):
            raise RuntimeError(f"course {pk} is not on the {label} before it is cancelled")
    staff = _opener(cookie)
    form_url = f"{through}/personale/kurser/{pk}/aflys/"
    _status, html, _path = fetch(staff, form_url)
    status, _body, _path = fetch(
        staff, form_url, {"csrfmiddlewaretoken": csrf_token(html), "reason": "Benchmark: aflyst"}, referer=form_url
    )
    if status != 200:
        raise RuntimeError(f"cancelling course {pk} answered {status}")
    cancelled = time.perf_counter()

    def until_gone(item):
        label, (path, shown) = item
        opener = _opener()
        while time.perf_counter() - cancelled < 30:
            if not shown(pk, fetch(opener, other + path)[1]):
                return label, time.perf_counter() - cancelled
        return label, float("inf")

    with concurrent.futures.ThreadPoolExecutor(len(lists)) as pool:
        return dict(pool.map(until_gone, lists.items()))


def server_times(base: str, variants: dict) -> dict:
    """Median wall time of each page variant, one request at a time (no cache anywhere), with its status."""
    times = {}
    for label, path in variants.items():
        timed_get(base + path)
        runs = []
        for _ in range(REPEATS):
            seconds, status, _size = timed_get(base + path)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
            runs.append(seconds)
        times[label] = statistics.median(runs)
    return times


def entry_queries(cookie: str, location: int, now) -> int:
    """SQL statements one new street entry (a handout) costs, in-process, BEGIN and COMMIT included if sent."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = cookie
    fields = {
        "key": str(uuid.uuid4()),
        "date": now.date().isoformat(),
        "time": now.strftime("%H:%M"),
        "reason": "replaces_used",
        "audience": "people_who_use_drugs",
        "quantity": 1,
        "location": location,
        "batch": "",
    }
    body = json.dumps({"kind": "handout", "fields": fields})
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/gade/api/poster/", body, content_type="application/json")
    if response.status_code != 201:
        raise RuntimeError(f"the street entry answered {response.status_code}")
    return len(captured.captured_queries)


def count_keys(table: str, run: str) -> tuple[int, int]:
    from django.db import connection

    column = "key" if table == "bench_floor_write" else "idempotency_key"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), count(DISTINCT {column}) FROM {table} WHERE {column}::text LIKE %s",
            [f"%-{run}-4000-8000-%"],
        )
        return cursor.fetchone()


# --- the run ---------------------------------------------------------------------------


FINDER_VARIANTS = {  # each filter the finder and the API take, with and without a position
    "finder `/`": "/",
    "finder, near a point": "/?near=55.3959,10.3883",
    "finder, near a postcode": "/?postcode={postcode}",
    "finder, format drop-in": "/?format=drop_in",
    "finder, format online": "/?format=online",
    "finder, district": "/?district={district}",
    "finder, audience": "/?audience=professionals",
    "finder, language": "/?language=en",
    "finder, this week": "/?when=week",
    "finder, page 10": "/?side=10",
    "finder, near a point, page 10": "/?near=55.3959,10.3883&side=10",
    "API": "/api/v1/courses/",
    "API, near a point": "/api/v1/courses/?near=55.3959,10.3883",
    "API, offset 2,000": "/api/v1/courses/?offset=2000",
    "API, near a point, offset 2,000": "/api/v1/courses/?near=55.3959,10.3883&offset=2000",
    "API, district and audience": "/api/v1/courses/?district={district}&audience=people_who_use_drugs",
    "widget": "/widget/",
}


def in_rounds(measurements: dict, duration: int) -> dict:
    """Run each measurement (a name: a function of seconds) in turn, ROUNDS times; the rounds of each as one."""
    rounds = {name: [] for name in measurements}
    seconds = max(1, round(duration / ROUNDS))
    for number in range(1, ROUNDS + 1):
        for name, measure in measurements.items():
            rounds[name].append(measure(number, seconds))
            result = rounds[name][-1]
            rate = result["rps"] if "rps" in result else result["rows"] / result["seconds"]
            say(f"  round {number} of {ROUNDS}, {name}: {rate:.1f}/s, p95 {result['p95']:.1f} ms ({seconds} s)")
    return {name: combined(results) for name, results in rounds.items()}


def combined(results: list[dict]) -> dict:
    """Rounds of one measurement as one: counts and seconds added, the rate of the whole, each
    percentile the worst round's (wrk cannot merge its histograms across runs)."""
    together = {}
    for key in results[0]:
        values = [result[key] for result in results]
        together[key] = max(values) if key in ("p50", "p95", "p99") else sum(values)
    if "rps" in together:  # a read: the whole's rate is its requests over its seconds
        together["rps"] = together["requests"] / together["seconds"]
    return together


def street_run(base: str, path: str, run: str, cookies: dict, bag_pk: int, now, duration: int, table: str) -> dict:
    """Every entry sent twice with one key by STREET_CLIENTS clients; rows and distinct keys counted after."""
    result = wrk(
        base + path,
        connections=STREET_CLIENTS,
        seconds=duration,
        script=BENCH / "street.lua",
        args=[
            f"sessionid={cookies['street']}; csrftoken={'b' * 32}",
            "b" * 32,
            str(bag_pk),
            now.date().isoformat(),
            now.strftime("%H:%M"),
            path,
            run,
        ],
    )
    rows, keys = count_keys(table, run)
    result.update(rows=rows, keys=keys, duplicates=rows - keys)
    return result


def run(args) -> int:
    ensure_tools()
    tmpdir = Path(tempfile.mkdtemp(prefix="redliv-bench-pg-"))
    server = dev.LocalPostgres(tmpdir / "data", dev.free_port())
    processes = []
    try:
        server.start()
        database_url = server.url()
        os.environ.update(
            {
                "DATABASE_URL": database_url,
                "DEBUG": "0",
                "SECRET_KEY": secrets.token_urlsafe(64),
                "SECURE_SSL_REDIRECT": "0",
                # HAProxy appends the client's address to X-Forwarded-For; a request straight to a
                # gunicorn port has none, and then the connection's own address counts.
                "TRUSTED_PROXIES": "1",
                "ALLOWED_HOSTS": "127.0.0.1",
                "DJANGO_SETTINGS_MODULE": "bench.settings",
                # Off in this process (profiles, query counts) and on the first gunicorn; on where a table says so.
                "FINDER_SHARED_COPIES": "0",
            }
        )
        say(f"PostgreSQL (throwaway) at {database_url}")
        manage("compiletranslations")
        manage("migrate", "--no-input", "-v0")
        manage("collectstatic", "--no-input", "-v0")
        say(f"generating national data at scale {args.scale}")
        begun = time.perf_counter()
        generated = subprocess.run(
            [sys.executable, str(BENCH / "generate.py"), "--scale", str(args.scale), "--seed", str(args.seed)],
            check=True,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
        generate_seconds = time.perf_counter() - begun
        print(generated, end="", flush=True)

        import django

        django.setup()
        from django.db import connection
        from django.utils import timezone

        from bench.urls import FLOOR_WRITE_TABLE
        from courses.models import Venue
        from kits.models import Batch, StockLocation, StockMovement
        from redliv.models import User
        from reports.figures import Month

        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE {FLOOR_WRITE_TABLE} (key uuid PRIMARY KEY, stored_at timestamptz DEFAULT now())"
            )
        cookies = sessions()
        street_user = User.objects.get(username="gade-461")
        bag = StockLocation.objects.get(municipality__code=461, kind=StockLocation.Kind.BAG)
        StockMovement.objects.create(  # through the trigger, as a delivery would be
            kind=StockMovement.Kind.RECEIVE,
            batch=Batch.objects.order_by("-expiry_date").first(),
            to_location=bag,
            quantity=1_000_000,
            occurred_at=timezone.now() - dt.timedelta(hours=1),
            recorded_by=street_user,
        )
        place = Venue.objects.filter(open_to_public=True, active=True, district__isnull=False).order_by("pk").first()
        variants = {
            label: path.format(postcode=place.postcode, district=place.district_id)
            for label, path in FINDER_VARIANTS.items()
        }

        port = dev.free_port()
        base = f"http://127.0.0.1:{port}"
        gunicorn = start_gunicorn(port, WORKERS)
        processes.append(gunicorn)
        wait_for(base + "/healthz")
        say(f"gunicorn with {WORKERS} workers at {base}")

        duration = args.duration
        say("server time of each finder and API variant, one request at a time")
        times = server_times(base, variants)
        for label, seconds in times.items():
            say(f"  {label}: {seconds * 1000:.1f} ms")

        # With the finder's shared copies on (as in production), on a gunicorn of its own beside the first.
        copies_port = dev.free_port()
        copies_base = f"http://127.0.0.1:{copies_port}"
        copies = start_gunicorn(copies_port, WORKERS, shared_copies=True)
        processes.append(copies)
        wait_for(copies_base + "/healthz")
        reads = {
            "floor": (base, "/bench/floor", BROWSER),
            "finder": (base, "/", BROWSER),
            "api": (base, "/api/v1/courses/", BROWSER),
            "finder_copies": (copies_base, "/", BROWSER),
            "api_copies": (copies_base, "/api/v1/courses/", BROWSER),
            "finder_copies_plain": (copies_base, "/", {}),
            "api_copies_plain": (copies_base, "/api/v1/courses/", {}),
        }
        for app_server, path, _headers in reads.values():
            timed_get(app_server + path)

        def read(app_server, path, headers):
            return lambda _round, seconds: wrk(
                app_server + path,
                connections=CONNECTIONS,
                seconds=seconds,
                script=BENCH / "latency.lua",
                headers=headers,
            )

        say(f"wrk, {CONNECTIONS} connections, each page in turn, {ROUNDS} rounds, {duration} s each page in all")
        results = in_rounds({name: read(*read_args) for name, read_args in reads.items()}, duration)
        for name, result in results.items():
            say(f"  {name}: {result}")
        copies.terminate()
        copies.wait(30)
        processes.remove(copies)

        month = Month.last_full()
        month_results = {}
        for scope, cookie_name in [("Odense", "coordinator"), ("all 98 municipalities", "admin")]:
            for label, path in [
                ("month page", f"/personale/maaned/?month={month}"),
                ("XLSX export", f"/personale/maaned/xlsx/?month={month}"),
                ("PDF export", f"/personale/maaned/pdf/?month={month}"),
                ("publication CSV", f"/personale/maaned/csv/?month={month}&publication=1"),
            ]:
                cookie = cookies[cookie_name]
                seconds = wall_time(base + path, cookie)
                statements = page_queries(path, cookie)
                floor = postgres_time(database_url, statements)
                month_results[(label, scope)] = {"wall": seconds, "postgres": floor, "queries": len(statements)}
                say(
                    f"{label}, {scope}: {seconds * 1000:.0f} ms, PostgreSQL {floor * 1000:.0f} ms "
                    f"({len(statements)} queries)"
                )

        # The public statistics (no login): the country, and one municipality chosen, Odense and the one
        # with the fewest courses (the first to get rolling 12-month figures).
        from django.db.models import Count

        from courses.models import Course

        fewest = Course.objects.values("municipality").annotate(courses=Count("id")).order_by("courses").first()
        for scope, path in [
            ("all 98 municipalities", "/statistik/"),
            ("the country and Odense", f"/statistik/?kommune={bag.municipality_id}"),
            ("the country and the smallest", f"/statistik/?kommune={fewest['municipality']}"),
        ]:
            seconds = wall_time(base + path, None)
            statements = page_queries(path, None)
            floor = postgres_time(database_url, statements)
            month_results[("public statistics", scope)] = {
                "wall": seconds,
                "postgres": floor,
                "queries": len(statements),
            }
            say(f"public statistics, {scope}: {seconds * 1000:.0f} ms, PostgreSQL {floor * 1000:.0f} ms")

        stock_results = {}
        from django.db.models import Count

        from redliv.models import Municipality

        largest = (
            Municipality.objects.annotate(levels=Count("stock_locations__levels"))
            .order_by("-levels", "pk")
            .values_list("pk", "name")
            .first()
        )
        for scope, cookie_name, path, target in [
            ("Odense, its coordinator", "coordinator", "/personale/lager/", True),
            ("all 98 municipalities, administrator (summary per municipality)", "admin", "/personale/lager/", True),
            (
                f"{largest[1]} (most lots on hand), chosen by the administrator",
                "admin",
                f"/personale/lager/?municipality={largest[0]}",
                True,
            ),
            ("every location and lot, CSV, administrator", "admin", "/personale/lager/lager.csv", False),
        ]:
            cookie = cookies[cookie_name]
            seconds = wall_time(base + path, cookie)
            statements = page_queries(path, cookie)
            floor = postgres_time(database_url, statements)
            stock_results[scope] = {"wall": seconds, "postgres": floor, "queries": len(statements), "target": target}
            say(
                f"stock page, {scope}: {seconds * 1000:.0f} ms, PostgreSQL {floor * 1000:.0f} ms ({len(statements)} queries)"
            )

        now = timezone.localtime() - dt.timedelta(minutes=10)
        # Each round's keys carry their own run number: the floor's 0fa1…, the street's 00a1… (through
        # HAProxy below: 0001).
        say(f"writes: {STREET_CLIENTS} clients, each entry sent twice, in turn, {ROUNDS} rounds, {duration} s each")
        writes = in_rounds(
            {
                "floor": lambda number, seconds: street_run(
                    base, "/bench/floor-write", f"0fa{number}", cookies, bag.pk, now, seconds, FLOOR_WRITE_TABLE
                ),
                "street": lambda number, seconds: street_run(
                    base, "/gade/api/poster/", f"00a{number}", cookies, bag.pk, now, seconds, "kits_stockmovement"
                ),
            },
            duration,
        )
        for name, result in writes.items():
            say(f"  {name}: {result}")
        per_entry = entry_queries(cookies["street"], bag.pk, now)
        say(f"one new street entry: {per_entry} SQL statements, BEGIN and COMMIT included if sent")

        queries = {}
        for label, path, cookie in [
            ("finder `/`", "/", None),
            ("finder, near a point", "/?near=55.3959,10.3883", None),
            ("API `/api/v1/courses/`", "/api/v1/courses/", None),
            ("street page `/gade/`", "/gade/", cookies["street"]),
            ("coordinator start `/personale/`", "/personale/", cookies["coordinator"]),
            ("month page (Odense)", f"/personale/maaned/?month={month}", cookies["coordinator"]),
            ("month page (all)", f"/personale/maaned/?month={month}", cookies["admin"]),
        ]:
            queries[label] = len(page_queries(path, cookie))
        sizes = {
            "finder `/`": first_load_bytes(base, "/", None),
            "street page `/gade/`": first_load_bytes(base, "/gade/", cookies["street"]),
        }

        profiles = BENCH / "profiles"
        profiles.mkdir(exist_ok=True)
        profile("/", None, profiles / "finder.txt")
        profile("/?near=55.3959,10.3883", None, profiles / "finder-near.txt")
        profile("/api/v1/courses/", None, profiles / "api.txt")
        profile(f"/personale/maaned/?month={month}", cookies["admin"], profiles / "month-all.txt")
        profile("/personale/lager/", cookies["admin"], profiles / "stock-all.txt")
        profile(f"/personale/lager/?municipality={largest[0]}", cookies["admin"], profiles / "stock-largest.txt")
        gunicorn.terminate()
        gunicorn.wait(30)
        processes.remove(gunicorn)

        # The production layout: two app servers behind a load balancer, one PostgreSQL.
        ports = [dev.free_port() for _ in range(2)]
        backends = [f"http://127.0.0.1:{backend}" for backend in ports]
        for backend_port in ports:
            processes.append(start_gunicorn(backend_port, APP_SERVER_WORKERS, shared_copies=True))
        for backend in backends:
            wait_for(backend + "/healthz")
        lb_port = dev.free_port()
        processes.append(start_haproxy(tmpdir, lb_port, ports))
        lb = f"http://127.0.0.1:{lb_port}"
        wait_for(lb + "/healthz")
        say(f"HAProxy at {lb} in front of {', '.join(backends)} ({APP_SERVER_WORKERS} workers each)")
        say(f"wrk through HAProxy, {CONNECTIONS} connections, each page in turn, {ROUNDS} rounds, {duration} s each")
        pair = in_rounds(
            {
                name: read(lb, path, BROWSER)
                for name, path in [("floor", "/bench/floor"), ("finder", "/"), ("api", "/api/v1/courses/")]
            },
            duration,
        )
        for name, result in pair.items():
            say(f"  {name}: {result}")
        say(f"street logging through HAProxy: {STREET_CLIENTS} clients, each entry sent twice, {duration} s")
        pair["street"] = street_run(
            lb, "/gade/api/poster/", "0001", cookies, bag.pk, now, duration, "kits_stockmovement"
        )
        say(f"  {pair['street']}")
        either = sessions_on_either(backends, cookies["coordinator"])
        limited = rate_limit_across(backends)
        seen = cancellation_seen(backends[0], backends[1], cookies["admin"])
        say(f"sessions {either}, rate limit {limited}, cancellation seen {seen}")

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM courses_course WHERE published AND status = 'planned' AND ends_at > now()"
            )
            upcoming = cursor.fetchone()[0]
        report = render(
            args,
            machine(database_url),
            generated,
            generate_seconds,
            {
                "times": times,
                "results": results,
                "month": month,
                "month_results": month_results,
                "stock": stock_results,
                "writes": writes,
                "per_entry": per_entry,
                "queries": queries,
                "sizes": sizes,
                "upcoming": upcoming,
                "pair": pair,
                "either": either,
                "limited": limited,
                "seen": seen,
            },
        )
        print(report)
        target = results_path(args)
        if target is not None:
            target.parent.mkdir(exist_ok=True)
            target.write_text(report + lighthouse_section(target))
            say(f"wrote {target.relative_to(ROOT)}")
        return 0
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(30)
        server.stop()
        shutil.rmtree(tmpdir, ignore_errors=True)


def ok(condition) -> str:
    return "✅" if condition else "❌"


def lighthouse_section(target: Path) -> str:
    """The Lighthouse section bench/lighthouse.py wrote into the file, kept when the rest is rewritten."""
    text = target.read_text() if target.exists() else ""
    start, end = "<!-- lighthouse: written by bench/lighthouse.py -->", "<!-- /lighthouse -->"
    if start not in text or end not in text:
        return ""
    return "\n" + text[text.index(start) : text.index(end) + len(end)] + "\n"


def render(args, host, generated, generate_seconds, m) -> str:
    results, writes, pair = m["results"], m["writes"], m["pair"]
    floor = results["floor"]
    lines = [
        "# Benchmark results",
        "",
        f"Produced by `python3 bench/run.py{'' if args.scale == 1 else f' --scale {args.scale}'}` on "
        f"{dt.date.today().isoformat()}, from an empty database. Do not edit by hand; run it again.",
        "",
        "The machine is shared with other work (test suites, other benchmarks): every figure below is "
        "one run's, and on two cores the same run varies by a third from one time to the next.",
        "",
        "## Machine",
        "",
        f"- {host['nproc']} CPUs ({host['cpu']}), {host['memory']} memory, shared with other work",
        f"- {host['postgres']}, on the same machine; Python {host['python']}",
        f"- gunicorn, {WORKERS} sync workers, 127.0.0.1; DEBUG=0; wrk 2 threads on the same machine; "
        "the finder's shared copies (finder/shared_copy.py) off, except in the rows that say so",
        "",
        "## Data",
        "",
        f"Scale {args.scale} (1.0 is the national target), seed {args.seed}; generated in "
        f"{generate_seconds:.0f} s including Django start-up:",
        "",
        "```text",
        generated.rstrip(),
        "```",
        "",
        f"Published upcoming courses the finder lists: {m['upcoming']:,} (plus eight weeks of standing drop-in "
        "hours, one weekly slot per municipality).",
        "",
        f"## Finder and API, one request at a time: median of {REPEATS}",
        "",
        "Wall time of one request to gunicorn on 127.0.0.1 (server time plus a loopback round trip), "
        "nothing cached anywhere, asked as Chromium asks: the page comes gzipped, packed for this request.",
        "",
        "| request | ms | target ≤ 30 ms |",
        "|---|---:|---|",
        *[f"| {label} | {seconds * 1000:.1f} | {ok(seconds <= 0.030)} |" for label, seconds in m["times"].items()],
        "",
        f"## Public finder under load, {CONNECTIONS} connections, {args.duration} s each",
        "",
        f"Each row is measured in {ROUNDS} rounds of {max(1, round(args.duration / ROUNDS))} s, every row in "
        "turn, so a floor and the pages held against it share the machine's slow and fast minutes; "
        "requests/s is the rounds' together, each percentile the worst round's. "
        f"wrk sends `Accept-Encoding: {BROWSER['Accept-Encoding']}`, as Chromium does (the floor too), except in "
        "the rows that say otherwise: a shared copy is kept gzipped and sent so to a client that accepts it "
        "(finder/shared_copy.py); a page worked out on request is packed for it (finder/compression.py).",
        "",
        "| page | requests/s | p50 ms | p95 ms | p99 ms | errors | share of floor | target ≥ 0.6, p95 < 50 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, label in [
        ("floor", "floor: trivial view `/bench/floor`"),
        ("finder", "finder `/` (shared copies off: worked out on every request)"),
        ("api", "API `/api/v1/courses/` (shared copies off)"),
        ("finder_copies", "finder `/` with shared copies (production)"),
        ("api_copies", "API `/api/v1/courses/` with shared copies (production)"),
        ("finder_copies_plain", "finder `/` with shared copies, to a client that does not accept gzip"),
        ("api_copies_plain", "API with shared copies, to a client that does not accept gzip"),
    ]:
        r = results[name]
        share = r["rps"] / floor["rps"]
        verdict = "" if name == "floor" else ok(share >= 0.6 and r["p95"] < 50 and r["errors"] == 0)
        lines.append(
            f"| {label} | {r['rps']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | "
            f"{int(r['errors'])} | {share:.3f} | {verdict} |"
        )
    lines += [
        "",
        f"## Month report ({m['month']}) and public statistics, median of {REPEATS}",
        "",
        "PostgreSQL's time is the same SQL the request issues (captured in-process), sent one statement at a "
        "time from psycopg2 with no Django in between.",
        "",
        "| what | scope | wall ms | PostgreSQL ms | ratio | queries | target ≤ 2× and < 1 s |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for (label, scope), r in m["month_results"].items():
        ratio = r["wall"] / r["postgres"] if r["postgres"] else float("inf")
        verdict = ok(ratio <= 2 and r["wall"] < 1) if label in MONTH_TARGETS else "no target"
        lines.append(
            f"| {label} | {scope} | {r['wall'] * 1000:.0f} | {r['postgres'] * 1000:.0f} | {ratio:.1f}× | "
            f"{r['queries']} | {verdict} |"
        )
    lines += [
        "",
        f"## Stock page with reorder and transfer suggestions, median of {REPEATS}",
        "",
        "The whole page: per-location stock, consumption over the last full months, months of stock, "
        "suggested orders, kits at risk and suggested transfers (kits/planning.py). An administrator first "
        "gets one row per municipality, planned from every location, and chooses a municipality for its detail; "
        "the CSV has every location and lot of the country (a download, no target).",
        "",
        f"| scope | wall ms | PostgreSQL ms | queries | target < {STOCK_TARGET_MS} ms and ≤ {STOCK_MAX_QUERIES} queries |",
        "|---|---:|---:|---:|---|",
    ]
    for scope, r in m["stock"].items():
        verdict = (
            ok(r["wall"] * 1000 < STOCK_TARGET_MS and r["queries"] <= STOCK_MAX_QUERIES) if r["target"] else "no target"
        )
        lines.append(f"| {scope} | {r['wall'] * 1000:.0f} | {r['postgres'] * 1000:.0f} | {r['queries']} | {verdict} |")

    def write_row(label, r, floor_rate=None):
        rate = r["rows"] / r["seconds"]
        share = f"{rate / floor_rate:.2f}" if floor_rate else "1.00"
        clean = r["duplicates"] == 0 and r["other"] == 0
        verdict = "" if floor_rate is None else ok(rate / floor_rate >= 0.5 and r["p95"] < 100 and clean)
        return (
            f"| {label} | {rate:.1f} | {share} | {int(r['requests'])} | {int(r['created'])} | {int(r['repeated'])} | "
            f"{int(r['other'])} | {r['rows']} | {r['duplicates']} | {r['p95']:.1f} | {verdict} |"
        )

    floor_rate = writes["floor"]["rows"] / writes["floor"]["seconds"]
    lines += [
        "",
        f"## Writes, {STREET_CLIENTS} clients, each entry sent twice, {args.duration} s",
        "",
        "The write floor `/bench/floor-write` (bench URLconf only) inserts one row with a unique key in a "
        "transaction, through the same middleware and with the same body; street logging stores a handout "
        "through `/gade/api/poster/`. Rows may exceed the 201 answers by the requests still in flight when "
        "wrk stopped; duplicates are rows less distinct keys. "
        f"The two are measured in turn, {ROUNDS} rounds of {max(1, round(args.duration / ROUNDS))} s each; "
        "stored/s is the rounds' together, p95 the worst round's.",
        "",
        "| writes | stored/s | share of floor | requests | 201 stored | 200 already stored | other | rows | "
        "duplicates | p95 ms | target ≥ 0.5, p95 < 100 ms, 0 duplicates |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        write_row("floor: one row with a unique key", writes["floor"]),
        write_row("street logging (a handout)", writes["street"], floor_rate),
        "",
        f"One new street entry costs {m['per_entry']} SQL statements (session, user with its organisation and "
        "roles, location, and the insert, which chooses the first-expiring lot itself and is a transaction of its "
        "own: no BEGIN, no COMMIT); the write floor costs 5 with the same session, BEGIN and COMMIT included (an "
        "insert in a transaction, as the issue defines the floor). 10 when the organisation, the roles and a "
        "look-up of the key were separate statements, 8 while the lot and the month's approval were looked up "
        "before the insert, 6 while BEGIN and COMMIT surrounded the insert. `tests/test_street_logging.py` pins 4 "
        "for a new entry and 4 for a repeat, whose insert reads the stored row (5 until run 29, a look-up after "
        "the refused insert).",
        "",
        f"## Two app servers behind HAProxy, {CONNECTIONS} connections ({STREET_CLIENTS} for writes), "
        f"{args.duration} s each",
        "",
        f"Two gunicorns ({APP_SERVER_WORKERS} sync workers each) on their own ports, Debian's HAProxy in front "
        "(round robin, health check on `/healthz`, `option forwardfor`, `TRUSTED_PROXIES=1`), all on "
        "127.0.0.1 and the one PostgreSQL: the README's production layout on one machine. Its configuration "
        "is generated into a temporary directory (`HAPROXY_CONFIG` in bench/run.py). The floor, the finder and "
        f"the API are measured in turn, {ROUNDS} rounds (as above); street logging in one run.",
        "",
        "| through HAProxy | requests/s | p50 ms | p95 ms | p99 ms | errors | share of floor | target |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, label in [
        ("floor", "floor `/bench/floor`"),
        ("finder", "finder `/` (shared copies)"),
        ("api", "API (shared copies)"),
    ]:
        r = pair[name]
        share = r["rps"] / pair["floor"]["rps"]
        verdict = "" if name == "floor" else ok(share >= 0.6 and r["p95"] < 50 and r["errors"] == 0)
        lines.append(
            f"| {label} | {r['rps']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {int(r['errors'])} | "
            f"{share:.3f} | {verdict} |"
        )
    street = pair["street"]
    lines += [
        "",
        "| street logging through HAProxy | stored/s | requests | 201 stored | 200 already stored | other | rows | "
        "duplicates | p95 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| a handout, each sent twice | {street['rows'] / street['seconds']:.1f} | {int(street['requests'])} | "
        f"{int(street['created'])} | {int(street['repeated'])} | {int(street['other'])} | {street['rows']} | "
        f"{street['duplicates']} {ok(street['duplicates'] == 0)} | {street['p95']:.1f} |",
        "",
        "| check | result | target |",
        "|---|---|---|",
        "| one session cookie on each app server (the coordinator's start page, not the login) | "
        + ", ".join("works" if worked else "refused" for worked in m["either"].values())
        + f" | {ok(all(m['either'].values()))} |",
        "| six course requests from one address, alternately to each app server | "
        + " ".join(str(status) for status in m["limited"])
        + f" | {ok(m['limited'] == [302] * 5 + [429])} (the sixth refused: 5 an hour) |",
        *[
            f"| a course cancelled through app server 1: gone from app server 2's {label} after | "
            f"{seconds * 1000:.0f} ms | {ok(seconds <= 1)} ≤ 1 s |"
            for label, seconds in m["seen"].items()
        ],
        "",
        "The time until a cancellation is gone is counted from the cancel form's answer to the first answer "
        "without the course, so it includes that request's own time (the whole country's feed is the "
        "largest; it keeps a course cancelled lately, marked `STATUS:CANCELLED`, so there the course is "
        "gone when it is marked so); no app server keeps anything to forget.",
        "",
        "## SQL queries per page",
        "",
        "| page | queries |",
        "|---|---:|",
        *[f"| {label} | {count} |" for label, count in m["queries"].items()],
        "",
        "## Bytes on first load (compressed)",
        "",
        "HTML as gzip -6 (the app sends it plain; the TLS proxy compresses), scripts and stylesheets as "
        "whitenoise sends them with `Accept-Encoding: br, gzip`.",
        "",
        "| page | HTML | scripts and styles | total |",
        "|---|---:|---:|---:|",
        *[
            f"| {label} | {s['html'] / 1024:.1f} KB | {s['assets'] / 1024:.1f} KB | {s['total'] / 1024:.1f} KB |"
            for label, s in m["sizes"].items()
        ],
        "",
        "Profiles of one request each (pyinstrument, in-process, nothing cached): `bench/profiles/finder.txt`, "
        "`bench/profiles/finder-near.txt`, `bench/profiles/api.txt`, `bench/profiles/month-all.txt`, "
        "`bench/profiles/stock-all.txt`, `bench/profiles/stock-largest.txt`.",
        "",
    ]
    return "\n".join(lines) + "\n" + (BENCH / "analysis.md").read_text()


# Where a run below full scale writes its table (git-ignored): bench/RESULTS.md holds the documented,
# full-scale numbers, and a quick run must not replace them unless asked with --write-results.
QUICK_RESULTS = BENCH / "results"


def results_path(args: argparse.Namespace) -> Path | None:
    """bench/RESULTS.md for a full-scale run (or when asked), else a file under bench/results/."""
    if args.no_write:
        return None
    if args.scale >= 1 or args.write_results:
        return BENCH / "RESULTS.md"
    return QUICK_RESULTS / f"RESULTS-scale-{args.scale:g}.md"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of the national volumes (default 1.0)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--duration", type=int, default=20, help="seconds per wrk run (default 20)")
    parser.add_argument("--no-write", action="store_true", help="print the table only, write no file")
    parser.add_argument(
        "--write-results",
        action="store_true",
        help="write bench/RESULTS.md even below scale 1 (by default a smaller run writes bench/results/)",
    )
    return parser.parse_args(argv)


def main() -> int:
    args = parse_args()
    if not dev.inside_virtualenv():
        dev.ensure_virtualenv()
        os.execv(str(dev.VENV_PYTHON), [str(dev.VENV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
