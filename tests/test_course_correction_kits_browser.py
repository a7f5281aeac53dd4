"""A coordinator corrects a street worker's logged course: the kits follow the counts, as when it was logged.

The logging form gives everyone new a kit until the worker sets the kits by hand. The correction
page did not: a coordinator who found that two of six participants were refreshers (they had a kit
already) saved the course with six kits for four people new, and the stock stayed two kits short.
"""

import datetime as dt

import pytest
from django.utils import timezone

from courses.models import Attendance
from courses.services import kits_handed_out
from kits.models import StockLevel
from tests import factories
from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MORE_REFRESHERS = "Én mere: Heraf genopfriskere (har taget et kursus før)"
MORE_PROFESSIONALS = "Én mere: Fagpersoner"
KITS = "Udleverede kit"


def logged_course(venue, bag, worker, *, kits):
    """Six people who use drugs, all new, logged yesterday by the street worker, with `kits` from the bag."""
    course = factories.make_course(venue, starts_at=timezone.now() - dt.timedelta(days=1))
    attendance = factories.make_attendance(course, worker, people_who_use_drugs=6, first_time=6, refresher=0)
    batch = bag.levels.get().batch
    factories.hand_out(batch, bag, kits, worker, occurred_at=course.starts_at, course=course, recipient_audience=None)
    return attendance


def test_the_kits_follow_the_refreshers_the_coordinator_finds(
    live_server, desktop_page, coordinator, street_worker, venue, bag
):
    attendance = logged_course(venue, bag, street_worker, kits=6)
    page = desktop_page
    log_in(page, live_server.url, coordinator, next_path=f"/gade/poster/kursus/{attendance.pk}/")
    kits = page.get_by_label(KITS, exact=True)
    assert kits.input_value() == "6"

    page.get_by_role("button", name=MORE_REFRESHERS).click()
    page.get_by_role("button", name=MORE_REFRESHERS).click()
    assert kits.input_value() == "4"
    page.get_by_label("Fagpersoner", exact=True).fill("1")  # typed, not tapped
    assert kits.input_value() == "5"
    page.get_by_role("button", name="Gem rettelsen").click()
    page.wait_for_url(f"{live_server.url}/gade/mine/")

    corrected = Attendance.objects.get(pk=attendance.pk)
    assert (corrected.refresher, corrected.professionals, corrected.first_time) == (2, 1, 5)
    assert kits_handed_out(corrected.course) == 5
    assert StockLevel.objects.get(location=bag).quantity == 10 - 5


def test_kits_set_by_hand_stay_as_they_are(live_server, desktop_page, coordinator, street_worker, venue, bag):
    """Three kits for six people new were set by hand: changing the counts leaves them to the coordinator."""
    attendance = logged_course(venue, bag, street_worker, kits=3)
    page = desktop_page
    log_in(page, live_server.url, coordinator, next_path=f"/gade/poster/kursus/{attendance.pk}/")
    kits = page.get_by_label(KITS, exact=True)

    page.get_by_role("button", name=MORE_PROFESSIONALS).click()
    page.get_by_role("button", name=MORE_REFRESHERS).click()
    assert kits.input_value() == "3"


def test_kits_the_coordinator_sets_are_no_longer_changed_by_the_counts(
    live_server, desktop_page, coordinator, street_worker, venue, bag
):
    attendance = logged_course(venue, bag, street_worker, kits=6)
    page = desktop_page
    log_in(page, live_server.url, coordinator, next_path=f"/gade/poster/kursus/{attendance.pk}/")
    kits = page.get_by_label(KITS, exact=True)

    page.get_by_role("button", name=f"Én færre: {KITS}").click()
    assert kits.input_value() == "5"
    page.get_by_role("button", name=MORE_PROFESSIONALS).click()
    assert kits.input_value() == "5"
