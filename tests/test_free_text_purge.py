"""Free text is purged after the retention period, from the rows and their history; the rest stays."""

import datetime as dt
import hashlib
import json
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.db import DatabaseError, transaction
from django.test import override_settings
from django.utils import timezone

from courses.models import Attendance, Course, CourseRequest, DropInException, DropInSchedule
from courses.services import withdraw_held_course
from kits.models import StockMovement
from kits.services import discard_kits
from redliv.idempotency import create_once, payload_digest
from redliv.models import MonthClosing
from redliv.purge import registered
from reversals import services as reversal_services
from reversals.models import ReversalReport
from tests import factories
from tests.reversal_helpers import ANSWERS, make_report

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


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
    assert (
        "reversals.ReversalReport (note, review_reason, after 180 days): 1 rows, 2 history rows blanked."
        in out.getvalue()
    )


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
    assert (
        "reversals.ReversalReport (note, review_reason, after 180 days): 0 rows, 0 history rows blanked."
        in out.getvalue()
    )
    assert "courses.Attendance (note, after 180 days): 0 rows, 0 history rows blanked." in out.getvalue()
    assert report.history.count() == 1


# --- every app's free text, through the one command ---------------------------------------

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
LONG_AGO = NOW - dt.timedelta(days=200)


def purge():
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("purge_free_text", stdout=out)
    return out.getvalue()


def test_the_reasons_given_for_changes_are_purged_from_the_history(street_worker, coordinator, venue):
    with time_machine.travel(LONG_AGO, tick=False):
        attendance = factories.make_attendance(factories.make_course(venue), street_worker)
        withdraw_held_course(user=coordinator, attendance=attendance, reason="Dobbelt, Jens tastede")
    with time_machine.travel(NOW - dt.timedelta(days=10), tick=False):
        recent = factories.make_attendance(factories.make_course(venue), street_worker)
        withdraw_held_course(user=coordinator, attendance=recent, reason="Tastefejl")
    # The attendance's history and its course's.
    assert "history change reasons: 0 rows, 2 history rows blanked." in purge()
    assert not Attendance.history.filter(history_change_reason__contains="Jens").exists()
    assert not Course.history.filter(history_change_reason__contains="Jens").exists()
    assert Attendance.history.filter(history_change_reason="Tastefejl").exists()


def test_a_reason_the_registry_writes_itself_stays_in_the_history_whatever_its_language(coordinator, administrator):
    from django.utils import translation

    from redliv.twofactor import reset_second_factor

    with time_machine.travel(LONG_AGO, tick=False):
        reset_second_factor(coordinator, by=administrator)  # stored in Danish, the default
        with translation.override("en"):
            reset_second_factor(administrator, by=coordinator)  # stored in English
        coordinator._change_reason = "Nulstillet fordi Jens mistede sin telefon"  # a person's words
        coordinator.save()
    purge()
    reasons = set(coordinator.history.values_list("history_change_reason", flat=True))
    assert "Totrinslogin nulstillet" in reasons
    assert administrator.history.filter(history_change_reason="Two-step login reset").exists()
    assert not any(reason and "Jens" in reason for reason in reasons)


def test_a_stock_movements_reason_is_purged_and_the_rest_of_the_ledger_stays(coordinator, red_liv):
    office = factories.make_location(red_liv, name="Kontoret")
    batch = factories.make_batch()
    with time_machine.travel(LONG_AGO, tick=False):
        factories.receive(batch, office, 6, coordinator)
        movement, _ = discard_kits(
            user=coordinator, location=office, batch=batch, quantity=2, reason="Tabt af Jens på gaden"
        )
    before = StockMovement.objects.filter(pk=movement.pk).values("kind", "quantity", "batch", "occurred_at").get()
    assert movement.payload_digest
    purge()
    movement.refresh_from_db()
    assert movement.reason == "" and movement.payload_digest == "" and movement.purged_at == NOW
    assert (
        StockMovement.objects.filter(pk=movement.pk).values("kind", "quantity", "batch", "occurred_at").get() == before
    )
    assert not StockMovement.history.filter(reason__contains="Jens").exists()
    assert not StockMovement.history.exclude(payload_digest="").filter(id=movement.pk).exists()


@pytest.mark.parametrize(
    "change",
    [
        {"quantity": 3},
        {"reason": "Noget andet"},
        {"reason": "", "payload_digest": "", "purged_at": NOW, "quantity": 1},
        {"reason": "", "payload_digest": "", "purged_at": NOW, "occurred_at": NOW},
        {"reason": "", "payload_digest": "", "purged_at": None},
    ],
)
def test_the_ledger_refuses_every_change_but_the_purge(coordinator, red_liv, change):
    office = factories.make_location(red_liv, name="Kontoret")
    movement = factories.receive(factories.make_batch(), office, 6, coordinator)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        StockMovement.objects.filter(pk=movement.pk).update(**change)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        StockMovement.objects.filter(pk=movement.pk).delete()
    StockMovement.objects.filter(pk=movement.pk).update(reason="", payload_digest="", purged_at=NOW)


