"""What the public site keeps of its own: information pages and the spam throttle."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class InfoPage(models.Model):
    """An information page of the public site, in Danish and English.

    The pages are national: one public site, the same guidance for every municipality
    (what naloxone is, what to do at an overdose). So no municipality owns one, and only
    administrators edit them (a coordinator of one municipality must not change what
    another's residents read); every change is kept in the history, with who made it.

    The body is plain text: paragraphs separated by a blank line; a paragraph whose
    lines start with "- " becomes a list, with "1. " a numbered list.
    """

    slug = models.SlugField(_("address"), max_length=60, unique=True)
    position = models.PositiveSmallIntegerField(_("position in the menu"), default=0)
    title_da = models.CharField(_("title (Danish)"), max_length=150)
    title_en = models.CharField(_("title (English)"), max_length=150)
    body_da = models.TextField(_("text (Danish)"))
    body_en = models.TextField(_("text (English)"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("information page")
        verbose_name_plural = _("information pages")
        ordering = ["position", "slug"]

    def __str__(self):
        return self.title_da

    @property
    def title(self):
        return self.title_en if get_language() == "en" else self.title_da

    @property
    def body(self):
        return self.body_en if get_language() == "en" else self.body_da


class PublicDataVersion(models.Model):
    """A number PostgreSQL raises when a transaction that changes what the finder lists commits.

    Triggers on the tables the finder reads (migration finder/0005) raise it once per
    transaction, at commit, in the same commit as the change: a request that reads the number
    and then the list sees the list at least as new as the number. The migration makes the
    one row; without it (a test's flush) no copy is kept until a change makes it again.
    """

    number = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="public_data_version_one_row")]

    def __str__(self):
        return str(self.number)


class SharedPage(models.Model):
    """A finder page as served, kept for every app server while nothing it shows has changed.

    See finder/shared_copy.py: a copy serves only requests for the same page in the same
    language and address, while `generation` is the current PublicDataVersion and before
    `valid_until` (the list also changes with the clock: a course ends, a day begins).
    """

    key = models.CharField(max_length=64, primary_key=True)
    generation = models.BigIntegerField()
    valid_until = models.DateTimeField(db_index=True)
    gzipped_body = models.BinaryField()  # HTML, JSON or iCalendar, gzipped as sent to a browser
    headers = models.JSONField()

    def __str__(self):
        return self.key
