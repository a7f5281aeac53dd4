"""A lot's trace, as a coordinator reads it at a recall: its totals add up to the kits still in stock.

"Handed out" counted every handout in full, also the kits put back from it since (a course
corrected, an entry withdrawn), and the counts that found fewer kits than the book were in no
total: received 400, handed out 316, still in stock 86 left two kits from nowhere, and a recall
overstated the kits out with people.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from kits.services import adjust_after_count, return_kits
from tests import factories

pytestmark = pytest.mark.django_db


def totals(client, lot_number, language=""):
    page = client.get(f"{language}{reverse('kits:lot')}", {"lot": lot_number}).content.decode()
    return dict(re.findall(r'<dt class="col-sm-4">([^<]+)</dt><dd class="col-sm-8">([^<]+)</dd>', page)), page


def test_the_totals_add_up_to_the_kits_still_in_stock(client, coordinator, red_liv):
    bag = factories.make_location(red_liv, name="Gadeteamets taske")
    batch = factories.make_batch(lot_number="NX2408")
    factories.receive(batch, bag, 40, coordinator, occurred_at=timezone.now() - dt.timedelta(days=10))
    handout = factories.hand_out(batch, bag, 6, coordinator, occurred_at=timezone.now() - dt.timedelta(days=2))
    factories.hand_out(batch, bag, 3, coordinator, occurred_at=timezone.now() - dt.timedelta(days=1))
    return_kits(user=coordinator, handout=handout, quantity=2, reason="To havde allerede kit")
    adjust_after_count(user=coordinator, location=bag, batch=batch, counted=32, reason="Optælling")
    client.force_login(coordinator)

    danish, page = totals(client, "NX2408")
    assert danish["Udleveret"] == "7" and danish["Optællinger, der afveg fra bogføringen"] == "-1"
    assert "6 kit (2 lagt tilbage)" in page

    found, page = totals(client, "NX2408", "/en")
    assert found == {
        "Received": "40",
        "Handed out": "7",
        "Discarded": "0",
        "Counts that differed from the book": "-1",
    }
    received, handed_out, discarded, counted = (int(value) for value in found.values())
    assert received - handed_out - discarded + counted == 32
    assert "Gadeteamets taske: 32" in page
    assert "6 kits (2 put back)" in page


def test_a_lot_whose_counts_matched_the_book_shows_no_such_line(client, coordinator, red_liv):
    bag = factories.make_location(red_liv, name="Gadeteamets taske")
    batch = factories.make_batch(lot_number="NX2511")
    factories.receive(batch, bag, 10, coordinator, occurred_at=timezone.now() - dt.timedelta(days=3))
    client.force_login(coordinator)
    found, _ = totals(client, "NX2511", "/en")
    assert found == {"Received": "10", "Handed out": "0", "Discarded": "0"}
