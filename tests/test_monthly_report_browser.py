"""A coordinator opens the month page, switches month and downloads each export, in Chromium."""

import io
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from pypdf import PdfReader

from reports.models import TrainingTarget
from tests import monthly_data
from tests.conftest import axe_violations, log_in
from tests.test_rolling_figures import build_langeland

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.long(seconds=16)
def test_a_coordinator_switches_month_and_downloads_every_export(
    live_server, desktop_page, coordinator, red_liv, venue, aarhus_org, odense
):
    TrainingTarget.objects.create(municipality=odense, people=350, audience="people_who_use_drugs")
    monthly_data.build(coordinator, red_liv, venue, aarhus_org)
    # The months March's publication shows, approved: a publication shows months as approved.
    monthly_data.publish(coordinator, [odense], monthly_data.Month(2025, 3), monthly_data.Month(2026, 3))
    page = desktop_page
    log_in(page, live_server.url, coordinator, next_path="/personale/maaned/?month=2026-04")
    assert "april 2026" in page.get_by_role("heading", level=1).inner_text()

    page.get_by_role("link", name="Forrige måned").click()
    page.wait_for_url("**month=2026-03**")
    assert "marts 2026" in page.get_by_role("heading", level=1).inner_text()
    summary = page.locator("table[data-table=summary] tr[data-row='Afholdte kurser'] td")
    assert summary.all_inner_texts() == ["2", "1", "1"]
    assert page.locator("svg[role=img]").count() == 3
    assert axe_violations(page) == []

    with page.expect_download() as csv_download:
        page.get_by_role("button", name="Hent CSV").click()
    content = Path(csv_download.value.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf") and "Afholdte kurser;2;1;1" in content.decode("utf-8-sig")

    page.get_by_label("Komma").check()
    page.get_by_label("Til offentliggørelse").check()
    with page.expect_download() as public_download:
        page.get_by_role("button", name="Hent CSV").click()
    assert "Afholdte kurser,x,x,x" in Path(public_download.value.path()).read_bytes().decode("utf-8-sig")
    page.get_by_label("Til offentliggørelse").uncheck()

    with page.expect_download() as xlsx_download:
        page.get_by_role("button", name="Hent Excel (XLSX)").click()
    assert xlsx_download.value.suggested_filename == "redliv-2026-03-odense.xlsx"
    workbook = load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes()))
    assert workbook.worksheets[0]["B3"].value == "Odense"

    with page.expect_download() as pdf_download:
        page.get_by_role("button", name="Hent PDF").click()
    assert pdf_download.value.suggested_filename == "redliv-2026-03-odense.pdf"
    pdf = PdfReader(pdf_download.value.path())
    assert "Afholdte kurser 2 1 1" in " ".join(" ".join(p.extract_text().split()) for p in pdf.pages)

    page.get_by_role("button", name="Side til udskrift").click()
    page.wait_for_url("**/personale/maaned/udskriv/**")
    assert "RED LIV månedsrapport" in page.get_by_role("heading", level=1).inner_text()
    with page.expect_download() as printed_pdf:
        page.get_by_role("link", name="Hent rapporten som PDF-fil").click()
    assert printed_pdf.value.suggested_filename == "redliv-2026-03-odense.pdf"
    page.emulate_media(media="print")
    assert page.locator("header.site-header").is_hidden()
    page.emulate_media(media="screen")
    assert axe_violations(page) == []


def approve_the_public_months(coordinator, *organisations):
    """The twelve months the page shows (to May 2026), approved: the page shows months as approved."""
    municipalities = [organisation.municipality for organisation in organisations]
    monthly_data.publish(coordinator, municipalities, monthly_data.Month(2025, 6), monthly_data.Month(2026, 5))


def test_the_public_statistics_page_is_accessible(live_server, desktop_page, coordinator, red_liv, venue, aarhus_org):
    monthly_data.build(coordinator, red_liv, venue, aarhus_org)
    approve_the_public_months(coordinator, red_liv, aarhus_org)
    desktop_page.goto(live_server.url + "/statistik/")
    assert desktop_page.get_by_role("heading", level=1).inner_text() == "RED LIV i tal"
    assert axe_violations(desktop_page) == []


