"""The key a stock form is shown with: new at each showing, kept by a resend, and a refusal that leaves a way on.

A key decides whether an entry is new or a resend: a link that carried a used key (`?key=…`) made the next
entry "already stored", and lost it. A resend of changed content with the form's key is refused (a new key
would count twice an entry whose typo was fixed during a slow request); the page then says what was stored
and offers a new form for a genuinely new entry.
"""

import re
import uuid

import pytest
from django.urls import reverse

from kits.models import StockMovement
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(red_liv):
    return factories.make_location(red_liv, name="Kontoret")


@pytest.fixture
def stocked(bag, coordinator):
    """The bag's lot LOT-BAG (ten kits, from the `bag` fixture)."""
    return bag.levels.get().batch


def shown_key(response):
    return re.search(r'name="key" value="([0-9a-f-]{36})"', response.content.decode()).group(1)


def test_a_link_with_a_used_key_shows_the_stock_forms_with_a_new_key(planner, bag, office, stocked):
    used = StockMovement.objects.get(to_location=bag).idempotency_key
    for name in ("kits:transfer", "kits:discard", "kits:count"):
        response = planner.get(reverse(name), {"key": str(used), "batch": stocked.pk})
        key = shown_key(response)
        assert key != str(used) and response.context["form"]["batch"].value() == str(stocked.pk)

    # The key shown is the form's own: the entry is stored, and a resend of it is stored once.
    response = planner.get(reverse("kits:transfer"), {"key": str(used), "from_location": bag.pk})
    data = {"key": shown_key(response), "from_location": bag.pk, "to_location": office.pk, "quantity": "2"}
    assert planner.post(reverse("kits:transfer"), data).status_code == 302
    resent = planner.post(reverse("kits:transfer"), data, follow=True)
    assert "Dette var allerede registreret; det gemmes kun én gang." in resent.content.decode()
    assert StockMovement.objects.filter(kind="transfer").count() == 1


def test_each_showing_of_a_stock_form_gets_its_own_key(planner):
    assert shown_key(planner.get(reverse("kits:discard"))) != shown_key(planner.get(reverse("kits:discard")))
    assert uuid.UUID(shown_key(planner.get(reverse("kits:count"))))