def test_drop_in_exception_and_month_reopening_reasons_are_purged(coordinator, venue, odense):
    schedule = DropInSchedule.objects.create(
        municipality=odense,
        venue=venue,
        weekday=1,
        starts_at=dt.time(13),
        ends_at=dt.time(15),
        valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2026, 12, 31),
    )
    old = DropInException.objects.create(schedule=schedule, date=dt.date(2026, 3, 3), reason="Lukket, Mette syg")
    recent = DropInException.objects.create(schedule=schedule, date=dt.date(2026, 11, 3), reason="Helligdag")
    with time_machine.travel(LONG_AGO, tick=False):
        MonthClosing.objects.create(municipality=odense, month=dt.date(2026, 3, 1), action="approved", by=coordinator)
        reopened = MonthClosing.objects.create(
            municipality=odense, month=dt.date(2026, 3, 1), action="reopened", reason="Peter glemte", by=coordinator
        )
    purge()
    assert DropInException.objects.get(pk=old.pk).reason == ""
    assert DropInException.objects.get(pk=recent.pk).reason == "Helligdag"
    reopened.refresh_from_db()
    assert reopened.reason == "" and reopened.action == "reopened" and reopened.purged_at == NOW


def make_request(odense, **fields):
    free_text = {"contact_name": "Karen Madsen", "contact_email": "karen@example.org", "contact_phone": "12345678"}
    return factories.make_course_request(odense, **{**free_text, "wishes": "Ring efter kl. 10", **fields})


@override_settings(COURSE_REQUEST_RETENTION_DAYS=60)
def test_course_requests_contact_data_goes_a_set_time_after_they_are_answered_or_closed(odense):
    with time_machine.travel(NOW - dt.timedelta(days=100), tick=False):
        answered = make_request(odense)
        closed = make_request(odense)
        waiting = make_request(odense)
        touched = make_request(odense)
    with time_machine.travel(NOW - dt.timedelta(days=61), tick=False):
        for request, status in [(answered, "scheduled"), (closed, "closed")]:
            request.status = status
            request.save()
    with time_machine.travel(NOW - dt.timedelta(days=20), tick=False):
        touched.status = "closed"
        touched.save()
    output = purge()
    assert "courses.CourseRequest (contact_name, contact_email, contact_phone, wishes, after 60 days)" in output
    for request in (answered, closed):
        request.refresh_from_db()
        assert (request.contact_name, request.contact_email, request.contact_phone, request.wishes) == ("", "", "", "")
        assert request.organisation_name == "Botilbuddet Åløkken" and request.purged_at == NOW
        assert not CourseRequest.history.filter(id=request.pk).exclude(contact_name="").exists()
    for request in (waiting, touched):
        request.refresh_from_db()
        assert request.contact_name == "Karen Madsen" and request.contact_phone == "12345678"


def test_the_history_of_a_deleted_course_request_is_purged_once_old(odense):
    with time_machine.travel(LONG_AGO, tick=False):
        make_request(odense).delete()
    purge()
    assert not CourseRequest.history.exclude(contact_email="").exists()


# --- the idempotency digest cannot be used to recover a purged note -----------------------

NAMES = ["Anna", "Mads", "Jens", "Lise", "Peter", "Mette", "Karen", "Søren", "Hanne", "Ole"]


def old_digest(payload):
    canonical = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def recovered(digests, payload):
    """The names whose digest, computed the old way or the new way, is among `digests`."""
    found = set()
    for name in NAMES:
        guess = {**payload, "note": name}
        if old_digest(guess) in digests or payload_digest(guess) in digests:
            found.add(name)
    return found


def test_a_purged_note_cannot_be_recovered_from_its_digest(district, monkeypatch):
    seen = {}

    def spy(model, key, payload, create, author):
        seen.update(payload)
        return create_once(model, key, payload, create, author=author)

    monkeypatch.setattr(reversal_services, "create_once", spy)
    with time_machine.travel(LONG_AGO, tick=False):
        report, _ = reversal_services.create_reversal_report(
            district=district,
            occurred_at=LONG_AGO - dt.timedelta(hours=2),
            **ANSWERS,
            note="Mads",
        )
    stored = {report.payload_digest}
    # Even before the purge, a plain hash of a guess does not match: the digest is keyed.
    assert old_digest(seen) not in stored and report.payload_digest == payload_digest(seen)
    purge()
    rows = set(ReversalReport.objects.values_list("payload_digest", flat=True))
    history = set(ReversalReport.history.values_list("payload_digest", flat=True))
    assert recovered(rows | history, seen) == set()
    assert rows | history == {""}


