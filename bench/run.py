#!/usr/bin/env python3
"""Benchmark the registry at national scale, from an empty database, and write bench/RESULTS.md.

    python3 bench/run.py                 full scale (the documented numbers)
    python3 bench/run.py --scale 0.05    a quick run (5 % of the volumes, same 98 municipalities)

Steps: a throwaway PostgreSQL (dev.py's LocalPostgres, durable settings), migrate,
generate the national data (bench/generate.py), collect static files, start gunicorn
on 127.0.0.1 with the README's worker count and production settings, then measure
with Debian's `wrk` (installed with apt-get when missing) and print a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
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
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

import dev  # noqa: E402

WORKERS = 3  # README, "Running it in production": gunicorn … --workers 3 (2 cores)
CONNECTIONS = 32
STREET_CLIENTS = 16
REPEATS = 5
MONTH_TARGETS = {"month page", "XLSX export"}  # issue 8: each under a second at national scale; the PDF has none


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
    if shutil.which("wrk"):
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        dev.fail("the benchmark needs Debian's wrk: apt-get install -y wrk")
    say("installing wrk with apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, env=env, stdout=subprocess.DEVNULL)


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
    request = urllib.request.Request(url, headers={"Cookie": f"sessionid={cookie}"} if cookie else {})
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


# --- the run ---------------------------------------------------------------------------


def run(args) -> int:
    ensure_tools()
    tmpdir = Path(tempfile.mkdtemp(prefix="redliv-bench-pg-"))
    server = dev.LocalPostgres(tmpdir / "data", dev.free_port())
    gunicorn = None
    try:
        server.start()
        database_url = server.url()
        os.environ.update(
            {
                "DATABASE_URL": database_url,
                "DEBUG": "0",
                "SECRET_KEY": secrets.token_urlsafe(64),
                "SECURE_SSL_REDIRECT": "0",
                "TRUSTED_PROXIES": "0",
                "ALLOWED_HOSTS": "127.0.0.1",
                "DJANGO_SETTINGS_MODULE": "bench.settings",
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
        from django.utils import timezone

        from kits.models import Batch, StockLocation, StockMovement
        from redliv.models import User
        from reports.figures import Month

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

        port = dev.free_port()
        base = f"http://127.0.0.1:{port}"
        gunicorn = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "redliv.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(WORKERS),
            ],
            cwd=ROOT,
        )
        wait_for(base + "/healthz")
        say(f"gunicorn with {WORKERS} workers at {base}")

        results = {}
        duration = args.duration
        for name, path in [("floor", "/bench/floor"), ("finder", "/"), ("api", "/api/v1/courses/")]:
            timed_get(base + path)
            say(f"wrk {path}: {CONNECTIONS} connections, {duration} s")
            results[name] = wrk(base + path, connections=CONNECTIONS, seconds=duration, script=BENCH / "latency.lua")
            say(f"  {results[name]}")

        month = Month.last_full()
        month_results = {}
        for scope, cookie_name in [("Odense", "coordinator"), ("all 98 municipalities", "admin")]:
            for label, path in [
                ("month page", f"/personale/maaned/?month={month}"),
                ("XLSX export", f"/personale/maaned/xlsx/?month={month}"),
                ("PDF export", f"/personale/maaned/pdf/?month={month}"),
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

        now = timezone.localtime() - dt.timedelta(minutes=10)
        say(f"street logging: {STREET_CLIENTS} clients, each entry sent twice, {duration} s")
        street = wrk(
            base + "/gade/api/poster/",
            connections=STREET_CLIENTS,
            seconds=duration,
            script=BENCH / "street.lua",
            args=[
                f"sessionid={cookies['street']}; csrftoken={'b' * 32}",
                "b" * 32,
                str(bag.pk),
                now.date().isoformat(),
                now.strftime("%H:%M"),
            ],
        )
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*), count(DISTINCT idempotency_key) FROM kits_stockmovement "
                "WHERE idempotency_key::text LIKE '%%-0000-4000-8000-%%'"
            )
            rows, keys = cursor.fetchone()
        street.update(rows=rows, keys=keys, duplicates=rows - keys)
        say(f"  {street}")

        queries = {}
        for label, path, cookie in [
            ("finder `/`", "/", None),
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
        profile(f"/personale/maaned/?month={month}", cookies["admin"], profiles / "month-all.txt")

        from django.db import connection as db

        with db.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM courses_course WHERE published AND status = 'planned' AND ends_at > now()"
            )
            upcoming = cursor.fetchone()[0]
        report = render(
            args,
            machine(database_url),
            generated,
            generate_seconds,
            results,
            month,
            month_results,
            street,
            queries,
            sizes,
            upcoming,
        )
        print(report)
        if not args.no_write:
            (BENCH / "RESULTS.md").write_text(report)
            say("wrote bench/RESULTS.md")
        return 0
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait(30)
        server.stop()
        shutil.rmtree(tmpdir, ignore_errors=True)


def render(
    args, host, generated, generate_seconds, results, month, month_results, street, queries, sizes, upcoming
) -> str:
    floor = results["floor"]

    def ok(condition):
        return "✅" if condition else "❌"

    lines = [
        "# Benchmark results",
        "",
        f"Produced by `python3 bench/run.py{'' if args.scale == 1 else f' --scale {args.scale}'}` on "
        f"{dt.date.today().isoformat()}, from an empty database. Do not edit by hand; run it again.",
        "",
        "## Machine",
        "",
        f"- {host['nproc']} CPUs ({host['cpu']}), {host['memory']} memory, shared with other work",
        f"- {host['postgres']}, on the same machine; Python {host['python']}",
        f"- gunicorn, {WORKERS} sync workers, 127.0.0.1; DEBUG=0; wrk 2 threads on the same machine",
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
        f"Published upcoming courses the finder lists: {upcoming:,} (plus eight weeks of standing drop-in "
        "hours, one weekly slot per municipality).",
        "",
        f"## Public finder, {CONNECTIONS} connections, {args.duration} s each",
        "",
        "| page | requests/s | p50 ms | p95 ms | p99 ms | errors | share of floor | target ≥ 0.6, p95 < 50 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, label in [
        ("floor", "floor: trivial view `/bench/floor`"),
        ("finder", "finder `/`"),
        ("api", "API `/api/v1/courses/`"),
    ]:
        r = results[name]
        share = r["rps"] / floor["rps"]
        verdict = "" if name == "floor" else ok(share >= 0.6 and r["p95"] < 50)
        lines.append(
            f"| {label} | {r['rps']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | "
            f"{int(r['errors'])} | {share:.3f} | {verdict} |"
        )
    lines += [
        "",
        f"## Month report ({month}), median of {REPEATS}",
        "",
        "PostgreSQL's time is the same SQL the request issues (captured in-process), sent one statement at a "
        "time from psycopg2 with no Django in between.",
        "",
        "| what | scope | wall ms | PostgreSQL ms | ratio | queries | target ≤ 2× and < 1 s |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for (label, scope), r in month_results.items():
        ratio = r["wall"] / r["postgres"] if r["postgres"] else float("inf")
        verdict = ok(ratio <= 2 and r["wall"] < 1) if label in MONTH_TARGETS else "no target"
        lines.append(
            f"| {label} | {scope} | {r['wall'] * 1000:.0f} | {r['postgres'] * 1000:.0f} | {ratio:.1f}× | "
            f"{r['queries']} | {verdict} |"
        )
    rate = street["rows"] / street["seconds"]
    lines += [
        "",
        f"## Street logging, {STREET_CLIENTS} clients, each entry sent twice, {args.duration} s",
        "",
        "| entries stored/s | requests | 201 stored | 200 already stored | other | rows | distinct keys | "
        "duplicates | p95 ms |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {rate:.1f} | {int(street['requests'])} | {int(street['created'])} | {int(street['repeated'])} | "
        f"{int(street['other'])} | {street['rows']} | {street['keys']} | {street['duplicates']} "
        f"{ok(street['duplicates'] == 0 and street['created'] <= street['rows'] <= street['created'] + STREET_CLIENTS)} "
        f"| {street['p95']:.1f} |",
        "",
        "Rows may exceed the 201 answers by the requests still in flight when wrk stopped (stored, answer "
        "not counted); duplicates are rows less distinct keys.",
        "",
        "## SQL queries per page",
        "",
        "| page | queries |",
        "|---|---:|",
        *[f"| {label} | {count} |" for label, count in queries.items()],
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
            for label, s in sizes.items()
        ],
        "",
        "Profiles of one request each (pyinstrument, in-process): `bench/profiles/finder.txt`, "
        "`bench/profiles/month-all.txt`.",
        "",
    ]
    return "\n".join(lines) + "\n" + (BENCH / "analysis.md").read_text()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of the national volumes (default 1.0)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--duration", type=int, default=20, help="seconds per wrk run (default 20)")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave bench/RESULTS.md alone")
    args = parser.parse_args()
    if not dev.inside_virtualenv():
        dev.ensure_virtualenv()
        os.execv(str(dev.VENV_PYTHON), [str(dev.VENV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
