"""An approved month keeps its figures: a later correction is shown on the page and in every
export with what changed, when, by whom and why; the exports show the approved figures unless
the coordinator chooses the current ones; the month can be approved again."""

import datetime as dt
import io
import uuid

import pytest
from django.db import connection
from openpyxl import load_workbook

from courses.models import Course
from kits.models import StockMovement
from kits.services import correct_movement
from redliv.models import MonthClosing
from tests import factories, monthly_data
from tests.test_coordinator_courses import course_data
from tests.test_monthly_report import csv_tables, english_titles, page_tables, pdf_text

pytestmark = pytest.mark.django_db

PAGE = "/en/personale/maaned/"
CHANGE = "Participants 12 → 13"
REASON = "by koordinator-carla, reason: Papirskema talt igen"


@pytest.fixture
def corrected_march(client, coordinator, red_liv, venue, aarhus_org):
    monthly_data.build(coordinator, red_liv, venue, aarhus_org)
    monthly_data.approve_march(client, coordinator)
    monthly_data.correct_march_course(coordinator, {"people_who_use_drugs": 7, "professionals": 2}, refresher=3)
    return client


def test_the_approval_keeps_the_figures_of_the_month(client, coordinator, red_liv, venue, aarhus_org):
    monthly_data.build(coordinator, red_liv, venue, aarhus_org)
    client.force_login(coordinator)
    client.post(PAGE + "godkend/", {"month": "2026-03"})
    figures = MonthClosing.objects.get().figures
    assert figures["tables"]["summary"]["participants"] == [12, 5, 3]
    assert figures["tables"]["kits_by_reason"]["reason:first_supply"] == [8, 0, 0]
    assert "venues_not_logged" not in figures["tables"]  # lists of what is missing name trainers


def test_the_page_says_what_changed_since_the_approval_and_offers_to_approve_again(corrected_march):
    page = corrected_march.get(PAGE, {"month": "2026-03"}).content.decode()
    assert "The figures have changed since the approval." in page
    assert CHANGE in page and "People trained (first time) 9 → 10" in page and REASON in page
    assert "Approve the current figures" in page


def test_the_exports_show_the_approved_figures_unless_the_current_ones_are_chosen(corrected_march, odense):
    titles = english_titles(odense)
    approved = corrected_march.get(PAGE + "csv/", {"month": "2026-03"}).content
    rows, tables = csv_tables(approved, ";", titles)
    assert tables["summary"]["Participants"] == ["12", "5", "3"]
    assert tables["participants_by_audience"]["People who use drugs"][0] == "9"
    assert ["Figures in this file", "As approved"] in rows
    changed = next(row[1] for row in rows if row and row[0] == "Changed since the approval")
    assert changed.startswith(CHANGE) and REASON in changed
    current = corrected_march.get(PAGE + "csv/", {"month": "2026-03", "figures": "current"}).content
    rows, tables = csv_tables(current, ";", titles)
    assert tables["summary"]["Participants"] == ["13", "5", "3"]
    assert ["Figures in this file", "Current figures: they have changed since the approval"] in rows
    assert any(row and row[0] == "Changed since the approval" for row in rows)

    sheet = load_workbook(io.BytesIO(corrected_march.get(PAGE + "xlsx/", {"month": "2026-03"}).content)).worksheets[0]
    header = {row[0].value: row[1].value for row in sheet.iter_rows(max_row=8) if row[0].value}
    assert header["Figures in this file"] == "As approved" and CHANGE in header["Changed since the approval"]

    document = pdf_text(corrected_march.get(PAGE + "pdf/", {"month": "2026-03"}).content)
    assert "As approved" in document and "Participants 12 -> 13" in document and "Participants 12 5 3" in document
    printed = corrected_march.get(PAGE + "udskriv/", {"month": "2026-03"}).content.decode()
    assert CHANGE in printed


def test_approving_again_keeps_the_new_figures_and_the_marker_goes(corrected_march):
    response = corrected_march.post(PAGE + "godkend/", {"month": "2026-03"}, follow=True)
    assert "March 2026 is approved." in response.content.decode()
    assert MonthClosing.objects.filter(action="approved").count() == 2
    assert MonthClosing.objects.order_by("-id").first().figures["tables"]["summary"]["participants"][0] == 13
    page = corrected_march.get(PAGE, {"month": "2026-03"}).content.decode()
    assert "The figures have changed since the approval." not in page
    again = corrected_march.post(PAGE + "godkend/", {"month": "2026-03"}, follow=True)
    assert "This month is already approved." in again.content.decode()