def test_the_public_statistics_read_on_a_phone(
    live_server, phone_page, coordinator, red_liv, venue, aarhus_org, tmp_path
):
    """390 × 844: labels of 12 px or more, captions above, tables that fit or scroll with the keyboard; the last
    three months approved by Odense only, so that their bars' labels carry the mark of a partial month."""
    monthly_data.build(coordinator, red_liv, venue, aarhus_org)
    municipalities = [red_liv.municipality, aarhus_org.municipality]
    monthly_data.publish(coordinator, municipalities, monthly_data.Month(2025, 6), monthly_data.Month(2026, 2))
    monthly_data.publish(coordinator, municipalities[:1], monthly_data.Month(2026, 3), monthly_data.Month(2026, 5))
    page = phone_page
    page.goto(live_server.url + "/statistik/")
    shot = Path(os.environ.get("REDLIV_SCREENSHOT_DIR", tmp_path)) / "statistik-telefon.png"
    page.screenshot(path=str(shot))  # the README's picture: REDLIV_SCREENSHOT_DIR=docs python3 dev.py test …
    assert shot.stat().st_size > 10_000
    smallest = page.evaluate(
        """() => Math.min(...[...document.querySelectorAll('svg text')].map(
            t => parseFloat(getComputedStyle(t).fontSize) * t.closest('svg').getScreenCTM().a))"""
    )
    assert smallest >= 12
    labels = page.locator("svg[role=img]").first.locator("text.chart-label").all_text_contents()
    assert len(labels) == 12 and all(len(label) <= 4 for label in labels)  # "nov", never "nov…"
    assert labels[-4:] == ["feb", "mar*", "apr*", "maj*"]  # the mark on a line of its own: "mar*" ran into "apr*"
    edges = page.evaluate(
        """() => [...document.querySelectorAll('svg[role=img]')[0].querySelectorAll('text.chart-label')]
                 .map((label) => [label.getBoundingClientRect().left, label.getBoundingClientRect().right])"""
    )
    assert all(right < next_left for (_left, right), (next_left, _right) in zip(edges, edges[1:], strict=False))
    for figure in page.locator("figure.report-chart").all():
        caption, chart = figure.locator("figcaption").bounding_box(), figure.locator("svg").bounding_box()
        assert caption["y"] + caption["height"] <= chart["y"] + 1
    for region in page.locator(".table-responsive").all():
        assert region.get_attribute("tabindex") == "0" and region.get_attribute("role") == "region"
        table, box = region.locator("table").bounding_box(), region.bounding_box()
        fits = table["width"] <= box["width"] + 1
        region.focus()
        page.keyboard.press("ArrowRight")
        if not fits:  # the keyboard scrolls it: smoothly, so the scroll is waited for, not read at once
            page.wait_for_function("region => region.scrollLeft > 0", arg=region.element_handle())
    # Both read in one frame: read one after the other, a smooth scroll still running moved the page between them.
    caption_top, table_top = page.evaluate(
        """() => [document.querySelector("#public-months-caption"),
                  document.querySelector("table[data-table=public-months] tbody")]
                 .map((element) => element.getBoundingClientRect().top)"""
    )
    assert caption_top < table_top
    assert axe_violations(page) == []


def keyboard_scrolls(page, region, tries=3):
    """Whether the focused region scrolls sideways with the arrow key. A key pressed while the page still
    scrolls to the address's #fragment can go unanswered (once in four CI runs under load): as a person
    would, it is pressed again, the region focused anew, up to `tries` times."""
    for _ in range(tries):
        region.focus()
        page.wait_for_function("region => document.activeElement === region", arg=region.element_handle())
        page.keyboard.press("ArrowRight")
        try:
            page.wait_for_function("region => region.scrollLeft > 0", arg=region.element_handle(), timeout=5000)
        except PlaywrightTimeoutError:
            continue
        return True
    return False


def test_a_visitor_on_a_phone_chooses_a_small_municipality_and_reads_its_rolling_figures(
    live_server, phone_page, coordinator, red_liv
):
    """The suite's clock stands in June 2026: the twelve months to each quarter's end, March 2026 the last."""
    build_langeland(coordinator, red_liv)
    page = phone_page
    page.goto(live_server.url + "/statistik/")
    page.get_by_label("Kommune", exact=True).select_option(label="Langeland")
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url("**kommune=**")
    assert "Langeland er for lille til månedstal" in page.locator("[data-figures=rolling]").inner_text()
    rows = page.locator("table[data-table=municipality-rolling] tbody tr")
    assert rows.count() == 4
    assert rows.nth(0).locator("td").all_inner_texts() == ["x", "31", "0"]  # tests/test_rolling_figures.py
    assert rows.nth(3).locator("td").all_inner_texts() == ["x", "≥ 27", "≥ 6"]
    region = page.locator(".table-responsive", has=page.locator("table[data-table=municipality-rolling]"))
    table, box = region.locator("table").bounding_box(), region.bounding_box()
    if table["width"] > box["width"] + 1:  # the keyboard scrolls it, smoothly: waited for, not read at once
        assert keyboard_scrolls(page, region)
    else:
        region.focus()
        page.keyboard.press("ArrowRight")
    assert axe_violations(page) == []
    page.get_by_label("Kommune", exact=True).select_option(label="Odense")
    # The rows are counted once Odense's page has loaded, not as soon as its table has begun to arrive.
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Vis").click()
    assert page.locator("table[data-table=municipality-months] tbody tr").count() == 12
    assert axe_violations(page) == []
