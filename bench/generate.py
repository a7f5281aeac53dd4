"""Fill the database with synthetic national data: 98 municipalities, ten years.

    python3 dev.py manage shell -c "from bench.generate import main; main()"   # or
    DATABASE_URL=… .venv/bin/python bench/generate.py [--scale 0.1] [--seed 2026]

Full scale (the default): about 200,000 courses with their attendance, 1,000,000
handouts, 50,000 reversal reports, and the receipts and transfers the handouts need.
Everything but the handful of users is made inside PostgreSQL with INSERT … SELECT
over generate_series, so nothing crosses the wire row by row. Reproducible: the
session's random generator is seeded with `setseed()`, parallel query is off (so
random() is called in one order), every random draw is materialised once in a temp
table, and idempotency keys are md5(seed, table, row number).

Stock, and why bypassing the trigger is sound. The ledger trigger
(`kits_stockmovement_apply`) keeps `kits_stocklevel` row by row and refuses a
movement that would take a level below zero. Firing it a million times would cost
minutes, so inside the generator's own transaction the trigger is disabled, the
ledger is loaded in bulk, the trigger is enabled again and `kits_stocklevel` is
rebuilt from the ledger with one INSERT … SELECT (receipts and transfers in, handouts
and transfers out). That gives the same rows the trigger would have kept, because
the trigger's level is by definition that sum. "Never negative" holds at every
point in time, not just at the end, by construction: each quarter has its own
batch, received into the municipality's cupboard and transferred to its team bag a
week before the quarter starts, in quantities computed from that quarter's handouts
(plus a margin); every handout of the quarter is from that batch. The generator then
checks it: a window function over the whole ledger finds the lowest running level
of every (location, batch) in time order, and the transaction is rolled back unless
it is ≥ 0 everywhere; the table's CHECK constraint checks the final levels too.
Another session sees nothing until the commit (ALTER TABLE takes an exclusive lock).

Rows made in bulk have no django-simple-history rows (history begins with the
first change made through the app).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

FULL = {"courses": 200_000, "handouts": 1_000_000, "reports": 50_000}
# The first municipalities are the big ones (the rest are numbered); Odense is the bench's home.
NAMED = [("København", 101), ("Aarhus", 751), ("Odense", 461), ("Aalborg", 851)]
DISTRICTS_PER_MUNICIPALITY = 3
TRAINERS_PER_MUNICIPALITY = 5
FUTURE_DAYS = 56  # courses are planned and published up to eight weeks ahead
PASSWORD = "bench-national-data"  # the generated users' password (a throwaway database)


def municipalities(count: int) -> list[tuple[str, int]]:
    named = NAMED[:count]
    used = {code for _name, code in named}
    codes = (code for code in range(150, 1000) if code not in used)
    return named + [(f"Kommune {code}", code) for code in [next(codes) for _ in range(count - len(named))]]


def setup_django():
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "redliv.settings")
    import django

    django.setup()


def _users(munis: list, out) -> None:
    """Per municipality a street worker and a coordinator (with an authenticator), one administrator."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from redliv import roles
    from redliv.models import Organisation, User

    password = make_password(PASSWORD)
    organisations = {
        org.municipality_id: org for org in Organisation.objects.filter(kind=Organisation.Kind.MUNICIPALITY)
    }
    users = []
    for municipality_id, code in munis:
        org = organisations[municipality_id]
        users.append(User(username=f"gade-{code}", password=password, organisation=org))
        users.append(User(username=f"koordinator-{code}", password=password, organisation=org))
    users.append(
        User(username="bench-admin", password=password, organisation=organisations[munis[0][0]], is_staff=True)
    )
    users = User.objects.bulk_create(users)
    groups = {
        name: Group.objects.get(name=name).pk for name in (roles.STREET_WORKER, roles.COORDINATOR, roles.ADMINISTRATOR)
    }
    through = User.groups.through
    links, devices = [], []
    for user in users:
        role = (
            roles.STREET_WORKER
            if user.username.startswith("gade-")
            else roles.COORDINATOR
            if user.username.startswith("koordinator-")
            else roles.ADMINISTRATOR
        )
        links.append(through(user_id=user.pk, group_id=groups[role]))
        if role != roles.STREET_WORKER:
            devices.append(
                TOTPDevice(user=user, name="app", confirmed=True, key=f"{user.pk:040x}")
            )  # deterministic; a throwaway database
    through.objects.bulk_create(links)
    TOTPDevice.objects.bulk_create(devices)


