"""A month with nothing in it (no course logged, no stock movement, no report) was approved without a
word: the approve step says so and asks the coordinator to confirm it (a municipality may truly have
had no activity), rather than refusing it."""

import datetime as dt

import pytest
import time_machine

from redliv.models import MonthClosing
from tests import factories

pytestmark = pytest.mark.django_db

APPROVE, PAGE = "/personale/maaned/godkend/", "/personale/maaned/"
CONFIRM = "Der er intet registreret i måneden – godkend alligevel"


def test_an_empty_month_is_approved_only_when_the_coordinator_confirms_it(client, coordinator, odense):
    client.force_login(coordinator)
    page = client.get(PAGE, {"month": "2026-03"}).content.decode()
    assert "data-nothing-registered" in page and CONFIRM in page
    refused = client.post(APPROVE, {"month": "2026-03"}, follow=True).content.decode()
    assert "Der er intet registreret i marts 2026" in refused and f"sæt hak ved “{CONFIRM}”" in refused
    assert not MonthClosing.objects.exists()
    client.post(APPROVE, {"month": "2026-03", "confirm_empty": "1"})
    assert MonthClosing.objects.get().action == "approved"


def test_a_month_with_only_a_stock_movement_is_approved_without_the_question(client, coordinator, odense, red_liv):
    with time_machine.travel(dt.datetime(2026, 3, 31, 23, 59, tzinfo=dt.UTC), tick=False):  # 1 April in Denmark
        factories.receive(factories.make_batch(), factories.make_location(red_liv), 5, coordinator)
    with time_machine.travel(dt.datetime(2026, 3, 31, 21, 0, tzinfo=dt.UTC), tick=False):  # 31 March, 23:00
        factories.receive(factories.make_batch(), factories.make_location(red_liv), 5, coordinator)
    client.force_login(coordinator)
    assert "data-nothing-registered" not in client.get(PAGE, {"month": "2026-04"}).content.decode()
    assert "data-nothing-registered" not in client.get(PAGE, {"month": "2026-03"}).content.decode()
    client.post(APPROVE, {"month": "2026-03"})
    assert MonthClosing.objects.get().month == dt.date(2026, 3, 1)
