"""Every rule the database enforces, tried and refused: nothing is written."""

import datetime as dt
import importlib
import uuid

import pytest
from django.apps import apps
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from courses.models import (
    Attendance,
    Certification,
    Course,
    CourseRequest,
    DropInException,
    DropInSchedule,
    Trainer,
    Venue,
)
from kits.models import Batch, StockLevel, StockLocation, StockMovement
from redliv.db import violated_constraint
from redliv.models import Audience, District, Municipality
from reversals.models import ReversalReport
from tests import factories
from tests.reversal_helpers import make_report

pytestmark = pytest.mark.django_db


def refused(model, constraint, create):
    """Assert that `create` is refused by the named constraint and leaves no row behind."""
    before = model.objects.count()
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        create()
    assert constraint in (violated_constraint(error.value) or "")
    assert model.objects.count() == before


@pytest.fixture
def course(venue):
    return factories.make_course(venue)


@pytest.fixture
def batch():
    return factories.make_batch()


@pytest.fixture
def bag(red_liv):
    return factories.make_location(red_liv)


# --- organisations and places --------------------------------------------------------------


@pytest.mark.parametrize("postcodes", ["50A0", "5000;5200", "5000,", "500", "5000, 52000", " 5000"])
def test_it_refuses_district_postcodes_that_are_not_comma_separated_four_digits(odense, postcodes):
    refused(
        District,
        "district_postcodes_four_digits_comma_separated",
        lambda: factories.make_district(odense, postcodes=postcodes),
    )


@pytest.mark.parametrize("postcodes", ["", "5000", "5240, 5220", "5000,5200,5210"])
def test_it_takes_district_postcodes_the_finder_reads(odense, postcodes):
    assert factories.make_district(odense, postcodes=postcodes).pk


def test_it_refuses_a_municipality_code_that_is_not_three_digits(db):
    refused(Municipality, "municipality_code_three_digits", lambda: Municipality.objects.create(name="X", code=12))


def test_it_refuses_a_second_district_of_the_same_name(odense):
    District.objects.create(municipality=odense, name="Vollsmose")
    refused(
        District,
        "district_unique_name_per_municipality",
        lambda: District.objects.create(municipality=odense, name="Vollsmose"),
    )


def test_it_refuses_a_venue_with_only_one_coordinate(red_liv):
    refused(
        Venue,
        "venue_coordinates_both_or_neither_and_in_range",
        lambda: factories.make_venue(red_liv, latitude="55.1", longitude=None),
    )


def test_it_refuses_a_venue_with_a_latitude_off_the_globe(red_liv):
    refused(
        Venue, "venue_coordinates_both_or_neither_and_in_range", lambda: factories.make_venue(red_liv, latitude="91.0")
    )


def test_it_refuses_a_venue_outside_denmark_or_with_its_coordinates_swapped(red_liv):
    for latitude, longitude in [("10.388", "55.395"), ("55.395", "-10.388"), ("53.9", "10.388"), ("55.395", "16.1")]:
        refused(
            Venue,
            "venue_coordinates_both_or_neither_and_in_range",
            lambda: factories.make_venue(red_liv, latitude=latitude, longitude=longitude),  # noqa: B023 (run at once)
        )


def test_the_migration_bounding_coordinates_stops_on_a_venue_outside_and_names_it(red_liv):
    """A database holding a venue outside Denmark would fail the deploy with PostgreSQL's bare "check constraint ...
    is violated by some row"; the migration stops before it, naming the venue, and changes nothing."""
    migration = importlib.import_module("courses.migrations.0026_venue_coordinates_in_denmark")
    venue = factories.make_venue(red_liv, name="Byttet om")
    with connection.cursor() as cursor:  # as before the migration, in the test's transaction
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE waits for no deferred check, as in a deploy
        cursor.execute("ALTER TABLE courses_venue DROP CONSTRAINT venue_coordinates_both_or_neither_and_in_range")
        cursor.execute("UPDATE courses_venue SET latitude = 10.388, longitude = 55.395 WHERE id = %s", [venue.pk])
    with pytest.raises(CommandError) as stopped:
        migration.refuse_coordinates_outside(apps, None)
    message = str(stopped.value)
    assert "1 venue(s) lie outside latitude 54 to 58 and longitude 8 to 16 (Denmark). Nothing was changed." in message
    assert f"\n  id {venue.pk}, Odense: Byttet om (10.388000, 55.395000)\n" in message
    Venue.objects.filter(pk=venue.pk).update(latitude="55.395", longitude="10.388")
    migration.refuse_coordinates_outside(apps, None)  # corrected: migrate goes on


