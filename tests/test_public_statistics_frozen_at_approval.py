"""The public statistics show a month as its municipality approved it, and change only by a new,
whole version that a reader cannot subtract from the one before to find a count from 1 to 4.

A reader who saves /statistik/ on two days holds two publications: every figure that moved
between them is a published figure too (the late entries, the correction). Here the reader
saves the page, the month is corrected and approved again, and the reader saves it again.
"""

import datetime as dt
import importlib

import pytest
from django.db import IntegrityError, transaction

from kits.models import Batch, StockLocation
from redliv.models import MonthClosing
from redliv.months import Month
from reports.approval import snapshot
from reports.figures import month_report, public_statistics
from reports.models import PublishedMonth
from reports.publication import counts_of
from tests import factories, monthly_data
from tests.monthly_data import at

pytestmark = pytest.mark.django_db

MARCH = Month(2026, 3)
TODAY = dt.date(2026, 6, 11)  # the tests' clock (conftest.DEFAULT_INSTANT)
APPROVE, REOPEN = "/personale/maaned/godkend/", "/personale/maaned/genaabn/"


@pytest.fixture
def march(coordinator, red_liv, venue, aarhus_org):
    """Odense and Aarhus in March 2026 (tests.monthly_data): Odense 9 kits, Aarhus 7; neither approved."""
    return monthly_data.build(coordinator, red_liv, venue, aarhus_org)


def late_kits(coordinator, quantity):
    """Kits handed out in Odense on 12 March, logged after March was approved."""
    bag = StockLocation.objects.get(name="Gadeteamets taske")
    batch = Batch.objects.filter(expiry_date=dt.date(2028, 1, 1)).earliest("pk")
    return factories.hand_out(batch, bag, quantity, coordinator, occurred_at=at(2026, 3, 12))


def figures(statistics) -> dict:
    """Every figure of the page by what it is: the country's months and quarters, and the municipality's."""
    found = {}
    for row in statistics["months"]:
        found.update({("all", row["month"], key): row[key] for key in ("courses", "people", "kits")})
    for row in statistics["quarters"]:
        found[("all", (row["year"], row["quarter"]), "reports")] = row["reports"]
    own = statistics["municipality"]
    for row in (own or {}).get("months", []):
        found.update({("own", row["month"], key): row[key] for key in ("courses", "people", "kits")})
    for row in (own or {}).get("windows", []):
        found.update({("own", (row["first"], row["last"]), key): row[key] for key in ("courses", "people", "kits")})
    return found


def revealed_by_subtraction(before: dict, after: dict) -> dict:
    """The figures shown exactly in both versions whose difference is a count from 1 to 4."""
    return {
        key: after[key] - before[key]
        for key in before.keys() & after.keys()
        if isinstance(before[key], int) and isinstance(after[key], int) and 1 <= abs(after[key] - before[key]) <= 4
    }


def versions(odense):
    return figures(public_statistics(TODAY)), figures(public_statistics(TODAY, odense))


def test_a_month_no_municipality_has_approved_shows_no_figures(client, march):
    statistics = public_statistics(TODAY)
    march_row = next(row for row in statistics["months"] if row["month"] == MARCH)
    assert (march_row["courses"], march_row["people"], march_row["kits"]) == (None, None, None)
    page = client.get("/en/statistik/").content.decode()
    assert "A month is shown once a municipality has approved it" in page


def test_only_the_municipalities_that_approved_the_month_are_in_it(client, march, coordinator, odense):
    monthly_data.approve_march(client, coordinator)
    march_row = next(row for row in public_statistics(TODAY)["months"] if row["month"] == MARCH)
    assert march_row["kits"] == 9  # Odense's 9; Aarhus (7) has not approved March


