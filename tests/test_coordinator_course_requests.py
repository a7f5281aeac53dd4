"""Course requests from the public site: seen, assigned, answered with a course, closed."""

import datetime as dt

import pytest
from django.utils import timezone

from courses.models import Course, CourseRequest
from tests import factories

pytestmark = pytest.mark.django_db


make_request = factories.make_course_request


def test_open_requests_are_listed_and_closed_ones_on_demand(planner, odense):
    make_request(odense, organisation_name="Åben forespørgsel")
    make_request(odense, organisation_name="Lukket forespørgsel", status="closed")
    assert "Lukket forespørgsel" not in planner.get("/personale/forespoergsler/").content.decode()
    everything = planner.get("/personale/forespoergsler/?alle=1").content.decode()
    assert "Åben forespørgsel" in everything and "Lukket forespørgsel" in everything


def test_a_coordinator_assigns_a_request_and_sets_its_status(planner, odense, coordinator):
    course_request = make_request(odense)
    response = planner.post(
        f"/personale/forespoergsler/{course_request.pk}/", {"assigned_to": coordinator.pk, "status": "in_progress"}
    )
    assert response.status_code == 302
    course_request.refresh_from_db()
    assert course_request.assigned_to == coordinator and course_request.status == "in_progress"


def test_a_request_is_closed_with_a_status(planner, odense):
    course_request = make_request(odense)
    planner.post(f"/personale/forespoergsler/{course_request.pk}/", {"assigned_to": "", "status": "closed"})
    course_request.refresh_from_db()
    assert course_request.status == "closed"


def test_a_request_cannot_be_assigned_to_another_municipalitys_coordinator(planner, odense, other_coordinator):
    course_request = make_request(odense)
    response = planner.post(
        f"/personale/forespoergsler/{course_request.pk}/",
        {"assigned_to": other_coordinator.pk, "status": "in_progress"},
    )
    assert response.status_code == 200
    course_request.refresh_from_db()
    assert course_request.assigned_to is None and course_request.status == "new"


def test_answering_a_request_prefills_an_on_site_course_and_links_it(planner, odense, red_liv, coordinator):
    course_request = make_request(odense)
    partner = factories.make_venue(red_liv, name="Åløkken", kind="shelter", open_to_public=False)
    form = planner.get(f"/personale/kurser/ny/?forespoergsel={course_request.pk}&format=on_site").context["form"]
    assert form.initial["format"] == "on_site"
    assert form.initial["capacity"] == 12 and form.initial["audiences"] == ["professionals"]
    assert form.initial["published"] is False
    day = timezone.localdate() + dt.timedelta(days=20)
    response = planner.post(
        f"/personale/kurser/ny/?forespoergsel={course_request.pk}",
        {
            "kind": "participant",
            "format": "on_site",
            "title": "Åløkken",
            "venue": partner.pk,
            "starts_at": f"{day:%Y-%m-%d}T14:00",
            "ends_at": f"{day:%Y-%m-%d}T16:00",
            "audiences": ["professionals"],
            "languages": ["da"],
            "capacity": "12",
        },
    )
    course = Course.objects.get()
    assert response["Location"] == f"/personale/kurser/{course.pk}/"
    course_request.refresh_from_db()
    assert course_request.course == course
    assert course_request.status == "scheduled" and course_request.assigned_to == coordinator
    assert not course.published


def test_a_scheduled_answer_is_prefilled_as_by_appointment(planner, odense):
    course_request = make_request(odense)
    form = planner.get(f"/personale/kurser/ny/?forespoergsel={course_request.pk}&format=scheduled").context["form"]
    assert form.initial["format"] == "scheduled"


def test_a_failed_answer_leaves_the_request_as_it_was(planner, odense, venue):
    course_request = make_request(odense)
    day = timezone.localdate() + dt.timedelta(days=20)
    response = planner.post(
        f"/personale/kurser/ny/?forespoergsel={course_request.pk}",
        {
            "kind": "participant",
            "format": "on_site",
            "venue": venue.pk,
            "starts_at": f"{day:%Y-%m-%d}T14:00",
            "ends_at": f"{day:%Y-%m-%d}T13:00",
        },
    )
    assert response.status_code == 200
    course_request.refresh_from_db()
    assert course_request.status == "new" and course_request.course is None
    assert not Course.objects.exists()


def test_the_request_list_has_a_fixed_number_of_queries(
    planner, odense, coordinator, venue, django_assert_max_num_queries
):
    for number in range(10):
        course = factories.make_course(venue) if number % 2 else None
        make_request(
            odense,
            organisation_name=f"Organisation {number}",
            assigned_to=coordinator,
            course=course,
            status="in_progress",
        )
    with django_assert_max_num_queries(8):
        response = planner.get("/personale/forespoergsler/")
    assert response.content.decode().count("Organisation ") == 10