SQL_PLACES = """
INSERT INTO redliv_district (municipality_id, name, postcodes, updated_at)
SELECT m.id, 'Distrikt ' || d, (1000 + (m.code * 3 + d) %% 8999)::text, %(first_day)s::date + time '08:00'
FROM redliv_municipality m, generate_series(1, {districts}) d;

INSERT INTO redliv_organisation (municipality_id, name, kind, updated_at)
SELECT m.id, m.name || ' Kommune, RED LIV', 'municipality', %(first_day)s::date + time '08:00' FROM redliv_municipality m
UNION ALL SELECT m.id, 'Antidote Danmark, ' || m.name, 'ngo', %(first_day)s::date + time '08:00' FROM redliv_municipality m;

CREATE TEMP TABLE bench_centre AS
SELECT id AS municipality_id, 54.8 + random() * 2.6 AS lat, 8.3 + random() * 4.2 AS lon
FROM redliv_municipality ORDER BY id;

-- Five venues each: 1 premises, 2 clinic, 3 treatment centre, 4 shelter (residents only), 5 street stand.
INSERT INTO courses_venue (municipality_id, organisation_id, district_id, name, kind, address, postcode, city,
                           latitude, longitude, open_to_public, accessibility_notes, active, updated_at)
SELECT m.id, o.id, d.id, k.label || ', ' || m.name, k.kind, 'Gadevej ' || k.n, d.postcodes, m.name,
       round((c.lat + k.n * 0.003)::numeric, 6), round((c.lon + k.n * 0.004)::numeric, 6),
       k.kind <> 'shelter', '', true, %(first_day)s::date + time '08:00'
FROM redliv_municipality m
JOIN bench_centre c ON c.municipality_id = m.id
JOIN redliv_organisation o ON o.municipality_id = m.id AND o.kind = 'ngo'
CROSS JOIN (VALUES (1, 'premises', 'Antidote Danmark'), (2, 'clinic', 'Heroinklinikken'),
                   (3, 'treatment_centre', 'Behandlingscenter'), (4, 'shelter', 'Opholdsstedet'),
                   (5, 'street_stand', 'Stand på Torvet')) k(n, kind, label)
JOIN redliv_district d ON d.municipality_id = m.id AND d.name = 'Distrikt ' || (1 + k.n %% {districts})
ORDER BY m.id, k.n;

INSERT INTO courses_trainer (organisation_id, name, contact, show_name_publicly, active, updated_at)
SELECT o.id, 'Træner ' || m.code || '-' || t, '', false, true, %(first_day)s::date + time '08:00'
FROM redliv_municipality m JOIN redliv_organisation o ON o.municipality_id = m.id AND o.kind = 'ngo',
     generate_series(1, {trainers}) t ORDER BY m.id, t;

INSERT INTO courses_dropinschedule (municipality_id, venue_id, title, weekday, starts_at, ends_at, valid_from,
                                    valid_until, audiences, languages, published, public_description, updated_at)
SELECT v.municipality_id, v.id, 'Drop-in', (v.municipality_id %% 5)::smallint, '13:00', '15:00',
       %(first_day)s, NULL, '{{people_who_use_drugs}}', '{{da}}', true, '', %(first_day)s::date + time '08:00'
FROM courses_venue v WHERE v.kind = 'premises';

INSERT INTO kits_stocklocation (municipality_id, organisation_id, venue_id, name, kind, active, updated_at)
SELECT v.municipality_id, v.organisation_id, v.id, 'Skab, ' || v.name, 'venue', true, %(first_day)s::date + time '08:00'
FROM courses_venue v WHERE v.kind = 'premises'
UNION ALL
SELECT o.municipality_id, o.id, NULL, 'Gadeteamets taske, ' || m.name, 'bag', true, %(first_day)s::date + time '08:00'
FROM redliv_organisation o JOIN redliv_municipality m ON m.id = o.municipality_id WHERE o.kind = 'municipality';

INSERT INTO kits_kittype (name, contents, active, updated_at)
VALUES ('Naloxon-kit', 'Naloxon næsespray (Nyxoid 1,8 mg), handsker, ventilationsmaske', true, %(first_day)s::date + time '08:00');

-- One batch per quarter, received a week before the quarter starts, good for three years.
INSERT INTO kits_batch (kit_type_id, product, lot_number, received_on, expiry_date, updated_at)
SELECT (SELECT id FROM kits_kittype), 'Nyxoid 1,8 mg næsespray', 'BENCH-' || to_char(q, 'YYYY"Q"Q'),
       (q - interval '7 days')::date, (q + interval '3 years')::date, %(first_day)s::date + time '08:00'
FROM generate_series(date_trunc('quarter', %(first_day)s::date), %(last_day)s::date, interval '3 months') q
ORDER BY q;
CREATE TEMP TABLE bench_quarter AS
SELECT id AS batch_id, (received_on + 7) AS quarter FROM kits_batch;

-- Municipalities by size: a skewed share of the activity (index 0 is the biggest).
CREATE TEMP TABLE bench_muni AS
SELECT row_number() OVER (ORDER BY m.id) - 1 AS idx, m.id AS municipality_id,
       (SELECT id FROM redliv_user u WHERE u.username = 'gade-' || m.code) AS worker_id,
       (SELECT id FROM kits_stocklocation l WHERE l.municipality_id = m.id AND l.kind = 'venue') AS cupboard_id,
       (SELECT id FROM kits_stocklocation l WHERE l.municipality_id = m.id AND l.kind = 'bag') AS bag_id
FROM redliv_municipality m;
"""

