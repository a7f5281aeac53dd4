"""Blank free text and contact data whose retention period has passed. Safe to run daily (cron, systemd timer)."""

from django.core.management.base import BaseCommand

from redliv.purge import delete_expired, expiring, purge_free_text, registered


class Command(BaseCommand):
    help = (
        "Blank the free text and contact data of every app once its retention period has passed "
        "(notes, reasons, change reasons, course requests' contact data), also in the history. "
        "Structured fields stay. Bookkeeping rows that nothing can ask for any more (the keys of "
        "corrections applied from the tablet) are deleted."
    )

    def handle(self, *args, **options):
        periods = {entry.label: (entry.fields, entry.retention_days()) for entry in registered()}
        for label, (rows, history_rows) in purge_free_text().items():
            fields, days = periods.get(label, ((), None))
            what = f"{label} ({', '.join(fields)}, after {days} days)" if days is not None else label
            self.stdout.write(f"{what}: {rows} rows, {history_rows} history rows blanked.")
        when = {entry.model: entry.when for entry in expiring()}
        for label, rows in delete_expired().items():
            self.stdout.write(f"{label} ({when[label]}): {rows} rows deleted.")
