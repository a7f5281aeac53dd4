"""An Odense demo: the organisations and venues from the sources, fictional staff,
a year of held courses with attendance, handouts, stock and reversal reports, and
upcoming courses and standing drop-in hours.

Dates are relative to today, so the demo always has a past year and a future.
The demo obeys the rules people do: what a page writes, the seed writes through that
page's form and service (venues, courses, drop-in hours and trainers through the
coordinator's forms and `courses.services_planning`; attendance, stock and reports through
`courses.services`, `kits.services` and `reversals.services`; course requests through
the public form). Rows only the admin writes (municipalities, organisations, stock
locations) are checked as the admin's form checks them (`full_clean`). The
database trigger keeps the stock, and the seed asks it what is on hand.
Running it again changes nothing: the whole seed is one transaction, and it is
skipped when the demo organisation already exists. Refuses to run with DEBUG off.
"""

import datetime as dt
import os
import random
import secrets
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from courses import services as course_services
from courses import services_planning as planning
from courses.forms import (
    CertificationFormSet,
    CourseForm,
    DropInExceptionForm,
    DropInScheduleForm,
    TrainerForm,
    VenueForm,
)
from courses.models import (
    Attendance,
    Certification,
    Course,
    CourseFormat,
    CourseRequest,
    DropInSchedule,
    Trainer,
    Venue,
)
from finder.forms import CourseRequestForm
from kits import services as kit_services
from kits.models import HandoutReason, KitType, StockLevel, StockLocation
from redliv import roles
from redliv.models import Audience, District, Municipality, Organisation, User
from redliv.months import Month
from reports import publication
from reports.figures import municipality_cells
from reports.models import Population
from reversals import services as reversal_services
from reversals.models import ReversalReport, Substance