def test_the_change_reads_in_danish_first(corrected_march):
    from django.utils import formats, timezone

    page = corrected_march.get("/personale/maaned/", {"month": "2026-03"}).content.decode()
    today = formats.date_format(timezone.localdate(), "SHORT_DATE_FORMAT", use_l10n=True)
    assert "Tallene er ændret siden godkendelsen." in page and "Deltagere 12 → 13" in page
    assert "af koordinator-carla, begrundelse: Papirskema talt igen" in page and "rettet " in page
    assert "Godkend de aktuelle tal" in page and today


# --- A delivery received in an approved month changes its stock at the month's end ---------------


@pytest.fixture
def approved_march(client, coordinator, red_liv, venue, aarhus_org):
    monthly_data.build(coordinator, red_liv, venue, aarhus_org)
    return monthly_data.approve_march(client, coordinator)


def backdated_delivery(red_liv, **fields):
    office = factories.make_location(red_liv, name="Kontoret, bagerst")
    return {
        "key": str(uuid.uuid4()),
        "location": office.pk,
        "kit_type": factories.make_kit_type().pk,
        "product": "Nyxoid 1,8 mg",
        "lot_number": "LOT-BACK",
        "expiry_date": "2027-12-31",
        "quantity": 50,
        "on_date": "2026-03-31",  # the month's last day
        **fields,
    }


def test_a_delivery_received_in_an_approved_month_needs_a_reason_and_is_not_stored_without(approved_march, red_liv):
    response = approved_march.post("/en/personale/lager/levering/", backdated_delivery(red_liv))
    assert response.status_code == 200
    assert "March 2026 is approved" in response.context["form"].errors["change_reason"][0]
    assert not StockMovement.objects.filter(batch__lot_number="LOT-BACK").exists()
    page = approved_march.get(PAGE, {"month": "2026-03"}).content.decode()
    assert "The figures have changed since the approval." not in page


def test_a_delivery_received_in_an_approved_month_with_a_reason_says_who_and_why_on_the_page_and_exports(
    approved_march, red_liv, odense
):
    fields = backdated_delivery(red_liv, change_reason="Følgeseddel fundet")
    for _tab in range(2):  # a second tab (the same form's key) stores nothing more
        assert approved_march.post("/en/personale/lager/levering/", fields).status_code == 302
    assert StockMovement.objects.get(batch__lot_number="LOT-BACK").reason == "Følgeseddel fundet"
    page = approved_march.get(PAGE, {"month": "2026-03"}).content.decode()
    assert "The figures have changed since the approval." in page
    assert "On hand 105 → 155" in page and "by koordinator-carla, reason: Følgeseddel fundet" in page
    rows, _tables = csv_tables(approved_march.get(PAGE + "csv/", {"month": "2026-03"}).content, ";", {})
    changed = next(row[1] for row in rows if row and row[0] == "Changed since the approval")
    assert "On hand 105 → 155" in changed and "reason: Følgeseddel fundet" in changed


def test_a_delivery_received_in_the_month_after_an_approved_one_needs_no_reason(approved_march, red_liv):
    fields = backdated_delivery(red_liv, on_date="2026-04-01")
    assert approved_march.post("/en/personale/lager/levering/", fields).status_code == 302
    assert StockMovement.objects.get(batch__lot_number="LOT-BACK").reason == ""


# --- The coordinator's course screens change an approved month only with a reason ------------------


def march_course(day):
    return Course.objects.get(starts_at=monthly_data.at(2026, 3, day))


def test_the_course_form_moves_a_held_course_out_of_an_approved_month_only_with_a_reason(approved_march, venue):
    held = march_course(10)
    path = f"/en/personale/kurser/{held.pk}/rediger/"
    response = approved_march.post(path, course_data(venue, dt.date(2026, 4, 10)))
    assert response.status_code == 200
    assert "Give a reason for changing an entry in it." in response.context["form"].errors["change_reason"][0]
    assert Course.objects.get(pk=held.pk).starts_at == monthly_data.at(2026, 3, 10)
    page = approved_march.get(PAGE, {"month": "2026-03"}).content.decode()
    assert "The figures have changed since the approval." not in page

    moved = approved_march.post(path, course_data(venue, dt.date(2026, 4, 10), change_reason="Forkert dato"))
    assert moved.status_code == 302
    page = approved_march.get(PAGE, {"month": "2026-03"}).content.decode()
    assert "Participants 12 → 4" in page and "by koordinator-carla, reason: Forkert dato" in page
    rows, _tables = csv_tables(approved_march.get(PAGE + "csv/", {"month": "2026-03"}).content, ";", {})
    changed = next(row[1] for row in rows if row and row[0] == "Changed since the approval")
    assert "Participants 12 → 4" in changed and "reason: Forkert dato" in changed