def test_an_approved_month_keeps_its_figures_through_late_entries_kits_put_back_corrections_and_reopening(
    client, march, coordinator, odense
):
    monthly_data.approve_march(client, coordinator)
    first = versions(odense)
    monthly_data.put_back(late_kits(coordinator, 2), coordinator, at(2026, 4, 20))  # 2 late, 1 of them put back
    monthly_data.report(factories.make_district(odense, name="Vollsmose"), at(2026, 3, 28), coordinator)
    monthly_data.correct_march_course(coordinator, {"people_who_use_drugs": 7, "professionals": 2}, refresher=3)
    assert versions(odense) == first
    assert client.post(REOPEN, {"month": "2026-03", "reason": "Sen indberetning"}).status_code == 302
    assert versions(odense) == first


def test_two_versions_of_the_statistics_cannot_be_subtracted_to_find_a_count_from_1_to_4(
    client, march, coordinator, odense
):
    """Saved, corrected by 2 kits and approved again, saved again: the difference would be 2 kits."""
    monthly_data.approve_march(client, coordinator)
    first = versions(odense)

    late_kits(coordinator, 2)
    client.post(APPROVE, {"month": "2026-03"})
    second = versions(odense)
    assert revealed_by_subtraction(first[0], second[0]) == {}
    assert revealed_by_subtraction(first[1], second[1]) == {}
    assert first[0][("all", MARCH, "kits")] == second[0][("all", MARCH, "kits")] == 9
    month_page = client.get("/en/personale/maaned/", {"month": "2026-03"}).content.decode()
    assert "The public statistics still show the figures approved on" in month_page

    # Four more: 6 kits in all since the published version, which may be told.
    late_kits(coordinator, 4)
    client.post(APPROVE, {"month": "2026-03"})
    third = versions(odense)
    assert third[0][("all", MARCH, "kits")] == 15
    assert revealed_by_subtraction(first[0], third[0]) == {}
    assert revealed_by_subtraction(first[1], third[1]) == {}


def test_a_published_version_is_never_changed_and_each_follows_the_one_before_in_the_database(
    client, march, coordinator, odense
):
    monthly_data.approve_march(client, coordinator)
    version = PublishedMonth.objects.get()
    for write in (
        lambda: PublishedMonth.objects.filter(pk=version.pk).update(cells={"kits": 99}),
        lambda: PublishedMonth.objects.filter(pk=version.pk).delete(),
    ):
        with pytest.raises(IntegrityError, match="publishedmonth_never_changes"), transaction.atomic():
            write()
    reopened = MonthClosing.objects.create(
        municipality=odense, month=MARCH.first_day, action="reopened", reason="r", by=coordinator
    )
    again = MonthClosing.objects.create(municipality=odense, month=MARCH.first_day, action="approved", by=coordinator)
    february = MonthClosing.objects.create(
        municipality=odense, month=dt.date(2026, 2, 1), action="approved", by=coordinator
    )
    rows = {"counts": {}, "cells": {}, "municipality": odense, "month": MARCH.first_day}
    for approval, number in [(again, 3), (reopened, 2), (february, 2)]:  # skips one; not an approval; another month
        with pytest.raises(IntegrityError, match="publishedmonth_follows_its_approval"), transaction.atomic():
            PublishedMonth.objects.create(approval=approval, version=number, **rows)
    PublishedMonth.objects.create(approval=again, version=2, **rows)


def test_months_approved_before_the_versions_are_published_with_the_figures_their_approval_kept(
    client, march, coordinator, odense
):
    """The migration's first versions: the counts read back from the tables an approval kept are the month's."""
    migration = importlib.import_module("reports.migrations.0007_published_month")
    kept = snapshot(month_report(MARCH, odense))
    # Then an approval kept a venue's row by its name (reports/migrations/0008 gave them the venue's id).
    venues = kept["tables"]["courses_by_venue"]
    labels = kept["labels"]["courses_by_venue"]
    kept["tables"]["courses_by_venue"] = {
        f"venue:{labels[row_id]}" if row_id.startswith("venue_id:") else row_id: values
        for row_id, values in venues.items()
    }
    # And so did a version (reports/migrations/0010 gave them the venue's id).
    by_name = {key.replace("venue_id:", "venue:", 1): value for key, value in counts_of(odense, MARCH).items()}
    for key in [key for key in by_name if key.startswith("venue:") and key != "venue:"]:
        by_name[f"venue:{labels['venue_id:' + key.removeprefix('venue:')]}"] = by_name.pop(key)
    assert migration.counts_kept(kept) == by_name


