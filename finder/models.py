"""What the public site keeps of its own: information pages and the spam throttle."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class InfoPage(models.Model):
    """An information page, written by coordinators in Danish and English.

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
