"""The month page says when use reports of the month still await review, before it is approved.

A pending overdose-reversal report counts in the figures only once verified. The month page said
nothing of it: a coordinator approved March with a report of 19 March still pending, verified it
the next day, and March had "changed since the approval".
"""

import html

import pytest

from reversals.models import ReversalReport
from tests import monthly_data

pytestmark = pytest.mark.django_db

WAITING = "1 afrapportering af overdosis i denne måned venter på gennemsyn"


@pytest.fixture
def march(coordinator, red_liv, venue, aarhus_org):
    return monthly_data.build(coordinator, red_liv, venue, aarhus_org)


def page(client, month, language=""):
    return html.unescape(client.get(f"{language}/personale/maaned/", {"month": month}).content.decode())


def test_the_month_page_names_the_reports_of_the_month_that_await_review(client, coordinator, march):
    client.force_login(coordinator)
    march_page = page(client, "2026-03")
    assert WAITING in march_page and 'href="/personale/afrapporteringer/"' in march_page
    assert "1 overdose-reversal report dated in this month awaits review" in page(client, "2026-03", "/en")
    assert "venter på gennemsyn" not in page(client, "2026-02")


def test_once_reviewed_the_month_page_no_longer_names_it(client, coordinator, march):
    ReversalReport.objects.filter(review_status="pending").update(review_status="verified")
    client.force_login(coordinator)
    assert "venter på gennemsyn" not in page(client, "2026-03")
