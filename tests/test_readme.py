"""What the README and CONTRIBUTING.md tell a newcomer is true of the code beside them."""

import configparser
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests import monthly_data

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
CONTRIBUTING = (ROOT / "CONTRIBUTING.md").read_text()


def fenced_block_after(text, marker):
    """The first ``` block after `marker`, as lines."""
    start = text.index(marker)
    block = re.search(r"```\w*\n(.*?)```", text[start:], re.S)
    return block.group(1).splitlines()


@pytest.fixture
def march(coordinator, red_liv, venue, aarhus_org, odense):
    return monthly_data.build(coordinator, red_liv, venue, aarhus_org)


@pytest.mark.django_db
def test_the_readmes_sample_csv_is_what_the_export_writes(planner, march):
    sample = fenced_block_after(README, "A sample: the start of the CSV")
    exported = planner.get("/personale/maaned/csv/", {"month": "2026-03"}).content.decode("utf-8-sig").splitlines()
    # The sample leaves out parts of the file ("…"); each part it shows is in the export, in order,
    # and the first part is the start of the file.
    assert sample[0] == exported[0] == "RED LIV månedsrapport"
    parts, part = [], []
    for line in sample:
        if line == "…":
            parts.append(part)
            part = []
        else:
            part.append(line)
    parts.append(part)
    position = 0
    for part in filter(None, parts):
        found = next((i for i in range(position, len(exported)) if exported[i : i + len(part)] == part), None)
        assert found is not None, "the README's sample has lines the export does not write:\n" + "\n".join(part)
        position = found + len(part)


@pytest.mark.django_db
def test_the_publication_starts_as_the_readme_says(planner, march, coordinator, odense):
    monthly_data.publish(coordinator, [odense], monthly_data.Month(2025, 3), monthly_data.Month(2026, 3))
    said = re.search(r"The same month for\s+publication starts `([^`]+)`", README).group(1)
    exported = planner.get("/personale/maaned/csv/", {"month": "2026-03", "publication": "1"}).content
    assert said in exported.decode("utf-8-sig").splitlines()


def test_the_readme_says_what_pytest_ini_does_with_the_test_database():
    ini = configparser.ConfigParser()
    ini.read(ROOT / "pytest.ini")
    reuses = "--reuse-db" in ini["pytest"]["addopts"].split()
    assert reuses == ("--reuse-db" in README)
    assert "create and drop" not in README
    if reuses:
        assert "keep it between runs" in README


def test_two_clones_run_side_by_side_with_the_ports_the_readme_names():
    assert "REDLIV_PG_PORT=54330 python3 dev.py run --port 8001" in README
    dev = (ROOT / "dev.py").read_text()
    assert 'os.environ.get("REDLIV_PG_PORT"' in dev
    shown = subprocess.run(
        [sys.executable, str(ROOT / "dev.py"), "run", "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "--port" in shown


def test_the_readme_names_the_backup_commands_and_the_client_version_production_needs():
    assert "python3 dev.py backup" in README and "python3 dev.py restore" in README
    assert "must be of the server's major version or newer" in README


def test_contributing_stands_on_its_own():
    """No pointer to a file outside the repository; every file it names is in it."""
    assert "../" not in CONTRIBUTING
    for path in re.findall(r"`((?:[\w.-]+/)+[\w.-]+\.\w+)`", CONTRIBUTING):
        assert (ROOT / path).exists(), path
