"""A month is approved one way: `reports.publication.approve_and_publish`, which publishes it in the
approval's own transaction.

`redliv.closing._approve_month` records an approval and publishes nothing (redliv cannot call reports:
the apps depend one way). A screen, command or job that called it would approve a month that the
public statistics show as "–" for good. So nothing but approve_and_publish calls it, nothing but it
writes an approval, and every place the product offers to approve leaves a published version: the
month page here, the demo's approvals in tests/test_seed_demo.py (its rows are made once per worker).
"""

import ast
import os
from pathlib import Path

import pytest

from redliv.models import MonthClosing
from reports.models import PublishedMonth

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
NOT_OURS = {".venv", ".git", ".pgdata", "node_modules", "staticfiles", "__pycache__", "migrations"}
RECORDS_AN_APPROVAL = "_approve_month"
WRITES = {"create", "bulk_create", "get_or_create", "update_or_create"}


def python_files(*words):
    """(path from the repository's root, parsed module) of every Python file of the project that has one of
    `words` in it, tests included."""
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders if name not in NOT_OURS and not name.startswith(".")]
        for name in files:
            if name.endswith(".py"):
                path = Path(folder, name)
                text = path.read_text(encoding="utf-8")
                if any(word in text for word in words):
                    yield path.relative_to(ROOT).as_posix(), ast.parse(text)


def mentions(tree, name) -> bool:
    """Whether the module defines or uses `name`: called, imported, looked up as an attribute or by a string."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == name:
            return True
        if isinstance(node, ast.Attribute) and node.attr == name:
            return True
        if isinstance(node, (ast.FunctionDef, ast.alias)) and node.name.rsplit(".", 1)[-1] == name:
            return True
        if isinstance(node, ast.Constant) and node.value == name:
            return True
    return False


def writes_an_approval(tree) -> bool:
    """MonthClosing.objects.create(…) and the like, or MonthClosing(…) made to be saved."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        if isinstance(function, ast.Name) and function.id == "MonthClosing":
            return True
        if (
            isinstance(function, ast.Attribute)
            and function.attr in WRITES
            and isinstance(function.value, ast.Attribute)
            and function.value.attr == "objects"
            and isinstance(function.value.value, ast.Name)
            and function.value.value.id == "MonthClosing"
        ):
            return True
    return False


def test_only_approve_and_publish_records_an_approval():
    this_file = Path(__file__).resolve().relative_to(ROOT).as_posix()
    files = dict(python_files("approve_month", "MonthClosing"))
    callers = {path for path, tree in files.items() if path != this_file and mentions(tree, RECORDS_AN_APPROVAL)}
    assert callers == {"redliv/closing.py", "reports/publication.py"}, (
        "Approve a month with reports.publication.approve_and_publish: redliv.closing._approve_month publishes nothing"
    )
    # Its old name, public, and approvals written past it (tests may write old approvals for their set-up).
    assert not {path for path, tree in files.items() if path != this_file and mentions(tree, "approve_month")}
    writers = {path for path, tree in files.items() if not path.startswith("tests/") and writes_an_approval(tree)}
    assert writers == {"redliv/closing.py"}


def test_approving_on_the_month_page_publishes_the_month(client, coordinator, odense):
    client.force_login(coordinator)
    response = client.post("/personale/maaned/godkend/", {"month": "2026-05", "confirm_empty": "1"})
    assert response.status_code == 302
    approval = MonthClosing.objects.get(municipality=odense, action=MonthClosing.Action.APPROVED)
    assert PublishedMonth.objects.get(approval=approval).version == 1