DEMO_ORGANISATION = "Odense Kommune – RED LIV"
MUNICIPALITIES = [("Odense", 461), ("Svendborg", 479), ("Aarhus", 751), ("København", 101)]
# Residents on 1 January, for kits per 100,000 residents. APPROXIMATE: Danmarks Statistik, table FOLK1A
# (statbank.dk/FOLK1A, 1 January 2025 and 2026), rounded to the nearest 500 and typed in by hand for the
# demo, not fetched from the table; no package on PyPI carries them. A real installation enters the exact
# figures in the admin ("indbyggertal").
POPULATIONS = [
    ("Odense", 2025, 209_000),
    ("Odense", 2026, 210_500),
    ("Svendborg", 2026, 59_000),
    ("Aarhus", 2026, 370_000),
    ("København", 2026, 667_000),
]
ODENSE_DISTRICTS = [
    ("Centrum", "5000"),
    ("Vollsmose", "5240"),
    ("Bolbro", "5200"),
    ("Tarup", "5210"),
    ("Dalum", "5250"),
    ("Hjallese", "5260"),
]
ORGANISATIONS = [
    (DEMO_ORGANISATION, Organisation.Kind.MUNICIPALITY),
    ("Antidote Danmark", Organisation.Kind.NGO),
    ("Kirkens Korshær Odense", Organisation.Kind.NGO),
    ("Fyns Politi", Organisation.Kind.POLICE),
    ("Socialsygeplejerskerne, Odense", Organisation.Kind.TREATMENT),
    ("Heroinklinikken Odense", Organisation.Kind.TREATMENT),
    ("Behandlingscenter Odense", Organisation.Kind.TREATMENT),
]
# Demo addresses and coordinates are fictional approximations, not the real premises.
VENUES = [
    # name, organisation, kind, address, postcode, district, lat, lon, open to the public, accessibility
    (
        "Antidote Danmark, Odense",
        "Antidote Danmark",
        Venue.Kind.PREMISES,
        "Nørregade 12",
        "5000",
        "Centrum",
        "55.398600",
        "10.388900",
        True,
        "Trinfri indgang. Handicaptoilet.",
    ),
    (
        "Heroinklinikken Odense",
        "Heroinklinikken Odense",
        Venue.Kind.CLINIC,
        "Klostervej 28",
        "5000",
        "Centrum",
        "55.402100",
        "10.381300",
        True,
        "Elevator til 1. sal.",
    ),
    (
        "Behandlingscenter Odense",
        "Behandlingscenter Odense",
        Venue.Kind.TREATMENT_CENTRE,
        "Rugårdsvej 46",
        "5000",
        "Bolbro",
        "55.401700",
        "10.366200",
        True,
        "Trinfri indgang.",
    ),
    (
        "Opholdsstedet Bolbro",
        DEMO_ORGANISATION,
        Venue.Kind.SHELTER,
        "Middelfartvej 77",
        "5200",
        "Bolbro",
        "55.397000",
        "10.352000",
        False,
        "",
    ),
    (
        "Stand på Rådhuspladsen",
        DEMO_ORGANISATION,
        Venue.Kind.STREET_STAND,
        "Flakhaven",
        "5000",
        "Centrum",
        "55.395900",
        "10.388500",
        True,
        "Udendørs, på pladsen. Ingen toiletter.",
    ),
    (
        "Kirkens Korshær, Nattevarmestuen",
        "Kirkens Korshær Odense",
        Venue.Kind.PREMISES,
        "Vindegade 100",
        "5000",
        "Centrum",
        "55.393200",
        "10.383600",
        True,
        "To trin ved indgangen; rampe kan lægges ud.",
    ),
]
STOCK_LOCATIONS = [
    # attribute, name, venue (or a bag of the organisation), organisation, min and max months of stock, for return
    ("office", "Antidote Danmark, kontoret", "Antidote Danmark, Odense", None, "1", "3", False),
    # The bag is refilled often from the office: a short minimum and maximum.
    ("bag", "Gadeteamets taske", None, DEMO_ORGANISATION, "0.5", "2", False),
    # Expired and recalled kits go here before the pharmacy takes them back; the street
    # bag's expired kits are shown apart on the stock page, with a one-step return.
    ("returns", "Returkassen til apoteket", None, DEMO_ORGANISATION, None, None, True),
    ("clinic", "Heroinklinikken, skabet", "Heroinklinikken Odense", None, "1", "4", False),
]
TRAINERS = [
    ("Mette Holm", DEMO_ORGANISATION, True),
    ("Jonas Friis", "Antidote Danmark", True),
    ("Sara Lund", "Antidote Danmark", False),
    ("Ali Yilmaz", "Socialsygeplejerskerne, Odense", False),
    ("Peter Krogh", "Kirkens Korshær Odense", True),
]
DEMO_USERS = [
    ("demo-gade", roles.STREET_WORKER, DEMO_ORGANISATION, "Gade", "Demo"),
    ("demo-traener", roles.TRAINER, "Antidote Danmark", "Jonas", "Friis"),
    ("demo-koordinator", roles.COORDINATOR, DEMO_ORGANISATION, "Koordinator", "Demo"),
    ("demo-admin", roles.ADMINISTRATOR, DEMO_ORGANISATION, "Admin", "Demo"),
]


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """That wall-clock time in the registry's time zone (settings.TIME_ZONE), where "today" is taken too."""
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute))


DEMO_MONTHS = 14  # whole months of history before this one
ONLINE_LINK = "https://møde.example.org/redliv"


def accepted(form):
    """The form, once it has accepted its data as it would on its page; a refusal stops the seed."""
    if not form.is_valid():
        raise CommandError(f"The demo's {type(form).__name__} was refused: {form.errors}")
    return form


def admin_save(instance):
    """A row only the admin writes, checked as the admin's form checks it (`full_clean`), then saved."""
    instance.full_clean()
    instance.save()
    return instance


def formset_data(prefix, rows):
    """What a formset page posts for these rows (all new)."""
    data = {f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": 0}
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{field}": value for field, value in row.items()})
    return data


class Command(BaseCommand):
    help = "Load the Odense demo data (development only; running it twice changes nothing)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo only runs with DEBUG on: it must never touch a production database.")
        if Organisation.objects.filter(name=DEMO_ORGANISATION).exists():
            self.stdout.write("Demo data is already loaded; nothing changed.")
            return
        password = os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(12)
        with transaction.atomic():
            Seed(
                random.Random(461),  # noqa: S311 (seeded demo data, not a secret)
                timezone.localdate(),
            ).run(password)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        users = ", ".join(username for username, *_ in DEMO_USERS)
        if os.environ.get("DEMO_PASSWORD"):
            self.stdout.write(f"Demo users {users} have the password from DEMO_PASSWORD.")
        else:
            # Printed this once only; set DEMO_PASSWORD to choose it instead.
            self.stdout.write(f"Demo users {users} have the password: {password}")


