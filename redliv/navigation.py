"""The staff menu: the pages a user's roles open, in the order of their working day."""

from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from redliv.roles import OVERSEE_ENTRIES
from redliv.twofactor import owes_second_factor

STAFF_MENU = [
    ("street:start", _("Street"), "courses.add_attendance"),
    ("courses:course-list", _("Planning"), "courses.change_course"),
    ("kits:stock", _("Stock"), "kits.view_stocklevel"),
    ("reversals:list", _("Use reports"), "reversals.change_reversalreport"),
    ("reports:month", _("Month report"), OVERSEE_ENTRIES),
]


def staff_menu(request):
    """Template context: `staff_menu`, a list of (url, label, current) for the logged-in user.

    Built on first use, so pages that never show it pay nothing; empty (and false in
    `{% if %}`) for a user whose roles open none of the pages, or who still owes the second step.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def items():
        if owes_second_factor(request):
            return []  # every link would lead back to the second step: none until it is given
        menu = []
        for name, label, permission in STAFF_MENU:
            if user.has_perm(permission):
                url = reverse(name)
                menu.append((url, label, request.path.startswith(url)))
        return menu

    return {"staff_menu": SimpleLazyObject(items)}
