"""Compile the .po catalogues in locale/ to .mo files with Babel (pure Python).

Django's own `compilemessages` needs GNU gettext installed on the system; this
does the same job with what pip installs, and fails on a broken catalogue.
"""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile the project's .po catalogues to .mo files without GNU gettext."

    def handle(self, *args, **options):
        compiled = 0
        project_apps = [
            config for config in apps.get_app_configs() if Path(config.path).parent == Path(settings.BASE_DIR)
        ]
        locale_dirs = [*settings.LOCALE_PATHS, *(Path(config.path) / "locale" for config in project_apps)]
        for locale_dir in locale_dirs:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                try:
                    with po_path.open("rb") as po_file:
                        catalog = read_po(po_file, abort_invalid=True)
                except Exception as error:  # Babel raises several kinds for a broken file
                    raise CommandError(f"{po_path}: {error}") from error
                with mo_path.open("wb") as mo_file:
                    write_mo(mo_file, catalog, use_fuzzy=False)
                compiled += 1
        if options["verbosity"] > 1 or compiled:
            self.stdout.write(f"Compiled {compiled} catalogue(s).")
