"""The finder on a phone: next courses and near-me first, filters folded, a person to reach, what a visitor needs."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from courses.models import CourseFormat, DropInSchedule
from finder.views import REQUESTS_PER_WINDOW
from tests.factories import make_course
from tests.test_course_request_form import valid

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 30, 11, tzinfo=dt.UTC)  # a Monday


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_folded_filter_control_says_what_is_filtered_and_the_form_lands_on_the_results(client, venue, district):
    venue.district = district
    venue.save()
    make_course(venue, format=CourseFormat.POP_UP, starts_at=NOW + dt.timedelta(days=1))
    page = client.get("/").content.decode()
    assert "Filtrér: <span" in page and "alle kurser</span>" in page
    assert 'action="#kurser"' in page
    assert 'id="kurser" tabindex="-1"' in page
    page = client.get(f"/?format=pop_up&district={district.pk}&postcode=5000").content.decode()
    assert f"Pop-up, {district.name}, nær 5000</span>" in page


def test_the_information_links_come_after_the_courses(client, venue):
    make_course(venue, starts_at=NOW + dt.timedelta(days=1))
    page = client.get("/").content.decode()
    assert page.index('class="card entry') < page.index("Har du givet naloxon? Fortæl os det")
    assert page.index("Sortér efter afstand fra, hvor jeg er") < page.index('class="card entry')


def test_on_site_with_no_courses_leads_to_the_workplace_request_form(client, venue):
    page = client.get("/?format=on_site").content.decode()
    assert "Kurser på egen matrikel aftales med hver arbejdsplads" in page
    assert 'href="/bestil-kursus/">Bestil et kursus til jeres arbejdsplads</a>' in page


def test_every_page_calls_112_by_a_tel_link_and_names_the_programmes_phone_and_email(client, settings, db):
    settings.PROGRAMME_PHONE = "+45 65 51 10 00"
    settings.PROGRAMME_EMAIL = "redliv@odense.dk"
    for path in ["/", "/bestil-kursus/", "/privatliv/", "/afrapporter/"]:
        page = client.get(path).content.decode()
        assert '<a href="tel:112" class="fw-semibold">Ring 112 i en nødsituation.</a>' in page, path
        assert '<a href="tel:+4565511000">+45 65 51 10 00</a>' in page, path
        assert '<a href="mailto:redliv@odense.dk">redliv@odense.dk</a>' in page, path


def test_without_a_programme_contact_the_footer_names_none(client, settings, db):
    settings.PROGRAMME_PHONE = settings.PROGRAMME_EMAIL = ""
    page = client.get("/").content.decode()
    assert "Spørgsmål om kurser og kits" not in page
    assert 'href="tel:112"' in page


def test_the_rate_limit_message_says_whom_to_call(client, settings, odense):
    settings.PROGRAMME_PHONE = "65 51 10 00"
    for _ in range(REQUESTS_PER_WINDOW + 1):
        response = client.post("/bestil-kursus/", valid(odense), REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429
    assert "Prøv igen om en time. Eller ring til os på 65 51 10 00." in response.content.decode()


def test_an_online_course_says_where_to_get_the_kit(client, red_liv):
    course = make_course(
        None,
        municipality=red_liv.municipality,
        format=CourseFormat.ONLINE,
        joining_url="https://example.org/m",
        starts_at=NOW + dt.timedelta(days=2),
    )
    assert "hente dit gratis naloxon-kit til enhver drop-in" in client.get("/").content.decode()
    page = client.get(f"/kurser/{course.pk}/").content.decode()
    assert "hente dit gratis naloxon-kit (naloxon næsespray" in page
    assert 'href="/?format=drop_in#kurser">se drop-in-tiderne</a>' in page


@pytest.fixture
def tuesdays(venue):
    schedule = DropInSchedule.objects.create(
        municipality=venue.municipality,
        venue=venue,
        title="Tirsdags-drop-in",
        weekday=1,
        starts_at=dt.time(13),
        ends_at=dt.time(15),
        valid_from=dt.date(2026, 1, 1),
    )
    schedule.exceptions.create(date=dt.date(2026, 12, 15), reason="Julefrokost")
    schedule.exceptions.create(date=dt.date(2026, 11, 24), reason="Fortid")
    return schedule


def test_a_drop_in_page_shows_its_closed_dates_and_its_calendar_leaves_them_out(client, tuesdays):
    page = client.get(f"/drop-in/{tuesdays.pk}/").content.decode()
    assert 'Lukket: <time datetime="2026-12-15">tirsdag 15. december 2026</time></p>' in page
    assert "2026-11-24" not in page  # a past closure is not news
    assert "Julefrokost" not in page  # the reason is the staff's note
    calendar = client.get(f"/drop-in/{tuesdays.pk}.ics").content.decode()
    assert "DTSTART;TZID=Europe/Copenhagen:20261208T130000" in calendar.replace("\r\n", "\n") or "20261208" in calendar
    assert "20261215" not in calendar


def test_an_english_drop_in_page_capitalises_the_weekday_and_a_danish_one_does_not(client, tuesdays):
    assert "Every Tuesday, 13:00–15:00" in client.get(f"/en/drop-in/{tuesdays.pk}/").content.decode()
    assert "Hver tirsdag" in client.get(f"/drop-in/{tuesdays.pk}/").content.decode()


def test_a_drop_in_page_offers_my_map_app(client, tuesdays):
    page = client.get(f"/drop-in/{tuesdays.pk}/").content.decode()
    assert (
        'href="geo:55.395000,10.385000?q=55.395000,10.385000(Antidote%20Danmark%2C%20Odense)">Åbn i min kort-app'
        in page
    )
    assert timezone.localdate() == dt.date(2026, 11, 30)
