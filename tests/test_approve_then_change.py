"""Approve, then change: an approved month reads as it was approved, on the month page and in every
export, whatever a coordinator or an administrator edits later that is not a correction of its entries.

A correction of an entry (a course, a count, a handout, a report) needs a coordinator's reason and is
shown as a change since the approval (tests/test_approved_month_figures.py); so is a lot's expiry
date put right, with who did it. Everything else either leaves the approved month as it read (a venue
renamed, moved, closed; a held course's title or audiences; a trainer renamed or hidden; a stock
location renamed; a lot recalled), or is refused (a district or a stock location moved to another
municipality with what was counted there, a trainer deleted who taught a counted course). The
population and the training target are settings that the month's rate and target rows follow.
"""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from courses.models import Course, Trainer, Venue
from kits.models import Batch, StockLocation
from redliv.models import District, MonthClosing, Municipality, User
from reports.figures import public_statistics
from reports.models import Population
from tests import monthly_data
from tests.test_coordinator_courses import course_data
from tests.test_coordinator_trainers import trainer_data
from tests.test_coordinator_venues import edit_data
from tests.test_monthly_report import page_tables, pdf_text

pytestmark = pytest.mark.django_db

PAGE = "/en/personale/maaned/"
MARCH = {"month": "2026-03"}


def read_march(client) -> dict:
    """March as the coordinator reads it: the page, each export, the publication file and the public figures."""
    page = client.get(PAGE, MARCH)
    assert page.status_code == 200
    workbook = load_workbook(io.BytesIO(client.get(PAGE + "xlsx/", MARCH).content))
    return {
        "page": page_tables(page.content),
        "page says changed": "The figures have changed since the approval." in page.content.decode(),
        "csv": client.get(PAGE + "csv/", MARCH).content.decode("utf-8-sig"),
        "current csv": client.get(PAGE + "csv/", {**MARCH, "figures": "current"}).content.decode("utf-8-sig"),
        "xlsx": [list(row) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)],
        "pdf": pdf_text(client.get(PAGE + "pdf/", MARCH).content),
        "print": page_tables(client.get(PAGE + "udskriv/", MARCH).content),
        "publication csv": client.get(PAGE + "csv/", {**MARCH, "publication": "1"}).content.decode("utf-8-sig"),
        "public statistics": repr(public_statistics(dt.date(2026, 6, 11))),
    }


def assert_reads_as_approved(client, approved: dict, todays_names: dict) -> dict:
    """Every read as at the approval, but for the names of today's aids (`todays_names`, new: old): the
    trainers with courses not logged (an approval keeps no person's name: a trainer renamed because they
    asked to be forgotten is no longer named), and the stock locations to reconcile the stock by hand."""
    now = read_march(client)
    for what, read in approved.items():
        text = repr(now[what])
        for new, old in todays_names.items():
            assert old not in text, what
            text = text.replace(new, old)
        assert text == repr(read), what
    return now


@pytest.fixture
def march(client, coordinator, red_liv, venue, aarhus_org):
    rows = monthly_data.build(coordinator, red_liv, venue, aarhus_org)
    monthly_data.approve_march(client, coordinator)
    return rows


def save_venue(client, venue, **changes):
    path = f"/en/personale/steder/{venue.pk}/"
    shown = client.get(path).context["form"]["shown_version"].value()
    response = client.post(path, edit_data(venue, shown_version=shown, **changes))
    assert response.status_code == 302, response.context["form"].errors
    venue.refresh_from_db()


def admin_post(client, model, pk, **fields):
    return client.post(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk]), fields)


