"""Kits put back by a correction of a logged course carry the reason the coordinator gave.

In an approved month the page and every export list each correction with who and why. A
correction that put kits back was listed twice: once with the coordinator's reason, and once
more as "Correction of a logged course" (the reason written on the put-back movement), which
read at the meeting as a second correction nobody could explain; the movement list showed
the same line.
"""

import html

import pytest

from courses.models import Attendance
from kits.models import StockMovement
from tests import monthly_data
from tests.monthly_data import at

pytestmark = pytest.mark.django_db


def test_the_approved_month_names_a_correction_that_put_kits_back_once_with_its_reason(
    client, coordinator, red_liv, venue, aarhus_org
):
    monthly_data.build(coordinator, red_liv, venue, aarhus_org)
    monthly_data.approve_march(client, coordinator)
    monthly_data.correct_march_course(
        coordinator,
        {"people_who_use_drugs": 6, "professionals": 2},
        refresher=3,
        reason="Et kit kom tilbage",
        kits=1,  # two were logged; one came back
    )
    course = Attendance.objects.get(course__starts_at=at(2026, 3, 10)).course
    put_back = StockMovement.objects.get(corrects__course=course)
    assert put_back.reason == "Et kit kom tilbage"

    page = html.unescape(client.get("/en/personale/maaned/", {"month": "2026-03"}).content.decode())
    changed = page.split("The figures have changed since the approval.")[1].split("</p>")[0]
    assert "Kits handed out 9 → 8" in changed
    assert changed.count("reason: Et kit kom tilbage") == 1
    assert "Correction of a logged course" not in changed
