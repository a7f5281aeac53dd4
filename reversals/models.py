"""What the public form needs to keep spam out, and nothing about the sender.

A sender's address is never stored: only an HMAC of it (keyed with SECRET_KEY),
counted per hour in PostgreSQL so the limit holds across all app workers, and
deleted after a day.
"""

from django.db import models


class PublicPostCount(models.Model):
    """How many times one (hashed) address posted the public form in one hour."""

    sender_digest = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sender_digest", "window_start"], name="publicpostcount_one_row_per_hour"),
        ]
        indexes = [models.Index(fields=["window_start"], name="publicpostcount_window")]

    def __str__(self):
        return f"{self.window_start:%Y-%m-%d %H:%M}: {self.count}"