def test_it_refuses_a_postcode_that_is_not_four_digits(red_liv):
    refused(Venue, "venue_postcode_four_digits", lambda: factories.make_venue(red_liv, postcode="50A0"))


@pytest.mark.parametrize("kind", [Venue.Kind.SHELTER, Venue.Kind.STAIRWELL])
def test_it_refuses_a_shelter_or_a_stairwell_that_is_open_to_the_public(red_liv, kind):
    refused(
        Venue,
        "venue_residents_only_kinds_are_not_public",
        lambda: factories.make_venue(red_liv, kind=kind, open_to_public=True),
    )


def test_it_refuses_a_certification_that_expires_before_it_was_issued(red_liv):
    trainer = factories.make_trainer(red_liv)
    today = timezone.localdate()
    refused(
        Certification,
        "certification_expires_after_issue",
        lambda: Certification.objects.create(
            trainer=trainer, kind=Certification.Kind.REDLIV_TRAINER, issued_on=today, expires_on=today
        ),
    )


# --- courses -------------------------------------------------------------------------------


def test_it_refuses_a_course_that_ends_before_it_starts(venue):
    start = timezone.now()
    refused(
        Course,
        "course_ends_after_start",
        lambda: factories.make_course(venue, starts_at=start, ends_at=start - dt.timedelta(minutes=1)),
    )


def test_it_refuses_an_online_course_without_a_joining_link(odense):
    refused(
        Course,
        "course_online_has_link_others_have_venue",
        lambda: factories.make_course(None, municipality=odense, format="online"),
    )


def test_it_refuses_an_online_course_at_a_venue(venue):
    refused(
        Course,
        "course_online_has_link_others_have_venue",
        lambda: factories.make_course(venue, format="online", joining_url="https://example.org/m"),
    )


def test_it_refuses_a_drop_in_course_without_a_venue(odense):
    refused(
        Course,
        "course_online_has_link_others_have_venue",
        lambda: factories.make_course(None, municipality=odense, format="drop_in"),
    )


def test_it_refuses_a_cancelled_course_without_a_reason(venue):
    refused(Course, "course_cancelled_has_reason", lambda: factories.make_course(venue, status="cancelled"))


def test_it_refuses_a_capacity_of_zero(venue):
    refused(Course, "course_capacity_positive", lambda: factories.make_course(venue, capacity=0))


def test_it_refuses_drop_in_hours_that_end_before_they_start(venue):
    refused(
        DropInSchedule,
        "dropin_ends_after_start",
        lambda: DropInSchedule.objects.create(
            municipality=venue.municipality,
            venue=venue,
            weekday=1,
            starts_at=dt.time(15),
            ends_at=dt.time(13),
            valid_from=timezone.localdate(),
        ),
    )


def test_it_takes_drop_in_hours_that_end_at_midnight_but_not_from_midnight_to_midnight(venue):
    """00:00 as the end is midnight at the end of the day (courses.models.MIDNIGHT)."""
    fields = {"municipality": venue.municipality, "venue": venue, "weekday": 1, "valid_from": timezone.localdate()}
    DropInSchedule.objects.create(starts_at=dt.time(20), ends_at=dt.time(0), **fields)
    refused(
        DropInSchedule,
        "dropin_ends_after_start",
        lambda: DropInSchedule.objects.create(starts_at=dt.time(0), ends_at=dt.time(0), **fields),
    )


def test_it_refuses_drop_in_hours_valid_until_before_valid_from(venue):
    today = timezone.localdate()
    refused(
        DropInSchedule,
        "dropin_valid_until_after_from",
        lambda: DropInSchedule.objects.create(
            municipality=venue.municipality,
            venue=venue,
            weekday=1,
            starts_at=dt.time(13),
            ends_at=dt.time(15),
            valid_from=today,
            valid_until=today - dt.timedelta(days=1),
        ),
    )


def test_it_refuses_a_weekday_outside_monday_to_sunday(venue):
    refused(
        DropInSchedule,
        "dropin_weekday_valid",
        lambda: DropInSchedule.objects.create(
            municipality=venue.municipality,
            venue=venue,
            weekday=7,
            starts_at=dt.time(13),
            ends_at=dt.time(15),
            valid_from=timezone.localdate(),
        ),
    )


