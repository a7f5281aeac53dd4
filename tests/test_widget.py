"""The embeddable widget: an iframe page partner sites may frame; nothing else may be framed."""

import datetime as dt

import pytest
from django.utils import timezone

from courses.models import Course, CourseFormat
from tests.factories import make_course

pytestmark = pytest.mark.django_db


def test_the_widget_lists_courses_with_the_same_filters_and_may_be_framed(client, venue):
    make_course(venue, title="Pop-up", format=CourseFormat.POP_UP)
    make_course(venue, title="Drop-in")
    response = client.get("/widget/?format=pop_up")
    assert response.status_code == 200
    assert [entry.title for entry in response.context["entries"]] == ["Pop-up"]
    assert "X-Frame-Options" not in response
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors *" in policy and "script-src 'self'" in policy
    assert 'target="_blank"' in response.content.decode()


def test_other_public_pages_may_not_be_framed(client, venue):
    course = make_course(venue)
    for url in ["/", f"/kurser/{course.pk}/", "/bestil-kursus/"]:
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_the_widget_is_english_under_en(client, venue):
    make_course(venue)
    assert "Upcoming RED LIV courses" in client.get("/en/widget/").content.decode()


def test_the_widget_looks_up_only_what_it_shows(client, venue, django_assert_max_num_queries):
    """Drop-in hours with their closed dates, the courses' count, and the courses: no cancelled courses,
    which it never shows."""
    make_course(venue, title="Pop-up", format=CourseFormat.POP_UP)
    make_course(
        venue,
        title="Aflyst i går",
        status=Course.Status.CANCELLED,
        cancelled_at=timezone.now() - dt.timedelta(days=1),
        cancellation_reason="Underviseren er syg",
    )
    assert "Underviseren er syg" in client.get("/").content.decode()  # the finder shows a recent cancellation
    with django_assert_max_num_queries(3):
        response = client.get("/widget/")
    assert [entry.title for entry in response.context["entries"]] == ["Pop-up"]
    page = response.content.decode()
    assert "Aflyst i går" not in page and "Underviseren er syg" not in page


@pytest.mark.parametrize(
    "query", ["from=2026-02-30", "to=9999-12-31", "format=popup", "audience=nobody", "when=tomorrow"]
)
def test_a_filter_the_widget_cannot_use_is_said_on_the_widget_not_dropped_silently(client, venue, query):
    make_course(venue, title="Pop-up", format=CourseFormat.POP_UP)
    response = client.get(f"/widget/?{query}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nogle filtre kunne ikke bruges og blev ignoreret:" in page and 'role="status"' in page
    assert [entry.title for entry in response.context["entries"]] == ["Pop-up"]
    assert "Nogle filtre" not in client.get("/widget/?format=pop_up").content.decode()


def test_a_postcode_the_widget_cannot_place_is_said_as_on_the_finder(client, venue):
    make_course(venue, title="Pop-up", format=CourseFormat.POP_UP)
    page = client.get("/widget/?postcode=9999").content.decode()
    assert "9999" in page and 'role="status"' in page
    assert "9999" not in client.get("/widget/?postcode=5000").content.decode()


def test_a_widget_for_courses_at_the_workplace_says_how_they_are_booked(client, venue):
    """A partner's widget set to "on-site" courses said "No courses match right now. Try fewer filters"
    (the finder explains that they are arranged with each workplace, and links to the booking form)."""
    make_course(venue, title="Drop-in")
    page = client.get("/widget/?format=on_site").content.decode()
    assert "aftales med hver arbejdsplads" in page and "Ingen kurser passer" not in page
    # The booking form may not be framed: it opens outside the partner's page, as the courses do.
    assert '<a class="btn btn-primary" href="/bestil-kursus/" target="_blank" rel="noopener">' in page
