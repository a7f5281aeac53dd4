"""Small plain factories: each makes one valid row, with keyword overrides."""

import datetime as dt
from itertools import count

from django.utils import timezone

from courses.models import Attendance, Course, CourseFormat, CourseRequest, DropInSchedule, Trainer, Venue
from kits.models import Batch, KitType, StockLocation, StockMovement
from redliv.models import Audience, District, Organisation

_sequence = count(1)


def unique(prefix: str) -> str:
    return f"{prefix} {next(_sequence)}"


def make_district(municipality, **fields):
    return District.objects.create(**{"municipality": municipality, "name": unique("Bydel"), **fields})


def make_venue(organisation, **fields):
    defaults = {
        "name": unique("Sted"),
        "organisation": organisation,
        "municipality": organisation.municipality,
        "kind": "premises",
        "address": "Vestergade 1",
        "postcode": "5000",
        "city": "Odense C",
        "latitude": "55.395000",
        "longitude": "10.385000",
    }
    return Venue.objects.create(**{**defaults, **fields})


def make_course(venue=None, **fields):
    starts_at = fields.pop("starts_at", timezone.now() + dt.timedelta(days=3))
    municipality = fields.pop("municipality", None) or venue.municipality
    defaults = {
        "municipality": municipality,
        "format": CourseFormat.DROP_IN,
        "venue": venue,
        "starts_at": starts_at,
        "ends_at": starts_at + dt.timedelta(hours=2),
        "audiences": [Audience.PEOPLE_WHO_USE_DRUGS],
        "languages": ["da"],
        "published": True,
    }
    return Course.objects.create(**{**defaults, **fields})


def make_drop_in(venue, **fields):
    """Standing drop-in hours at the venue: Thursdays 10-12 from today, unless told otherwise."""
    defaults = {
        "municipality": venue.municipality,
        "venue": venue,
        "weekday": 3,
        "starts_at": dt.time(10),
        "ends_at": dt.time(12),
        "valid_from": timezone.localdate(),
    }
    return DropInSchedule.objects.create(**{**defaults, **fields})


def make_trainer(organisation, **fields):
    return Trainer.objects.create(**{"name": unique("Træner"), "organisation": organisation, **fields})


def make_attendance(course, logged_by, **fields):
    defaults = {"course": course, "logged_by": logged_by, "people_who_use_drugs": 5, "first_time": 3, "refresher": 2}
    return Attendance.objects.create(**{**defaults, **fields})


def make_kit_type(**fields):
    return KitType.objects.get_or_create(
        name=fields.pop("name", "Naloxon-kit"),
        defaults={"contents": "Naloxon næsespray (2 doser), handsker, ventilationsmaske", **fields},
    )[0]


def make_batch(**fields):
    today = timezone.localdate()
    defaults = {
        "kit_type": make_kit_type(),
        "product": "Nyxoid 1,8 mg næsespray",
        "lot_number": unique("LOT"),
        "expiry_date": today + dt.timedelta(days=400),
        "received_on": today - dt.timedelta(days=10),
    }
    return Batch.objects.create(**{**defaults, **fields})


def make_location(organisation, **fields):
    defaults = {
        "name": unique("Lager"),
        "kind": StockLocation.Kind.BAG,
        "municipality": organisation.municipality,
        "organisation": organisation,
    }
    return StockLocation.objects.create(**{**defaults, **fields})


def receive(batch, location, quantity, user, **fields):
    return StockMovement.objects.create(
        kind=StockMovement.Kind.RECEIVE,
        batch=batch,
        to_location=location,
        quantity=quantity,
        occurred_at=fields.pop("occurred_at", timezone.now()),
        recorded_by=user,
        **fields,
    )


def hand_out(batch, location, quantity, user, **fields):
    defaults = {
        "handout_reason": "first_supply",
        "recipient_audience": Audience.PEOPLE_WHO_USE_DRUGS,
        "occurred_at": timezone.now(),
    }
    return StockMovement.objects.create(
        kind=StockMovement.Kind.HANDOUT,
        batch=batch,
        from_location=location,
        quantity=quantity,
        recorded_by=user,
        **{**defaults, **fields},
    )


def first_lot_nearly_empty(location, user):
    """Two lots at the location: the first to expire holds one kit, the next a hundred. Returns both."""
    today = timezone.localdate()
    first = make_batch(expiry_date=today + dt.timedelta(days=30))
    next_lot = make_batch(expiry_date=today + dt.timedelta(days=300))
    receive(first, location, 1, user)
    receive(next_lot, location, 100, user)
    return first, next_lot


def make_organisation(municipality, **fields):
    return Organisation.objects.create(
        **{"name": unique("Organisation"), "kind": Organisation.Kind.NGO, "municipality": municipality, **fields}
    )


def make_course_request(municipality, **fields):
    defaults = {
        "municipality": municipality,
        "organisation_name": "Botilbuddet Åløkken",
        "contact_name": "Kontakt",
        "contact_email": "kontakt@example.org",
        "audience": "professionals",
        "number_of_people": 12,
    }
    return CourseRequest.objects.create(**{**defaults, **fields})
