"""Draws which app imports which, from the code itself, into docs/imports.md (a Mermaid graph).

    .venv/bin/python docs/import_graph.py          # rewrite docs/imports.md
    .venv/bin/python docs/import_graph.py --check  # exit 1 if the picture is out of date

tests/test_app_layers.py runs the check, so the picture is always the code's.
"""

import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
APPS = ["home", "reports", "finder", "street", "reversals", "courses", "kits", "redliv"]
OUTPUT = ROOT / "docs" / "imports.md"


def app_imports() -> set[tuple[str, str]]:
    """(importer, imported) for every pair of apps with at least one import between them."""
    sys.path.insert(0, str(ROOT))
    graph = grimp.build_graph(*APPS, include_external_packages=False)
    pairs = set()
    for importer in APPS:
        for imported in APPS:
            if importer != imported and graph.direct_import_exists(
                importer=importer, imported=imported, as_packages=True
            ):
                pairs.add((importer, imported))
    return pairs


def picture() -> str:
    lines = [
        "# Which app imports which",
        "",
        "Drawn from the code by `docs/import_graph.py` (checked by `tests/test_app_layers.py`).",
        "Every arrow points down the layers of `CONTRIBUTING.md`: no app imports one above it.",
        "",
        "```mermaid",
        "graph TD",
    ]
    lines += [f"    {importer} --> {imported}" for importer, imported in sorted(app_imports(), key=_order)]
    lines += ["```", ""]
    return "\n".join(lines)


def _order(pair):
    return APPS.index(pair[0]), APPS.index(pair[1])


if __name__ == "__main__":
    text = picture()
    if "--check" in sys.argv:
        sys.exit(0 if OUTPUT.exists() and OUTPUT.read_text() == text else 1)
    OUTPUT.write_text(text)
    print(text)