def test_the_publication_file_is_the_approved_version_and_two_downloads_tell_no_late_entry(
    client, march, coordinator, odense
):
    """The coordinator's publication export (to publish on the municipality's site) is a publication too."""
    monthly_data.approve_march(client, coordinator)
    query = {"month": "2026-03", "publication": "1"}
    first = client.get("/en/personale/maaned/csv/", query).content
    assert b"Kits handed out;9;" in first  # as approved; February and March 2025 not approved: "-"
    late_kits(coordinator, 2)
    assert client.get("/en/personale/maaned/csv/", query).content == first
    client.post(APPROVE, {"month": "2026-03"})  # 11 kits: 2 more than published, which would tell the 2
    assert client.get("/en/personale/maaned/csv/", query).content == first


def test_a_new_version_is_checked_against_every_version_published_before_not_only_the_last(
    client, march, coordinator, odense
):
    """9 kits published; 6 more (15, published: +6); 5 of them put back (10: -5 from the last version, but +1
    from the first, which a reader may have kept)."""
    monthly_data.approve_march(client, coordinator)
    first = versions(odense)
    handout = late_kits(coordinator, 6)
    client.post(APPROVE, {"month": "2026-03"})
    assert versions(odense)[0][("all", MARCH, "kits")] == 15
    monthly_data.put_back(handout, coordinator, at(2026, 4, 20), quantity=5)
    client.post(APPROVE, {"month": "2026-03"})
    third = versions(odense)
    assert revealed_by_subtraction(first[0], third[0]) == {}
    assert revealed_by_subtraction(first[1], third[1]) == {}
    assert third[0][("all", MARCH, "kits")] == 15


def test_a_course_logged_late_at_another_venue_adds_no_row_to_the_publication_file(
    client, march, coordinator, red_liv, venue, odense
):
    """The file's rows of courses by venue were the venues of today's entries, their figures the approved
    ones: a course logged late at a venue that held none in the approved month added a row (reading 0) to the
    next download, telling that a course was logged there after the approval.

    And the versions kept courses by venue under the venue's name: renamed between February's approval and
    March's, the venue was two rows of March's publication file, February's course under the old name and
    March's under the new, each with 0 in the other's month."""
    from django.apps import apps
    from django.db import connection

    from courses.models import Venue
    from tests.test_monthly_report import csv_tables, english_titles

    client.force_login(coordinator)
    assert client.post(APPROVE, {"month": "2026-02"}).status_code == 302
    Venue.objects.filter(pk=venue.pk).update(name="Antidote Danmark, Vestergade")
    monthly_data.approve_march(client, coordinator)
    query = {"month": "2026-03", "publication": "1"}
    first = client.get("/en/personale/maaned/csv/", query).content
    assert b"Stand p\xc3\xa5 R\xc3\xa5dhuspladsen" in first
    venues = csv_tables(first, ";", english_titles(odense))[1]["courses_by_venue"]
    assert "Antidote Danmark, Odense" not in venues and venues["Antidote Danmark, Vestergade"][:2] == ["x", "x"]
    february = PublishedMonth.objects.get(month=dt.date(2026, 2, 1), municipality=odense)
    assert february.venue_names == {f"venue_id:{venue.pk}": "Antidote Danmark, Odense"}  # as published then
    late = monthly_data.course(factories.make_venue(red_liv, name="Herberget Kirkegade"), at(2026, 3, 18))
    monthly_data.attend(late, coordinator, people_who_use_drugs=2)
    assert client.get("/en/personale/maaned/csv/", query).content == first

    # A version published before kept its venues by name (reports/migrations/0010 gives them their id).
    version = PublishedMonth.objects.get(month=MARCH.first_day, municipality=odense)
    by_id = (version.counts, version.cells, version.venue_names)
    names = {key: name for key, name in version.venue_names.items()} | {"venue_id:": ""}

    def by_name(cells):
        return {f"venue:{names[key]}" if key in names else key: value for key, value in cells.items()}

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE reports_publishedmonth DISABLE TRIGGER publishedmonth_never_changes")
        PublishedMonth.objects.filter(pk=version.pk).update(
            counts=by_name(version.counts), cells=by_name(version.cells), venue_names={}
        )
        cursor.execute("ALTER TABLE reports_publishedmonth ENABLE TRIGGER publishedmonth_never_changes")
        migration = importlib.import_module("reports.migrations.0010_published_venues_by_id")
        migration.venue_ids(apps, type("Editor", (), {"execute": staticmethod(cursor.execute)}))
    version.refresh_from_db()
    assert (version.counts, version.cells, version.venue_names) == by_id
    assert client.get("/en/personale/maaned/csv/", query).content == first