def test_a_double_submit_of_an_answer_plans_one_course_for_the_request(planner, odense, venue):
    course_request = make_request(odense)
    answer = f"/personale/kurser/ny/?forespoergsel={course_request.pk}"
    key = planner.get(f"{answer}&format=on_site").context["form"]["key"].value()
    day = timezone.localdate() + dt.timedelta(days=20)
    fields = {
        "key": str(key),
        "kind": "participant",
        "format": "on_site",
        "title": "Åløkken",
        "venue": venue.pk,
        "starts_at": f"{day:%Y-%m-%d}T14:00",
        "ends_at": f"{day:%Y-%m-%d}T16:00",
        "audiences": ["professionals"],
        "languages": ["da"],
        "capacity": "12",
    }
    first = planner.post(answer, fields)
    again = planner.post(answer, fields, follow=True)  # a double click, a second tab, a resend
    course = Course.objects.get()
    assert first["Location"] == again.redirect_chain[0][0] == f"/personale/kurser/{course.pk}/"
    assert "Dette kursus er allerede planlagt fra denne formular" in again.content.decode()
    course_request.refresh_from_db()
    assert course_request.course == course and course_request.status == "scheduled"
    assert course_request.history.count() == 2  # received, then answered: the resend wrote nothing


def test_cancelling_the_course_that_answered_a_request_opens_the_request_again(planner, odense, venue, coordinator):
    """The workplace still wants its course: a cancelled answer must not leave the request as "course
    scheduled", off the list of open requests, with nobody to agree on a new date with them."""
    course = factories.make_course(venue, format="on_site", published=False)
    course_request = make_request(
        odense, organisation_name="Bostedet Kildehuset", status="scheduled", course=course, assigned_to=coordinator
    )
    response = planner.post(f"/personale/kurser/{course.pk}/aflys/", {"reason": "Træneren er syg"}, follow=True)
    assert "Kursusforespørgslen fra Bostedet Kildehuset er åben igen" in response.content.decode()
    course_request.refresh_from_db()
    assert course_request.status == CourseRequest.Status.IN_PROGRESS
    assert course_request.course == course and course_request.assigned_to == coordinator
    assert "Bostedet Kildehuset" in planner.get("/personale/forespoergsler/").content.decode()


def test_cancelling_a_course_leaves_a_closed_request_closed(planner, odense, venue):
    course = factories.make_course(venue, format="on_site", published=False)
    course_request = make_request(odense, status="closed", course=course)
    planner.post(f"/personale/kurser/{course.pk}/aflys/", {"reason": "Træneren er syg"})
    course_request.refresh_from_db()
    assert course_request.status == CourseRequest.Status.CLOSED


def test_a_request_answered_from_another_tab_is_not_answered_with_a_second_course(planner, odense, venue):
    """Two tabs of the request (or two coordinators) each showed its own answer form: the second answer planned
    a second course for the same workplace, and took the request's link from the first, which stayed planned
    with nothing saying whom it was for."""
    course_request = make_request(odense, organisation_name="Bostedet Kildehuset")
    answer = f"/personale/kurser/ny/?forespoergsel={course_request.pk}"
    first_key, second_key = (planner.get(answer).context["form"]["key"].value() for _tab in range(2))
    day = timezone.localdate() + dt.timedelta(days=20)
    fields = {
        "kind": "participant",
        "format": "on_site",
        "title": "Kildehuset",
        "venue": venue.pk,
        "starts_at": f"{day:%Y-%m-%d}T14:00",
        "ends_at": f"{day:%Y-%m-%d}T16:00",
        "audiences": ["professionals"],
        "languages": ["da"],
    }
    assert planner.post(answer, {**fields, "key": str(first_key)}).status_code == 302
    response = planner.post(answer, {**fields, "key": str(second_key)})
    assert response.status_code == 200
    assert "Forespørgslen fra Bostedet Kildehuset er allerede besvaret med et kursus" in response.content.decode()
    first = Course.objects.get()
    course_request.refresh_from_db()
    assert course_request.course == first and course_request.status == "scheduled"
    page = planner.get(f"/personale/forespoergsler/{course_request.pk}/").content.decode()
    assert "Forespørgslen er besvaret med kurset ovenfor" in page and "Planlæg kurset" not in page

    # Once that course is cancelled, the request is open again, and a new answer plans the next course.
    planner.post(f"/personale/kurser/{first.pk}/aflys/", {"reason": "Træneren er syg"})
    assert planner.post(answer, {**fields, "key": str(second_key)}).status_code == 302
    course_request.refresh_from_db()
    assert course_request.course != first and course_request.status == "scheduled"


def test_an_administrator_answers_a_request_only_with_a_course_in_its_municipality(
    client, administrator, aarhus, venue
):
    """Offered every municipality's venues, the administrator answered Aarhus's request with a course at an Odense
    venue: Aarhus's request page then showed Odense's course, and Odense's course named Aarhus's workplace."""
    course_request = make_request(aarhus, organisation_name="Aarhus Bosted")
    client.force_login(administrator)
    answer = f"/personale/kurser/ny/?forespoergsel={course_request.pk}"
    day = timezone.localdate() + dt.timedelta(days=20)
    fields = {
        "key": str(client.get(answer).context["form"]["key"].value()),
        "kind": "participant",
        "format": "on_site",
        "title": "Bostedet",
        "venue": venue.pk,
        "starts_at": f"{day:%Y-%m-%d}T14:00",
        "ends_at": f"{day:%Y-%m-%d}T16:00",
        "audiences": ["professionals"],
        "languages": ["da"],
    }
    response = client.post(answer, fields)
    assert response.status_code == 200 and response.context["form"].has_error("venue", "request_elsewhere")
    assert "Vælg et sted i Aarhus, hvor forespørgslen kom fra." in response.content.decode()
    assert not Course.objects.exists()
    course_request.refresh_from_db()
    assert course_request.course is None and course_request.status == "new"