def test_it_refuses_two_exceptions_for_the_same_date(venue):
    schedule = DropInSchedule.objects.create(
        municipality=venue.municipality,
        venue=venue,
        weekday=1,
        starts_at=dt.time(13),
        ends_at=dt.time(15),
        valid_from=timezone.localdate(),
    )
    DropInException.objects.create(schedule=schedule, date=timezone.localdate(), reason="Helligdag")
    refused(
        DropInException,
        "dropin_exception_once_per_date",
        lambda: DropInException.objects.create(schedule=schedule, date=timezone.localdate(), reason="Lukket"),
    )


# --- attendance ----------------------------------------------------------------------------


def test_it_refuses_a_negative_count(course, street_worker):
    refused(
        Attendance,
        "people_who_use_drugs",
        lambda: factories.make_attendance(
            course, street_worker, people_who_use_drugs=-1, other=3, first_time=2, refresher=0
        ),
    )


def test_it_refuses_a_count_over_500(course, street_worker):
    refused(
        Attendance,
        "attendance_people_who_use_drugs_at_most_500",
        lambda: factories.make_attendance(course, street_worker, people_who_use_drugs=501, first_time=501, refresher=0),
    )


def test_it_refuses_first_time_and_refresher_that_do_not_add_up_to_the_total(course, street_worker):
    refused(
        Attendance,
        "attendance_first_time_plus_refresher_is_total",
        lambda: factories.make_attendance(course, street_worker, people_who_use_drugs=5, first_time=5, refresher=1),
    )


def test_it_refuses_a_held_course_with_nobody_there(course, street_worker):
    refused(
        Attendance,
        "attendance_at_least_one_participant",
        lambda: factories.make_attendance(course, street_worker, people_who_use_drugs=0, first_time=0, refresher=0),
    )


def test_it_stores_each_idempotency_key_once(venue, street_worker):
    key = uuid.uuid4()
    factories.make_attendance(factories.make_course(venue), street_worker, idempotency_key=key)
    other_course = factories.make_course(venue)
    refused(
        Attendance,
        "courses_attendance_idempotency_key",
        lambda: factories.make_attendance(other_course, street_worker, idempotency_key=key),
    )


def test_it_refuses_a_second_attendance_for_the_same_course(course, street_worker):
    factories.make_attendance(course, street_worker)
    refused(Attendance, "courses_attendance_course_id", lambda: factories.make_attendance(course, street_worker))


def test_it_refuses_a_course_request_without_any_way_to_answer_it(odense):
    refused(
        CourseRequest,
        "courserequest_has_email_or_phone",
        lambda: CourseRequest.objects.create(
            municipality=odense,
            organisation_name="Bosted",
            contact_name="Leder",
            audience=Audience.PROFESSIONALS,
            number_of_people=10,
        ),
    )


def test_it_refuses_a_course_request_whose_phone_is_not_a_number(odense):
    refused(
        CourseRequest,
        "courserequest_phone_is_a_number",
        lambda: CourseRequest.objects.create(
            municipality=odense,
            organisation_name="Bosted",
            contact_name="Leder",
            contact_phone="ring til Anne",
            audience=Audience.PROFESSIONALS,
            number_of_people=10,
        ),
    )


def test_it_refuses_a_course_request_for_nobody(odense):
    refused(
        CourseRequest,
        "courserequest_number_of_people_1_to_1000",
        lambda: CourseRequest.objects.create(
            municipality=odense,
            organisation_name="Bosted",
            contact_name="Leder",
            contact_email="a@example.org",
            audience=Audience.PROFESSIONALS,
            number_of_people=0,
        ),
    )


# --- kits and stock --------------------------------------------------------------------------


def test_it_refuses_a_batch_that_expires_before_it_was_received():
    today = timezone.localdate()
    refused(
        Batch,
        "batch_expires_after_receipt",
        lambda: factories.make_batch(received_on=today, expiry_date=today - dt.timedelta(days=1)),
    )


