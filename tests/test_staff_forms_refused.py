"""What a staff form answers when it is refused for what was typed: the form again, with its message, status 200.

The street form (a course, a handout, a report, a correction), the desk's reversal report, the review, the kit
replacement and a drop-in closure answered 400, the venue, trainer and course forms 200: the same refusal had two
statuses, depending on the form (CONTRIBUTING.md, "What a form answers"). The tablet's JSON endpoints keep their
4xx: the queue on the tablet reads them (tests/test_street_logging.py)."""

import datetime as dt

import pytest
from django.utils import timezone

from tests import factories
from tests.db_state import table_counts
from tests.reversal_helpers import make_report

pytestmark = pytest.mark.django_db


def test_every_staff_form_refused_for_what_was_typed_is_shown_again_with_200(planner, coordinator, venue, district):
    course = factories.make_course(venue, starts_at=timezone.now() - dt.timedelta(days=1))
    attendance = factories.make_attendance(course, coordinator)
    report = make_report(district, review_status="verified")
    schedule = factories.make_drop_in(venue)
    before = table_counts()
    for path in [
        "/gade/",
        "/gade/udlevering/",
        "/gade/afrapportering/",
        f"/gade/poster/kursus/{attendance.pk}/",
        "/personale/afrapporteringer/ny/",
        f"/personale/afrapporteringer/{report.pk}/vurdering/",
        f"/personale/afrapporteringer/{report.pk}/erstat-kit/",
        f"/personale/faste-tider/{schedule.pk}/undtagelser/",
    ]:
        response = planner.post(path, {"reason": "x"})  # not empty: an empty POST is an unbound form
        assert response.status_code == 200, path
        assert "data-form-errors" in response.content.decode(), path
    assert table_counts() == before
