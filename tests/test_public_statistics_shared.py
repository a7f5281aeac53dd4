"""The public statistics are worked out once for every app server, and again five minutes later
(they read the months as approved: reports.publication).

Working them out reads two years of the whole country's courses, attendance and handouts;
a public page that did so on every request could be reloaded until the servers had no time
left for the finder.
"""

import datetime as dt

import pytest
import time_machine
from django.core.cache import caches
from django.db import connection
from django.utils import timezone

from kits.models import Batch, StockLocation
from redliv.months import Month
from reports.figures import PUBLIC_STATISTICS_SECONDS, public_statistics_as_of
from reports.publication import approve_and_publish
from tests import factories, monthly_data
from tests.monthly_data import CPH, at

pytestmark = pytest.mark.django_db

APRIL_10 = dt.datetime(2026, 4, 10, 12, 0, tzinfo=CPH)


@pytest.fixture
def march(coordinator, red_liv, venue, aarhus_org):
    return monthly_data.build(coordinator, red_liv, venue, aarhus_org)


def kits_in_march(statistics):
    return next(row["kits"] for row in statistics["months"] if row["month"] == Month(2026, 3))


def shared_entries():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(caches['shared']._table)}")
        return cursor.fetchone()[0]


def test_an_approval_shows_within_five_minutes_and_the_page_says_when_it_was_worked_out(
    client, march, coordinator, odense, django_assert_max_num_queries
):
    with time_machine.travel(APRIL_10, tick=False):
        first = client.get("/en/statistik/")
        assert "Worked out 10 April 2026 at 12:00; the figures are worked out again every 5 minutes." in (
            first.content.decode()
        )
        statistics, worked_out_at = public_statistics_as_of()
        assert worked_out_at == APRIL_10 and shared_entries() == 1  # one entry, in PostgreSQL: every server's
        assert kits_in_march(statistics) is None  # no municipality has approved March yet
        approve_and_publish(coordinator, odense, dt.date(2026, 3, 1))
        with django_assert_max_num_queries(6):  # the shared copy: no figure is counted again
            again = client.get("/en/statistik/")
        assert again.content == first.content

    with time_machine.travel(APRIL_10 + dt.timedelta(seconds=PUBLIC_STATISTICS_SECONDS - 1), tick=False):
        statistics, worked_out_at = public_statistics_as_of()
        assert worked_out_at == APRIL_10 and kits_in_march(statistics) is None

    later = APRIL_10 + dt.timedelta(seconds=PUBLIC_STATISTICS_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        statistics, worked_out_at = public_statistics_as_of()
        assert worked_out_at == later and kits_in_march(statistics) == 9  # Odense's; Aarhus has not approved
        assert "Worked out 10 April 2026 at 12:05" in client.get("/en/statistik/").content.decode()
        # 30 kits handed out in March are logged late: the public figures are March as approved.
        bag = StockLocation.objects.get(name="Gadeteamets taske")
        factories.hand_out(
            Batch.objects.filter(expiry_date=dt.date(2028, 1, 1)).earliest("pk"),
            bag,
            30,
            coordinator,
            occurred_at=at(2026, 3, 12),
        )
    with time_machine.travel(later + dt.timedelta(seconds=PUBLIC_STATISTICS_SECONDS + 1), tick=False):
        assert kits_in_march(public_statistics_as_of()[0]) == 9


def test_each_municipality_and_each_month_has_its_own_copy(client, march, odense):
    with time_machine.travel(APRIL_10, tick=False):
        national, _at = public_statistics_as_of()
        own, _at = public_statistics_as_of(municipality=odense)
        assert national["municipality"] is None and own["municipality"]["municipality"] == odense
        assert client.get(f"/statistik/?kommune={odense.pk}").status_code == 200
        assert shared_entries() == 2
    with time_machine.travel(dt.datetime(2026, 5, 1, 0, 1, tzinfo=CPH), tick=False):
        # A new month is a new twelve months: worked out at once, not five minutes later.
        may, worked_out_at = public_statistics_as_of()
        assert timezone.localtime(worked_out_at).month == 5 and may["months"][-1]["month"] == Month(2026, 4)


def test_a_copy_left_by_a_server_still_running_the_previous_release_is_not_read_by_this_one(client, odense):
    """During a release (several app servers, one shared copy), a server still on the previous release works the
    statistics out in its own shape, without the coverage added since: read by this release's page, the copy made
    the count of municipalities blank and the page a 500 (blocktranslate count wants a number) until it expired,
    and again whenever an old server refilled it. Each shape of the statistics has its own key."""
    from reports.figures import public_statistics

    with time_machine.travel(APRIL_10, tick=False):
        previous = public_statistics(timezone.localdate())
        previous.pop("municipalities")
        for row in previous["months"] + previous["quarters"]:
            row.pop("covered")
        caches["shared"].set(f"public-statistics:{Month(2026, 4)}:all", (previous, timezone.now()), 300)
        response = client.get("/en/statistik/")
    assert response.status_code == 200
    assert "Covers 0 of " in response.content.decode()
