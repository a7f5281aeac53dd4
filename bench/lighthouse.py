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
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from bench import production  # noqa: E402 (importable once the line above put the checkout on the path)

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
    with production.serve() as site, tempfile.TemporaryDirectory(prefix="redliv-lighthouse-") as tmp:
        results = {}
        for path in ["/", site.a_course_page(), "/statistik/"]:
            urllib.request.urlopen(site.url + path, timeout=10).close()  # noqa: S310 (warm the worker)
            say(f"auditing {path}")
            results[path] = audit(site.url + path, Path(tmp) / "report.json")
            say(f"  {results[path]['scores']}")
    section = render(version, chromium, results)
    print(section)
    if not args.no_write:
        write_section(section)
        say(f"wrote the Lighthouse section of {RESULTS.relative_to(ROOT)}")
    return 1 if any(min(result["scores"].values()) < TARGET for result in results.values()) else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-write", action="store_true", help="print the scores without writing bench/RESULTS.md")
    args = parser.parse_args()
    production.reexec_in_virtualenv(__file__)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