SQL_COURSES = """
CREATE TEMP TABLE bench_course_draw AS
SELECT n, random() AS r_muni, random() AS r_day, random() AS r_time, random() AS r_format, random() AS r_kind,
       random() AS r_status, random() AS r_audience, random() AS r_pub, random() AS r_venue
FROM generate_series(1, %(courses)s) n;

INSERT INTO courses_course (municipality_id, kind, format, title, joining_url, starts_at, ends_at, audiences,
                            languages, capacity, status, cancellation_reason, cancelled_at, published,
                            public_description, created_at, updated_at, created_by_id, venue_id)
SELECT bm.municipality_id, c.kind, c.format, '', CASE WHEN c.format = 'online' THEN 'https://møde.example/redliv' ELSE '' END,
       c.starts_at, c.starts_at + interval '2 hours', ARRAY[c.audience]::varchar[], '{{da}}', NULL,
       c.status, CASE WHEN c.status = 'cancelled' THEN 'Aflyst' ELSE '' END,
       CASE WHEN c.status = 'cancelled' THEN c.starts_at - interval '1 day' END,
       c.published, '', c.starts_at - interval '30 days', c.starts_at - interval '30 days', NULL,
       CASE c.format WHEN 'online' THEN NULL
                     WHEN 'pop_up' THEN (SELECT id FROM courses_venue v WHERE v.municipality_id = bm.municipality_id AND v.kind = 'street_stand')
                     WHEN 'on_site' THEN (SELECT id FROM courses_venue v WHERE v.municipality_id = bm.municipality_id AND v.kind = 'shelter')
                     ELSE (SELECT id FROM courses_venue v WHERE v.municipality_id = bm.municipality_id
                           AND v.kind = (ARRAY['premises', 'clinic', 'treatment_centre'])[1 + floor(c.r_venue * 3)::int]) END
FROM (
    SELECT d.*, s.starts_at,
           CASE WHEN d.r_format < 0.40 THEN 'drop_in' WHEN d.r_format < 0.60 THEN 'pop_up'
                WHEN d.r_format < 0.65 THEN 'online' WHEN d.r_format < 0.85 THEN 'scheduled' ELSE 'on_site' END AS format,
           CASE WHEN d.r_kind < 0.90 THEN 'participant' WHEN d.r_kind < 0.95 THEN 'train_the_trainer'
                ELSE 'network_meeting' END AS kind,
           CASE WHEN s.starts_at > %(now)s THEN 'planned' WHEN d.r_status < 0.05 THEN 'cancelled'
                WHEN d.r_status < 0.08 THEN 'planned' ELSE 'held' END AS status,
           (ARRAY['people_who_use_drugs', 'people_who_use_drugs', 'people_who_use_drugs', 'professionals',
                  'relatives_network', 'residents', 'students', 'other'])[1 + floor(d.r_audience * 8)::int] AS audience,
           d.r_pub < 0.85 AS published
    FROM bench_course_draw d,
         LATERAL (SELECT ((%(first_day)s::date + floor(d.r_day * %(days)s)::int) + time '09:00'
                          + floor(d.r_time * 36) * interval '15 minutes') AT TIME ZONE 'Europe/Copenhagen' AS starts_at) s
) c
JOIN bench_muni bm ON bm.idx = floor(power(c.r_muni, 2.2) * %(munis)s)::int
ORDER BY c.n;

INSERT INTO courses_course_trainers (course_id, trainer_id)
SELECT c.id, (SELECT t.id FROM courses_trainer t JOIN redliv_organisation o ON o.id = t.organisation_id
              WHERE o.municipality_id = c.municipality_id ORDER BY t.id OFFSET c.id %% {trainers} LIMIT 1)
FROM courses_course c WHERE c.status = 'held' ORDER BY c.id;

CREATE TEMP TABLE bench_att AS
SELECT c.id AS course_id, c.ends_at, bm.worker_id, c.format,
       1 + floor(random() * 8)::int AS pwud, floor(random() * 2)::int AS rel, floor(random() * 3)::int AS prof,
       random() AS r_refresher, random() AS r_withdrawn
FROM courses_course c JOIN bench_muni bm ON bm.municipality_id = c.municipality_id
WHERE c.status = 'held' ORDER BY c.id;

INSERT INTO courses_attendance (idempotency_key, payload_digest, course_id, people_who_use_drugs,
                                relatives_network, professionals, residents, students, other, first_time,
                                refresher, note, logged_by_id, logged_at, withdrawn_at)
SELECT md5(%(seed)s || ':attendance:' || a.course_id)::uuid, '', a.course_id, a.pwud, a.rel, a.prof, 0, 0, 0,
       a.pwud + a.rel + a.prof - floor(a.r_refresher * 0.4 * (a.pwud + a.rel + a.prof))::int,
       floor(a.r_refresher * 0.4 * (a.pwud + a.rel + a.prof))::int,
       '', a.worker_id, a.ends_at + interval '1 hour',
       CASE WHEN a.r_withdrawn < 0.02 THEN a.ends_at + interval '2 hours' END
FROM bench_att a ORDER BY a.course_id;
"""

