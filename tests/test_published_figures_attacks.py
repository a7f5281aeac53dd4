"""A curious reader tries to recover a hidden count (1 to 4) from the published figures alone:
the publication's CSV, XLSX and PDF, the printable page and the public statistics page, read
as a reader gets them, set against each other and against the month before."""

import re

import pytest

from courses.models import Attendance
from courses.services import correct_held_course, kits_handed_out
from tests import factories, monthly_data
from tests.test_monthly_report import csv_tables, english_titles, pdf_text

pytestmark = pytest.mark.django_db

PAGE = "/en/personale/maaned/"
PUBLICATION = {"month": "2026-03", "publication": "1"}


def _hidden_in_csv(rows, tables, label, table):
    return tables[table][label][0] == "x"


@pytest.fixture
def corrected_after_approval(client, coordinator, red_liv, venue, aarhus_org):
    """March approved, then one course's refreshers corrected from 3 to 4 with a reason."""
    monthly_data.build(coordinator, red_liv, venue, aarhus_org)
    client.force_login(coordinator)
    assert client.post(PAGE + "godkend/", {"month": "2026-03"}).status_code == 302
    attendance = Attendance.objects.get(course__starts_at=monthly_data.at(2026, 3, 10))
    course = attendance.course
    correct_held_course(
        user=coordinator,
        attendance=attendance,
        venue=course.venue,
        starts_at=course.starts_at,
        counts={"people_who_use_drugs": 6, "professionals": 3},
        refresher=4,
        kits=kits_handed_out(course),
        note="",
        reason="Papirskema talt igen",
    )
    return client


def test_a_publication_of_a_month_changed_since_its_approval_tells_no_hidden_count(corrected_after_approval, odense):
    """The refreshers (3, now 4) and the professionals (2, now 3) are hidden in March's publication;
    the file must not say what they were or are, nor who corrected them and why."""
    client = corrected_after_approval
    rows, tables = csv_tables(client.get(PAGE + "csv/", PUBLICATION).content, ";", english_titles(odense))
    assert tables["first_time"]["Refresher"][0] == "x"
    assert tables["participants_by_audience"]["Professionals"][0] == "x"
    header = " ".join(cell for row in rows[:12] for cell in row)
    # The reader's subtraction: the change line gives "label before → after" for every figure that changed.
    revealed = re.findall(r"([A-Za-z ()]+?) (\d+) → (\d+)", header)
    assert not [
        (label, before, after) for label, before, after in revealed if 1 <= int(before) <= 4 or 1 <= int(after) <= 4
    ]
    assert "Papirskema" not in header  # the reason given for the correction
    text = pdf_text(client.get(PAGE + "pdf/", PUBLICATION).content)
    assert "→" not in text and "Papirskema" not in text
    printable = client.get(PAGE + "udskriv/", PUBLICATION).content.decode()
    assert "→" not in printable and "Papirskema" not in printable


@pytest.fixture
def six_reports_one_without_112(odense, coordinator):
    """March 2026 in Odense: six verified reversal reports; 112 was called, an ambulance came and the
    responder had taken a course in five of them. In the sixth, none of it."""
    centrum = factories.make_district(odense, name="Centrum")
    for day in range(1, 6):
        monthly_data.report(
            centrum,
            monthly_data.at(2026, 3, day),
            coordinator,
            called_112=True,
            ambulance_arrived=True,
            responder_trained="yes",
        )
    monthly_data.report(
        centrum,
        monthly_data.at(2026, 3, 9),
        coordinator,
        called_112=False,
        ambulance_arrived=False,
        responder_trained="no",
    )


@pytest.mark.parametrize(
    "count, share",
    [
        ("Reports where 112 was called", "Share where 112 was called"),
        ("Reports where an ambulance came", "Share where an ambulance came"),
        ("Reports whose responder had taken a course", "Share whose responder had taken a course"),
    ],
)
def test_the_reports_without_112_an_ambulance_or_a_trained_responder_cannot_be_counted_by_subtraction(
    client, coordinator, odense, six_reports_one_without_112, count, share
):
    """'Reports where 112 was called' and its share split the reports in two: the reports less those
    where 112 was called (or the share's complement) is a count like any other."""
    client.force_login(coordinator)
    rows, tables = csv_tables(client.get(PAGE + "csv/", PUBLICATION).content, ";", english_titles(odense))
    reports = tables["reports_by_outcome"]
    total, part, fraction = reports["Total"][0], reports[count][0], reports[share][0]
    assert total == "6"  # the total itself may be shown
    recovered = set()
    if part.isdigit():
        recovered.add(int(total) - int(part))
    if fraction.endswith(" %"):
        recovered.add(round(int(total) * (1 - int(fraction[:-2]) / 100)))
    assert not [value for value in recovered if 1 <= value <= 4]
    national = csv_tables(
        client.get(PAGE + "csv/", {**PUBLICATION, "municipality": ""}).content, ";", english_titles(None)
    )[1]["reports_by_outcome"]
    if national[count][0].isdigit() and national["Total"][0].isdigit():
        assert not 1 <= int(national["Total"][0]) - int(national[count][0]) <= 4
