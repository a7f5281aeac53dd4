"""A kind of date reads the same on every staff page, in Danish and in English: the templates name
a format (redliv/formats/<language>/formats.py), never spell a pattern of their own."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings

from tests import factories

pytestmark = pytest.mark.django_db

EXPIRES = dt.date(2026, 7, 30)  # within the start page's warning period of the fixed clock's 11 June 2026


@pytest.fixture
def expiring_lot(red_liv, coordinator):
    bag = factories.make_location(red_liv, name="Gadeteamets taske")
    batch = factories.make_batch(lot_number="NX2607", expiry_date=EXPIRES)
    factories.receive(batch, bag, 10, coordinator)
    return batch


@pytest.mark.parametrize(
    ("prefix", "day", "spelt_otherwise"),
    [("", "30. jul 2026", "30.07.2026"), ("/en", "30 Jul 2026", "30. jul 2026")],
)
def test_an_expiry_date_reads_the_same_on_the_start_page_the_stock_page_and_the_lot_trace(
    client, coordinator, expiring_lot, prefix, day, spelt_otherwise
):
    """The start page wrote "30. jan 2027", the stock page "30.01.2027"; in English both kept Danish
    punctuation. Each page now writes the language's short date."""
    client.force_login(coordinator)
    for path in ["/personale/", "/personale/lager/", "/personale/lager/lot/?lot=NX2607"]:
        page = client.get(prefix + path).content.decode()
        assert day in page, path
        assert spelt_otherwise not in page, path


def test_a_course_reads_its_weekday_and_date_in_the_language_of_the_page(client, coordinator, venue):
    course = factories.make_course(venue, title="Aftenkursus", starts_at=dt.datetime(2026, 6, 20, 17, 0, tzinfo=dt.UTC))
    client.force_login(coordinator)
    assert "lørdag 20. juni 2026, 19:00" in client.get(f"/personale/kurser/{course.pk}/").content.decode()
    english = client.get(f"/en/personale/kurser/{course.pk}/").content.decode()
    assert "Saturday 20 June 2026, 19:00" in english and "20. June" not in english


# Patterns that are not a reader's date: ISO dates for inputs and machine-readable attributes, a year, a week number.
MACHINE_READABLE = {"Y-m-d", "c", "Y", "W"}
# The public finder and statistics keep their own wording (finder/listing.py names its day formats).
PUBLIC = (
    "finder/templates/finder/",
    "reports/templates/reports/public_statistics.html",
    "templates/accessibility.html",
)


def test_no_staff_template_spells_a_date_pattern_of_its_own():
    base = Path(settings.BASE_DIR)
    spelt = []
    for path in [*base.glob("*/templates/**/*.html"), *base.glob("templates/**/*.html")]:
        relative = path.relative_to(base).as_posix()
        public = relative.startswith(PUBLIC) and not relative.endswith("/info_edit.html")  # info_edit is staff's
        if relative.startswith((".", "bench/")) or public:
            continue
        for _quote, pattern in re.findall(r"""\|date:(["'])(.*?)\1""", path.read_text()):
            if pattern not in MACHINE_READABLE and not re.fullmatch(r"[A-Z_]+_FORMAT", pattern):
                spelt.append((relative, pattern))
    assert spelt == []
