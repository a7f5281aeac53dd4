"""Lift the login lockout of one account, by the username as the user types it.

django-axes keeps only a keyed hash of the username (redliv.security.username_digest),
so its own `axes_reset_username` and the admin's list cannot find an account by name.
"""

from axes.models import AccessAttempt
from django.core.management.base import BaseCommand

from redliv.security import username_digest


class Command(BaseCommand):
    help = "Lift the login lockout of an account, from every address (django-axes stores the username hashed)."

    def add_arguments(self, parser):
        parser.add_argument("username", help="the username, exactly as the user logs in with it")

    def handle(self, *args, username, **options):
        deleted, _by_model = AccessAttempt.objects.filter(
            username=username_digest(None, {"username": username})
        ).delete()
        self.stdout.write(f"Deleted {deleted} record(s) of failed logins; the account can log in again.")