def test_the_publication_file_names_no_venue_that_is_not_open_to_the_public(
    client, march, coordinator, red_liv, venue, odense
):
    """The publication file named every venue, a shelter for its residents and a place a coordinator named after
    a stairwell's address too. They are now one row, "Other places (not public)", protected as any venue's cell;
    the staff's own files and page still name them.

    A version published before (February, when Antidote Danmark was open to the public) is kept as it was, but a
    venue not open to the public now is counted in that row there too, not named again."""
    from courses.models import Venue
    from tests.test_monthly_report import csv_tables, english_titles

    client.force_login(coordinator)
    assert client.post(APPROVE, {"month": "2026-02"}).status_code == 302
    Venue.objects.filter(pk=venue.pk).update(open_to_public=False)  # residents only from now on
    stairwell = factories.make_venue(red_liv, name="Opgang Vestergade 12, 2. th", open_to_public=False)
    shelter = factories.make_venue(red_liv, name="Herberget Kirkegade", kind="shelter", open_to_public=False)
    for place, day in [(stairwell, 12), (shelter, 13), (shelter, 14)]:
        monthly_data.attend(monthly_data.course(place, at(2026, 3, day)), coordinator, people_who_use_drugs=2)
    monthly_data.approve_march(client, coordinator)

    version = PublishedMonth.objects.get(month=MARCH.first_day, municipality=odense)
    assert version.counts["venue_id:not_public"] == 4  # the stairwell's, the shelter's two and Antidote's
    assert not {f"venue_id:{place.pk}" for place in (venue, stairwell, shelter)} & version.counts.keys()
    assert set(version.venue_names.values()) == {"Stand på Rådhuspladsen"}
    query = {"month": "2026-03", "publication": "1"}
    published = client.get("/en/personale/maaned/csv/", query).content
    for name in ("Antidote Danmark", "Vestergade", "Herberget", "Kirkegade"):
        assert name.encode() not in published
    venues = csv_tables(published, ";", english_titles(odense))[1]["courses_by_venue"]
    # February's course at Antidote Danmark (hidden there) is counted with the places not open to the public.
    assert venues["Other places (not public)"][:2] == ["x", "x"] and "Stand på Rådhuspladsen" in venues
    assert "Andre steder (ikke offentlige)" in client.get("/personale/maaned/csv/", query).content.decode("utf-8-sig")
    staff = client.get("/en/personale/maaned/csv/", {"month": "2026-03"}).content
    assert b"Herberget Kirkegade" in staff and b"Opgang Vestergade 12" in staff