@pytest.mark.parametrize(
    "dates",
    [
        {"received_on": dt.date(1, 1, 1), "expiry_date": dt.date(2027, 6, 1)},
        {"received_on": dt.date(1999, 12, 31), "expiry_date": dt.date(2027, 6, 1)},
        {"received_on": dt.date(2026, 6, 1), "expiry_date": dt.date(9999, 12, 31)},
        {"received_on": dt.date(2026, 6, 1), "expiry_date": dt.date(2101, 1, 1)},
    ],
    ids=["received-year-1", "received-1999", "expires-9999", "expires-2101"],
)
def test_it_refuses_a_batch_dated_outside_2000_to_2100(dates):
    refused(Batch, "batch_dates_within_range", lambda: factories.make_batch(**dates))


def test_it_takes_a_batch_dated_at_the_ends_of_the_range():
    factories.make_batch(received_on=dt.date(2000, 1, 1), expiry_date=dt.date(2100, 12, 31))


@pytest.mark.parametrize(
    "dates",
    [
        {"recalled_on": dt.date(1, 1, 1)},
        {"recalled_on": dt.date(1999, 12, 31)},
        {"recalled_on": dt.date(2026, 6, 1), "recall_ended_on": dt.date(9999, 12, 31)},
    ],
    ids=["recalled-year-1", "recalled-1999", "recall-ends-9999"],
)
def test_it_refuses_a_recall_dated_outside_2000_to_2100(coordinator, dates):
    """As a lot's received and expiry dates (batch_dates_within_range): the form bounded the recall date, the
    database took any."""
    fields = {"recall_reason": "Fejl i dysen", "recall_instructions": "Aflevér kittet", **dates}
    if "recall_ended_on" in dates:
        fields.update(recall_ended_by=coordinator, recall_end_reason="Undersøgt")
    refused(Batch, "batch_recall_dates_within_range", lambda: factories.make_batch(**fields))


def recall_fields(**fields):
    today = timezone.localdate()
    return {"recalled_on": today, "recall_reason": "Fejl i dysen", "recall_instructions": "Aflevér kittet", **fields}


def test_it_refuses_who_recalled_a_lot_that_is_not_recalled(batch, coordinator):
    refused(Batch, "batch_recalled_by_only_with_a_recall", lambda: factories.make_batch(recalled_by=coordinator))


def test_it_refuses_the_end_of_a_recall_that_never_began(batch, coordinator):
    today = timezone.localdate()
    refused(
        Batch,
        "batch_recall_ends_after_it_began",
        lambda: factories.make_batch(
            recall_ended_on=today, recall_ended_by=coordinator, recall_end_reason="Fundet i orden"
        ),
    )


def test_it_refuses_a_recall_that_ends_before_it_began(batch, coordinator):
    today = timezone.localdate()
    ended = {"recall_ended_by": coordinator, "recall_end_reason": "Fundet i orden"}
    refused(
        Batch,
        "batch_recall_ends_after_it_began",
        lambda: factories.make_batch(**recall_fields(recall_ended_on=today - dt.timedelta(days=1), **ended)),
    )
    assert factories.make_batch(**recall_fields(recall_ended_on=today, **ended)).recall_ended_on == today


@pytest.mark.parametrize("missing", ["recall_ended_by", "recall_end_reason"])
def test_it_refuses_the_end_of_a_recall_without_who_or_why(batch, coordinator, missing):
    ended = {"recall_ended_on": timezone.localdate(), "recall_ended_by": coordinator, "recall_end_reason": "I orden"}
    ended[missing] = None if missing == "recall_ended_by" else ""
    refused(Batch, "batch_recall_end_has_who_and_why", lambda: factories.make_batch(**recall_fields(**ended)))


def test_it_refuses_the_same_lot_twice_for_one_product(batch):
    refused(
        Batch,
        "batch_unique_lot_per_product",
        lambda: factories.make_batch(product=batch.product, lot_number=batch.lot_number),
    )


def test_it_refuses_the_same_lot_in_another_case_for_one_product():
    factories.make_batch(product="Nyxoid 1,8 mg næsespray", lot_number="nx2511")
    refused(
        Batch,
        "batch_unique_lot_per_product",
        lambda: factories.make_batch(product="Nyxoid 1,8 mg næsespray", lot_number="NX2511"),
    )
    refused(
        Batch,
        "batch_unique_lot_per_product",
        lambda: factories.make_batch(product="NYXOID 1,8 mg næsespray", lot_number="Nx2511"),
    )
    factories.make_batch(product="Naloxon B. Braun 0,4 mg/ml", lot_number="NX2511")


