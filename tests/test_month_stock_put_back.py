"""Kits put back across a month's end, as a coordinator reconciles the month's stock with its kits handed out.

March 2026 (tests/monthly_data.py): a handout of 5 kits on 22 March, 2 of them put back on 2 April.
March counts 3 kits of that handout as handed out (a correction is dated by its handout), while the
two kits are back in the ledger only from April. Without a word on the page, February's stock less
March's kits handed out did not give March's stock, and April's stock grew with nothing received:
both read as errors at the meeting. The stock table says why, and how many kits make the gap.
"""

import csv
import html
import io

import pytest
from django.utils import timezone, translation

from kits.models import StockMovement
from reports.figures import month_report
from tests import monthly_data
from tests.monthly_data import MARCH

pytestmark = pytest.mark.django_db

PAGE = "/en/personale/maaned/"
LATER = "Of this month's handouts, 2 kits were put back after the month ended."
EARLIER = "2 kits put back in this month came from handouts of earlier months."
ALWAYS = "Kits put back from a handout are taken off the kits handed out in the month of the handout"


def page_text(client, path, month):
    return html.unescape(client.get(path, {"month": month}).content.decode())


@pytest.fixture
def march(coordinator, red_liv, venue, aarhus_org):
    return monthly_data.build(coordinator, red_liv, venue, aarhus_org)


def csv_text(client, month, **extra):
    response = client.get("/en/personale/maaned/csv/", {"month": month, "separator": "comma", **extra})
    assert response.status_code == 200
    return "\n".join(",".join(row) for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_kits_put_back_after_the_month_close_the_gap_between_its_stock_and_its_kits_handed_out(
    march, coordinator, odense
):
    with translation.override("en"):
        report = month_report(MARCH, odense)
    march_stock, february_stock = report.table("stock").rows[0].values[:2]
    handed_out = report.table("summary").row_by_cell("kits")[0]
    # Nothing was received in March; the two kits handed out and withdrawn in March count in neither.
    assert february_stock - handed_out - 2 == march_stock
    assert LATER in report.table("stock").note


def test_the_month_page_and_its_exports_say_why_the_stock_and_the_kits_handed_out_differ(client, coordinator, march):
    client.force_login(coordinator)
    page = page_text(client, PAGE, "2026-03")
    assert ALWAYS in page and LATER in page and "came from handouts of earlier months" not in page
    assert LATER in csv_text(client, "2026-03")

    april = page_text(client, PAGE, "2026-04")
    assert ALWAYS in april and EARLIER in april and "after the month ended" not in april

    assert "On hand counts every kit, also expired and recalled ones, which the stock page shows apart." in page

    february = page_text(client, PAGE, "2026-02")
    assert ALWAYS in february and "Of this month's handouts" not in february and "earlier months" not in february


def test_the_page_says_it_in_danish(client, coordinator, march):
    client.force_login(coordinator)
    page = page_text(client, "/personale/maaned/", "2026-03")
    assert "Af denne måneds udleveringer blev 2 kit lagt tilbage, efter måneden var slut." in page


def test_an_export_of_the_approved_figures_does_not_count_kits_put_back_after_the_approval(client, coordinator, march):
    monthly_data.approve_march(client, coordinator)
    handout = StockMovement.objects.get(
        kind=StockMovement.Kind.HANDOUT, quantity=3, occurred_at=monthly_data.at(2026, 3, 12)
    )
    monthly_data.put_back(handout, coordinator, timezone.now(), quantity=1)

    approved = csv_text(client, "2026-03")
    assert "As approved" in approved and ALWAYS in approved
    assert (
        "Of this month's handouts" not in approved
    )  # the approved 9 kits handed out still count the kit put back since
    current = csv_text(client, "2026-03", figures="current")
    assert "Of this month's handouts, 3 kits were put back after the month ended." in current
