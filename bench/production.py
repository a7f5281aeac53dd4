"""The production set-up on this machine, for the scripts that look at the public pages as a visitor would.

`serve()` starts a throwaway PostgreSQL (dev.py's LocalPostgres), migrates it, loads the Odense
demo (`seed_demo`), and serves the app as the README's "Running it in production" says: DEBUG
off, compiled translations, collected static files, gunicorn on 127.0.0.1. Used by
bench/lighthouse.py and docs/screenshot.py; tests/test_production_smoke.py does the same inside
the test suite.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import dev  # noqa: E402 (importable once the line above put the checkout on the path)


def say(message: str) -> None:
    print(f"[production] {message}", flush=True)


def manage(*args: str, env: dict) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (our server on 127.0.0.1)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    dev.fail(f"{url} did not answer")


@dataclass
class Site:
    url: str
    env: dict

    def shell(self, code: str) -> str:
        """Run Python in the app's Django (`manage.py shell -c`) against the site's database; its last line."""
        return manage("shell", "-c", code, env=self.env).strip().splitlines()[-1]

    def a_course_page(self) -> str:
        """The page of the next public course at a venue, as a visitor would tap it in the finder."""
        return self.shell(
            "from django.utils import timezone\n"
            "from finder import listing\n"
            "course = listing.public_courses().filter(venue__isnull=False, starts_at__gte=timezone.now())"
            ".order_by('starts_at').first()\n"
            "print(f'/kurser/{course.pk}/')\n"
        )


@contextlib.contextmanager
def serve(workers: int = 3):
    """The demo site in the production set-up; stopped (and its database deleted) on leaving."""
    tmpdir = Path(tempfile.mkdtemp(prefix="redliv-production-"))
    server = dev.LocalPostgres(tmpdir / "data", dev.free_port(), fast_and_unsafe=True)
    gunicorn = None
    try:
        server.start()
        env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "MAP_"))}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "redliv.settings",
                "DATABASE_URL": server.url(),
                "DEBUG": "0",
                "SECRET_KEY": secrets.token_urlsafe(64),
                "SECURE_SSL_REDIRECT": "0",  # the TLS-terminating proxy's half; gunicorn is reached over HTTP
                "ALLOWED_HOSTS": "127.0.0.1",
                "STATIC_ROOT": str(tmpdir / "static"),
            }
        )
        say(f"PostgreSQL (throwaway) at {server.url()}")
        manage("compiletranslations", env=env)
        manage("migrate", "--no-input", "-v0", env=env)
        manage("collectstatic", "--no-input", "-v0", env=env)
        # The demo refuses to run with DEBUG off (it must never touch a production database); this one is throwaway.
        manage("seed_demo", env={**env, "DEBUG": "1", "DEMO_PASSWORD": secrets.token_urlsafe(16)})
        port = dev.free_port()
        url = f"http://127.0.0.1:{port}"
        gunicorn = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "redliv.wsgi", "--bind", f"127.0.0.1:{port}"]
            + ["--workers", str(workers)],
            cwd=ROOT,
            env=env,
            stderr=subprocess.DEVNULL,
        )
        wait_for(url + "/healthz")
        say(f"gunicorn at {url}")
        yield Site(url, env)
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait(30)
        server.stop()
        shutil.rmtree(tmpdir, ignore_errors=True)


def reexec_in_virtualenv(script: str) -> None:
    """Run the calling script again with the project's virtualenv, when it was started without it."""
    if not dev.inside_virtualenv():
        dev.ensure_virtualenv()
        os.execv(str(dev.VENV_PYTHON), [str(dev.VENV_PYTHON), str(Path(script).resolve()), *sys.argv[1:]])
