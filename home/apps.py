from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """The top of the project: the front page, the staff start page and the demo seed.

    It may use every feature app; nothing imports it (see the import-linter contract).
    """

    name = "home"
    verbose_name = _("Start pages")
