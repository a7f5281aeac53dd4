"""The finder's title tells which part of the list it is: a screen reader reads the title first on every page load."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from courses.models import CourseFormat
from tests.factories import make_course

pytestmark = pytest.mark.django_db


def title(client, path):
    return re.search(r"<title>(.*?)</title>", client.get(path).content.decode(), re.S).group(1)


@pytest.fixture
def two_pages(venue):
    for day in range(1, 32):
        make_course(venue, title=f"Drop-in {day}", starts_at=timezone.now() + dt.timedelta(days=day))
    make_course(venue, title="Pop-up", format=CourseFormat.POP_UP, starts_at=timezone.now() + dt.timedelta(days=2))


def test_a_later_page_and_a_filtered_list_have_titles_of_their_own(client, two_pages):
    """'More courses' led to a page with the same title as the first, and so did a filter: a screen reader
    user heard 'Find et RED LIV-kursus' again and could not tell that anything had changed."""
    assert title(client, "/") == "Find et RED LIV-kursus – vi passer på hinanden"
    assert title(client, "/?side=2") == "Side 2 af 2 · Find et RED LIV-kursus – vi passer på hinanden"
    assert title(client, "/?format=pop_up") == "Filtrér: Pop-up · Find et RED LIV-kursus – vi passer på hinanden"
    assert title(client, "/en/?side=2") == "Page 2 of 2 · Find a RED LIV course – we look after each other"
