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


# Sent again with other answers


def new_entry_form(response):
    """The fields of the page's "save it as a new entry" form."""
    section = response.content.decode().split("data-sent-before")[1].split("</section>")[0]
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', section)), section


REFUSED = "Denne registrering er allerede sendt med et andet indhold."


def test_a_move_sent_again_with_other_answers_shows_what_was_saved_and_offers_a_new_entry(
    planner, bag, office, stocked
):
    data = {"key": str(uuid.uuid4()), "from_location": bag.pk, "to_location": office.pk, "quantity": "2"}
    planner.post(reverse("kits:transfer"), data)
    saved = StockMovement.objects.get(kind="transfer")

    # The quantity fixed while the first send was under way: refused, not counted twice.
    response = planner.post(reverse("kits:transfer"), {**data, "quantity": "3"})
    content = response.content.decode()
    assert response.status_code == 200 and REFUSED in content
    assert "Denne formular blev gemt før, med andre svar" in content
    fields, section = new_entry_form(response)
    assert "LOT-BAG" in section and '<dd class="col-sm-9">2</dd>' in section
    assert reverse("kits:correct", args=[saved.pk]) in section and "Ret den gemte bevægelse" in section
    assert fields["quantity"] == "3" and fields["key"] != data["key"]
    assert StockMovement.objects.filter(kind="transfer").count() == 1

    # Another entry indeed: saved as a new one, once however often it is sent.
    planner.post(reverse("kits:transfer"), fields)
    planner.post(reverse("kits:transfer"), fields)
    assert sorted(StockMovement.objects.filter(kind="transfer").values_list("quantity", flat=True)) == [2, 3]


def test_a_desk_report_sent_again_with_other_answers_shows_the_saved_report_and_offers_a_new_one(planner, district):
    from reversals.models import ReversalReport
    from tests.test_public_reversal_report import answers

    data = {**answers(district, note=""), "key": str(uuid.uuid4())}
    del data["website"]
    assert planner.post(reverse("reversals:record"), data).status_code == 302
    saved = ReversalReport.objects.get()

    response = planner.post(reverse("reversals:record"), {**data, "naloxone_doses": "3"})
    assert response.status_code == 200 and REFUSED in response.content.decode()
    fields, section = new_entry_form(response)
    assert "Vollsmose" in section and reverse("reversals:detail", args=[saved.pk]) in section
    assert fields["naloxone_doses"] == "3" and fields["key"] != data["key"]
    assert section.count('name="substances"') == 2  # each answer of a question with several
    planner.post(reverse("reversals:record"), {**fields, "substances": data["substances"]})
    assert sorted(ReversalReport.objects.values_list("naloxone_doses", flat=True)) == [2, 3]
