#!/usr/bin/env python3
"""Lighthouse scores of the public pages in the production set-up, on a phone.

    python3 bench/lighthouse.py            run, print the scores, write the Lighthouse section of bench/RESULTS.md
    python3 bench/lighthouse.py --no-write run and print only

Steps: the npm `lighthouse` package (pinned below) is installed into bench/.lighthouse/
(git-ignored) when missing; a throwaway PostgreSQL (dev.py's LocalPostgres) gets the
migrations and the Odense demo (`seed_demo`); the app is served as in production (DEBUG
off, compiled translations, collected static files, gunicorn on 127.0.0.1); Lighthouse
runs Debian's Chromium headless with its default mobile preset (a mid-range phone on a
slow 4G connection, simulated) against `/`, one course page and `/statistik/`.

A script, not a test: the scores depend on the machine's load, and the suite measures no time.
The target (issue 21) is at least 95 in each of the four categories on each page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import secrets
import shutil
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

LIGHTHOUSE_VERSION = "12.8.2"  # 13.x needs Node 22; Debian's is 20
TOOLS = BENCH / ".lighthouse"
LIGHTHOUSE = TOOLS / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
TARGET = 95
RESULTS = BENCH / "RESULTS.md"
# bench/run.py rewrites RESULTS.md and keeps this section (it reads these markers).
SECTION_START = "<!-- lighthouse: written by bench/lighthouse.py -->"
SECTION_END = "<!-- /lighthouse -->"


def say(message: str) -> None:
    print(f"[lighthouse] {message}", flush=True)


def ensure_lighthouse() -> str:
    if not LIGHTHOUSE.exists():
        say(f"installing lighthouse@{LIGHTHOUSE_VERSION} into {TOOLS.relative_to(ROOT)}")
        TOOLS.mkdir(exist_ok=True)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(TOOLS), f"lighthouse@{LIGHTHOUSE_VERSION}"],
            check=True,
        )
    return subprocess.run([str(LIGHTHOUSE), "--version"], check=True, capture_output=True, text=True).stdout.strip()


def manage(*args: str, env: dict | None = None) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
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


def a_course_page(env: dict) -> str:
    """The page of the next public course at a venue (the finder's first course, as a visitor would tap it)."""
    code = (
        "from django.utils import timezone\n"
        "from finder import listing\n"
        "course = listing.public_courses().filter(venue__isnull=False, starts_at__gte=timezone.now())"
        ".order_by('starts_at').first()\n"
        "print(f'/kurser/{course.pk}/')\n"
    )
    return manage("shell", "-c", code, env=env).strip().splitlines()[-1]


def audit(url: str, out: Path) -> dict:
    """Lighthouse's four category scores (0-100) for one page, with its mobile defaults."""
    subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={out}",
            f"--only-categories={','.join(CATEGORIES)}",
            "--chrome-flags=--headless --no-sandbox --disable-gpu",
        ],
        check=True,
        env={**os.environ, "CHROME_PATH": CHROMIUM},
    )
    report = json.loads(out.read_text())
    scores = {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}
    failing = []
    for name in CATEGORIES:
        for ref in report["categories"][name]["auditRefs"]:
            result = report["audits"][ref["id"]]
            if ref["weight"] and result["score"] is not None and result["score"] < 0.9:
                failing.append(f"{name}: {result['title']} ({result['score']:.2f})")
    metrics = report["audits"]
    return {
        "scores": scores,
        "failing": failing,
        "lcp": metrics["largest-contentful-paint"]["displayValue"],
        "tbt": metrics["total-blocking-time"]["displayValue"],
        "cls": metrics["cumulative-layout-shift"]["displayValue"],
        "bytes": metrics["total-byte-weight"]["numericValue"],
    }


def render(version: str, chromium: str, results: dict[str, dict]) -> str:
    today = dt.date.today().isoformat()
    lines = [
        SECTION_START,
        "## Lighthouse (mobile), production set-up",
        "",
        f"Produced by `python3 bench/lighthouse.py` on {today}: Lighthouse {version}, {chromium}, headless; "
        "the default mobile preset (simulated slow 4G and a 4× slower CPU); the Odense demo data; DEBUG off, "
        "collected static files, gunicorn on 127.0.0.1. Target: at least 95 in each category.",
        "",
        "| page | performance | accessibility | best practices | SEO | LCP | TBT | CLS | bytes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for path, result in results.items():
        scores = result["scores"]
        cells = " | ".join(f"{scores[name]}{'' if scores[name] >= TARGET else ' ⚠'}" for name in CATEGORIES)
        lines.append(
            f"| `{path}` | {cells} | {result['lcp']} | {result['tbt']} | {result['cls']} | "
            f"{result['bytes'] / 1024:.0f} KiB |"
        )
    below = [f"- `{path}`: {item}" for path, result in results.items() for item in result["failing"]]
    if below:
        lines += ["", "Audits below 0.9 that count towards a score:", "", *below]
    lines.append(SECTION_END)
    return "\n".join(lines) + "\n"


def write_section(section: str) -> None:
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(re.escape(SECTION_START) + ".*?" + re.escape(SECTION_END) + "\n?", re.S)
    text = pattern.sub("", text).rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)


def run(args) -> int:
    version = ensure_lighthouse()
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
    tmpdir = Path(tempfile.mkdtemp(prefix="redliv-lighthouse-"))
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
        paths = ["/", a_course_page(env), "/statistik/"]
        port = dev.free_port()
        base = f"http://127.0.0.1:{port}"
        gunicorn = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "redliv.wsgi", "--bind", f"127.0.0.1:{port}"]
            + ["--workers", "3"],
            cwd=ROOT,
            env=env,
            stderr=subprocess.DEVNULL,
        )
        wait_for(base + "/healthz")
        say(f"gunicorn at {base}")
        results = {}
        for path in paths:
            urllib.request.urlopen(base + path, timeout=10).close()  # noqa: S310 (warm the worker)
            say(f"auditing {path}")
            results[path] = audit(base + path, tmpdir / "report.json")
            say(f"  {results[path]['scores']}")
        section = render(version, chromium, results)
        print(section)
        if not args.no_write:
            write_section(section)
            say(f"wrote the Lighthouse section of {RESULTS.relative_to(ROOT)}")
        below = [path for path, result in results.items() if min(result["scores"].values()) < TARGET]
        return 1 if below else 0
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait(30)
        server.stop()
        shutil.rmtree(tmpdir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-write", action="store_true", help="print the scores without writing bench/RESULTS.md")
    args = parser.parse_args()
    if not dev.inside_virtualenv():
        dev.ensure_virtualenv()
        os.execv(str(dev.VENV_PYTHON), [str(dev.VENV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