SQL_LEDGER = """
-- Deferred foreign-key checks still queued would forbid the ALTER TABLE: run them now.
SET CONSTRAINTS ALL IMMEDIATE;
ALTER TABLE kits_stockmovement DISABLE TRIGGER kits_stockmovement_apply;

-- Handouts: one per held course (the first-timers' kits, from the cupboard), the rest repeat supplies from the bag.
CREATE TEMP TABLE bench_handout AS
SELECT a.course_id, NULL::varchar AS audience, 'first_supply'::varchar AS reason, a.worker_id,
       bm.cupboard_id AS location_id, greatest(1, a.pwud + a.rel + a.prof
           - floor(a.r_refresher * 0.4 * (a.pwud + a.rel + a.prof))::int) AS quantity, a.ends_at AS occurred_at
FROM bench_att a JOIN courses_course c ON c.id = a.course_id JOIN bench_muni bm ON bm.municipality_id = c.municipality_id
WHERE a.format <> 'online' AND a.r_withdrawn >= 0.02
ORDER BY a.course_id LIMIT %(handouts)s;

INSERT INTO bench_handout
SELECT NULL, (ARRAY['people_who_use_drugs', 'people_who_use_drugs', 'people_who_use_drugs', 'relatives_network',
                    'professionals', 'other'])[1 + floor(d.r_audience * 6)::int],
       (ARRAY['replaces_used', 'replaces_used', 'replaces_expired', 'lost', 'first_supply'])[1 + floor(d.r_reason * 5)::int],
       bm.worker_id, bm.bag_id, CASE WHEN d.r_quantity < 0.9 THEN 1 ELSE 2 END,
       ((%(first_day)s::date + floor(d.r_day * %(past_days)s)::int) + time '08:00'
        + floor(d.r_time * 56) * interval '15 minutes') AT TIME ZONE 'Europe/Copenhagen'
FROM (SELECT n, random() AS r_muni, random() AS r_day, random() AS r_time, random() AS r_audience,
             random() AS r_reason, random() AS r_quantity
      FROM generate_series(1, greatest(0, %(handouts)s - (SELECT count(*) FROM bench_handout))) n) d
JOIN bench_muni bm ON bm.idx = floor(power(d.r_muni, 2.2) * %(munis)s)::int
ORDER BY d.n;

ALTER TABLE bench_handout ADD COLUMN batch_id bigint;
UPDATE bench_handout h SET batch_id = q.batch_id FROM bench_quarter q
WHERE q.quarter = date_trunc('quarter', h.occurred_at AT TIME ZONE 'Europe/Copenhagen')::date;

-- What each location hands out of each batch decides the deliveries: received into the cupboard,
-- the bag's share transferred the next day; both a week before the quarter's first handout.
CREATE TEMP TABLE bench_need AS
SELECT bm.municipality_id, h.batch_id,
       sum(h.quantity) FILTER (WHERE h.location_id = bm.cupboard_id) AS cupboard,
       sum(h.quantity) FILTER (WHERE h.location_id = bm.bag_id) AS bag
FROM bench_handout h JOIN bench_muni bm ON h.location_id IN (bm.cupboard_id, bm.bag_id)
GROUP BY 1, 2;

INSERT INTO kits_stockmovement (idempotency_key, payload_digest, kind, batch_id, from_location_id, to_location_id,
                                quantity, occurred_at, recorded_at, reason, recorded_by_id)
SELECT md5(%(seed)s || ':receive:' || n.municipality_id || ':' || n.batch_id)::uuid, '', 'receive', n.batch_id,
       NULL, bm.cupboard_id, ceil((coalesce(n.cupboard, 0) + coalesce(n.bag, 0)) * 1.1)::int + 20,
       (b.received_on + time '10:00') AT TIME ZONE 'Europe/Copenhagen',
       (b.received_on + time '10:00') AT TIME ZONE 'Europe/Copenhagen', '', bm.worker_id
FROM bench_need n JOIN bench_muni bm USING (municipality_id) JOIN kits_batch b ON b.id = n.batch_id
ORDER BY n.municipality_id, n.batch_id;

INSERT INTO kits_stockmovement (idempotency_key, payload_digest, kind, batch_id, from_location_id, to_location_id,
                                quantity, occurred_at, recorded_at, reason, recorded_by_id)
SELECT md5(%(seed)s || ':transfer:' || n.municipality_id || ':' || n.batch_id)::uuid, '', 'transfer', n.batch_id,
       bm.cupboard_id, bm.bag_id, ceil(n.bag * 1.05)::int + 10,
       (b.received_on + 1 + time '10:00') AT TIME ZONE 'Europe/Copenhagen',
       (b.received_on + 1 + time '10:00') AT TIME ZONE 'Europe/Copenhagen', '', bm.worker_id
FROM bench_need n JOIN bench_muni bm USING (municipality_id) JOIN kits_batch b ON b.id = n.batch_id
WHERE n.bag > 0 ORDER BY n.municipality_id, n.batch_id;

INSERT INTO kits_stockmovement (idempotency_key, payload_digest, kind, batch_id, from_location_id, to_location_id,
                                quantity, occurred_at, recorded_at, reason, handout_reason, recipient_audience,
                                course_id, recorded_by_id)
SELECT md5(%(seed)s || ':handout:' || row_number() OVER (ORDER BY h.occurred_at, h.location_id, h.course_id))::uuid,
       '', 'handout', h.batch_id, h.location_id, NULL, h.quantity, h.occurred_at, h.occurred_at, '', h.reason,
       h.audience, h.course_id, h.worker_id
FROM bench_handout h ORDER BY h.occurred_at, h.location_id, h.course_id;

SET CONSTRAINTS ALL IMMEDIATE;
ALTER TABLE kits_stockmovement ENABLE TRIGGER kits_stockmovement_apply;
SET CONSTRAINTS ALL DEFERRED;

DELETE FROM kits_stocklevel;
INSERT INTO kits_stocklevel (location_id, batch_id, quantity, last_movement_at)
SELECT location_id, batch_id, sum(delta), max(occurred_at) FROM (
    SELECT to_location_id AS location_id, batch_id, quantity AS delta, occurred_at
    FROM kits_stockmovement WHERE to_location_id IS NOT NULL
    UNION ALL
    SELECT from_location_id, batch_id, -quantity, occurred_at FROM kits_stockmovement WHERE from_location_id IS NOT NULL
) ledger GROUP BY location_id, batch_id ORDER BY location_id, batch_id;
"""

