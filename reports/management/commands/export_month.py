"""Write a month's report to a file, for scheduled jobs: exactly the tables the month page shows.

python manage.py export_month 2026-05 --format xlsx --out maj.xlsx --municipality Odense
python manage.py export_month 2026-05 --format pdf --out maj.pdf --municipality Odense
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from redliv.models import Municipality
from reports import exports, pdf
from reports.approval import export_figures
from reports.figures import Month


class Command(BaseCommand):
    help = "Export a month's figures as CSV, XLSX or PDF."

    def add_arguments(self, parser):
        parser.add_argument("month", help="YYYY-MM")
        parser.add_argument("--format", choices=["csv", "xlsx", "pdf"], required=True)
        parser.add_argument("--out", required=True, help="the file to write")
        parser.add_argument("--municipality", help="a municipality's name; all municipalities when left out")
        parser.add_argument(
            "--separator",
            choices=sorted(exports.SEPARATORS),
            default="semicolon",
            help="for CSV (default: semicolon, as Danish Excel expects)",
        )
        parser.add_argument(
            "--publication", action="store_true", help="protect the figures for publication (see /statistik/metode/)"
        )
        parser.add_argument("--language", default="da", choices=["da", "en"])
        parser.add_argument(
            "--current",
            action="store_true",
            help="for an approved month whose figures changed since: today's figures instead of the approved ones",
        )

    def handle(self, *args, **options):
        try:
            month = Month.parse(options["month"])
        except ValueError:
            raise CommandError("The month must be written YYYY-MM, e.g. 2026-05.") from None
        # As the month page: its twelve months before and the month after must be dates (year 1 or 9999 were a
        # ValueError's traceback), and no month after this one has figures.
        if month.year < 2000 or month > Month.last_full().shift(1):
            raise CommandError("The month must be from 2000-01 to this month.")
        municipality = None
        if options["municipality"]:
            municipality = Municipality.objects.filter(name__iexact=options["municipality"]).first()
            if municipality is None:
                raise CommandError(f"No municipality is called {options['municipality']!r}.")
        with translation.override(options["language"]):
            report, approval, extra = export_figures(
                month, municipality, publication=options["publication"], current=options["current"]
            )
            if options["format"] == "csv":
                content = exports.to_csv(report, approval, exports.SEPARATORS[options["separator"]], extra=extra)
            elif options["format"] == "xlsx":
                content = exports.to_xlsx(report, approval, extra=extra)
            else:
                content = pdf.to_pdf(report, approval, extra=extra)
        Path(options["out"]).write_bytes(content)
        self.stdout.write(f"Wrote {options['out']} ({len(content)} bytes).")
