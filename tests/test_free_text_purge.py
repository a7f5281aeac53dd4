"""Free text is purged after the retention period, from the rows and their history; the rest stays."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from courses.models import Attendance
from reversals.models import ReversalReport
from tests import factories
from tests.reversal_helpers import make_report

pytestmark = pytest.mark.django_db


def age(model, row, days, field):
    """Make a row look `days` old, as if it had been written then."""
    model.objects.filter(pk=row.pk).update(**{field: timezone.now() - dt.timedelta(days=days)})
    model.history.filter(**{model._meta.pk.attname: row.pk}).update(**{field: timezone.now() - dt.timedelta(days=days)})


def test_old_report_notes_are_blanked_in_the_row_and_its_history(district, coordinator):
    old = make_report(district, note="Navnet var Jens", naloxone_doses=3, outcome="hospital")
    old.review_status = "verified"
    old.reviewed_by = coordinator
    old.save()
    age(ReversalReport, old, 181, "created_at")
    recent = make_report(district, note="Ny note")
    age(ReversalReport, recent, 179, "created_at")
    out = StringIO()
    call_command("purge_free_text", stdout=out)
    old.refresh_from_db()
    assert old.note == "" and old.naloxone_doses == 3 and old.outcome == "hospital"
    assert old.review_status == "verified" and old.reviewed_by == coordinator
    assert list(old.history.values_list("note", flat=True)) == ["", ""]
    assert ReversalReport.objects.get(pk=recent.pk).note == "Ny note"
    assert list(recent.history.values_list("note", flat=True)) == ["Ny note"]
    assert "1 reports (2 history rows)" in out.getvalue()


def test_old_attendance_notes_are_blanked_in_the_row_and_its_history(venue, coordinator):
    old = factories.make_attendance(factories.make_course(venue), coordinator, note="Mødte Lise fra opgangen")
    age(Attendance, old, 200, "logged_at")
    recent = factories.make_attendance(factories.make_course(venue), coordinator, note="Godt fremmøde")
    call_command("purge_free_text", stdout=StringIO())
    old.refresh_from_db()
    assert old.note == "" and old.people_who_use_drugs == 5 and old.first_time == 3
    assert not Attendance.history.filter(note__contains="Lise").exists()
    assert Attendance.objects.get(pk=recent.pk).note == "Godt fremmøde"


@override_settings(FREE_TEXT_RETENTION_DAYS=30)
def test_the_retention_period_comes_from_settings(district):
    report = make_report(district, note="Bag Netto")
    age(ReversalReport, report, 31, "created_at")
    call_command("purge_free_text", stdout=StringIO())
    report.refresh_from_db()
    assert report.note == ""


def test_running_it_again_changes_nothing(district):
    report = make_report(district, note="Bag Netto")
    age(ReversalReport, report, 365, "created_at")
    call_command("purge_free_text", stdout=StringIO())
    out = StringIO()
    call_command("purge_free_text", stdout=out)
    assert "0 reports (0 history rows), 0 attendances (0 history rows)" in out.getvalue()
    assert report.history.count() == 1
