"""The country's figures say how many municipalities they cover: a month only some municipalities have
approved is their sum, and a journalist must not read it as the country's total.

The public statistics page says it in a cell of each month's row (and of each quarter's), which a
screen reader reads with the figures; the national publication files (CSV, XLSX, PDF, printable) in
a row of the key figures and of the trend, and in their header. And the count of municipalities
gives a reader nothing to subtract: it is counted from the same published versions as the figures.
"""

import datetime as dt
import html
import re

import pytest

from reports.figures import public_statistics
from reports.publication import approve_and_publish
from tests import factories, monthly_data
from tests.test_monthly_report import csv_tables, english_titles
from tests.test_public_statistics_frozen_at_approval import MARCH, TODAY, figures, revealed_by_subtraction

pytestmark = pytest.mark.django_db

PAGE = "/en/statistik/"


def _coverage(page: str, table: str) -> dict:
    """{row label: the coverage cell as shown} of a table on the public statistics page."""
    body = re.search(rf'data-table="{table}">(.*?)</table>', page, re.S).group(1)
    return dict(re.findall(r'<th scope="row"[^>]*>([^<]+)</th>.*?<td data-coverage="[^"]*"[^>]*>([^<]*)</td>', body))


def _charts(page: str) -> list[dict]:
    """The public statistics page's bar charts: what labels each, its description, and (label, partial) per bar."""
    charts = []
    for svg in re.findall(r"<svg viewBox=.*?</svg>", page, re.S):
        desc = re.search(r'<desc id="([^"]+)-desc">([^<]*)</desc>', svg)
        bars = re.findall(
            r'<rect x="[^"]*" y="[^"]*" width="[^"]*" height="[^"]*"([^>]*)/>\s*<text[^>]*>[^<]*</text>\s*'
            r'<text[^>]*class="chart-label"[^>]*>(.*?)</text>',
            svg,
        )
        charts.append(
            {
                "id": desc.group(1),
                "labelledby": re.search(r'aria-labelledby="([^"]+)"', svg).group(1),
                "desc": html.unescape(desc.group(2)),
                "bars": [
                    (
                        html.unescape(re.sub("<[^>]+>", "", label)),
                        "data-partial" in attributes and "url(#" in attributes,
                    )
                    for attributes, label in bars
                ],
            }
        )
    return charts


@pytest.fixture
def march(coordinator, red_liv, venue, aarhus_org):
    """Odense and Aarhus in March 2026 (tests.monthly_data); neither approved."""
    return monthly_data.build(coordinator, red_liv, venue, aarhus_org)


def test_each_month_and_quarter_of_the_country_says_how_many_municipalities_it_covers(
    client, march, coordinator, other_coordinator, aarhus
):
    monthly_data.approve_march(client, coordinator)  # Odense's March; Aarhus has approved nothing
    client.logout()
    page = client.get(PAGE).content.decode()
    months = _coverage(page, "public-months")
    assert months["Mar 2026"] == "Covers 1 of 2 municipalities"
    assert months["Feb 2026"] == "Covers 0 of 2 municipalities"
    assert _coverage(page, "public-quarters")["Q1 2026"] == "Covers 0–1 of 2 municipalities, by month"
    assert 'aria-describedby="public-coverage"' in page and 'id="public-coverage"' in page
    assert "the figures are not the country's total" in html.unescape(page)
    # Nor does the opening sentence say the figures are the whole country's; and a partial month's bars say it too,
    # in their label (a mark, explained beside the charts) and in the chart's accessible name (title and desc).
    assert "in all municipalities" not in page and "in the municipalities that have approved each month" in page
    charts = _charts(page)
    assert len(charts) == 3 and all(
        chart["labelledby"] == f"{chart['id']}-title {chart['id']}-desc" for chart in charts
    )
    assert "March 2026: x (Covers 1 of 2 municipalities)" in charts[0]["desc"]
    assert "February 2026: – (Covers 0 of 2 municipalities)" in charts[0]["desc"]  # not "None": nothing approved
    assert ("Mar*", True) in charts[0]["bars"] and ("Feb*", True) in charts[0]["bars"]
    assert "* and a hatched bar: a month not every municipality has approved yet." in html.unescape(page)

    approve_and_publish(other_coordinator, aarhus, MARCH.first_day)
    from django.core.cache import caches

    caches["shared"].clear()  # the page is worked out again every five minutes
    page = client.get("/statistik/").content.decode()  # Danish first
    months = _coverage(page, "public-months")
    assert (months["Mar 2026"], months["Feb 2026"]) == ("Dækker alle 2 kommuner", "Dækker 0 af 2 kommuner")
    assert "Dækker 0–2 af 2 kommuner, alt efter måneden" in page
    assert "er tallene ikke hele landets" in page
    assert "i alle kommuner" not in page and "i de kommuner, der har godkendt hver måned" in page
    charts = _charts(page)
    assert "marts 2026: x" in charts[0]["desc"] and "marts 2026: x (" not in charts[0]["desc"]  # all of them now
    assert "februar 2026: – (Dækker 0 af 2 kommuner)" in charts[0]["desc"]
    assert ("mar", False) in charts[0]["bars"] and ("feb*", True) in charts[0]["bars"]
    assert "* og en skraveret søjle" in page


