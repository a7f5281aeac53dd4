"""Every planning page: login required, street workers and trainers refused (403),
another municipality's rows are a 404, coordinators and administrators let in."""

import datetime as dt

import pytest
from django.utils import timezone

from courses.models import Course, CourseRequest, DropInSchedule
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def odense_rows(red_liv, venue, odense):
    course = factories.make_course(venue)
    schedule = DropInSchedule.objects.create(
        municipality=odense,
        venue=venue,
        weekday=1,
        starts_at=dt.time(13),
        ends_at=dt.time(15),
        valid_from=timezone.localdate(),
    )
    exception = schedule.exceptions.create(
        date=timezone.localdate() + dt.timedelta(days=(1 - timezone.localdate().weekday()) % 7 + 7), reason="Lukket"
    )
    trainer = factories.make_trainer(red_liv)
    course_request = CourseRequest.objects.create(
        municipality=odense,
        organisation_name="Bosted",
        contact_name="Kontakt",
        contact_email="a@example.org",
        audience="professionals",
        number_of_people=10,
    )
    return {
        "course": course,
        "schedule": schedule,
        "exception": exception,
        "trainer": trainer,
        "request": course_request,
    }


PAGES = [
    "/personale/kurser/",
    "/personale/kurser/kalender/",
    "/personale/kurser/ny/",
    "/personale/kurser/{course}/",
    "/personale/kurser/{course}/rediger/",
    "/personale/kurser/{course}/aflys/",
    "/personale/faste-tider/",
    "/personale/faste-tider/ny/",
    "/personale/faste-tider/{schedule}/",
    "/personale/traenere/",
    "/personale/traenere/ny/",
    "/personale/traenere/{trainer}/",
    "/personale/traenere/{trainer}/rediger/",
    "/personale/forespoergsler/",
    "/personale/forespoergsler/{request}/",
]
POSTS = [
    "/personale/kurser/{course}/kopier/",
    "/personale/kurser/{course}/offentlig/",
    "/personale/faste-tider/{schedule}/undtagelser/",
    "/personale/faste-tider/{schedule}/undtagelser/{exception}/slet/",
]
OWN_ROWS = [page for page in PAGES + POSTS if "{" in page]


def url(page, rows):
    return page.format(**{name: row.pk for name, row in rows.items()})


@pytest.mark.parametrize("page", PAGES)
def test_planning_pages_need_a_login(client, odense_rows, page):
    response = client.get(url(page, odense_rows))
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/login/")


@pytest.mark.parametrize("page", PAGES + POSTS)
@pytest.mark.parametrize("who", ["street_worker", "trainer_user", "outsider"])
def test_street_workers_and_trainers_get_403_on_planning_pages(client, odense_rows, page, who, request):
    client.force_login(request.getfixturevalue(who))
    method = client.post if page in POSTS else client.get
    assert method(url(page, odense_rows)).status_code == 403
    assert Course.objects.count() == 1
    assert odense_rows["schedule"].exceptions.count() == 1


@pytest.mark.parametrize("page", OWN_ROWS)
def test_another_municipalitys_coordinator_gets_404(client, odense_rows, other_coordinator, page):
    client.force_login(other_coordinator)
    method = client.post if page in POSTS else client.get
    assert method(url(page, odense_rows), {"published": "0", "reason": "x"}).status_code == 404
    odense_rows["course"].refresh_from_db()
    assert odense_rows["course"].published and Course.objects.count() == 1
    assert odense_rows["schedule"].exceptions.count() == 1


def test_another_municipalitys_coordinator_cannot_answer_a_request(client, odense_rows, other_coordinator):
    client.force_login(other_coordinator)
    assert client.get(f"/personale/kurser/ny/?forespoergsel={odense_rows['request'].pk}").status_code == 404


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ["coordinator", "administrator"])
def test_coordinators_and_administrators_open_every_planning_page(client, odense_rows, page, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url(page, odense_rows)).status_code == 200


@pytest.mark.parametrize(
    "page",
    [
        "/personale/kurser/",
        "/personale/faste-tider/",
        "/personale/traenere/",
        "/personale/forespoergsler/",
        "/personale/kurser/kalender/",
    ],
)
def test_lists_show_nothing_of_another_municipality(client, odense_rows, coordinator, other_coordinator, page):
    if "kalender" in page:  # the month that holds Odense's course
        page += f"?dato={timezone.localtime(odense_rows['course'].starts_at).date().isoformat()}"
    odense_only = [odense_rows["trainer"].name, "Antidote Danmark, Odense", "Bosted"]
    client.force_login(coordinator)
    own = client.get(page)
    assert own.status_code == 200
    assert any(text in own.content.decode() for text in odense_only)  # what the other one must not see
    client.force_login(other_coordinator)
    response = client.get(page)
    assert response.status_code == 200
    for text in odense_only:
        assert text not in response.content.decode()


def test_a_street_worker_gets_the_simple_staff_page(client, street_worker):
    client.force_login(street_worker)
    response = client.get("/personale/")
    assert response.status_code == 200
    assert "Gadeplan" in response.content.decode()
    assert "Certificeringer der udløber" not in response.content.decode()


def test_the_pages_are_in_english_under_en(client, coordinator):
    client.force_login(coordinator)
    assert "Plan a course" in client.get("/en/personale/kurser/").content.decode()
    assert "Planlæg et kursus" in client.get("/personale/kurser/").content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_planning_pages_have_no_inline_script_or_style(client, odense_rows, coordinator, page):
    client.force_login(coordinator)
    content = client.get(url(page, odense_rows)).content.decode()
    assert "style=" not in content and "<script>" not in content and " onclick=" not in content


def test_a_cancelled_course_cannot_be_published_again(client, odense_rows, coordinator):
    course = odense_rows["course"]
    Course.objects.filter(pk=course.pk).update(status="cancelled", cancellation_reason="Syg", published=False)
    client.force_login(coordinator)
    client.post(f"/personale/kurser/{course.pk}/offentlig/", {"published": "1"})
    course.refresh_from_db()
    assert not course.published
