"""The approve button approves the figures the coordinator looked at, not others that came in since.

The coordinator opens the ended month's page in the morning, checks it against the stock page and
the exports, and approves after lunch. A street worker's forgotten course for the month's last day,
logged in between, was approved with it: figures the coordinator had never seen, and not those of
the file already sent to the municipality. The same after a correction ("Approve the current figures").
"""

import html
import re

import pytest

from redliv.models import MonthClosing
from tests import monthly_data
from tests.monthly_data import at, attend, course

pytestmark = pytest.mark.django_db

PAGE = "/personale/maaned/"
REFUSED = "Tallene er ændret, siden du åbnede siden. Tjek dem, og godkend igen."


@pytest.fixture
def march(coordinator, red_liv, venue, aarhus_org):
    return monthly_data.build(coordinator, red_liv, venue, aarhus_org)


def figures_on_the_page(client):
    page = client.get(PAGE, {"month": "2026-03"}).content.decode()
    found = re.search(r'name="figures" value="([0-9a-f]+)"', page)
    return found.group(1) if found else ""


def approve(client, figures):
    return client.post(PAGE + "godkend/", {"month": "2026-03", "figures": figures}, follow=True)


def test_figures_that_changed_after_the_page_was_opened_are_not_approved(client, coordinator, venue, march):
    client.force_login(coordinator)
    seen = figures_on_the_page(client)
    attend(course(venue, at(2026, 3, 31, 22, 0)), coordinator, people_who_use_drugs=4)  # logged late

    refused = approve(client, seen)
    assert REFUSED in html.unescape(refused.content.decode())
    assert not MonthClosing.objects.exists()

    approve(client, figures_on_the_page(client))  # the page again, with the late course: approved
    assert MonthClosing.objects.get().figures["tables"]["summary"]["held"][0] == 3


def test_the_current_figures_are_approved_only_as_they_were_shown(client, coordinator, venue, march):
    monthly_data.approve_march(client, coordinator)
    monthly_data.correct_march_course(
        coordinator, {"people_who_use_drugs": 7, "professionals": 2}, refresher=3, reason="Papirskema talt igen"
    )
    seen = figures_on_the_page(client)
    monthly_data.correct_march_course(
        coordinator, {"people_who_use_drugs": 8, "professionals": 2}, refresher=3, reason="Talt igen"
    )
    assert REFUSED in html.unescape(approve(client, seen).content.decode())
    assert MonthClosing.objects.count() == 1


def test_the_same_approval_sent_twice_is_one_approval(client, coordinator, march):
    client.force_login(coordinator)
    seen = figures_on_the_page(client)
    approve(client, seen)
    approve(client, seen)
    assert MonthClosing.objects.count() == 1