def test_the_coordinator_sees_that_a_requests_contact_data_was_deleted(planner, odense):
    with time_machine.travel(NOW - dt.timedelta(days=200), tick=False):
        request = make_request(odense, status="closed")
    purge()
    page = planner.get(f"/personale/forespoergsler/{request.pk}/").content.decode()
    assert "Slettet 30. nov 2026, efter opbevaringsperioden." in page
    assert "Karen Madsen" not in page and "Botilbuddet Åløkken" in page


# --- nothing that can hold free text slips past the purge unnoticed -------------------------

# Text fields that are not about a participant, recipient or victim, kept while in use (SECURITY.md
# says why), and structural ones. A new text field must be registered with redliv.purge or added here.
KEPT = {
    "redliv.PostCount.scope",
    "redliv.PostCount.sender_digest",
    "redliv.Municipality.name",
    "redliv.District.name",
    "redliv.District.postcodes",
    "redliv.Organisation.name",
    "redliv.User.password",
    "redliv.User.username",
    "redliv.User.first_name",
    "redliv.User.last_name",
    "redliv.User.email",
    "courses.Venue.name",
    "courses.Venue.address",
    "courses.Venue.postcode",
    "courses.Venue.city",
    "courses.Venue.accessibility_notes",
    "courses.Trainer.name",
    "courses.Trainer.contact",
    "courses.Course.title",
    "courses.Course.joining_url",
    "courses.Course.cancellation_reason",
    "courses.Course.public_description",
    "courses.DropInSchedule.title",
    "courses.DropInSchedule.public_description",
    "courses.CourseRequest.organisation_name",
    "kits.KitType.name",
    "kits.KitType.contents",
    "kits.Batch.product",
    "kits.Batch.lot_number",
    "kits.Batch.recall_reason",
    "kits.Batch.recall_instructions",
    "kits.Batch.recall_end_reason",
    "kits.StockLocation.name",
    "reports.Population.source",
    "finder.InfoPage.slug",
    "finder.InfoPage.title_da",
    "finder.InfoPage.title_en",
    "finder.InfoPage.body_da",
    "finder.InfoPage.body_en",
    # A public page as anyone is served it (never one asked with a position, a postcode or a
    # session), gzipped, with its headers and its hash; replaced or deleted within a minute
    # (finder/shared_copy.py).
    "finder.SharedPage.key",
    "finder.SharedPage.gzipped_body",
    "finder.SharedPage.headers",
    # A month's figures as approved: counts and the labels of their rows (figures, venues), never a person.
    "redliv.MonthClosing.figures",
    # What else an approval (or a reopening) states, as it was made: the municipality's name, the name of the
    # staff member who approved it (as the approval line names them on staff pages, never on public ones), and
    # the residents its rate was divided by with their source.
    "redliv.MonthClosing.municipality_name",
    "redliv.MonthClosing.by_name",
    "redliv.MonthClosing.population",
    # A month's counts and their protected figures as published (reports.publication): counts keyed by
    # figure and venue, never a person; kept, since they are what was published.
    "reports.PublishedMonth.counts",
    "reports.PublishedMonth.cells",
    # The names of the venues of a version's counts, as it published them (by the venue's id).
    "reports.PublishedMonth.venue_names",
}
PROJECT_APPS = {"redliv", "courses", "kits", "reports", "reversals", "finder", "street"}


def text_fields():
    from django.apps import apps
    from django.db import models

    for model in apps.get_models():
        if (
            model._meta.app_label in PROJECT_APPS
            and not model._meta.proxy
            and not model.__name__.startswith("Historical")
        ):
            for field in model._meta.concrete_fields:
                stores_anything = models.CharField | models.TextField | models.BinaryField | models.JSONField
                if isinstance(field, stores_anything) and not field.choices:
                    yield f"{model._meta.label}.{field.name}"


def test_every_stored_text_field_is_purged_or_kept_on_purpose_and_security_md_lists_it():
    purged = {f"{entry.model}.{field}" for entry in registered() for field in entry.fields}
    digests = {name for name in text_fields() if name.endswith(".payload_digest")}
    assert set(text_fields()) - purged - digests - KEPT == set()
    security = (ROOT / "SECURITY.md").read_text()
    for name in purged:
        model, field = name.rsplit(".", 1)
        assert f"`{model}.{field}`" in security or f"`{field}`" in security, name
