"""Blank free-text notes older than FREE_TEXT_RETENTION_DAYS. Safe to run daily (cron, systemd timer)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from reversals.services import purge_free_text


class Command(BaseCommand):
    help = (
        "Blank the notes on overdose-reversal reports and attendances older than "
        "FREE_TEXT_RETENTION_DAYS, also in their history. Structured fields stay."
    )

    def handle(self, *args, **options):
        purged = purge_free_text()
        self.stdout.write(
            f"Notes older than {settings.FREE_TEXT_RETENTION_DAYS} days blanked: "
            f"{purged['reports']} reports ({purged['report_history']} history rows), "
            f"{purged['attendances']} attendances ({purged['attendance_history']} history rows)."
        )