def test_stock_on_hand_follows_from_the_movements(batch, bag, coordinator):
    factories.receive(batch, bag, 10, coordinator)
    factories.hand_out(batch, bag, 3, coordinator)
    assert StockLevel.objects.get(location=bag, batch=batch).quantity == 7


def test_it_refuses_a_handout_that_would_take_stock_below_zero(batch, bag, coordinator):
    factories.receive(batch, bag, 2, coordinator)
    refused(StockMovement, "stocklevel_quantity_non_negative", lambda: factories.hand_out(batch, bag, 3, coordinator))
    assert StockLevel.objects.get(location=bag, batch=batch).quantity == 2


def test_it_refuses_a_handout_from_a_location_that_never_held_the_batch(batch, bag, coordinator):
    refused(StockMovement, "stocklevel_quantity_non_negative", lambda: factories.hand_out(batch, bag, 1, coordinator))
    assert not StockLevel.objects.exists()


def test_it_refuses_a_handout_from_an_expired_batch(bag, coordinator):
    today = timezone.localdate()
    expired = factories.make_batch(received_on=today - dt.timedelta(days=400), expiry_date=today - dt.timedelta(days=1))
    factories.receive(expired, bag, 5, coordinator, occurred_at=timezone.now() - dt.timedelta(days=390))
    refused(StockMovement, "handout_batch_not_expired", lambda: factories.hand_out(expired, bag, 1, coordinator))
    assert StockLevel.objects.get(location=bag, batch=expired).quantity == 5


def test_it_refuses_a_zero_quantity(batch, bag, coordinator):
    refused(StockMovement, "movement_quantity_positive", lambda: factories.receive(batch, bag, 0, coordinator))


def test_it_refuses_a_transfer_to_the_same_location(batch, bag, coordinator):
    factories.receive(batch, bag, 5, coordinator)
    refused(
        StockMovement,
        "movement_locations_match_kind",
        lambda: StockMovement.objects.create(
            kind="transfer",
            batch=batch,
            from_location=bag,
            to_location=bag,
            quantity=1,
            occurred_at=timezone.now(),
            recorded_by=coordinator,
        ),
    )


def test_it_refuses_a_discard_without_a_reason(batch, bag, coordinator):
    factories.receive(batch, bag, 5, coordinator)
    refused(
        StockMovement,
        "movement_discard_and_adjustment_have_reason",
        lambda: StockMovement.objects.create(
            kind="discard",
            batch=batch,
            from_location=bag,
            quantity=1,
            occurred_at=timezone.now(),
            recorded_by=coordinator,
        ),
    )


def test_it_refuses_a_handout_without_a_reason(batch, bag, coordinator):
    factories.receive(batch, bag, 5, coordinator)
    refused(
        StockMovement,
        "movement_handout_fields_only_on_handouts",
        lambda: factories.hand_out(batch, bag, 1, coordinator, handout_reason=None),
    )


def test_it_refuses_a_handout_reason_on_a_delivery(batch, bag, coordinator):
    refused(
        StockMovement,
        "movement_handout_fields_only_on_handouts",
        lambda: factories.receive(batch, bag, 5, coordinator, handout_reason="first_supply"),
    )


def test_it_refuses_to_change_or_delete_a_movement(batch, bag, coordinator):
    movement = factories.receive(batch, bag, 5, coordinator)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        StockMovement.objects.filter(pk=movement.pk).update(quantity=50)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        StockMovement.objects.filter(pk=movement.pk).delete()
    assert StockMovement.objects.get(pk=movement.pk).quantity == 5
    assert StockLevel.objects.get(location=bag, batch=batch).quantity == 5


def test_it_stores_each_handout_key_once(batch, bag, coordinator):
    factories.receive(batch, bag, 5, coordinator)
    key = uuid.uuid4()
    factories.hand_out(batch, bag, 1, coordinator, idempotency_key=key)
    refused(
        StockMovement,
        "kits_stockmovement_idempotency_key",
        lambda: factories.hand_out(batch, bag, 1, coordinator, idempotency_key=key),
    )
    assert StockLevel.objects.get(location=bag, batch=batch).quantity == 4


# --- corrections of stock movements ------------------------------------------------------------


