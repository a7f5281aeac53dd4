#!/usr/bin/env python3
"""The README's picture of the finder's first screen on a phone: docs/finder-telefon.png.

    python3 docs/screenshot.py

Serves the Odense demo in the production set-up (bench/production.py: a throwaway database,
DEBUG off, collected static files, gunicorn on 127.0.0.1) and photographs `/` in Debian's
Chromium at 390 × 844, as a phone shows it, in Danish. The demo's dates follow today's, so
the picture changes a little each time it is taken.
"""

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))

from bench import production  # noqa: E402 (importable once the line above put the checkout on the path)

SHOT = DOCS / "finder-telefon.png"
PHONE = {"width": 390, "height": 844}


def main() -> int:
    production.reexec_in_virtualenv(__file__)
    from playwright.sync_api import sync_playwright

    with production.serve(workers=2) as site, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        context = browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, locale="da-DK", timezone_id="Europe/Copenhagen"
        )
        page = context.new_page()
        page.goto(site.url + "/")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SHOT))  # the viewport only: the first screen
        browser.close()
    print(f"wrote {SHOT.relative_to(DOCS.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
