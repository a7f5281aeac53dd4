"""The stock page's one-click writes (discard or return a lot's expired kits, make a suggested transfer) ask
first: the button leads to a short page saying what will happen, whose own button sends the same fields, the
idempotency key with them. No JavaScript. A mis-tap on 'Kassér 83 kit' costs a look, not 83 kits.

"Today" is Monday 30 November 2026 (Copenhagen).
"""

import datetime as dt
import html
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from kits.models import StockLevel, StockMovement
from tests import factories

pytestmark = pytest.mark.django_db

CPH = ZoneInfo("Europe/Copenhagen")


@pytest.fixture(autouse=True)
def end_of_november():
    with time_machine.travel(dt.datetime(2026, 11, 30, 14, tzinfo=CPH), tick=False):
        yield


def forms_in(content, action):
    """{button text: the fields the form sends} of the page's forms posting to `action`."""
    found = {}
    for attributes, form in re.findall(r"<form method=\"post\"([^>]*)>(.*?)</form>", content, re.S):
        if f'action="{action}"' in attributes or (not action and "action=" not in attributes):
            button = html.unescape(re.search(r"<button[^>]*>(.*?)</button>", form, re.S)[1]).strip()
            fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form))
            fields.pop("csrfmiddlewaretoken")
            found[button] = {name: html.unescape(value) for name, value in fields.items()}
    return found


def level(location, batch):
    return StockLevel.objects.get(location=location, batch=batch).quantity


def test_discarding_a_lots_expired_kits_asks_first_and_keeps_the_key(client, coordinator, red_liv):
    bag = factories.make_location(red_liv, name="Gadeteamets taske")
    lot = factories.make_batch(lot_number="NX2301", received_on=dt.date(2025, 10, 1), expiry_date=dt.date(2026, 11, 20))
    factories.receive(lot, bag, 83, coordinator, occurred_at=dt.datetime(2025, 10, 2, 10, tzinfo=CPH))
    client.force_login(coordinator)
    url = reverse("kits:clear-unusable")
    pressed = forms_in(client.get(reverse("kits:stock")).content.decode(), url)["Kassér 83 kit af lot NX2301"]

    asked = client.post(url, pressed)
    page = html.unescape(asked.content.decode())
    assert asked.status_code == 200 and level(bag, lot) == 83 and not StockMovement.objects.filter(kind="discard")
    assert "<h1>Kassér 83 kit af lot NX2301?</h1>" in page
    assert "Alle 83 kit af lot NX2301 i Gadeteamets taske registreres som kasseret." in page
    assert 'href="/personale/lager/#expired">Annullér</a>' in page
    [(button, confirmed)] = forms_in(asked.content.decode(), "").items()
    assert button == "Ja, kassér 83 kit" and confirmed == {k: v for k, v in pressed.items() if k != "ask_first"}

    done = html.unescape(client.post(url, confirmed, follow=True).content.decode())
    assert "83 kit af lot NX2301 kasseret i Gadeteamets taske." in done and level(bag, lot) == 0
    client.post(url, confirmed)  # a double tap: stored once
    assert StockMovement.objects.filter(kind="discard").count() == 1


def test_a_suggested_transfer_asks_first_and_keeps_the_key(client, coordinator, red_liv):
    soon = factories.make_batch(lot_number="E1", expiry_date=dt.date(2027, 1, 30))
    later = factories.make_batch(lot_number="E2", expiry_date=dt.date(2027, 9, 30))
    cabinet = factories.make_location(red_liv, name="Skabet")
    bag = factories.make_location(red_liv, name="Tasken")
    august = dt.datetime(2026, 8, 3, 10, tzinfo=CPH)
    factories.receive(soon, cabinet, 30, coordinator, occurred_at=august)
    factories.receive(later, bag, 90, coordinator, occurred_at=august)
    for month in (8, 9, 10):
        factories.hand_out(later, bag, 25, coordinator, occurred_at=dt.datetime(2026, month, 10, 10, tzinfo=CPH))
    client.force_login(coordinator)
    url = reverse("kits:transfer")
    pressed = forms_in(client.get(reverse("kits:stock")).content.decode(), url)["Flyt 25 kit til Tasken"]

    asked = client.post(url, pressed)
    page = html.unescape(asked.content.decode())
    assert asked.status_code == 200 and level(cabinet, soon) == 30
    assert (
        "<h1>Flyt 25 kit af lot E1 til Tasken?</h1>" in page
        and "25 kit af lot E1 flyttes fra Skabet til Tasken." in page
    )
    assert 'href="/personale/lager/#at-risk">Annullér</a>' in page
    [(button, confirmed)] = forms_in(asked.content.decode(), "").items()
    assert button == "Ja, flyt 25 kit" and confirmed["key"] == pressed["key"] and "ask_first" not in confirmed

    done = html.unescape(client.post(url, confirmed, follow=True).content.decode())
    assert "25 kit af lot E1 flyttet fra Skabet til Tasken." in done and level(bag, soon) == 25
    client.post(url, confirmed)  # sent twice: stored once
    assert level(cabinet, soon) == 5
