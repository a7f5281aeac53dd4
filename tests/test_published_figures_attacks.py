"""A curious reader tries to recover a hidden count (1 to 4) from the published figures alone:
the publication's CSV, XLSX and PDF, the printable page and the public statistics page, read
as a reader gets them, set against each other and against the month before."""

import re

import pytest

from courses.models import Attendance
from courses.services import correct_held_course, kits_handed_out
from tests import monthly_data
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
