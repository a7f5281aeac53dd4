"""A known month for the report tests: March 2026 in Odense, counted by hand.

Edge cases: a course at 23:30 on the last day (Copenhagen time), a course at 00:30
on the first of the next month (still March in UTC), a cancelled course with an
entry, a withdrawn entry, a pending public report, a handout of 3 kits, a handout partly put back in
the next month, a handout withdrawn in full, a delivery after the month, and Aarhus
figures that Odense must never see.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from courses.models import Course
from kits.models import StockMovement
from redliv.models import Audience
from reports.figures import Month
from tests import factories
from tests.reversal_helpers import make_report

CPH = ZoneInfo("Europe/Copenhagen")
MARCH = Month(2026, 3)


def at(year, month, day, hour=14, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=CPH)


def course(venue, when, trainers=(), **fields):
    made = factories.make_course(venue, starts_at=when, **fields)
    made.trainers.set(trainers)
    return made


def attend(made, user, **counts):
    fields = {"people_who_use_drugs": 0, **counts}
    total = sum(
        fields[name]
        for name in ["people_who_use_drugs", "relatives_network", "professionals", "residents", "students", "other"]
        if name in fields
    )
    fields.setdefault("refresher", 0)
    fields["first_time"] = total - fields["refresher"]
    return factories.make_attendance(made, user, **fields)


def report(district, when, user=None, **fields):
    """A verified report: a staff report when a user made it, else a public one."""
    made_by = {"source": "staff", "reported_by": user} if user else {"source": "public"}
    return make_report(district, **{"occurred_at": when, "review_status": "verified", **made_by, **fields})


def put_back(handout, user, when, quantity=1):
    return StockMovement.objects.create(
        kind=StockMovement.Kind.ADJUSTMENT,
        batch=handout.batch,
        to_location=handout.from_location,
        quantity=quantity,
        reason="Registreret forkert",
        corrects=handout,
        recorded_by=user,
        occurred_at=when,
    )


def approve_march(client, coordinator):
    """March approved by its coordinator on the month page (the approval keeps its figures); `client` logged in."""
    client.force_login(coordinator)
    assert client.post("/personale/maaned/godkend/", {"month": "2026-03"}).status_code == 302
    return client


def correct_march_course(coordinator, counts, refresher, reason="Papirskema talt igen", kits=None):
    """The course of 10 March corrected by its coordinator, with a reason (after March was approved);
    its kits as they are unless `kits` says otherwise."""
    from courses.models import Attendance
    from courses.services import correct_held_course, kits_handed_out

    attendance = Attendance.objects.get(course__starts_at=at(2026, 3, 10))
    course = attendance.course
    correct_held_course(
        user=coordinator,
        attendance=attendance,
        venue=course.venue,
        starts_at=course.starts_at,
        counts=counts,
        refresher=refresher,
        kits=kits_handed_out(course) if kits is None else kits,
        note="",
        reason=reason,
    )


def build(coordinator, red_liv, venue, aarhus_org):
    """Return the named rows the tests refer to."""
    stand = factories.make_venue(red_liv, name="Stand på Rådhuspladsen", kind="street_stand")
    anna = factories.make_trainer(red_liv, name="Anna Træner")
    bent = factories.make_trainer(red_liv, name="Bent Træner")

    # March 2026.
    c1 = course(venue, at(2026, 3, 10), [anna])
    attend(c1, coordinator, people_who_use_drugs=6, professionals=2, refresher=3)
    c2 = course(stand, at(2026, 3, 31, 23, 30), [anna, bent], format="pop_up")
    attend(c2, coordinator, people_who_use_drugs=3, residents=1)
    cancelled = course(venue, at(2026, 3, 15), [anna], status=Course.Status.CANCELLED, cancellation_reason="Sygdom")
    attend(cancelled, coordinator, people_who_use_drugs=9)
    withdrawn = course(stand, at(2026, 3, 20), [bent])
    attendance = attend(withdrawn, coordinator, people_who_use_drugs=7)
    attendance.withdrawn_at = at(2026, 3, 21)
    attendance.save()
    course(venue, at(2026, 3, 25), [anna])  # planned, nothing logged
    april = course(venue, at(2026, 4, 1, 0, 30), [anna], format="scheduled")
    attend(april, coordinator, people_who_use_drugs=2)
    # Earlier months.
    attend(course(venue, at(2026, 2, 10), [anna]), coordinator, students=5)
    attend(
        course(
            None,
            at(2025, 3, 5),
            format="online",
            joining_url="https://meet.example.dk/redliv",
            municipality=venue.municipality,
        ),
        coordinator,
        relatives_network=3,
        refresher=2,
    )
    attend(course(venue, at(2026, 1, 15)), coordinator, people_who_use_drugs=10)
    attend(course(venue, at(2025, 6, 1)), coordinator, people_who_use_drugs=20, refresher=5)

    # Kits.
    bag = factories.make_location(red_liv, name="Gadeteamets taske")
    far = factories.make_batch(expiry_date=dt.date(2028, 1, 1), received_on=dt.date(2026, 1, 2))
    soon = factories.make_batch(expiry_date=dt.date(2026, 5, 15), received_on=dt.date(2026, 1, 2))
    factories.receive(far, bag, 100, coordinator, occurred_at=at(2026, 1, 5))
    factories.receive(soon, bag, 20, coordinator, occurred_at=at(2026, 1, 5))
    factories.hand_out(far, bag, 3, coordinator, occurred_at=at(2026, 3, 12))
    factories.hand_out(
        far,
        bag,
        1,
        coordinator,
        occurred_at=at(2026, 3, 20),
        handout_reason="replaces_used",
        recipient_audience=Audience.PROFESSIONALS,
    )
    factories.hand_out(soon, bag, 2, coordinator, occurred_at=at(2026, 3, 10), recipient_audience=None, course=c1)
    factories.hand_out(far, bag, 4, coordinator, occurred_at=at(2026, 2, 14), handout_reason="lost")
    # Five kits, two of them put back on 2 April: the handout counts 3 in March (corrections are
    # dated by the handout), while the two kits are back in stock only from April.
    partly = factories.hand_out(far, bag, 5, coordinator, occurred_at=at(2026, 3, 22))
    for _ in range(2):
        put_back(partly, coordinator, at(2026, 4, 2))
    # Withdrawn in full the next day: counts nowhere, and the kits are back in March's stock.
    put_back(
        factories.hand_out(
            soon, bag, 2, coordinator, occurred_at=at(2026, 3, 25), recipient_audience=Audience.PROFESSIONALS
        ),
        coordinator,
        at(2026, 3, 26),
        2,
    )
    # A delivery after the month is not in March's stock.
    factories.receive(far, bag, 50, coordinator, occurred_at=at(2026, 4, 3))

    # Reversal reports.
    centrum = factories.make_district(venue.municipality, name="Centrum")
    report(centrum, at(2026, 3, 5), coordinator)
    report(centrum, at(2026, 3, 18), outcome="hospital", ambulance_arrived=False)
    report(centrum, at(2026, 3, 19), review_status="pending")

    # Aarhus, in the same month.
    aarhus_venue = factories.make_venue(aarhus_org, name="Aarhus Værested", postcode="8000")
    attend(course(aarhus_venue, at(2026, 3, 12)), coordinator, people_who_use_drugs=50)
    aarhus_bag = factories.make_location(aarhus_org, name="Aarhus taske")
    aarhus_batch = factories.make_batch(expiry_date=dt.date(2028, 1, 1), received_on=dt.date(2026, 1, 2))
    factories.receive(aarhus_batch, aarhus_bag, 10, coordinator, occurred_at=at(2026, 1, 5))
    factories.hand_out(aarhus_batch, aarhus_bag, 7, coordinator, occurred_at=at(2026, 3, 12))
    report(factories.make_district(aarhus_org.municipality, name="Midtbyen"), at(2026, 3, 7), coordinator)
    return {"stand": stand, "anna": anna, "bent": bent}


# The hand count for Odense, March 2026 (this month, February 2026, March 2025), English labels.
EXPECTED = {
    "summary": {
        "Courses held": [2, 1, 1],
        "Participants": [12, 5, 3],
        "People trained (first time)": [9, 5, 1],
        "Kits handed out": [9, 4, 0],
        "Overdose-reversal reports": [2, 0, 0],
    },
    "courses_by_format": {
        "Drop-in": [1, 1, 0],
        "Pop-up": [1, 0, 0],
        "Online": [0, 0, 1],
        "By appointment": [0, 0, 0],
        "On-site at a partner": [0, 0, 0],
        "Total": [2, 1, 1],
    },
    "courses_by_venue": {
        "Antidote Danmark, Odense": [1, 1, 0],
        "Stand på Rådhuspladsen": [1, 0, 0],
        "Online (no venue)": [0, 0, 1],
        "Total": [2, 1, 1],
    },
    "participants_by_audience": {
        "People who use drugs": [9, 0, 0],
        "Relatives, friends and network": [0, 0, 3],
        "Professionals": [2, 0, 0],
        "Residents": [1, 0, 0],
        "Students": [0, 5, 0],
        "Other": [0, 0, 0],
        "Total": [12, 5, 3],
    },
    "first_time": {"First time": [9, 5, 1], "Refresher": [3, 0, 2], "Total": [12, 5, 3]},
    "trained": {
        "So far this year": [24, 15, 1],
        "Since the start": [40, 31, 1],
        "Participants since the start: People who use drugs": [39, 30, 0],
        "Target": [350, 350, 350],
        "Share of the target reached": [39 / 350, 30 / 350, 0.0],
    },
    "kits_by_reason": {
        "First supply": [8, 0, 0],
        "Replaces a used kit": [1, 0, 0],
        "Replaces an expired kit": [0, 0, 0],
        "Lost, stolen or confiscated": [0, 4, 0],
        "Damaged": [0, 0, 0],
        "Total": [9, 4, 0],
        # Repeat supplies are all but first supplies: March 1 (replaces a used kit), February 4 (lost).
        "Repeat supplies (all but first supplies)": [1, 4, 0],
        "Share of repeat supplies: Replaces a used kit": [1.0, 0.0, None],
        "Share of repeat supplies: Replaces an expired kit": [0.0, 0.0, None],
        "Share of repeat supplies: Lost, stolen or confiscated": [0.0, 1.0, None],
        "Share of repeat supplies: Damaged": [0.0, 0.0, None],
    },
    "kits_by_audience": {
        "People who use drugs": [6, 4, 0],
        "Relatives, friends and network": [0, 0, 0],
        "Professionals": [1, 0, 0],
        "Residents": [0, 0, 0],
        "Students": [0, 0, 0],
        "Other": [0, 0, 0],
        "At a course (no group given)": [2, 0, 0],
        "Total": [9, 4, 0],
    },
    "stock": {
        "On hand": [105, 116, 0],
        "Of which expire within 90 days": [18, 20, 0],
        "Of which have expired": [0, 0, 0],
    },
    "reports_by_outcome": {
        "Recovered on the spot": [1, 0, 0],
        "Taken to hospital": [1, 0, 0],
        "Died": [0, 0, 0],
        "Unknown": [0, 0, 0],
        "Total": [2, 0, 0],
        "Reports where 112 was called": [2, 0, 0],
        "Share where 112 was called": [1.0, None, None],
        "Reports where an ambulance came": [1, 0, 0],
        "Share where an ambulance came": [0.5, None, None],
        # Both reports name a responder who had taken a course (the pending one does not count).
        "Reports whose responder had taken a course": [2, 0, 0],
        "Share whose responder had taken a course": [1.0, None, None],
    },
    "activity": {
        "Trainers active": [2, 1, 0],
        "Courses planned (not cancelled)": [4, 1, 1],
        "Courses held": [2, 1, 1],
    },
    "venues_not_logged": {"Antidote Danmark, Odense": [1], "Stand på Rådhuspladsen": [1]},
    "trainers_not_logged": {"Anna Træner": [1], "Bent Træner": [1]},
    # April 2025 … March 2026.
    "trend": {
        "Courses held": [0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 2],
        "Participants": [0, 0, 20, 0, 0, 0, 0, 0, 0, 10, 5, 12],
        "Kits handed out": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 9],
    },
}


def publish(user, municipalities, first: Month, last: Month):
    """Every month from `first` to `last` approved for the first time by each municipality, as its
    coordinator does at the month's end: the public statistics show the months as approved
    (reports.publication, whose first versions these are; the database checks each against its approval).

    The approvals keep no figures of the month page (the tests that need them approve through the page),
    and all the months are counted, and stored, at once."""
    from redliv.models import MonthClosing
    from reports import disclosure
    from reports.approval import kept_settings
    from reports.figures import municipality_cells
    from reports.models import PublishedMonth

    months = [first.shift(i) for i in range((last.year - first.year) * 12 + last.month - first.month + 1)]
    counts = municipality_cells(months)
    approvals = MonthClosing.objects.bulk_create(
        MonthClosing(
            municipality=municipality,
            month=month.first_day,
            action=MonthClosing.Action.APPROVED,
            by=user,
            municipality_name=municipality.name,
            by_name=user.username,
            **kept_settings(municipality, month),  # what the approval keeps of the target and the population
        )
        for municipality in municipalities
        for month in months
    )
    versions = []
    for approval in approvals:
        month_counts = counts.get((approval.municipality_id, Month.of(approval.month)), {})
        versions.append(
            PublishedMonth(
                municipality_id=approval.municipality_id,
                month=approval.month,
                version=1,
                approval=approval,
                counts=month_counts,
                cells=disclosure.protect(month_counts),
            )
        )
    PublishedMonth.objects.bulk_create(versions)
