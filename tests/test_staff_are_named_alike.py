"""Staff see another staff member by one name wherever one is named: the full name (`redliv.models.name_of`), or
the username of one who entered no name. The username itself is only where it is meant: logging in, the admin."""

import datetime as dt

import pytest
from django.utils import timezone

from reversals.services import review_report
from tests import factories
from tests.reversal_helpers import make_report

pytestmark = pytest.mark.django_db


def test_a_coordinator_reads_by_the_full_name_on_requests_reviews_entries_and_approvals(
    planner, coordinator, trainer_user, odense, district, venue
):
    """Before, the same people read "koordinator-carla" and "traener-bo" on the request list, the start page, the
    review and its history, but "Carla Koordinator" on the assign list and an approval."""
    coordinator.first_name, coordinator.last_name = "Carla", "Koordinator"
    coordinator.save()
    trainer_user.first_name, trainer_user.last_name = "Bo", "Træner"
    trainer_user.save()
    factories.make_course_request(odense, assigned_to=coordinator, status="in_progress")
    course = factories.make_course(venue, starts_at=timezone.now() - dt.timedelta(hours=3))
    factories.make_attendance(course, trainer_user, logged_at=timezone.now() - dt.timedelta(hours=1))
    report = review_report(report=make_report(district), user=coordinator, verified=True)

    pages = {
        "requests": planner.get("/personale/forespoergsler/").content.decode(),
        "start": planner.get("/personale/").content.decode(),
        "review": planner.get(f"/personale/afrapporteringer/{report.pk}/").content.decode(),
    }
    for name, page in pages.items():
        assert trainer_user.username not in page and coordinator.username not in page, name
    assert "Carla Koordinator" in pages["requests"]
    assert "Carla Koordinator" in pages["start"] and "Bo Træner" in pages["start"]
    # The review's line, its history's "who", and the field it changed ("Vurderet af: – → Carla Koordinator").
    assert pages["review"].count("Carla Koordinator") >= 3