SQL_CHECK_LEDGER = """
SELECT coalesce(min(running), 0) FROM (
    SELECT sum(delta) OVER (PARTITION BY location_id, batch_id ORDER BY occurred_at, id) AS running FROM (
        SELECT id, occurred_at, to_location_id AS location_id, batch_id, quantity AS delta
        FROM kits_stockmovement WHERE to_location_id IS NOT NULL
        UNION ALL
        SELECT id, occurred_at, from_location_id, batch_id, -quantity
        FROM kits_stockmovement WHERE from_location_id IS NOT NULL
    ) ledger
) levels
"""

SQL_REPORTS = """
INSERT INTO kits_reversalreport (idempotency_key, payload_digest, occurred_at, district_id, source, reported_by_id,
                                 substances, naloxone_doses, called_112, ambulance_arrived, first_aid_given,
                                 stayed_until_help, outcome, responder_trained, kit_replaced, note, review_status,
                                 review_reason, created_at)
SELECT md5(%(seed)s || ':report:' || d.n)::uuid, '', d.occurred_at, dist.id,
       CASE WHEN d.r_source < 0.8 THEN 'staff' ELSE 'public' END,
       CASE WHEN d.r_source < 0.8 THEN bm.worker_id END,
       ARRAY[(ARRAY['heroin', 'heroin', 'methadone', 'morphine', 'fentanyl', 'unknown'])[1 + floor(d.r_substance * 6)::int]]::varchar[],
       1 + floor(d.r_doses * 3)::int, d.r_112 < 0.7, d.r_112 < 0.6, d.r_aid < 0.8, d.r_aid < 0.9,
       (ARRAY['recovered', 'recovered', 'hospital', 'hospital', 'unknown', 'died'])[1 + floor(d.r_outcome * 6)::int],
       (ARRAY['yes', 'yes', 'no', 'unknown'])[1 + floor(d.r_trained * 4)::int], false, '',
       CASE WHEN d.r_source < 0.8 OR d.r_review < 0.7 THEN 'verified' WHEN d.r_review < 0.9 THEN 'pending' ELSE 'rejected' END,
       CASE WHEN d.r_source >= 0.8 AND d.r_review >= 0.9 THEN 'Kunne ikke bekræftes' ELSE '' END,
       d.occurred_at + interval '1 day'
FROM (SELECT n, random() AS r_muni, random() AS r_day, random() AS r_time, random() AS r_district,
             random() AS r_source, random() AS r_substance, random() AS r_doses, random() AS r_112,
             random() AS r_aid, random() AS r_outcome, random() AS r_trained, random() AS r_review,
             ((%(first_day)s::date + floor(random() * %(past_days)s)::int) + time '00:00'
              + floor(random() * 96) * interval '15 minutes') AT TIME ZONE 'Europe/Copenhagen' AS occurred_at
      FROM generate_series(1, %(reports)s) n) d
JOIN bench_muni bm ON bm.idx = floor(power(d.r_muni, 2.2) * %(munis)s)::int
JOIN redliv_district dist ON dist.municipality_id = bm.municipality_id
     AND dist.name = 'Distrikt ' || (1 + floor(d.r_district * {districts})::int)
ORDER BY d.n;
"""