class Seed:
    def __init__(self, rng: random.Random, today: dt.date):
        self.rng = rng
        self.today = today

    def run(self, password: str):
        municipalities = {name: admin_save(Municipality(name=name, code=code)) for name, code in MUNICIPALITIES}
        self.odense = municipalities["Odense"]
        self.districts = {
            name: admin_save(District(municipality=self.odense, name=name, postcodes=postcode))
            for name, postcode in ODENSE_DISTRICTS
        }
        for name, _code in MUNICIPALITIES[1:]:
            admin_save(District(municipality=municipalities[name], name="Centrum"))
        for name, year, residents in POPULATIONS:
            admin_save(
                Population(
                    municipality=municipalities[name],
                    year=year,
                    residents=residents,
                    source=f"Danmarks Statistik, FOLK1A, 1. januar {year} (afrundet til demoen)",
                )
            )
        self.organisations = {
            name: admin_save(Organisation(name=name, kind=kind, municipality=self.odense))
            for name, kind in ORGANISATIONS
        }
        self.users = self.make_users(password)
        self.venues = self.make_venues()
        self.trainers = self.make_trainers()
        self.make_stock()
        self.make_past_year()
        self.make_standalone_handouts()
        self.make_reversal_reports()
        self.make_upcoming()
        self.make_course_requests()
        self.approve_past_months()

    def approve_past_months(self):
        """Odense's months approved by its coordinator, all but the last full one (left to try on the month
        page): the public statistics show months as approved (reports.publication), the last one as –.

        The months are counted at once, and the approvals keep no month page figures (approving on the page does).
        """
        last_full = Month.of(self.today).shift(-1)
        months = [last_full.shift(offset) for offset in range(1 - DEMO_MONTHS, 0)]
        counts = municipality_cells(months, self.odense)
        for month in months:
            publication.approve_and_publish(
                self.coordinator, self.odense, month.first_day, counts=counts.get((self.odense.pk, month), {})
            )

    def make_users(self, password):
        users = {}
        hashed = make_password(password)  # one slow hash (a second or so) for the demo users, who share the password
        for username, role, organisation, first_name, last_name in DEMO_USERS:
            user = admin_save(
                User(
                    username=username,
                    password=hashed,
                    organisation=self.organisations[organisation],
                    first_name=first_name,
                    last_name=last_name,
                    is_staff=(role == roles.ADMINISTRATOR),
                )
            )
            user.groups.add(Group.objects.get(name=role))
            users[role] = user
        self.coordinator = users[roles.COORDINATOR]
        return users

    def make_venues(self):
        """The venues, as the coordinator adds them on the venue form (`planning.save_venue`)."""
        venues = {}
        for name, organisation, kind, address, postcode, district, lat, lon, public, access in VENUES:
            data = {
                "name": name,
                "organisation": self.organisations[organisation].pk,
                "kind": kind,
                "address": address,
                "postcode": postcode,
                "city": "Odense",
                "district": self.districts[district].pk,
                "latitude": lat,
                "longitude": lon,
                "open_to_public": public,
                "accessibility_notes": access,
                "active": True,
            }
            venues[name], _saved = planning.save_venue(accepted(VenueForm(data, user=self.coordinator)))
        return venues

    def make_trainers(self):
        """The trainers and their certifications, as the coordinator adds them on the trainer form."""
        trainers = []
        for index, (name, organisation, public) in enumerate(TRAINERS):
            issued = self.today - dt.timedelta(days=300 + 90 * index)
            # One certification runs out within 60 days, so the start page has something to show.
            expires = self.today + dt.timedelta(days=40 if index == 2 else 400 + 60 * index)
            certifications = [{"kind": Certification.Kind.REDLIV_TRAINER, "issued_on": issued, "expires_on": expires}]
            if index % 2 == 0:
                certifications.append(
                    {
                        "kind": Certification.Kind.FIRST_AID_INSTRUCTOR,
                        "issued_on": issued,
                        "expires_on": issued + dt.timedelta(days=730),
                    }
                )
            data = {
                "name": name,
                "organisation": self.organisations[organisation].pk,
                "contact": f"{name.split()[0].lower()}@example.org",
                "active": True,
                "show_name_publicly": public,
                **formset_data("cert", certifications),
            }
            trainer = Trainer()
            trainer, _saved = planning.save_trainer(
                accepted(TrainerForm(data, instance=trainer, user=self.coordinator)),
                accepted(CertificationFormSet(data, instance=trainer, prefix="cert")),
            )
            if name == "Jonas Friis":  # the demo trainer's own profile: the admin links a user to a trainer
                trainer.user = self.users[roles.TRAINER]
                admin_save(trainer)
            trainers.append(trainer)
        return trainers

    def plan_course(self, *, trainers, **fields):
        """A course as the coordinator plans it on the course form (`planning.save_course`)."""
        data = {
            "kind": Course.Kind.PARTICIPANT,
            "joining_url": ONLINE_LINK if fields.get("venue") is None else "",
            "languages": ["da"],
            "published": False,
            **fields,
            "trainers": [trainer.pk for trainer in trainers],
        }
        if data.get("venue") is not None:
            data["venue"] = data["venue"].pk
        course, _saved = planning.save_course(accepted(CourseForm(data, user=self.coordinator)), self.coordinator)
        return course

    def available(self, location, batch):
        """What the ledger's trigger says is on hand."""
        return StockLevel.objects.filter(location=location, batch=batch).values_list("quantity", flat=True).first() or 0

    def make_stock(self):
        kit = admin_save(
            KitType(
                name="Naloxon-kit",
                contents="Naloxon næsespray 1,8 mg (2 doser), handsker, ventilationsmaske, kort vejledning",
            )
        )
        locations = {}
        for attribute, name, venue, organisation, min_months, max_months, for_return in STOCK_LOCATIONS:
            venue = self.venues.get(venue)
            fields = {"min_months": Decimal(min_months), "max_months": Decimal(max_months)} if min_months else {}
            locations[attribute] = admin_save(
                StockLocation(
                    name=name,
                    kind=StockLocation.Kind.VENUE if venue else StockLocation.Kind.BAG,
                    municipality=self.odense,
                    organisation=venue.organisation if venue else self.organisations[organisation],
                    venue=venue,
                    for_return=for_return,
                    **fields,
                )
            )
        self.office, self.bag, self.returns, self.clinic = (
            locations[name] for name in ["office", "bag", "returns", "clinic"]
        )
        coordinator = self.coordinator
        batches = []
        for lot_number, received_days_ago, expires_in_days, quantity in [
            ("NX2301", 480, -20, 420),
            ("NX2408", 185, 60, 400),
            ("NX2511", 30, 730, 300),
        ]:
            received_on = self.today - dt.timedelta(days=received_days_ago)
            delivery, _created = kit_services.register_delivery(
                user=coordinator,
                location=self.office,
                kit_type=kit,
                product="Nyxoid 1,8 mg næsespray",
                lot_number=lot_number,
                expiry_date=self.today + dt.timedelta(days=expires_in_days),
                on_date=received_on,
                quantity=quantity,
                registered_on=received_on,  # registered on the day it came, long before it expired
            )
            kit_services.transfer_kits(
                user=coordinator,
                from_location=self.office,
                to_location=self.bag,
                quantity=quantity // 2,
                batch=delivery.batch,
                on_date=received_on + dt.timedelta(days=1),
            )
            batches.append(delivery.batch)
        self.batch_old, self.batch_current, self.batch_new = batches
        kit_services.transfer_kits(
            user=coordinator,
            from_location=self.office,
            to_location=self.clinic,
            quantity=25,
            batch=self.batch_new,
            on_date=self.batch_new.received_on,
        )

    def batch_on(self, day: dt.date):
        if day <= self.batch_current.received_on + dt.timedelta(days=1):
            return self.batch_old
        return self.batch_current

    def make_past_year(self):
        """Two or three courses a week since the start of the month 14 months back, most held and logged, a few not.

        Fourteen whole months and this one: the month page compares the last full month with the
        same month last year, and the public statistics show twelve months, none of them empty.
        """
        rng = self.rng
        drop_in_venues = [self.venues["Antidote Danmark, Odense"], self.venues["Heroinklinikken Odense"]]
        day = Month.of(self.today).shift(-DEMO_MONTHS).first_day
        while day < self.today:
            plans = []
            if day.weekday() == 1:
                plans.append((CourseFormat.DROP_IN, drop_in_venues[0], 13))
            if day.weekday() == 3:
                plans.append((CourseFormat.DROP_IN, drop_in_venues[1], 10))
            if day.weekday() == 4 and rng.random() < 0.5:
                plans.append((CourseFormat.POP_UP, self.venues["Stand på Rådhuspladsen"], 12))
            if day.day == 15:
                plans.append((CourseFormat.ON_SITE, self.venues["Opholdsstedet Bolbro"], 14))
            if day.day == 5:
                plans.append((CourseFormat.ONLINE, None, 19))
            for course_format, venue, hour in plans:
                self.make_past_course(day, course_format, venue, hour)
            day += dt.timedelta(days=1)

    def make_past_course(self, day, course_format, venue, hour):
        rng = self.rng
        roll = rng.random()
        audiences = [Audience.PEOPLE_WHO_USE_DRUGS]
        if course_format in (CourseFormat.ON_SITE, CourseFormat.ONLINE):
            audiences = [Audience.PROFESSIONALS, Audience.RESIDENTS]
        course = self.plan_course(
            format=course_format,
            venue=venue,
            starts_at=local(day, hour),
            ends_at=local(day, hour + 2),
            audiences=audiences,
            published=course_format != CourseFormat.ON_SITE,
            trainers=rng.sample(self.trainers, 2 if course_format == CourseFormat.POP_UP else 1),
        )
        if roll < 0.04:
            planning.cancel_course(course, "Træneren var syg")
            return
        if roll > 0.97:  # a few past courses are never logged: the "planned but nothing logged" case
            return
        counts = {field: 0 for field in Attendance.AUDIENCE_FIELDS.values()}
        if course_format in (CourseFormat.ON_SITE, CourseFormat.ONLINE):
            counts["professionals"] = rng.randint(3, 10)
            counts["residents"] = rng.randint(0, 6)
        else:
            counts["people_who_use_drugs"] = rng.randint(2, 9)
            counts["relatives_network"] = rng.randint(0, 2)
            counts["other"] = rng.randint(0, 1)
        total = sum(counts.values())
        refresher = rng.randint(0, total // 3)
        logger = self.users[roles.STREET_WORKER if course_format == CourseFormat.POP_UP else roles.TRAINER]
        location = self.bag if course_format == CourseFormat.POP_UP else self.office
        batch = self.batch_on(day)
        kits = 0 if course_format == CourseFormat.ONLINE else min(total - refresher, self.available(location, batch))
        attendance, _created = course_services.log_held_course(
            user=logger,
            venue=venue,
            course=course,
            course_format=course_format,
            starts_at=course.starts_at,
            counts=counts,
            refresher=refresher,
            kits=kits,
            location=location if kits else None,
            batch=batch if kits else None,
        )
        # Logged a quarter of an hour after the course, not when the seed runs.
        Attendance.objects.filter(pk=attendance.pk).update(logged_at=course.ends_at + dt.timedelta(minutes=15))

    def make_standalone_handouts(self):
        rng = self.rng
        reasons = [
            HandoutReason.REPLACES_USED,
            HandoutReason.REPLACES_EXPIRED,
            HandoutReason.LOST,
            HandoutReason.DAMAGED,
        ]
        for days_ago in range((self.today - Month.of(self.today).shift(-DEMO_MONTHS).first_day).days, 0, -9):
            day = self.today - dt.timedelta(days=days_ago)
            batch = self.batch_on(day)
            if self.available(self.bag, batch) < 2:
                continue
            kit_services.record_handout(
                user=self.users[roles.STREET_WORKER],
                location=self.bag,
                quantity=rng.choice([1, 1, 1, 2]),
                reason=rng.choice(reasons),
                audience=rng.choice(
                    [Audience.PEOPLE_WHO_USE_DRUGS, Audience.PEOPLE_WHO_USE_DRUGS, Audience.RELATIVES_NETWORK]
                ),
                batch=batch,
                occurred_at=local(day, 15, 30),
            )
        # Damaged kits discarded, and a count that found one kit fewer than the ledger.
        coordinator = self.users[roles.COORDINATOR]
        kit_services.discard_kits(
            user=coordinator,
            location=self.office,
            batch=self.batch_new,
            quantity=2,
            reason="Knust i transporten",
            on_date=self.today - dt.timedelta(days=10),
        )
        kit_services.adjust_after_count(
            user=coordinator,
            location=self.bag,
            batch=self.batch_new,
            counted=self.available(self.bag, self.batch_new) - 1,
            reason="Optælling: ét kit for lidt",
        )

    def make_reversal_reports(self):
        rng = self.rng
        outcomes = (
            [ReversalReport.Outcome.RECOVERED] * 6
            + [ReversalReport.Outcome.HOSPITAL] * 3
            + [ReversalReport.Outcome.UNKNOWN, ReversalReport.Outcome.DIED]
        )
        districts = list(self.districts.values())
        for index, days_ago in enumerate(range(350, 0, -14)):  # reports are taken up to a year back
            day = self.today - dt.timedelta(days=days_ago)
            public = index % 3 == 2
            called = rng.random() < 0.8
            status = ReversalReport.ReviewStatus.VERIFIED
            reason = ""
            if public and days_ago < 30:
                status = ReversalReport.ReviewStatus.PENDING
            elif public and index % 7 == 0:
                status, reason = ReversalReport.ReviewStatus.REJECTED, "Dublet af en rapport fra personalet"
            batch = self.batch_on(day)
            # Half the staff reports: the responder got a new kit from the bag the next day.
            replaced = not public and index % 2 == 0 and self.available(self.bag, batch) > 0
            report, _created = reversal_services.create_reversal_report(
                user=None if public else self.users[roles.STREET_WORKER],
                occurred_at=local(day, rng.randint(0, 23), rng.choice([0, 15, 30, 45])),
                district=rng.choice(districts),
                substances=rng.choice(
                    [
                        [Substance.HEROIN],
                        [Substance.METHADONE],
                        [Substance.HEROIN, Substance.FENTANYL],
                        [Substance.UNKNOWN],
                    ]
                ),
                naloxone_doses=rng.choice([1, 1, 2, 2, 3]),
                called_112=called,
                ambulance_arrived=called and rng.random() < 0.9,
                first_aid_given=rng.random() < 0.85,
                stayed_until_help=rng.random() < 0.9,
                outcome=rng.choice(outcomes),
                responder_trained=ReversalReport.Trained.YES if rng.random() < 0.8 else ReversalReport.Trained.UNKNOWN,
                kit_replaced=replaced,
            )
            if replaced:
                kit_services.record_handout(
                    user=self.users[roles.STREET_WORKER],
                    location=self.bag,
                    quantity=1,
                    reason=HandoutReason.REPLACES_USED,
                    audience=Audience.PEOPLE_WHO_USE_DRUGS,
                    batch=batch,
                    occurred_at=local(day + dt.timedelta(days=1), 12),
                )
            if public and status != ReversalReport.ReviewStatus.PENDING:
                reversal_services.review_report(
                    report=report,
                    user=self.users[roles.COORDINATOR],
                    verified=status == ReversalReport.ReviewStatus.VERIFIED,
                    reason=reason,
                )

    def make_upcoming(self):
        antidote = self.venues["Antidote Danmark, Odense"]
        clinic = self.venues["Heroinklinikken Odense"]
        tuesday = self.plan_drop_in(
            venue=antidote.pk,
            title="Drop-in hos Antidote Danmark",
            weekday=DropInSchedule.Weekday.TUESDAY,
            starts_at=dt.time(13),
            ends_at=dt.time(15),
            valid_from=self.today - dt.timedelta(days=365),
            audiences=[Audience.PEOPLE_WHO_USE_DRUGS, Audience.RELATIVES_NETWORK],
            languages=["da", "en"],
            public_description="Kom forbi – ingen tilmelding. Kurset tager en time.",
        )
        self.plan_drop_in(
            venue=clinic.pk,
            title="Drop-in på Heroinklinikken",
            weekday=DropInSchedule.Weekday.THURSDAY,
            starts_at=dt.time(10),
            ends_at=dt.time(12),
            valid_from=self.today - dt.timedelta(days=365),
            valid_until=self.today + dt.timedelta(days=180),
            audiences=[Audience.PEOPLE_WHO_USE_DRUGS],
            languages=["da"],
            public_description="For klinikkens brugere og deres netværk.",
        )
        next_tuesday = self.today + dt.timedelta(days=(1 - self.today.weekday()) % 7 or 7)
        closed = {"date": next_tuesday + dt.timedelta(days=14), "reason": "Lukket: personaledag"}
        planning.close_dropin_on(accepted(DropInExceptionForm(closed, schedule=tuesday)), tuesday)
        upcoming = [
            (CourseFormat.POP_UP, self.venues["Stand på Rådhuspladsen"], 5, 12, [Audience.PEOPLE_WHO_USE_DRUGS]),
            (
                CourseFormat.POP_UP,
                self.venues["Kirkens Korshær, Nattevarmestuen"],
                12,
                20,
                [Audience.PEOPLE_WHO_USE_DRUGS],
            ),
            (CourseFormat.ONLINE, None, 9, 19, [Audience.RELATIVES_NETWORK, Audience.PROFESSIONALS]),
            (CourseFormat.SCHEDULED, self.venues["Behandlingscenter Odense"], 16, 9, [Audience.PROFESSIONALS]),
            (CourseFormat.ON_SITE, self.venues["Opholdsstedet Bolbro"], 20, 14, [Audience.RESIDENTS]),
        ]
        for course_format, venue, days_ahead, hour, audiences in upcoming:
            day = self.today + dt.timedelta(days=days_ahead)
            self.plan_course(
                format=course_format,
                venue=venue,
                starts_at=local(day, hour),
                ends_at=local(day, hour + 2),
                audiences=audiences,
                languages=["da", "en"] if course_format == CourseFormat.ONLINE else ["da"],
                capacity=20 if course_format == CourseFormat.SCHEDULED else None,
                published=venue is None or venue.open_to_public,
                public_description="Gratis kursus i førstehjælp og naloxon. Du får et gratis naloxon-kit med hjem.",
                trainers=self.trainers[:2],
            )
        self.plan_course(
            kind=Course.Kind.NETWORK_MEETING,
            format=CourseFormat.SCHEDULED,
            venue=antidote,
            title="Netværksmøde for frivillige",
            starts_at=local(self.today + dt.timedelta(days=8), 16),
            ends_at=local(self.today + dt.timedelta(days=8), 18),
            languages=[],
            trainers=[],
        )

    def plan_drop_in(self, **data):
        """Standing drop-in hours as the coordinator plans them on the drop-in form (`planning.save_dropin`)."""
        form = DropInScheduleForm({"published": True, **data}, user=self.coordinator)
        schedule, _saved = planning.save_dropin(accepted(form), self.coordinator)
        return schedule

    def make_course_requests(self):
        """Two requests sent on the public form; the coordinator has taken the second."""
        for data in [
            {
                "organisation_name": "Botilbuddet Åløkken",
                "contact_name": "Kontaktperson",
                "contact_email": "kontakt@example.org",
                "audience": Audience.PROFESSIONALS,
                "number_of_people": 12,
                "wishes": "Gerne en eftermiddag i næste måned.",
            },
            {
                "organisation_name": "SOSU-skolen Fyn",
                "contact_name": "Underviser",
                "contact_phone": "+45 00 00 00 00",
                "audience": Audience.STUDENTS,
                "number_of_people": 28,
            },
        ]:
            course_request = accepted(CourseRequestForm({"municipality": self.odense.pk, **data})).save()
        planning.handle_request(course_request, self.coordinator, CourseRequest.Status.IN_PROGRESS)
