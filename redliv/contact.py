"""The programme's phone number and e-mail (settings), for the public pages and their messages."""

import re

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _


def tel_link(number):
    """A tel: URI for a number as people write it ("+45 65 51 10 00" → "tel:+4565511000")."""
    return "tel:" + re.sub(r"[^0-9+]", "", number)


def programme_contact(request):
    """Template context: `programme_phone`, its `programme_tel` link, and `programme_email`."""
    phone = settings.PROGRAMME_PHONE
    return {
        "programme_phone": phone,
        "programme_tel": tel_link(phone) if phone else "",
        "programme_email": settings.PROGRAMME_EMAIL,
        # The site's own statement, unless the setting names another (for example its WAS address).
        "accessibility_statement_url": settings.ACCESSIBILITY_STATEMENT_URL,
        "accessibility_statement_own": reverse("accessibility"),
    }


def reach_us():
    """The end of a "try again later" message: how to reach a person instead, when the settings say."""
    phone, email = settings.PROGRAMME_PHONE, settings.PROGRAMME_EMAIL
    if phone and email:
        return _("Or call us on %(phone)s, or write to %(email)s.") % {"phone": phone, "email": email}
    if phone:
        return _("Or call us on %(phone)s.") % {"phone": phone}
    if email:
        return _("Or write to us at %(email)s.") % {"email": email}
    return ""


def with_contact(message):
    """A "try again later" message that also says how to reach a person (when the settings say)."""
    return " ".join(part for part in (str(message), reach_us()) if part)