def test_a_course_planned_into_an_approved_month_needs_a_reason_and_the_page_names_it(approved_march, venue):
    fields = course_data(venue, dt.date(2026, 3, 31))
    response = approved_march.post("/en/personale/kurser/ny/", fields)
    assert "Give a reason for adding an entry" in response.context["form"].errors["change_reason"][0]
    assert not Course.objects.filter(starts_at__date=dt.date(2026, 3, 31), title=fields["title"]).exists()
    assert approved_march.post("/en/personale/kurser/ny/", {**fields, "change_reason": "Glemt"}).status_code == 302
    page = approved_march.get(PAGE, {"month": "2026-03"}).content.decode()
    assert "Courses planned (not cancelled) 4 → 5" in page and "reason: Glemt" in page


def test_cancelling_a_planned_course_of_an_approved_month_names_who_and_why(approved_march):
    planned = march_course(25)
    assert (
        approved_march.post(f"/en/personale/kurser/{planned.pk}/aflys/", {"reason": "Lokalet lukket"}).status_code
        == 302
    )
    page = approved_march.get(PAGE, {"month": "2026-03"}).content.decode()
    assert "Courses planned (not cancelled) 4 → 3" in page
    assert "by koordinator-carla, reason: Lokalet lukket" in page


def test_a_course_is_not_copied_into_an_approved_month(approved_march, venue):
    february = factories.make_course(venue, starts_at=monthly_data.at(2026, 2, 24))
    response = approved_march.post(f"/en/personale/kurser/{february.pk}/kopier/", follow=True)
    assert "Give a reason for adding an entry to it." in response.content.decode()
    assert not Course.objects.filter(starts_at=monthly_data.at(2026, 3, 3)).exists()


def test_a_planned_course_of_an_approved_month_keeps_its_title_and_description_editable(approved_march, venue):
    planned = march_course(25)
    fields = course_data(venue, dt.date(2026, 3, 25), title="Nyt navn")
    fields["starts_at"], fields["ends_at"] = "2026-03-25T14:00", "2026-03-25T16:00"
    fields["trainers"] = [trainer.pk for trainer in planned.trainers.all()]
    fields["format"] = planned.format
    assert approved_march.post(f"/en/personale/kurser/{planned.pk}/rediger/", fields).status_code == 302
    assert Course.objects.get(pk=planned.pk).title == "Nyt navn"


# --- The training target is a setting, not a figure of an approved month ---------------------------


def target_section(page):
    """The month page's target form, with its heading."""
    return page.split('aria-labelledby="target-heading"')[1].split("</section>")[0]


def test_setting_or_changing_the_target_does_not_change_an_approved_month(approved_march, odense):
    """Nor does it change the target the approved month shows: the one it was approved with (none, here), on the
    page and in the exports. The month page and its exports followed the target set today."""
    target = {"month": "2026-05", "people": 100, "audience": "people_who_use_drugs"}
    assert approved_march.post(PAGE + "maal/", target).status_code == 302
    page = approved_march.get(PAGE, {"month": "2026-03"}).content.decode()
    assert "The figures have changed since the approval." not in page
    assert "Target set by the coordinator: 100." not in page and "Target" not in page_tables(page.encode())["trained"]
    # The form beside it sets today's target (100): the page says which is which.
    form = target_section(page)
    assert "Training target from now on" in form and 'value="100"' in form
    assert "This month was approved without a target, as the table above shows." in form
    assert "in this month only if it is approved again" in form
    april = approved_march.get(PAGE, {"month": "2026-04"}).content.decode()  # not approved: the target of today
    assert (
        "Target set by the coordinator: 100." in april and page_tables(april.encode())["trained"]["Target"][0] == "100"
    )
    form = target_section(april)
    assert "from now on" not in form and "counts in this month and in every month not yet approved" in form

    # Approved again with a target of 200 for everyone; then the target changes once more.
    assert approved_march.post(PAGE + "maal/", {**target, "people": 200, "audience": ""}).status_code == 302
    assert approved_march.post(PAGE + "genaabn/", {"month": "2026-03", "reason": "Målet sat"}).status_code == 302
    assert approved_march.post(PAGE + "godkend/", {"month": "2026-03"}).status_code == 302
    assert approved_march.post(PAGE + "maal/", {**target, "people": 300}).status_code == 302
    page = approved_march.get(PAGE, {"month": "2026-03"}).content.decode()
    assert "The figures have changed since the approval." not in page
    assert "Target 39 → 200" not in page and "Target when the month was approved: 200." in page
    form = target_section(page)
    assert "approved with a target of 200, which the table above shows" in form and 'value="300"' in form
    trained = page_tables(page.encode())["trained"]
    assert trained["Target"] == ["200"] * 3 and not any("People who use drugs" in label for label in trained)
    rows, tables = csv_tables(
        approved_march.get(PAGE + "csv/", {"month": "2026-03"}).content, ";", english_titles(odense)
    )
    assert tables["trained"]["Target"] == ["200"] * 3 and ["Target when the month was approved: 200."] in rows