def generate(
    *,
    scale: float = 1.0,
    municipality_count: int = 98,
    years: float = 10,
    seed: int = 2026,
    courses: int | None = None,
    handouts: int | None = None,
    reports: int | None = None,
    out=print,
) -> dict:
    """Fill an empty, migrated database. Returns the row counts and the seconds each step took."""
    from django.db import connection, transaction

    from redliv.models import Municipality

    counts = {
        "courses": courses if courses is not None else round(FULL["courses"] * scale),
        "handouts": handouts if handouts is not None else round(FULL["handouts"] * scale),
        "reports": reports if reports is not None else round(FULL["reports"] * scale),
    }
    from django.utils import timezone

    # Python's clock and Copenhagen's date, as the app has them (not the database's or the machine's own).
    now = timezone.now()
    today = timezone.localdate(now)
    first_day = today - dt.timedelta(days=round(years * 365.25))
    last_day = today + dt.timedelta(days=FUTURE_DAYS)
    params = {
        **counts,
        "seed": str(seed),
        "now": now,
        "first_day": first_day,
        "last_day": last_day,
        "days": (last_day - first_day).days,
        "past_days": (today - first_day).days,
        "munis": municipality_count,
    }
    fmt = {"districts": DISTRICTS_PER_MUNICIPALITY, "trainers": TRAINERS_PER_MUNICIPALITY}
    timings = {}
    started = time.perf_counter()

    def step(name, sql=None, fn=None):
        begun = time.perf_counter()
        if fn is not None:
            fn()
        else:
            with connection.cursor() as cursor:
                cursor.execute(sql.format(**fmt), params)
        timings[name] = time.perf_counter() - begun
        out(f"  {name}: {timings[name]:.1f} s")

    with transaction.atomic():
        if Municipality.objects.exists():
            raise SystemExit("The database already has municipalities; generate into an empty, migrated database.")
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
        munis = Municipality.objects.bulk_create(
            [Municipality(name=name, code=code) for name, code in municipalities(municipality_count)]
        )
        step("places", SQL_PLACES.split("CREATE TEMP TABLE bench_muni")[0])
        step("users", fn=lambda: _users([(m.pk, m.code) for m in munis], out))
        step("municipality sizes", "CREATE TEMP TABLE bench_muni" + SQL_PLACES.split("CREATE TEMP TABLE bench_muni")[1])
        step("courses and attendance", SQL_COURSES)
        step("stock ledger", SQL_LEDGER)
        step("reversal reports", SQL_REPORTS)
        with connection.cursor() as cursor:
            begun = time.perf_counter()
            cursor.execute(SQL_CHECK_LEDGER)
            lowest = cursor.fetchone()[0]
            timings["ledger check"] = time.perf_counter() - begun
            out(f"  ledger check: lowest running level {lowest} ({timings['ledger check']:.1f} s)")
            if lowest < 0:
                raise RuntimeError(f"a stock level would have gone negative ({lowest}); nothing is kept")
            cursor.execute(
                "DROP TABLE bench_centre, bench_quarter, bench_muni, bench_course_draw, bench_att, "
                "bench_handout, bench_need"
            )
    with connection.cursor() as cursor:
        begun = time.perf_counter()
        # As autovacuum would soon after a bulk load: statistics for the planner, and the visibility
        # map that lets the finder count its courses from an index alone (index-only scans).
        cursor.execute("VACUUM (ANALYZE)")
        timings["analyze"] = time.perf_counter() - begun
        rows = {}
        for table in [
            "redliv_municipality",
            "courses_course",
            "courses_attendance",
            "kits_stockmovement",
            "kits_reversalreport",
            "kits_stocklevel",
        ]:
            cursor.execute(f"SELECT count(*) FROM {table}")
            rows[table] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM kits_stockmovement WHERE kind = 'handout'")
        rows["handouts"] = cursor.fetchone()[0]
    total = time.perf_counter() - started
    out(f"generated in {total:.1f} s: " + ", ".join(f"{name} {count:,}" for name, count in rows.items()))
    return {"rows": rows, "seconds": total, "timings": timings}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of the full volumes (default 1.0)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--municipalities", type=int, default=98)
    parser.add_argument("--years", type=float, default=10)
    args = parser.parse_args(argv)
    setup_django()
    generate(scale=args.scale, seed=args.seed, municipality_count=args.municipalities, years=args.years)


if __name__ == "__main__":
    main()