def test_an_approved_month_reads_as_approved_whatever_is_edited_after(
    client, coordinator, administrator, march, venue, aarhus_org, odense
):
    """March approved, then every edit a coordinator or an administrator can make that is not a correction of
    its entries; then the page and each export read as they did at the approval.

    The report grouped courses by the venue's name: a rename relabelled every approved month and made it read
    "changed since the approval" with nobody named, and a venue given another's old name took over its row.
    Moving a district or a stock location to another municipality took its reports, or its handouts and its
    stock, out of the approved month; deleting a trainer took them out of its "Trainers active"."""
    approved = read_march(client)
    stand, anna, bent = march["stand"], march["anna"], march["bent"]

    # The coordinator's own pages. A held course's audiences, title and languages are no figure of the month;
    # its format is, and is changed only with a reason (then a change since the approval: not tried here).
    held = Course.objects.get(starts_at=monthly_data.at(2026, 3, 10))
    course = course_data(venue, dt.date(2026, 3, 10), starts_at="2026-03-10T14:00", ends_at="2026-03-10T16:00")
    course |= {"trainers": [anna.pk], "title": "Naloxon for naboer", "audiences": ["residents"], "languages": ["en"]}
    assert client.post(f"/en/personale/kurser/{held.pk}/rediger/", course).status_code == 302
    refused = client.post(f"/en/personale/kurser/{held.pk}/rediger/", {**course, "format": "pop_up"})
    assert "Give a reason for changing an entry in it." in refused.context["form"].errors["change_reason"][0]
    assert Course.objects.get(pk=held.pk).format == "drop_in"
    save_venue(client, stand, name="Stand ved Banegården")
    save_venue(client, venue, name="Stand på Rådhuspladsen")  # the name the stand had when March was approved
    save_venue(client, stand, district=monthly_data.factories.make_district(odense, name="Vollsmose").pk)
    save_venue(client, stand, active=None)
    trainer = trainer_data(
        venue.organisation, name="A. T.", contact="", show_name_publicly="on", active="", **{"cert-TOTAL_FORMS": "0"}
    )
    assert client.post(f"/personale/traenere/{anna.pk}/rediger/", trainer).status_code == 302
    lot = Batch.objects.get(expiry_date=dt.date(2026, 5, 15))
    recall = {"recalled_on": "2026-03-15", "reason": "Defekte dyser", "instructions": "Aflever kittet"}
    assert client.post(f"/personale/lager/lot/{lot.pk}/tilbagekald/", recall).status_code == 302

    # The administrator's admin.
    client.force_login(administrator)
    moved = {**edit_data(venue, organisation=aarhus_org.pk, district="", latitude="", longitude="")}
    refused = admin_post(client, Venue, venue.pk, municipality=aarhus_org.municipality_id, **moved)
    assert "har kurser, faste tider eller lagre i Odense" in refused.content.decode()  # counted where it is
    assert Venue.objects.get(pk=venue.pk).municipality == odense
    bag = StockLocation.objects.get(name="Gadeteamets taske")
    location = {"name": "Gadeteamets rygsæk", "kind": "bag", "organisation": bag.organisation_id}
    location |= {"min_months": "1", "max_months": "3"}
    assert admin_post(client, StockLocation, bag.pk, municipality=odense.pk, **location).status_code == 302
    refused = admin_post(client, StockLocation, bag.pk, **location, municipality=aarhus_org.municipality_id)
    assert "Der er flyttet kits ind og ud af Gadeteamets rygsæk" in refused.content.decode()  # the admin is Danish
    centrum = District.objects.get(name="Centrum")
    refused = admin_post(client, District, centrum.pk, name="Centrum", municipality=aarhus_org.municipality_id)
    assert "Centrum har steder eller afrapporteringer i Odense" in refused.content.decode()
    delete = reverse("admin:courses_trainer_delete", args=[bent.pk])
    assert "Kursus: " in client.get(delete).content.decode()  # "Cannot delete trainer": the held courses named
    client.post(delete, {"post": "yes"})
    assert (StockLocation.objects.get(pk=bag.pk).municipality, District.objects.get(pk=centrum.pk).municipality) == (
        odense,
        odense,
    )
    assert Trainer.objects.filter(pk=bent.pk).exists() and Trainer.objects.get(pk=anna.pk).name == "A. T."
    # The municipality renamed, and the approver renamed (as when forgotten); a target and a population set. The
    # exports named today's municipality and approver, and the page and the exports showed today's target and
    # the kits per 100,000 residents of today's population, in a month approved with neither.
    assert admin_post(client, Municipality, odense.pk, name="Fyns Storkommune", code=odense.code).status_code == 302
    User.objects.filter(pk=coordinator.pk).update(username="tidligere-bruger-7", first_name="Tidligere")
    Population.objects.create(municipality=odense, year=2026, residents=210_000, source="FOLK1A 2026")

    client.force_login(coordinator)
    assert client.post(PAGE + "maal/", {**MARCH, "people": 100, "audience": ""}).status_code == 302
    now = assert_reads_as_approved(
        client, approved, {"A. T.": "Anna Træner", "Gadeteamets rygsæk": "Gadeteamets taske"}
    )
    assert "by koordinator-carla" in now["csv"] and "Tidligere" not in repr(now)
    assert "Fyns Storkommune" not in client.get(PAGE, MARCH).content.decode()
    assert "A. T." in now["page"]["trainers_not_logged"] and "Gadeteamets rygsæk" in now["page"]["stock-movements"]
    april_page = client.get(PAGE, {"month": "2026-04"}).content
    april = page_tables(april_page)  # a month not approved: today's names, target and population
    assert "Fyns Storkommune" in april_page.decode() and april["trained"]["Target"][0] == "100"
    assert "Fyns Storkommune" in april["kits_per_residents"]
    assert april["courses_by_venue"] == {
        "Stand på Rådhuspladsen": ["1", "1", "0"],
        "Stand ved Banegården": ["0", "1", "0"],
        "Total": ["1", "2", "0"],
    }

    # A correction, and March approved again: the approval keeps the names of the day.
    monthly_data.correct_march_course(coordinator, {"people_who_use_drugs": 7, "professionals": 2}, refresher=3)
    assert client.post("/personale/maaned/godkend/", MARCH).status_code == 302
    assert MonthClosing.objects.filter(action="approved").count() == 2
    page = client.get(PAGE, MARCH).content
    assert page_tables(page)["courses_by_venue"] == {
        "Stand på Rådhuspladsen": ["1", "1", "0"],
        "Stand ved Banegården": ["1", "0", "0"],
        "Online (no venue)": ["0", "0", "1"],
        "Total": ["2", "1", "1"],
    }
    assert b"The figures have changed since the approval." not in page
    assert b"Fyns Storkommune" in page and b"by Tidligere" in page