def test_an_approval_kept_with_a_target_reads_the_same_after_the_target_changes(approved_march, odense):
    """Approvals kept the target's rows by their place in the table ("#2"…): with the audience row gone,
    "Target" took the place of the participants who use drugs and read "Target 39 → 200"."""
    assert approved_march.post(PAGE + "maal/", {"month": "2026-05", "people": 100, "audience": "people_who_use_drugs"})
    closing = MonthClosing.objects.get()
    trained = closing.figures["tables"]["trained"]
    closing.figures["tables"]["trained"] = {**trained, "#2": [39, 24, 9], "#3": [100, 100, 100], "#4": [0.39, 0, 0]}
    with connection.cursor() as cursor:  # as such an approval was kept: the database keeps approvals as made
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE reports_monthclosing DISABLE TRIGGER monthclosing_kept_as_approved")
        closing.save()
        cursor.execute("ALTER TABLE reports_monthclosing ENABLE TRIGGER monthclosing_kept_as_approved")
    assert approved_march.post(PAGE + "maal/", {"month": "2026-05", "people": 200, "audience": ""}).status_code == 302
    page = approved_march.get(PAGE, {"month": "2026-03"}).content.decode()
    assert "The figures have changed since the approval." not in page
    rows, _tables = csv_tables(approved_march.get(PAGE + "csv/", {"month": "2026-03"}).content, ";", {})
    assert not any(row and row[0] == "Changed since the approval" for row in rows)


def test_a_change_of_figures_is_still_found_with_a_target_set(approved_march, venue):
    assert approved_march.post(PAGE + "maal/", {"month": "2026-05", "people": 100, "audience": ""}).status_code == 302
    assert approved_march.post(f"/en/personale/kurser/{march_course(25).pk}/aflys/", {"reason": "Lukket"})
    page = approved_march.get(PAGE, {"month": "2026-03"}).content.decode()
    assert "Courses planned (not cancelled) 4 → 3" in page and "Target" not in page.split("changed since")[1][:300]


# --- The population is a setting too: the rate follows it, the month's entries did not change ------


def test_entering_this_years_population_does_not_change_a_month_approved_with_last_years(
    client, coordinator, red_liv, venue, aarhus_org, odense
):
    """The residents are entered once a year, when Statistics Denmark publishes them, often after the
    year's first months were approved with last year's figure: each of those months then read "changed
    since the approval: Kits handed out per 100,000 residents 3.8 → 3.7", with no who or why, and
    asked the coordinator to approve it again. The rate follows a setting; its kits are compared."""
    from reports.models import Population

    monthly_data.build(coordinator, red_liv, venue, aarhus_org)
    Population.objects.create(municipality=odense, year=2025, residents=209_000, source="FOLK1A 2025")
    monthly_data.approve_march(client, coordinator)
    assert "kits_per_residents" in MonthClosing.objects.get().figures["tables"]

    Population.objects.create(municipality=odense, year=2026, residents=212_000, source="FOLK1A 2026")
    page = client.get(PAGE, {"month": "2026-03"}).content.decode()
    # The rate is the one approved, and says so: it followed the population entered since ("(2026, FOLK1A 2026)").
    assert "Odense: 209,000 residents (2025, FOLK1A 2025)" in page and "FOLK1A 2026" not in page
    assert "The figures have changed since the approval." not in page
    april = client.get(PAGE, {"month": "2026-04"}).content.decode()  # not approved: the population of today
    assert "Odense: 212,000 residents (2026, FOLK1A 2026)" in april
    rows, _tables = csv_tables(client.get(PAGE + "csv/", {"month": "2026-03"}).content, ";", {})
    assert not any(row and row[0] == "Changed since the approval" for row in rows)


def test_a_change_of_kits_is_still_found_with_a_population_entered(
    client, coordinator, red_liv, venue, aarhus_org, odense
):
    from reports.models import Population

    monthly_data.build(coordinator, red_liv, venue, aarhus_org)
    Population.objects.create(municipality=odense, year=2026, residents=210_000, source="FOLK1A 2026")
    approved_march = monthly_data.approve_march(client, coordinator)
    handout = StockMovement.objects.filter(kind="handout", occurred_at__month=3).order_by("pk").first()
    correct_movement(user=coordinator, movement=handout, reason="Udleveret til forkert lokation", key=uuid.uuid4())
    page = approved_march.get(PAGE, {"month": "2026-03"}).content.decode()
    assert "The figures have changed since the approval." in page
    assert "Kits handed out per 100,000 residents" not in page.split("changed since the approval")[1][:400]
