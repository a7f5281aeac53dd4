"""The finder's shared copies (finder/shared_copy.py): served while true, never a change late.

These tests commit (transaction=True): the number that says a copy is still true is raised
by PostgreSQL at commit, as it is when a coordinator saves a course through any app server.
"""

import datetime as dt
import gzip
import random

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from courses.models import Course, DropInException
from finder.models import InfoPage, PublicDataVersion, SharedPage
from finder.shared_copy import SECONDS
from kits.models import Batch, StockLocation
from kits.services import recall_lot
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

NOW = dt.datetime(2026, 6, 11, 10, 0, tzinfo=dt.UTC)
PAGES = ["/", "/en/", "/?format=drop_in", "/en/?side=2", "/api/v1/courses/", "/api/v1/courses/?limit=3", "/widget/"]
PAGES += ["/kurser.ics"]


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def version():
    found = PublicDataVersion.objects.first()
    return found.number if found else 0


def as_served(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content


def worked_out_afresh(client, path):
    with override_settings(FINDER_SHARED_COPIES=False):
        return as_served(client, path)


def test_a_page_asked_again_is_served_from_the_copy_in_one_query(
    frozen, client, venue, django_assert_num_queries, django_assert_max_num_queries
):
    factories.make_course(venue, title="Naloxonkursus i Vollsmose")
    with django_assert_max_num_queries(9):  # the look-up, the page's seven (tests/test_finder.py), the copy kept
        first = as_served(client, "/")
    assert "Naloxonkursus i Vollsmose" in first.decode() and SharedPage.objects.count() == 1
    with django_assert_num_queries(1):
        again = client.get("/")
    assert again.content == first
    # The page's own headers come with the copy: its policy, its cache time and its tag.
    assert "geolocation=(self)" in again["Permissions-Policy"] and again["ETag"]
    assert again["Content-Type"] == "text/html; charset=utf-8"
    api = client.get("/api/v1/courses/")
    assert client.get("/api/v1/courses/")["Access-Control-Allow-Origin"] == "*" and api["Content-Language"] == "da"
    widget = client.get("/widget/")
    assert "X-Frame-Options" not in widget and "frame-ancestors *" in widget["Content-Security-Policy"]


def test_a_cancelled_course_is_gone_from_the_next_answer(frozen, client, venue):
    course = factories.make_course(venue, title="Kurset der aflyses")
    for path in PAGES:
        assert "Kurset der aflyses" in as_served(client, path).decode(), path
    course.status, course.cancellation_reason = Course.Status.CANCELLED, "Træneren er syg"
    course.cancelled_at = timezone.now()
    course.save()
    for path in ["/api/v1/courses/", "/widget/"]:
        assert "Kurset der aflyses" not in as_served(client, path).decode(), path
    # The calendar feed keeps it, marked cancelled, so that subscribed calendars drop it (tests/test_finder_feed.py).
    feed = as_served(client, "/kurser.ics")
    assert b"STATUS:CANCELLED" in feed and feed == worked_out_afresh(client, "/kurser.ics")
    assert "Træneren er syg" in as_served(client, "/").decode()  # the finder says why


@pytest.mark.long(seconds=15)
def test_random_changes_to_everything_the_finder_shows_never_leave_a_copy_behind(
    frozen, client, venue, red_liv, coordinator
):
    """A random walk (fixed seed) through the changes a coordinator makes, each committed, with
    every page asked for before and after: what is served is, byte for byte, what the page
    worked out afresh shows."""
    rng = random.Random(20)
    district = factories.make_district(venue.municipality, name="Vollsmose")
    place = factories.make_location(red_liv, name="Kit ved caféen", venue=venue, kind=StockLocation.Kind.VENUE)
    lot = factories.make_batch(lot_number="LOT-WALK")
    factories.receive(lot, place, 2, coordinator)
    courses = [factories.make_course(venue, title=f"Kursus {n}") for n in range(3)]
    schedule = factories.make_drop_in(venue, title="Torsdagscafé")

    def new_course():
        days = rng.randint(1, 40)
        courses.append(
            factories.make_course(venue, title=f"Nyt kursus {len(courses)}", starts_at=NOW + dt.timedelta(days=days))
        )

    def cancel():
        course = rng.choice(courses)
        course.status, course.cancellation_reason, course.cancelled_at = "cancelled", "Aflyst", timezone.now()
        course.save()

    def move_course():
        course = rng.choice(courses)
        course.starts_at += dt.timedelta(hours=rng.randint(1, 72))
        course.ends_at = course.starts_at + dt.timedelta(hours=2)
        course.save()

    def rename_venue():
        venue.name = f"Caféen {rng.randint(1, 999)}"
        venue.save()

    def venue_in_district():
        venue.district = None if venue.district_id else district
        venue.save()

    def close_a_drop_in_day():
        day = timezone.localdate() + dt.timedelta(days=(3 - timezone.localdate().weekday()) % 7 + 7 * rng.randint(0, 3))
        DropInException.objects.get_or_create(schedule=schedule, date=day, defaults={"reason": "Lukket"})

    def retitle_drop_in():
        schedule.title = f"Torsdagscafé {rng.randint(1, 99)}"
        schedule.save()

    lots = [lot]

    def kits_run_out_or_arrive():
        usable = lots[-1]
        if Batch.objects.get(pk=usable.pk).recalled_on:  # a recalled lot neither arrives nor goes out: a new one
            lots.append(factories.make_batch(lot_number=f"LOT-WALK-{len(lots)}"))
            factories.receive(lots[-1], place, 2, coordinator)
            return
        held = place.levels.filter(batch=usable).values_list("quantity", flat=True).first() or 0
        if held:
            factories.hand_out(usable, place, held, coordinator)
        else:
            factories.receive(usable, place, 2, coordinator)

    def recall():
        usable = lots[-1]
        if not Batch.objects.get(pk=usable.pk).recalled_on:
            recall_lot(
                user=coordinator, batch=usable, recalled_on=timezone.localdate(), reason="Fejl", instructions="Aflever"
            )

    def retitle_info_page():
        page = InfoPage.objects.order_by("pk").first() or InfoPage(slug="naloxon", body_da="-", body_en="-")
        page.title_da = page.title_en = f"Om naloxon {rng.randint(1, 99)}"
        page.save()

    changes = [
        new_course,
        cancel,
        move_course,
        rename_venue,
        venue_in_district,
        close_a_drop_in_day,
        retitle_drop_in,
        kits_run_out_or_arrive,
        recall,
        retitle_info_page,
    ]
    pages = [*PAGES, f"/?district={district.pk}"]
    walk = []
    for step in range(30):
        for path in rng.sample(pages, 4):
            as_served(client, path)  # leaves copies behind, to be proved stale or true
        change = rng.choice(changes)
        change()
        walk.append(change.__name__)
        for path in pages:
            assert as_served(client, path) == worked_out_afresh(client, path), (step, path, walk)
    assert SharedPage.objects.exists()


def test_a_handout_that_leaves_kits_in_the_bag_does_not_touch_the_copies(frozen, red_liv, venue, coordinator):
    """Street logging does not wait on the number for every kit: only "holds kits" flipping raises it."""
    place = factories.make_location(red_liv, name="Kit ved caféen", venue=venue, kind=StockLocation.Kind.VENUE)
    lot = factories.make_batch()
    factories.receive(lot, place, 10, coordinator)
    before = version()
    for _ in range(9):
        factories.hand_out(lot, place, 1, coordinator)
    assert version() == before
    factories.hand_out(lot, place, 1, coordinator)  # the last kit: the place no longer holds kits
    assert version() == before + 1


def test_one_transaction_raises_the_number_once_at_commit(frozen, venue):
    from django.db import transaction

    before = version()
    with transaction.atomic():
        for n in range(5):
            factories.make_course(venue, title=f"Kursus {n}")
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        assert version() == before  # not yet: nothing is visible to others before the commit
    assert version() == before + 1


def test_a_copy_is_kept_a_minute_at_most(frozen, client, venue):
    factories.make_course(venue, title="Kurset")
    as_served(client, "/")
    frozen.shift(SECONDS - 1)
    assert SharedPage.objects.get().valid_until > timezone.now()
    frozen.shift(2)
    as_served(client, "/en/")  # another page's copy clears the expired one away
    assert list(SharedPage.objects.values_list("valid_until", flat=True)) == [timezone.now() + dt.timedelta(seconds=60)]


@pytest.mark.parametrize(
    "path",
    [
        "/?near=55.40,10.38",
        "/?postcode=5000",
        "/api/v1/courses/?near=55.40,10.38",
        "/?utm_source=nyhedsbrev",
        "/?format=drop_in&format=online",
        "/?format=ukendt",
    ],
)
def test_a_position_a_postcode_or_a_parameter_the_finder_does_not_read_is_never_kept(frozen, client, venue, path):
    factories.make_course(venue, title="Kurset")
    response = client.get(path)
    assert response.status_code in (200, 400)
    if "ukendt" in path:  # a known parameter with a wrong value is kept, with its note
        assert SharedPage.objects.count() == 1
    else:
        assert not SharedPage.objects.exists()


def test_a_logged_in_worker_gets_their_own_page_and_leaves_no_copy(frozen, client, venue, coordinator):
    factories.make_course(venue, title="Kurset")
    client.force_login(coordinator)
    assert "Log ud" in client.get("/").content.decode()
    assert not SharedPage.objects.exists()
    client.logout()
    as_served(client, "/")
    assert "Log ud" not in client.get("/").content.decode()


@pytest.mark.django_db(transaction=False)
def test_a_page_worked_out_inside_a_transaction_is_not_kept(client, venue):
    """It may see changes no one else sees yet (and that may be rolled back)."""
    factories.make_course(venue, title="Ikke gemt endnu")
    assert "Ikke gemt endnu" in client.get("/").content.decode()
    assert not SharedPage.objects.exists()


def test_servers_of_another_release_or_another_map_setting_do_not_share_copies(frozen, client, venue, monkeypatch):
    """During a rolling deploy old and new app servers share the table; each serves only its own pages."""
    from finder import shared_copy

    factories.make_course(venue, title="Kurset")
    as_served(client, "/")
    assert SharedPage.objects.count() == 1
    with override_settings(MAP_TILE_URL="https://tiles.example.org/{z}/{x}/{y}.png"):
        as_served(client, "/")  # a server configured with a tile server: its own copy
    assert SharedPage.objects.count() == 2
    shared_copy.release.cache_clear()
    monkeypatch.setattr(shared_copy, "RELEASE_FILES", (".py",))  # stands for other code and templates
    as_served(client, "/")
    assert SharedPage.objects.count() == 3
    shared_copy.release.cache_clear()


def test_a_file_gone_while_the_release_is_worked_out_is_left_out(monkeypatch, settings):
    """makemessages (tests/test_translations.py, in another test process) writes a temporary
    template.html.py beside each template and removes it: a walk that lists one must not fail."""
    import os

    from finder import shared_copy

    walk = os.walk

    def walk_with_a_vanished_file(root):
        for folder, subfolders, files in walk(root):
            yield folder, subfolders, [*files, "gone.html.py"] if folder == str(settings.BASE_DIR) else files

    shared_copy.release.cache_clear()
    try:
        expected = shared_copy.release()
        shared_copy.release.cache_clear()
        monkeypatch.setattr(shared_copy.os, "walk", walk_with_a_vanished_file)
        assert shared_copy.release() == expected
    finally:
        shared_copy.release.cache_clear()


def test_a_copy_the_database_refuses_to_keep_still_leaves_the_visitor_their_page(frozen, client, venue, caplog):
    factories.make_course(venue, title="Kurset")
    with connection.cursor() as cursor:  # a real refusal from PostgreSQL, as a lock timeout would give
        cursor.execute(
            "CREATE FUNCTION refuse_copy() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            " RAISE EXCEPTION 'copy refused'; END $$;"
            "CREATE TRIGGER refuse_copy BEFORE INSERT ON finder_sharedpage FOR EACH ROW EXECUTE FUNCTION refuse_copy();"
        )
    try:
        assert "Kurset" in as_served(client, "/").decode()
        assert not SharedPage.objects.exists() and "finder page copy not kept" in caplog.text
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER refuse_copy ON finder_sharedpage; DROP FUNCTION refuse_copy();")


def test_a_table_emptied_at_once_raises_the_number_too(frozen, client, venue):
    """TRUNCATE fires no row trigger (a restore, an operator's clean-up): a statement trigger does."""
    factories.make_drop_in(venue, title="Torsdagscafé")
    assert "Torsdagscafé" in as_served(client, "/").decode()
    before = version()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE courses_dropinexception, courses_dropinschedule")
    assert version() > before
    assert "Torsdagscafé" not in as_served(client, "/").decode()


@pytest.mark.parametrize("path", PAGES)
def test_a_browser_that_accepts_gzip_gets_the_same_page_gzipped_first_time_and_from_the_copy(
    frozen, client, venue, path
):
    factories.make_course(venue, title="Naloxonkursus i Vollsmose")
    plain = worked_out_afresh(client, path)
    # Missed, kept, served from the copy; with and without gzip in every order.
    answers = [client.get(path, headers={"accept-encoding": encoding}) for encoding in ["gzip, br", "", "gzip", ""]]
    for answer in answers:
        assert answer.status_code == 200 and "Accept-Encoding" in answer["Vary"]
        assert int(answer["Content-Length"]) == len(answer.content)
    for answer in answers[::2]:
        assert answer["Content-Encoding"] == "gzip" and gzip.decompress(answer.content) == plain
        assert len(answer.content) < len(plain)
        assert answer["ETag"] == "W/" + answers[1]["ETag"]
    for answer in answers[1::2]:
        assert not answer.has_header("Content-Encoding") and answer.content == plain
    assert SharedPage.objects.count() == 1


def test_a_revisit_with_the_gzipped_pages_tag_is_not_modified_and_keeps_the_pages_headers(frozen, client, venue):
    factories.make_course(venue)
    first = client.get("/", headers={"accept-encoding": "gzip"})
    for encoding in ["gzip", ""]:  # the tag is weak: the unpacked page is the same page
        again = client.get("/", headers={"accept-encoding": encoding, "if-none-match": first["ETag"]})
        assert again.status_code == 304 and again.content == b""
        assert "geolocation=(self)" in again["Permissions-Policy"] and "Accept-Encoding" in again["Vary"]
    factories.make_course(venue, title="Et nyt kursus")
    changed = client.get("/", headers={"accept-encoding": "gzip", "if-none-match": first["ETag"]})
    assert changed.status_code == 200 and "Et nyt kursus" in gzip.decompress(changed.content).decode()


def test_a_page_not_kept_is_gzipped_for_this_request_alone(frozen, client, venue):
    """A position is never kept (see the module): worked out for one visitor, and packed for them."""
    factories.make_course(venue, title="Naloxonkursus i Vollsmose")
    path = "/?near=55.40,10.39"
    plain = client.get(path, headers={"accept-encoding": "identity"})
    packed = client.get(path, headers={"accept-encoding": "gzip"})
    assert packed["Content-Encoding"] == "gzip" and gzip.decompress(packed.content) == plain.content
    assert int(packed["Content-Length"]) == len(packed.content) < len(plain.content) / 2
    assert not plain.has_header("Content-Encoding") and "Naloxonkursus i Vollsmose" in plain.content.decode()
    assert "Accept-Encoding" in plain["Vary"] and "Accept-Encoding" in packed["Vary"]
    assert packed["ETag"] == "W/" + plain["ETag"]
    again = client.get(path, headers={"accept-encoding": "gzip", "if-none-match": packed["ETag"]})
    assert again.status_code == 304 and "geolocation=(self)" in again["Permissions-Policy"]
    assert not SharedPage.objects.exists()


@pytest.mark.parametrize(
    "accept_encoding, gzipped",
    [
        ("gzip, deflate, br, zstd", True),  # Chromium
        ("GZIP", True),  # a coding's name is case-insensitive
        ("x-gzip", True),
        ("*", True),
        ("br;q=1.0, gzip;q=0.5", True),
        ("identity", False),
        ("", False),
        ("br", False),
        ("gzip;q=0", False),  # refused, though it names gzip (RFC 9110, 12.5.3)
        ("identity, gzip;q=0", False),
        ("gzip; q=0.000, deflate;q=0", False),
        ("*;q=0", False),
        ("gzip;q=0, *", False),  # gzip named: the star is for the others
        ("gzip;q=banana", False),
        ("gzipped", False),
    ],
)
def test_gzip_is_sent_only_to_a_client_that_accepts_it(frozen, client, venue, accept_encoding, gzipped):
    factories.make_course(venue, title="Naloxonkursus i Vollsmose")
    plain = worked_out_afresh(client, "/")
    for _ in range(2):  # worked out and kept, then from the copy
        answer = client.get("/", headers={"accept-encoding": accept_encoding})
        assert (answer.get("Content-Encoding") == "gzip") is gzipped
        assert (gzip.decompress(answer.content) if gzipped else answer.content) == plain


def test_a_public_page_that_carries_a_token_is_never_gzipped(frozen, client, venue, street_worker):
    """Logged in, the finder carries the logout form's CSRF token: a secret a compression attack
    (BREACH) could read back, so that page is sent as made."""
    factories.make_course(venue)
    client.force_login(street_worker)
    for path in ["/", "/?near=55.40,10.39"]:
        answer = client.get(path, headers={"accept-encoding": "gzip"})
        assert answer.status_code == 200 and "csrfmiddlewaretoken" in answer.content.decode()
        assert not answer.has_header("Content-Encoding")
    assert not SharedPage.objects.exists()


def test_a_revisit_answered_not_modified_packs_nothing(frozen, client, venue, monkeypatch):
    """A page by position is packed for each visitor; a revisit with its tag gets a 304 with no body,
    so packing the page again would be work thrown away."""
    from finder import compression

    factories.make_course(venue)
    first = client.get("/?near=55.40,10.39", headers={"accept-encoding": "gzip"})
    packed = []
    monkeypatch.setattr(compression, "pack", lambda content, level: packed.append(level) or gzip.compress(content))
    again = client.get("/?near=55.40,10.39", headers={"accept-encoding": "gzip", "if-none-match": first["ETag"]})
    assert again.status_code == 304 and again["ETag"] == first["ETag"] and "Accept-Encoding" in again["Vary"]
    assert packed == []
    client.get("/?near=55.40,10.39", headers={"accept-encoding": "gzip"})
    assert packed == [compression.FAST]


@pytest.mark.parametrize("path", [*PAGES, "/?near=55.40,10.39", "/healthz", "/robots.txt", "/info/naloxon/"])
def test_a_head_request_gets_the_pages_headers_without_its_body(frozen, client, venue, path):
    """Uptime monitors and link checkers ask with HEAD: the answer is the GET's, headers and all,
    without the body (gunicorn, like the test client, sends none). Before, the public pages said 405."""
    factories.make_course(venue)
    InfoPage.objects.get_or_create(
        slug="naloxon",
        defaults={"title_da": "Naloxon", "title_en": "Naloxone", "body_da": "Tekst.", "body_en": "Text."},
    )
    page = client.get(path, headers={"accept-encoding": "gzip"})
    head = client.head(path, headers={"accept-encoding": "gzip"})
    assert head.status_code == page.status_code == 200, path
    assert head.content == b""
    for name in ["Content-Type", "ETag", "Content-Security-Policy", "Vary", "Content-Encoding", "Cache-Control"]:
        assert head.get(name) == page.get(name), (path, name)
    assert client.post(path).status_code in (403, 405)  # no other method than GET and HEAD