def put_back(handout, quantity, **fields):
    """An adjustment that puts kits of `handout` back where they came from, unless `fields` say otherwise."""
    values = {
        "kind": "adjustment",
        "batch": handout.batch,
        "to_location": handout.from_location,
        "quantity": quantity,
        "reason": "Registreret forkert",
        "corrects": handout,
        "occurred_at": timezone.now(),
        "recorded_by": handout.recorded_by,
        **fields,
    }
    return StockMovement.objects.create(**values)


@pytest.fixture
def handout(batch, bag, coordinator):
    factories.receive(batch, bag, 10, coordinator)
    return factories.hand_out(batch, bag, 4, coordinator)


def test_it_refuses_a_correction_that_is_not_an_adjustment_or_a_transfer(handout, coordinator):
    refused(
        StockMovement,
        "movement_correction_is_adjustment_or_transfer",
        lambda: factories.hand_out(handout.batch, handout.from_location, 1, coordinator, corrects=handout),
    )
    refused(
        StockMovement,
        "movement_correction_is_adjustment_or_transfer",
        lambda: StockMovement.objects.create(
            kind="discard",
            batch=handout.batch,
            from_location=handout.from_location,
            quantity=1,
            reason="Fejl",
            corrects=handout,
            occurred_at=timezone.now(),
            recorded_by=coordinator,
        ),
    )
    refused(
        StockMovement,
        "movement_correction_is_adjustment_or_transfer",
        lambda: factories.receive(handout.batch, handout.from_location, 1, coordinator, corrects=handout),
    )


def test_it_refuses_a_correction_of_a_correction(handout):
    correction = put_back(handout, 1)
    refused(
        StockMovement,
        "movement_corrects_an_original",
        lambda: StockMovement.objects.create(
            kind="adjustment",
            batch=handout.batch,
            from_location=handout.from_location,
            quantity=1,
            reason="Fortryd",
            corrects=correction,
            occurred_at=timezone.now(),
            recorded_by=handout.recorded_by,
        ),
    )


def test_it_refuses_a_correction_of_another_batch(handout, bag, coordinator):
    other = factories.make_batch()
    refused(StockMovement, "movement_correction_mirrors_original", lambda: put_back(handout, 1, batch=other))
    assert not StockLevel.objects.filter(batch=other).exists()


def test_it_refuses_a_correction_that_is_not_the_mirror_image_of_the_original(handout, red_liv, coordinator):
    elsewhere = factories.make_location(red_liv)
    refused(StockMovement, "movement_correction_mirrors_original", lambda: put_back(handout, 1, to_location=elsewhere))
    refused(
        StockMovement,
        "movement_correction_mirrors_original",
        lambda: put_back(handout, 1, to_location=None, from_location=handout.from_location),
    )
    office = factories.make_location(red_liv)
    transfer = StockMovement.objects.create(
        kind="transfer",
        batch=handout.batch,
        from_location=handout.from_location,
        to_location=office,
        quantity=2,
        occurred_at=timezone.now(),
        recorded_by=coordinator,
    )
    refused(
        StockMovement,
        "movement_correction_mirrors_original",
        lambda: StockMovement.objects.create(
            kind="transfer",
            batch=handout.batch,
            from_location=office,
            to_location=elsewhere,
            quantity=2,
            corrects=transfer,
            occurred_at=timezone.now(),
            recorded_by=coordinator,
        ),
    )
    assert not StockLevel.objects.filter(location=elsewhere).exists()


def test_it_refuses_corrections_that_undo_more_than_the_original_moved(handout):
    put_back(handout, 3)
    refused(StockMovement, "movement_corrections_within_original", lambda: put_back(handout, 2))
    put_back(handout, 1)
    refused(StockMovement, "movement_corrections_within_original", lambda: put_back(handout, 1))
    assert StockLevel.objects.get(location=handout.from_location, batch=handout.batch).quantity == 10


# --- reversal reports --------------------------------------------------------------------------


@pytest.fixture
def district(odense):
    return factories.make_district(odense)


def test_it_refuses_more_than_ten_doses(district):
    refused(ReversalReport, "report_doses_0_to_10", lambda: make_report(district, naloxone_doses=11))


def test_it_refuses_a_report_without_a_substance(district):
    refused(ReversalReport, "report_has_a_substance", lambda: make_report(district, substances=[]))


def test_it_refuses_a_staff_report_without_its_recorder(district):
    refused(ReversalReport, "report_staff_reports_name_their_recorder", lambda: make_report(district, source="staff"))