def test_approvals_kept_before_name_their_venues_by_id_where_the_name_still_finds_one(
    client, coordinator, march, odense
):
    """reports/migrations/0008: an approval made before kept a venue's row by its name. And 0009: it kept no
    names, target or population; it is given the approver's name as it was then (from the users' history), and
    today's municipality name, target and population, the best there is."""
    import importlib

    from django.apps import apps
    from django.db import connection

    from reports.models import TrainingTarget

    closing = MonthClosing.objects.get()
    for field in ("municipality_name", "by_name", "target_audience"):
        setattr(closing, field, "")
    closing.target_people = closing.population = None
    coordinator.first_name = "Omdøbt"
    coordinator.save()
    TrainingTarget.objects.create(municipality=odense, people=350, audience="people_who_use_drugs")
    Population.objects.create(municipality=odense, year=2025, residents=209_000, source="FOLK1A 2025")
    Population.objects.create(municipality=odense, year=2026, residents=212_000, source="FOLK1A 2026")
    tables, labels = closing.figures["tables"]["courses_by_venue"], closing.figures["labels"]["courses_by_venue"]
    by_name = {f"venue:{labels[key]}" if key.startswith("venue_id:") else key: key for key in tables}
    closing.figures["tables"]["courses_by_venue"] = {name: tables[key] for name, key in by_name.items()}
    closing.figures["labels"]["courses_by_venue"] = {name: labels[key] for name, key in by_name.items()}
    closing.figures["tables"]["courses_by_venue"]["venue:Lukket for længst"] = [0, 0, 0]
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE reports_monthclosing DISABLE TRIGGER monthclosing_kept_as_approved")
        closing.save()
        importlib.import_module("reports.migrations.0008_approved_venues_by_id_and_approvals_never_change").venue_ids(
            apps, None
        )
        importlib.import_module("reports.migrations.0009_approvals_keep_names_target_and_population").fill(apps, None)
        cursor.execute("ALTER TABLE reports_monthclosing ENABLE TRIGGER monthclosing_kept_as_approved")
    closing.refresh_from_db()
    assert set(closing.figures["tables"]["courses_by_venue"]) == {*tables, "venue:Lukket for længst"}
    assert closing.figures["labels"]["courses_by_venue"] == labels
    assert (closing.municipality_name, closing.by_name) == ("Odense", "koordinator-carla")
    assert (closing.target_people, closing.target_audience) == (350, "people_who_use_drugs")
    assert closing.population == {"residents": [212_000, 212_000, 209_000], "year": 2026, "source": "FOLK1A 2026"}


