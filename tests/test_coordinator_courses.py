"""Coordinators plan courses: list, calendar, create, edit, copy, cancel, publish."""

import datetime as dt
import re
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from courses import services_planning as planning
from courses.models import Course, CourseFormat
from tests import factories

pytestmark = pytest.mark.django_db


def local(day, hour, minute=0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def next_monday():
    today = timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday())


def course_data(venue, day, **overrides):
    data = {
        "kind": "participant",
        "format": "drop_in",
        "title": "Drop-in om naloxon",
        "venue": venue.pk,
        "joining_url": "",
        "starts_at": f"{day:%Y-%m-%d}T13:00",
        "ends_at": f"{day:%Y-%m-%d}T15:00",
        "audiences": ["people_who_use_drugs"],
        "languages": ["da"],
        "capacity": "",
        "public_description": "",
        "published": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_a_coordinator_creates_a_course_in_their_municipality(planner, venue, coordinator, next_monday, odense):
    response = planner.post("/personale/kurser/ny/", course_data(venue, next_monday))
    course = Course.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/personale/kurser/{course.pk}/"
    assert course.municipality == odense
    assert course.created_by == coordinator
    assert course.starts_at == local(next_monday, 13)
    assert course.published and course.status == Course.Status.PLANNED
    assert "Kurset blev oprettet" in planner.get(response["Location"]).content.decode()


def test_a_course_that_ends_before_it_starts_is_refused_and_nothing_is_written(planner, venue, next_monday):
    response = planner.post(
        "/personale/kurser/ny/", course_data(venue, next_monday, ends_at=f"{next_monday:%Y-%m-%d}T12:00")
    )
    assert response.status_code == 200
    assert "Kurset skal slutte efter det begynder." in response.content.decode()
    assert not Course.objects.exists()


def test_an_online_course_without_a_joining_link_is_refused(planner, next_monday):
    response = planner.post(
        "/personale/kurser/ny/", course_data(type("NoVenue", (), {"pk": ""})(), next_monday, format="online")
    )
    assert response.status_code == 200
    assert "Et online-kursus skal have et link" in response.content.decode()
    assert not Course.objects.exists()


def test_an_online_course_with_a_link_needs_no_venue(planner, next_monday):
    response = planner.post(
        "/personale/kurser/ny/",
        course_data(
            type("NoVenue", (), {"pk": ""})(), next_monday, format="online", joining_url="https://meet.example.org/x"
        ),
    )
    assert response.status_code == 302
    assert Course.objects.get().venue is None


def test_a_course_at_a_residents_only_venue_cannot_be_published(planner, red_liv, next_monday):
    shelter = factories.make_venue(red_liv, name="Opholdsstedet", kind="shelter", open_to_public=False)
    response = planner.post("/personale/kurser/ny/", course_data(shelter, next_monday, format="on_site"))
    assert response.status_code == 200
    assert "kun for beboere" in response.content.decode()
    assert not Course.objects.exists()
    # Unpublished, the same course is fine.
    response = planner.post(
        "/personale/kurser/ny/", course_data(shelter, next_monday, format="on_site", published=None)
    )
    assert response.status_code == 302
    assert Course.objects.get().published is False


def test_another_municipalitys_venue_cannot_be_chosen(planner, aarhus_org, next_monday):
    aarhus_venue = factories.make_venue(aarhus_org, name="Aarhus sted")
    response = planner.post("/personale/kurser/ny/", course_data(aarhus_venue, next_monday))
    assert response.status_code == 200
    assert not Course.objects.exists()


def test_a_coordinator_edits_a_course(planner, venue, next_monday):
    course = factories.make_course(venue, starts_at=local(next_monday, 10))
    response = planner.post(
        f"/personale/kurser/{course.pk}/rediger/", course_data(venue, next_monday, title="Nyt navn")
    )
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.title == "Nyt navn"
    assert course.starts_at == local(next_monday, 13)


def test_same_again_next_week_copies_the_course_seven_days_later(planner, venue, red_liv, next_monday):
    trainer = factories.make_trainer(red_liv)
    course = factories.make_course(venue, starts_at=local(next_monday, 10), title="Fast kursus")
    course.trainers.add(trainer)
    response = planner.post(f"/personale/kurser/{course.pk}/kopier/")
    copy = Course.objects.exclude(pk=course.pk).get()
    assert response["Location"] == f"/personale/kurser/{copy.pk}/"
    assert copy.starts_at == course.starts_at + dt.timedelta(days=7)
    assert copy.ends_at == course.ends_at + dt.timedelta(days=7)
    assert copy.title == "Fast kursus" and copy.status == Course.Status.PLANNED
    assert list(copy.trainers.all()) == [trainer]


@pytest.mark.parametrize(
    "day, copied_to",
    [
        (dt.date(2027, 3, 27), dt.date(2027, 4, 3)),  # Saturday before summer time, to the Saturday after
        (dt.date(2027, 10, 30), dt.date(2027, 11, 6)),  # and before winter time
    ],
)
def test_same_again_next_week_keeps_the_clock_time_across_a_daylight_saving_change(planner, venue, day, copied_to):
    """Seven days in UTC moved a Saturday pop-up at 12:00 to 13:00 (or 11:00) the week the clocks change."""
    course = factories.make_course(venue, starts_at=local(day, 12), title="Pop-up på pladsen")
    course.ends_at = local(day, 14)
    course.save()
    assert planner.post(f"/personale/kurser/{course.pk}/kopier/").status_code == 302
    copy = Course.objects.exclude(pk=course.pk).get()
    assert (timezone.localtime(copy.starts_at), timezone.localtime(copy.ends_at)) == (
        local(copied_to, 12),
        local(copied_to, 14),
    )
    page = planner.get(f"/personale/kurser/{copy.pk}/").content.decode()
    assert "12:00–14:00" in page


def test_a_double_click_on_same_again_next_week_makes_one_copy(planner, venue, next_monday):
    course = factories.make_course(venue, starts_at=local(next_monday, 10), title="Fast kursus")
    key = planner.get(f"/personale/kurser/{course.pk}/").context["copy_key"]
    first = planner.post(f"/personale/kurser/{course.pk}/kopier/", {"key": str(key)})
    again = planner.post(f"/personale/kurser/{course.pk}/kopier/", {"key": str(key)}, follow=True)
    copy = Course.objects.exclude(pk=course.pk).get()
    assert first["Location"] == again.redirect_chain[0][0] == f"/personale/kurser/{copy.pk}/"
    assert "Denne kopi blev allerede lavet fra denne side" in again.content.decode()
    # The page shown again has a new key: the next click is a new copy, on purpose.
    key = planner.get(f"/personale/kurser/{course.pk}/").context["copy_key"]
    planner.post(f"/personale/kurser/{course.pk}/kopier/", {"key": str(key)})
    assert Course.objects.exclude(pk=course.pk).count() == 2


def test_a_cancelled_course_is_not_copied_to_next_week(planner, venue, next_monday):
    """The copy of a cancelled course was planned and shown publicly, at the venue and with the trainers
    that may have been why it was cancelled."""
    course = factories.make_course(venue, starts_at=local(next_monday, 10), title="Fast kursus")
    planning.cancel_course(course, "Træneren er syg")
    page = planner.get(f"/personale/kurser/{course.pk}/").content.decode()
    assert "Samme igen næste uge" not in page and f"/personale/kurser/{course.pk}/kopier/" not in page
    refused = planner.post(f"/personale/kurser/{course.pk}/kopier/", {"key": str(uuid.uuid4())}, follow=True)
    assert refused.redirect_chain[0][0] == f"/personale/kurser/{course.pk}/"
    assert "Et aflyst kursus kopieres ikke" in refused.content.decode()
    assert Course.objects.get() == course


def test_copying_needs_a_post(planner, venue):
    course = factories.make_course(venue)
    assert planner.get(f"/personale/kurser/{course.pk}/kopier/").status_code == 405
    assert Course.objects.count() == 1


def test_cancelling_needs_a_reason_and_shows_it_on_the_public_page(planner, client, venue):
    course = factories.make_course(venue)
    response = planner.post(f"/personale/kurser/{course.pk}/aflys/", {"reason": ""})
    assert response.status_code == 200
    course.refresh_from_db()
    assert course.status == Course.Status.PLANNED
    response = planner.post(f"/personale/kurser/{course.pk}/aflys/", {"reason": "Træneren er syg"})
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.status == Course.Status.CANCELLED
    assert course.cancellation_reason == "Træneren er syg"
    assert course.cancelled_at is not None
    planner.logout()
    public = client.get("/").content.decode()
    assert "Aflyst:" in public and "Træneren er syg" in public


def test_a_cancellation_disappears_from_the_public_page_after_a_while(client, venue):
    course = factories.make_course(venue, starts_at=timezone.now() + dt.timedelta(days=30))
    Course.objects.filter(pk=course.pk).update(
        status="cancelled", cancellation_reason="Lokalet er lukket", cancelled_at=timezone.now() - dt.timedelta(days=20)
    )
    assert "Lokalet er lukket" not in client.get("/").content.decode()


def test_publishing_and_unpublishing_a_course(planner, venue):
    course = factories.make_course(venue, published=False)
    planner.post(f"/personale/kurser/{course.pk}/offentlig/", {"published": "1"})
    course.refresh_from_db()
    assert course.published
    planner.post(f"/personale/kurser/{course.pk}/offentlig/", {"published": "0"})
    course.refresh_from_db()
    assert not course.published


def test_a_course_at_a_residents_only_venue_is_not_published_by_the_button(planner, red_liv):
    shelter = factories.make_venue(red_liv, kind="shelter", open_to_public=False)
    course = factories.make_course(shelter, format=CourseFormat.ON_SITE, published=False)
    response = planner.post(f"/personale/kurser/{course.pk}/offentlig/", {"published": "1"}, follow=True)
    course.refresh_from_db()
    assert not course.published
    assert "kun for beboere" in response.content.decode()


def test_a_double_booked_trainer_is_warned_about_but_not_blocked(planner, venue, red_liv, next_monday):
    trainer = factories.make_trainer(red_liv, name="Trine Træner")
    trainer.certifications.create(kind="redliv_trainer", issued_on=next_monday - dt.timedelta(days=300))
    other = factories.make_course(venue, starts_at=local(next_monday, 14))
    other.trainers.add(trainer)
    response = planner.post(
        "/personale/kurser/ny/", course_data(venue, next_monday, trainers=[trainer.pk]), follow=True
    )
    assert Course.objects.count() == 2
    assert "Trine Træner er allerede booket til et andet kursus på det tidspunkt." in response.content.decode()


def test_a_trainer_whose_certification_will_have_expired_is_warned_about(planner, venue, red_liv, next_monday):
    trainer = factories.make_trainer(red_liv, name="Ulla Udløbet")
    trainer.certifications.create(
        kind="redliv_trainer",
        issued_on=next_monday - dt.timedelta(days=700),
        expires_on=next_monday - dt.timedelta(days=1),
    )
    response = planner.post(
        "/personale/kurser/ny/", course_data(venue, next_monday, trainers=[trainer.pk]), follow=True
    )
    assert Course.objects.count() == 1
    assert "Ulla Udløbet har ikke en gyldig certificering" in response.content.decode()


def test_a_certified_free_trainer_gets_no_warning(planner, venue, red_liv, next_monday):
    trainer = factories.make_trainer(red_liv, name="Gitte Gyldig")
    trainer.certifications.create(
        kind="redliv_trainer",
        issued_on=next_monday - dt.timedelta(days=10),
        expires_on=next_monday + dt.timedelta(days=300),
    )
    response = planner.post(
        "/personale/kurser/ny/", course_data(venue, next_monday, trainers=[trainer.pk]), follow=True
    )
    assert "Gitte Gyldig" in response.content.decode()
    assert "Tjek trænerne" not in response.content.decode()


def test_the_course_list_filters_by_format_venue_trainer_status_and_published(planner, venue, red_liv):
    other_venue = factories.make_venue(red_liv, name="Heroinklinikken")
    trainer = factories.make_trainer(red_liv)
    pop_up = factories.make_course(venue, format=CourseFormat.POP_UP, title="Pop-up-kurset")
    pop_up.trainers.add(trainer)
    factories.make_course(other_venue, title="Klinikkurset", published=False)
    factories.make_course(venue, title="Aflyst kursus", status="cancelled", cancellation_reason="Syg")

    def titles(**query):
        page = planner.get("/personale/kurser/", query).context["page"]
        return {course.title for course in page.object_list}

    assert titles() == {"Pop-up-kurset", "Klinikkurset", "Aflyst kursus"}
    assert titles(format="pop_up") == {"Pop-up-kurset"}
    assert titles(venue=other_venue.pk) == {"Klinikkurset"}
    assert titles(trainer=trainer.pk) == {"Pop-up-kurset"}
    assert titles(status="cancelled") == {"Aflyst kursus"}
    assert titles(published="no") == {"Klinikkurset"}


def test_train_the_trainer_courses_and_network_meetings_are_their_own_kind(planner, venue):
    factories.make_course(venue, kind=Course.Kind.TRAIN_THE_TRAINER, title="Træn træneren")
    factories.make_course(venue, kind=Course.Kind.NETWORK_MEETING, title="Netværksmøde")
    factories.make_course(venue, title="Almindeligt kursus")
    page = planner.get("/personale/kurser/", {"kind": "network_meeting"}).context["page"]
    assert [course.title for course in page.object_list] == ["Netværksmøde"]
    assert "Træneruddannelse" in planner.get("/personale/kurser/").content.decode()


def test_the_course_list_query_count_does_not_grow_with_courses(
    planner, venue, red_liv, coordinator, django_assert_max_num_queries
):
    trainers = [factories.make_trainer(red_liv) for _ in range(3)]
    for days in range(1, 21):
        course = factories.make_course(venue, starts_at=timezone.now() + dt.timedelta(days=days))
        course.trainers.set(trainers)
    with django_assert_max_num_queries(12):
        response = planner.get("/personale/kurser/")
    assert len(response.context["page"].object_list) == 20


def test_the_calendar_shows_a_month_and_a_week_with_courses_and_drop_in_hours(
    at_instant, planner, venue, next_monday, django_assert_max_num_queries, odense
):
    factories.make_course(venue, starts_at=local(next_monday, 10), title="Kalenderkursus")
    schedule = odense.drop_in_schedules.create(
        venue=venue,
        weekday=next_monday.weekday(),
        starts_at=dt.time(13),
        ends_at=dt.time(15),
        valid_from=next_monday - dt.timedelta(days=30),
    )
    schedule.exceptions.create(date=next_monday + dt.timedelta(days=7), reason="Helligdag")
    for extra in range(10):
        factories.make_course(venue, starts_at=local(next_monday + dt.timedelta(days=1), 8 + extra))
    with django_assert_max_num_queries(10):
        week = planner.get("/personale/kurser/kalender/", {"visning": "uge", "dato": next_monday.isoformat()})
    cells = week.context["rows"][0]
    assert cells[0]["date"] == next_monday
    assert [course.title for course in cells[0]["courses"]] == ["Kalenderkursus"]
    assert cells[0]["drop_ins"] == [schedule]
    following = planner.get(
        "/personale/kurser/kalender/", {"visning": "uge", "dato": (next_monday + dt.timedelta(days=7)).isoformat()}
    )
    assert following.context["rows"][0][0]["drop_ins"] == []  # the exception
    with django_assert_max_num_queries(10):
        month = planner.get("/personale/kurser/kalender/", {"dato": next_monday.isoformat()})
    assert month.status_code == 200
    assert "Kalenderkursus" in month.content.decode()
    dates = [cell["date"] for row in month.context["rows"] for cell in row]
    assert dates[0].weekday() == 0 and len(dates) % 7 == 0  # whole weeks, Monday first
    assert dates == [dates[0] + dt.timedelta(days=offset) for offset in range(len(dates))]
    in_month = [date for date in dates if date.month == next_monday.month]
    assert in_month[0].day == 1 and (in_month[-1] + dt.timedelta(days=1)).day == 1  # the whole month
    cells = {cell["date"]: cell for row in month.context["rows"] for cell in row}
    assert [course.title for course in cells[next_monday]["courses"]] == ["Kalenderkursus"]
    assert [date for date in dates if cells[date]["drop_ins"]] == [
        date
        for date in dates
        if date.weekday() == 0 and date >= schedule.valid_from and date != next_monday + dt.timedelta(days=7)
    ]
    assert [date for date in dates if cells[date]["other_month"]] == [
        date for date in dates if date.month != next_monday.month
    ]


def test_a_calendar_day_lists_its_entries_in_time_order_and_logged_drop_in_hours_once(planner, venue, next_monday):
    """Seen on the demo's calendar: the Tuesday drop-in, held and logged, read "13:00 Drop-in · Antidote Danmark,
    Odense" twice, and standing hours at 10:00 came after a course at 16:00."""
    factories.make_drop_in(venue, weekday=next_monday.weekday(), starts_at=dt.time(13), ends_at=dt.time(15))
    factories.make_drop_in(venue, weekday=next_monday.weekday(), starts_at=dt.time(10), ends_at=dt.time(11))
    factories.make_course(venue, starts_at=local(next_monday, 13))  # the 13:00 hours, logged as a drop-in
    factories.make_course(venue, starts_at=local(next_monday, 16), title="Netværksmøde", format="scheduled")
    page = planner.get("/personale/kurser/kalender/", {"visning": "uge", "dato": next_monday.isoformat()})
    monday = page.content.decode().split("<tbody>")[1].split("</td>")[0]
    entries = [" ".join(re.sub("<[^>]+>", "", item).split()) for item in monday.split("calendar-entry")[1:]]
    assert [entry.split(" · ")[0].split('">')[-1] for entry in entries] == [
        "10:00 Drop-in",
        "13:00 Drop-in",
        "16:00 Netværksmøde",
    ]


def test_a_held_course_shows_its_attendance_read_only(planner, venue, street_worker):
    course = factories.make_course(venue, status="held", starts_at=timezone.now() - dt.timedelta(days=1))
    factories.make_attendance(course, street_worker, people_who_use_drugs=7, first_time=4, refresher=3)
    page = planner.get(f"/personale/kurser/{course.pk}/").content.decode()
    assert "gadeplan-alice" in page
    assert "<strong>7</strong>" in page
    assert "<form" not in page.split("Fremmøde")[1]


def test_a_course_page_shows_its_languages_and_public_description_and_a_readable_address(planner, venue):
    """The page left out the languages and the description the coordinator had typed, and read "Flakhaven 5000
    Odense" for the venue's address."""
    course = factories.make_course(
        venue, languages=["da", "ar"], public_description="Kom forbi standen.\nVi har kaffe."
    )
    page = planner.get(f"/personale/kurser/{course.pk}/").content.decode()
    text = " ".join(re.sub("<[^>]+>", " ", page).split())
    assert "Sprog Dansk, Arabisk" in text
    assert "Offentlig beskrivelse Kom forbi standen. Vi har kaffe." in text
    assert f"{venue.name}, {venue.address}, {venue.postcode} {venue.city}" in text


def test_bad_calendar_dates_fall_back_to_today(at_instant, planner):
    today = at_instant.date()  # in Copenhagen
    for bad in ["not-a-date", "2026-02-30", ""]:
        response = planner.get("/personale/kurser/kalender/", {"visning": "uge", "dato": bad})
        assert response.status_code == 200
        assert response.context["day"] == today
        week = [cell["date"] for cell in response.context["rows"][0]]
        assert week[0].weekday() == 0 and today in week
        assert [cell["date"] for cell in response.context["rows"][0] if cell["today"]] == [today]


def test_the_calendar_shows_drop_in_hours_only_while_they_are_valid(planner, venue, next_monday, odense):
    """The calendar counts drop-in dates as the finder does (courses.schedule.occurrences)."""
    schedule = odense.drop_in_schedules.create(
        venue=venue,
        weekday=next_monday.weekday(),
        starts_at=dt.time(13),
        ends_at=dt.time(15),
        valid_from=next_monday + dt.timedelta(days=2),
        valid_until=next_monday + dt.timedelta(days=15),
    )
    month = planner.get("/personale/kurser/kalender/", {"dato": next_monday.isoformat()})
    shown = {cell["date"] for week in month.context["rows"] for cell in week if schedule in cell["drop_ins"]}
    assert shown == {next_monday + dt.timedelta(days=7), next_monday + dt.timedelta(days=14)} & {
        cell["date"] for week in month.context["rows"] for cell in week
    }


def test_a_double_submit_of_the_course_form_plans_one_course(planner, venue, next_monday):
    page = planner.get("/personale/kurser/ny/")
    key = page.context["form"]["key"].value()
    fields = course_data(venue, next_monday, key=str(key))
    first = planner.post("/personale/kurser/ny/", fields)
    again = planner.post("/personale/kurser/ny/", fields, follow=True)  # a double click, or a second tab
    course = Course.objects.get()
    assert first["Location"] == again.redirect_chain[0][0] == f"/personale/kurser/{course.pk}/"
    assert "Dette kursus er allerede planlagt fra denne formular" in again.content.decode()
    assert course.history.count() == 1


def test_each_showing_of_the_course_form_plans_its_own_course(planner, venue, next_monday):
    for _form in range(2):
        key = planner.get("/personale/kurser/ny/").context["form"]["key"].value()
        assert planner.post("/personale/kurser/ny/", course_data(venue, next_monday, key=str(key))).status_code == 302
    assert Course.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_same_course_form_sent_twice_at_once_plans_one_course(coordinator, venue, next_monday):
    import uuid

    from courses import services_planning as planning
    from courses.forms import CourseForm
    from tests.simultaneous import at_once

    fields = course_data(venue, next_monday, key=str(uuid.uuid4()))
    forms = [CourseForm(fields, user=coordinator) for _ in "ab"]
    assert all(form.is_valid() for form in forms)
    saved = []
    outcomes = at_once(2, lambda: saved.append(planning.save_course(forms.pop(), coordinator)[1]))
    assert outcomes == ["stored", "stored"] and sorted(saved) == [False, True]
    assert Course.objects.count() == 1


def test_a_save_from_a_second_tab_does_not_silently_undo_the_first(planner, venue, next_monday):
    """Two tabs on the same course: the title saved in the first was overwritten, without a word, by
    the capacity saved in the second, which still held the old title."""
    course = factories.make_course(venue, title="Drop-in om naloxon", starts_at=local(next_monday, 13))
    path = f"/personale/kurser/{course.pk}/rediger/"
    first, second = (planner.get(path).context["form"] for _ in range(2))
    shown = first["shown_version"].value()
    assert shown and second["shown_version"].value() == shown

    saved = planner.post(path, course_data(venue, next_monday, title="Pop-up ved Rådhuset", shown_version=shown))
    assert saved.status_code == 302
    refused = planner.post(path, course_data(venue, next_monday, capacity="25", shown_version=shown))
    assert refused.status_code == 200
    assert "Kurset blev ændret et andet sted, efter du åbnede siden" in refused.content.decode()
    course.refresh_from_db()
    assert (course.title, course.capacity) == ("Pop-up ved Rådhuset", None)

    # Sent again from the page that said so, it replaces the other change on purpose.
    again = refused.context["form"]["shown_version"].value()
    assert again != shown
    assert planner.post(path, course_data(venue, next_monday, capacity="25", shown_version=again)).status_code == 302
    course.refresh_from_db()
    assert (course.title, course.capacity) == ("Drop-in om naloxon", 25)


def test_a_course_form_without_a_version_is_still_saved(planner, venue, next_monday):
    """A page shown before this check has no version: it saves as it did."""
    course = factories.make_course(venue, starts_at=local(next_monday, 13))
    response = planner.post(f"/personale/kurser/{course.pk}/rediger/", course_data(venue, next_monday, capacity="9"))
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.capacity == 9


def test_an_administrator_plans_a_course_at_another_municipalitys_venue_and_it_counts_there(
    client, administrator, other_coordinator, aarhus_org, aarhus, next_monday
):
    """The administrator's organisation is in Odense; before, the course was Odense's (its figures, its
    list) though it took place at Aarhus's venue, and Aarhus's coordinator did not see it."""
    aarhus_venue = factories.make_venue(aarhus_org, name="Aarhus-værestedet")
    client.force_login(administrator)
    assert client.post("/personale/kurser/ny/", course_data(aarhus_venue, next_monday)).status_code == 302
    assert Course.objects.get().municipality == aarhus
    client.force_login(other_coordinator)
    assert "Drop-in om naloxon" in client.get("/personale/kurser/").content.decode()


def test_an_administrator_cannot_move_a_course_to_another_municipalitys_venue(
    client, administrator, venue, aarhus_org, next_monday
):
    course = factories.make_course(venue, starts_at=local(next_monday, 13))
    aarhus_venue = factories.make_venue(aarhus_org)
    client.force_login(administrator)
    response = client.post(f"/personale/kurser/{course.pk}/rediger/", course_data(aarhus_venue, next_monday))
    assert response.status_code == 200 and response.context["form"].has_error("venue", "venue_elsewhere")
    course.refresh_from_db()
    assert course.venue == venue


def test_a_cancelled_course_kept_off_the_finder_is_not_made_public_by_its_form(planner, client, venue, next_monday):
    """The publish button shows only a planned course; the course form showed a cancelled one too, ticked "shown
    publicly" on a correction: its cancellation, with the reason written for staff, went on the public page."""
    course = factories.make_course(venue, starts_at=timezone.make_aware(dt.datetime.combine(next_monday, dt.time(13))))
    Course.objects.filter(pk=course.pk).update(
        published=False, status="cancelled", cancellation_reason="Kun to tilmeldte", cancelled_at=timezone.now()
    )
    response = planner.post(f"/personale/kurser/{course.pk}/rediger/", course_data(venue, next_monday, title="Rettet"))
    assert response.status_code == 200 and response.context["form"].has_error("published", "not_planned")
    assert "Kun et planlagt kursus kan vises i den offentlige kursusoversigt." in response.content.decode()
    course.refresh_from_db()
    assert not course.published and course.title != "Rettet"
    # Corrected without the tick, it is saved and stays off the public page.
    response = planner.post(
        f"/personale/kurser/{course.pk}/rediger/", course_data(venue, next_monday, title="Rettet", published=None)
    )
    assert response.status_code == 302
    planner.logout()
    assert "Kun to tilmeldte" not in client.get("/").content.decode()


def test_a_double_click_on_cancelling_a_course_says_it_is_cancelled_not_an_error(planner, venue):
    """The second click's answer is the one shown: it said in red that only a planned course can be cancelled,
    as if the cancellation had failed."""
    course = factories.make_course(venue)
    path = f"/personale/kurser/{course.pk}/aflys/"
    assert planner.post(path, {"reason": "Træneren er syg"}).status_code == 302
    again = planner.post(path, {"reason": "Træneren er syg"}, follow=True)
    page = again.content.decode()
    assert "Kurset er allerede aflyst." in page and "Kun et planlagt kursus kan aflyses." not in page
    course.refresh_from_db()
    assert course.status == Course.Status.CANCELLED and course.cancellation_reason == "Træneren er syg"


def test_of_two_cancellations_at_once_the_second_is_refused_and_the_first_reason_stays(venue):
    """Both requests read the course as planned before either wrote: the status was checked without a lock, and the
    second cancellation's reason overwrote the first. The second now reads the locked row and is told it is
    cancelled already."""
    course = factories.make_course(venue)
    stale = Course.objects.get(pk=course.pk)  # the second request's copy, read while the course was planned
    planning.cancel_course(course, "Træneren er syg")
    with pytest.raises(ValidationError) as refused:
        planning.cancel_course(stale, "Lokalet er lukket")
    assert refused.value.code == "cancelled_already"
    course.refresh_from_db()
    assert course.status == Course.Status.CANCELLED and course.cancellation_reason == "Træneren er syg"
