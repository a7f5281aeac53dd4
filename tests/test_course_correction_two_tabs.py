"""A logged course corrected from two tabs (or by two coordinators): the second never undoes the first.

The correction form sends the counts and kits it shows. A form opened before another correction
put the old kits back over it: a coordinator put back two kits in one tab and added a note in
another, and the note's save handed the two kits out again, dated in the course's month.
"""

import html
import re

import pytest

from courses.models import Attendance
from courses.services import kits_handed_out
from kits.models import StockLevel, StockMovement
from tests.test_street_corrections import correction, logged_course
from tests.test_street_logging import logged_in

pytestmark = pytest.mark.django_db


def opened(client, attendance):
    """The correction form's version, as a tab that opens it has it."""
    page = client.get(f"/gade/poster/kursus/{attendance.pk}/").content.decode()
    found = re.search(r'name="version" value="([^"]+)"', page)
    return found.group(1) if found else ""


def test_a_correction_from_a_form_opened_before_another_is_refused_and_changes_nothing(
    coordinator, street_worker, venue, bag
):
    attendance = logged_course(street_worker, venue, bag, kits=3)  # three people new, three kits
    client = logged_in(coordinator)
    first_tab, second_tab = opened(client, attendance), opened(client, attendance)
    url = f"/gade/poster/kursus/{attendance.pk}/"

    saved = client.post(url, {**correction(venue, bag, kits=1), "version": first_tab})
    assert saved.status_code == 302 and saved["Location"] == "/gade/mine/"
    movements = StockMovement.objects.count()

    stale = client.post(url, {**correction(venue, bag, kits=3, note="Regnvejr"), "version": second_tab})
    assert stale.status_code == 302 and stale["Location"] == url
    attendance.refresh_from_db()
    assert attendance.note == "" and kits_handed_out(attendance.course) == 1
    assert StockMovement.objects.count() == movements and StockLevel.objects.get(location=bag).quantity == 9

    page = html.unescape(client.get(url).content.decode())
    assert "Nogen ændrede registreringen, efter du åbnede den (i en anden fane, eller en koordinator)" in page
    assert "så din rettelse blev ikke gemt." in page
    assert f'name="version" value="{opened(client, attendance)}"' in page  # the next save is made on what is now
    assert 'name="kits" value="1"' in page


def test_the_same_correction_sent_twice_is_saved_once(coordinator, street_worker, venue, bag):
    """A double click, or Back and save again: the second finds its correction already made."""
    attendance = logged_course(street_worker, venue, bag, kits=3)
    client = logged_in(coordinator)
    data = {**correction(venue, bag, kits=1, professionals=1), "version": opened(client, attendance)}
    url = f"/gade/poster/kursus/{attendance.pk}/"
    assert client.post(url, data)["Location"] == "/gade/mine/"
    movements = StockMovement.objects.count()
    assert client.post(url, data)["Location"] == "/gade/mine/"
    assert StockMovement.objects.count() == movements
    assert Attendance.history.filter(id=attendance.pk).count() == 2  # logged, corrected once
    assert kits_handed_out(attendance.course) == 1 and StockLevel.objects.get(location=bag).quantity == 9


def test_a_form_opened_before_the_entry_was_withdrawn_cannot_bring_it_back(coordinator, street_worker, venue, bag):
    attendance = logged_course(street_worker, venue, bag, kits=3)
    client = logged_in(coordinator)
    version = opened(client, attendance)
    client.post(f"/gade/poster/kursus/{attendance.pk}/trak-tilbage/", {"reason": ""})
    client.post(f"/gade/poster/kursus/{attendance.pk}/", {**correction(venue, bag, kits=3), "version": version})
    attendance.refresh_from_db()
    assert attendance.withdrawn_at is not None and kits_handed_out(attendance.course) == 0
    assert StockLevel.objects.get(location=bag).quantity == 10
