"""The apps depend in one direction: `lint-imports` checks the layers in pyproject.toml.

Lowest first: redliv → kits → courses → reversals → reports, finder, street → home.
A lower app that imports a higher one (or two apps that import each other) fails here.
"""

import subprocess
import sys
import tomllib
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def test_the_import_contract_is_kept():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, env={"PYTHONPATH": str(ROOT)}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_every_app_of_the_project_has_a_layer():
    # The project's apps are the packages at its top level (a .venv inside it holds other people's).
    ours = {config.name for config in apps.get_app_configs() if Path(config.path).resolve().parent == ROOT}
    layered = {app.strip() for layer in CONFIG["contracts"][0]["layers"] for app in layer.split("|")}
    assert ours == layered == set(CONFIG["root_packages"])


def test_the_picture_of_the_imports_is_the_codes():
    """docs/imports.md is drawn from the imports; redraw it with `.venv/bin/python docs/import_graph.py`."""
    result = subprocess.run(
        [sys.executable, "docs/import_graph.py", "--check"], cwd=ROOT, env={"PYTHONPATH": str(ROOT)}
    )
    assert result.returncode == 0, "docs/imports.md is out of date: run docs/import_graph.py"