def test_it_refuses_a_public_report_that_names_a_staff_user(district, street_worker):
    refused(
        ReversalReport,
        "report_staff_reports_name_their_recorder",
        lambda: make_report(district, reported_by=street_worker),
    )


def test_it_refuses_a_replacement_on_a_report_that_says_the_kit_was_not_replaced(district, batch, bag, coordinator):
    factories.receive(batch, bag, 5, coordinator)
    handout = factories.hand_out(batch, bag, 1, coordinator, handout_reason="replaces_used")
    refused(
        ReversalReport,
        "report_replacement_means_replaced",
        lambda: make_report(district, kit_replaced=False, replacement_handout=handout),
    )


def test_it_refuses_a_rejection_without_a_reason(district):
    refused(ReversalReport, "report_rejection_has_reason", lambda: make_report(district, review_status="rejected"))


def test_it_refuses_a_trainer_of_another_municipality_on_a_course(course, red_liv, aarhus_org):
    theirs = factories.make_trainer(aarhus_org)
    refused(Course.trainers.through, "course_trainer_in_course_municipality", lambda: course.trainers.add(theirs))
    ours = factories.make_trainer(red_liv)
    course.trainers.add(ours)
    link = Course.trainers.through.objects.get()
    link.trainer = theirs
    refused(Course.trainers.through, "course_trainer_in_course_municipality", lambda: link.save())
    assert list(course.trainers.all()) == [ours]


def test_it_refuses_a_venue_in_a_district_of_another_municipality(venue, aarhus_org):
    """Venue.clean says so on the form; a venue written any other way is refused by the database."""
    theirs = factories.make_district(aarhus_org.municipality)
    venue.district = theirs
    refused(Venue, "venue_district_in_venue_municipality", venue.save)
    assert Venue.objects.get(pk=venue.pk).district_id != theirs.pk
    ours = factories.make_district(venue.municipality)
    venue.district = ours
    venue.save()
    assert Venue.objects.get(pk=venue.pk).district == ours


def test_it_keeps_a_district_a_stock_location_and_a_trainer_where_their_figures_are_counted(
    venue, bag, red_liv, coordinator, aarhus_org
):
    """Moved or deleted, each took figures out of the months their municipality approved (the admin says so:
    tests/test_approve_then_change.py). A district or a location nothing was counted in may still move."""
    district, aarhus = factories.make_district(venue.municipality), aarhus_org.municipality
    venue.district = district
    venue.save()
    moved = District.objects.filter(pk=district.pk)
    refused(District, "district_keeps_its_municipality", lambda: moved.update(municipality=aarhus))
    Venue.objects.filter(pk=venue.pk).update(district=None)
    make_report(district)
    refused(District, "district_keeps_its_municipality", lambda: moved.update(municipality=aarhus))
    assert District.objects.filter(municipality=aarhus).update(name="Midtbyen") == 0
    empty = factories.make_district(venue.municipality)
    District.objects.filter(pk=empty.pk).update(municipality=aarhus)

    factories.receive(factories.make_batch(), bag, 10, coordinator)
    location = StockLocation.objects.filter(pk=bag.pk)
    refused(StockLocation, "stocklocation_keeps_its_municipality", lambda: location.update(municipality=aarhus))
    unused = factories.make_location(red_liv)
    StockLocation.objects.filter(pk=unused.pk).update(municipality=aarhus, organisation=aarhus_org)

    held, planned = factories.make_course(venue), factories.make_course(venue)
    trainer, other = factories.make_trainer(red_liv), factories.make_trainer(red_liv)
    held.trainers.add(trainer, other)
    planned.trainers.add(other)
    factories.make_attendance(held, coordinator)

    def commit():  # the check waits for the commit, which the test's transaction never reaches
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS trainer_of_a_held_course_is_kept IMMEDIATE")
            cursor.execute("SET CONSTRAINTS trainer_of_a_held_course_is_kept DEFERRED")

    refused(
        Trainer, "trainer_of_a_held_course_is_kept", lambda: (Trainer.objects.filter(pk=trainer.pk).delete(), commit())
    )
    held.trainers.remove(other)  # taken off a course (a correction): the trainer stays
    commit()
    Trainer.objects.filter(pk=other.pk).delete()  # who now taught no held course
    commit()
    assert list(held.trainers.all()) == [trainer]
    assert not planned.trainers.exists()