@pytest.mark.parametrize(
    ("prefix", "heading", "words"),
    [
        (
            "/en",
            "What the figures for the country cover",
            [
                "the sum of the figures of the municipalities that have approved that month",
                "Covers 41 of 98 municipalities",
                "The count of municipalities reveals nothing about small numbers",
            ],
        ),
        (
            "",
            "Hvad tallene for hele landet dækker",
            [
                "summen af tallene for de kommuner, der har godkendt måneden",
                "Dækker 41 af 98 kommuner",
                "Antallet af kommuner afslører intet om små tal",
            ],
        ),
    ],
)
def test_the_method_page_says_what_a_month_of_the_countrys_figures_covers(client, prefix, heading, words):
    """What a month's national figure sums, that one not approved everywhere covers fewer and says how many, and why
    the count of municipalities is safe to publish (reports.disclosure, point 8); linked from the coverage note."""
    method = html.unescape(client.get(f"{prefix}/statistik/metode/").content.decode())
    section = re.search(r'<h2 class="h4" id="coverage">([^<]+)</h2>(.*?)<h2', method, re.S)
    assert section.group(1) == heading
    assert all(word in section.group(2) for word in words)
    # Nowhere else on the page are the national figures called the figures "for all municipalities".
    assert "for all municipalities" not in method and "for alle kommuner" not in method
    assert 'href="/en/statistik/metode/#coverage"' in client.get(PAGE).content.decode()


def test_the_national_publication_files_say_how_many_municipalities_each_month_covers(
    client, march, coordinator, administrator
):
    monthly_data.approve_march(client, coordinator)
    client.force_login(administrator)
    query = {"month": "2026-03", "publication": "1"}
    rows, tables = csv_tables(client.get("/en/personale/maaned/csv/", query).content, ";", english_titles(None))
    assert tables["summary"]["Municipalities covered (of 2)"] == ["1", "0", "0"]  # March, February, March 2025
    assert tables["trend"]["Municipalities covered (of 2)"][-2:] == ["0", "1"]
    header = dict(row[:2] for row in rows[:12] if len(row) >= 2)
    assert header["Municipalities"].startswith("Covers 1 of 2 municipalities.")
    printed = client.get("/personale/maaned/udskriv/", query).content.decode()
    assert "Kommuner med i tallene (af 2)" in printed and "Dækker 1 af 2 kommuner" in printed


@pytest.fixture
def small_and_large(coordinator, red_liv, venue, aarhus_org, odense, aarhus, other_coordinator):
    """March 2026: Odense handed out 3 kits (hidden), Aarhus 20."""
    batch = factories.make_batch(expiry_date=dt.date(2029, 1, 1), received_on=dt.date(2025, 12, 1))
    for organisation, kits in [(red_liv, 3), (aarhus_org, 20)]:
        bag = factories.make_location(organisation)
        factories.receive(batch, bag, 100, coordinator, occurred_at=monthly_data.at(2026, 2, 2))
        factories.hand_out(batch, bag, kits, coordinator, occurred_at=monthly_data.at(2026, 3, 5))


def test_the_number_of_municipalities_covered_gives_no_hidden_count_by_subtraction(
    client, small_and_large, coordinator, other_coordinator, odense, aarhus
):
    """A reader saves the page when only Aarhus (20 kits) has approved March, and again when Odense (3, hidden)
    has too: the count going from 1 to 2 says that the difference is one municipality's month, so that month
    must not be exact in it; nor may the count move without the figures (a reopened or withheld month)."""
    approve_and_publish(other_coordinator, aarhus, MARCH.first_day)
    before = public_statistics(TODAY)
    approve_and_publish(coordinator, odense, MARCH.first_day)
    after = public_statistics(TODAY)
    covered = {row["month"]: row["covered"] for row in after["months"]}
    assert ({row["month"]: row["covered"] for row in before["months"]}[MARCH], covered[MARCH]) == (1, 2)
    assert figures(before)[("all", MARCH, "kits")] == 20
    assert str(figures(after)[("all", MARCH, "kits")]) == "≥ 20"
    assert revealed_by_subtraction(figures(before), figures(after)) == {}

    # Reopened, and approved again with one kit more (withheld: the difference would be 1): the public
    # statistics keep Odense's version, and count it, so the count and the figures always agree.
    client.force_login(coordinator)
    assert (
        client.post("/personale/maaned/genaabn/", {"month": "2026-03", "reason": "Sen indberetning"}).status_code == 302
    )
    assert public_statistics(TODAY)["months"] == after["months"]
    bag = factories.make_location(odense.organisations.first())
    batch = factories.make_batch(expiry_date=dt.date(2029, 2, 1), received_on=dt.date(2025, 12, 1))
    factories.receive(batch, bag, 5, coordinator, occurred_at=monthly_data.at(2026, 2, 2))
    factories.hand_out(batch, bag, 1, coordinator, occurred_at=monthly_data.at(2026, 3, 6))
    _approval, published = approve_and_publish(coordinator, odense, MARCH.first_day)
    assert published.withheld
    assert public_statistics(TODAY)["months"] == after["months"]