def test_the_database_keeps_an_approval_as_it_was_made(march):
    from django.db import IntegrityError, transaction

    closing = MonthClosing.objects.get()
    for write in (
        lambda: MonthClosing.objects.filter(pk=closing.pk).update(figures={"tables": {}, "labels": {}}),
        lambda: MonthClosing.objects.filter(pk=closing.pk).update(month=dt.date(2026, 2, 1)),
        lambda: MonthClosing.objects.filter(pk=closing.pk).update(municipality_name="Odense Kommune"),
        lambda: MonthClosing.objects.filter(pk=closing.pk).update(by_name="Tidligere bruger"),
        lambda: MonthClosing.objects.filter(pk=closing.pk).update(target_people=351),
        lambda: MonthClosing.objects.filter(pk=closing.pk).update(target_audience="professionals"),
        lambda: MonthClosing.objects.filter(pk=closing.pk).update(population={"residents": [1, 1, 1]}),
        lambda: MonthClosing.objects.filter(pk=closing.pk)._raw_delete(MonthClosing.objects.db),
    ):
        with pytest.raises(IntegrityError, match="monthclosing_kept_as_approved"), transaction.atomic():
            write()
    MonthClosing.objects.filter(pk=closing.pk).update(reason="", purged_at=closing.at)  # the retention purge


def test_an_approved_months_export_divides_its_kits_by_the_population_it_names(
    client, coordinator, red_liv, venue, aarhus_org, odense
):
    """Kits per 100,000 residents follow the population an administrator enters (a setting, not a figure of the
    month: tests/test_approved_month_figures.py). An export of the approved figures of a month changed since
    wrote the kits per residents worked out at the approval beside a note naming the population entered since:
    "4.5" for 9 kits, "Odense: 100,000 residents (2026)". Both now read the population of the approval."""
    import uuid

    from kits.models import StockMovement
    from kits.services import correct_movement
    from reports.models import Population
    from tests.test_monthly_report import csv_tables, english_titles

    monthly_data.build(coordinator, red_liv, venue, aarhus_org)
    Population.objects.create(municipality=odense, year=2025, residents=200_000, source="FOLK1A 2025")
    monthly_data.approve_march(client, coordinator)
    Population.objects.create(municipality=odense, year=2026, residents=100_000, source="FOLK1A 2026")
    handout = StockMovement.objects.filter(kind="handout", occurred_at__month=3).order_by("pk").first()
    correct_movement(user=coordinator, movement=handout, reason="Udleveret til forkert lokation", key=uuid.uuid4())
    titles = english_titles(odense)
    for figures, kits, rate in [("approved", "9", "4,5"), ("current", "6", "3,0")]:
        rows, tables = csv_tables(client.get(PAGE + "csv/", {**MARCH, "figures": figures}).content, ";", titles)
        assert tables["summary"]["Kits handed out"][0] == kits
        assert tables["kits_per_residents"]["Odense"][0] == rate
        assert ["Odense: 200,000 residents (2025, FOLK1A 2025)"] in rows


def test_a_lots_expiry_date_corrected_after_the_approval_is_a_change_that_names_who_made_it(
    client, coordinator, administrator, march
):
    """A lot's expiry date put right in the admin changes the stock the month ended with ("Of which have
    expired"): a correction, not a setting. The month read "changed since the approval" naming nobody."""
    lot = Batch.objects.filter(expiry_date=dt.date(2028, 1, 1)).order_by("pk").first()
    client.force_login(administrator)
    fields = {"kit_type": lot.kit_type_id, "product": lot.product, "lot_number": lot.lot_number}
    fields |= {"expiry_date": "2026-03-20", "received_on": lot.received_on.isoformat()}
    assert admin_post(client, Batch, lot.pk, **fields).status_code == 302
    client.force_login(coordinator)
    page = client.get(PAGE, MARCH).content.decode()
    assert "The figures have changed since the approval." in page
    assert "Of which have expired 0 → 87" in page and "by admin-dina, reason: –" in page
