"""The code stays linted and formatted: `python3 dev.py test` fails otherwise.

Fix with `.venv/bin/ruff check --fix .` and `.venv/bin/ruff format .`."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUFF = [sys.executable, "-m", "ruff"]


def run(*args):
    return subprocess.run([*RUFF, *args], cwd=ROOT, capture_output=True, text=True)


def test_ruff_finds_nothing_to_complain_about():
    result = run("check", "--no-cache", "--output-format", "concise", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_code_is_formatted_as_ruff_formats_it():
    result = run("format", "--no-cache", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr
