"""Standing drop-in hours: created and edited by coordinators, with single dates skipped."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from courses.models import DropInException, DropInSchedule
from tests import factories

pytestmark = pytest.mark.django_db


def schedule_data(venue, **overrides):
    today = timezone.localdate()
    data = {
        "title": "Drop-in tirsdag",
        "venue": venue.pk,
        "weekday": "1",
        "starts_at": "13:00",
        "ends_at": "15:00",
        "valid_from": today.isoformat(),
        "valid_until": (today + dt.timedelta(days=180)).isoformat(),
        "audiences": ["people_who_use_drugs"],
        "languages": ["da"],
        "public_description": "",
        "published": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def schedule(venue, odense):
    return DropInSchedule.objects.create(
        municipality=odense,
        venue=venue,
        weekday=1,
        starts_at=dt.time(13),
        ends_at=dt.time(15),
        valid_from=timezone.localdate(),
        valid_until=timezone.localdate() + dt.timedelta(days=180),
    )


def next_tuesday():
    today = timezone.localdate()
    return today + dt.timedelta(days=(1 - today.weekday()) % 7 or 7)


def test_a_coordinator_creates_standing_drop_in_hours(planner, venue, odense):
    response = planner.post("/personale/faste-tider/ny/", schedule_data(venue))
    schedule = DropInSchedule.objects.get()
    assert response["Location"] == f"/personale/faste-tider/{schedule.pk}/"
    assert schedule.municipality == odense
    assert schedule.weekday == 1 and schedule.starts_at == dt.time(13)


def test_drop_in_hours_that_end_before_they_start_are_refused(planner, venue):
    response = planner.post("/personale/faste-tider/ny/", schedule_data(venue, ends_at="12:00"))
    assert response.status_code == 200
    assert "Drop-in-tiden skal slutte efter den begynder (00:00 er midnat)." in response.content.decode()
    assert not DropInSchedule.objects.exists()


def test_drop_in_hours_may_end_at_midnight_and_the_finder_api_and_feed_end_them_then(planner, client, venue):
    """ "20:00–00:00" was refused as ending before it starts; only 23:59 was accepted."""
    assert "00:00 er midnat, ved dagens slutning." in planner.get("/personale/faste-tider/ny/").content.decode()
    fields = schedule_data(venue, weekday="3", starts_at="20:00", ends_at="00:00")  # Thursday, today
    assert planner.post("/personale/faste-tider/ny/", fields).status_code == 302
    schedule = DropInSchedule.objects.get()
    assert (schedule.starts_at, schedule.ends_at) == (dt.time(20), dt.time(0))
    client.logout()
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 6, 11, 23, 30)), tick=False):
        first = client.get("/api/v1/courses/?format=drop_in").json()["courses"][0]
        feed = client.get(f"/drop-in/{schedule.pk}.ics").content.decode()
    # Still on at 23:30, and over at midnight, at the end of Thursday.
    assert (first["start"], first["end"]) == ("2026-06-11T20:00:00+02:00", "2026-06-12T00:00:00+02:00")
    assert "DTSTART:20260611T180000Z" in feed and "DTEND:20260611T220000Z" in feed


def test_drop_in_hours_from_midnight_to_midnight_are_refused(planner, venue):
    response = planner.post("/personale/faste-tider/ny/", schedule_data(venue, starts_at="00:00", ends_at="00:00"))
    assert response.status_code == 200 and response.context["form"].has_error("ends_at")
    assert not DropInSchedule.objects.exists()


def test_a_schedule_whose_period_ends_before_it_starts_is_refused(planner, venue):
    today = timezone.localdate()
    response = planner.post(
        "/personale/faste-tider/ny/", schedule_data(venue, valid_until=(today - dt.timedelta(days=1)).isoformat())
    )
    assert response.status_code == 200
    assert "“Gælder til” kan ikke ligge før “gælder fra”." in response.content.decode()
    assert not DropInSchedule.objects.exists()


def test_public_drop_in_hours_at_a_residents_only_venue_are_refused(planner, red_liv):
    shelter = factories.make_venue(red_liv, kind="shelter", open_to_public=False, name="Bostedet")
    response = planner.post("/personale/faste-tider/ny/", schedule_data(shelter))
    assert response.status_code == 200
    assert "Bostedet er kun for beboere" in response.content.decode()
    assert not DropInSchedule.objects.exists()


def test_a_coordinator_edits_drop_in_hours(planner, venue, schedule):
    response = planner.post(f"/personale/faste-tider/{schedule.pk}/", schedule_data(venue, starts_at="12:00"))
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert schedule.starts_at == dt.time(12)


def test_a_single_date_is_skipped_with_an_exception(planner, schedule):
    date = next_tuesday()
    response = planner.post(
        f"/personale/faste-tider/{schedule.pk}/undtagelser/", {"date": date.isoformat(), "reason": "Helligdag"}
    )
    assert response.status_code == 302
    assert list(schedule.exceptions.values_list("date", "reason")) == [(date, "Helligdag")]
    page = planner.get(f"/personale/faste-tider/{schedule.pk}/").content.decode()
    assert "Helligdag" in page


def test_an_exception_must_fall_on_the_schedules_weekday_and_period(planner, schedule):
    wednesday = next_tuesday() + dt.timedelta(days=1)
    response = planner.post(
        f"/personale/faste-tider/{schedule.pk}/undtagelser/", {"date": wednesday.isoformat(), "reason": "Lukket"}
    )
    assert response.status_code == 200
    assert "vælg en tirsdag" in response.content.decode()
    late = next_tuesday() + dt.timedelta(days=7 * 30)
    response = planner.post(
        f"/personale/faste-tider/{schedule.pk}/undtagelser/", {"date": late.isoformat(), "reason": "Lukket"}
    )
    assert response.status_code == 200
    assert not DropInException.objects.exists()


def test_a_closure_dated_before_today_in_copenhagen_is_refused(at_instant, planner, odense, venue):
    """A closure tells people ahead that the hours are off: it may be dated today (Copenhagen's date), never
    before, on the hours' weekday a week ago within their period."""
    today = timezone.localdate()
    schedule = factories.make_drop_in(venue, weekday=today.weekday(), valid_from=today - dt.timedelta(days=28))
    path = f"/personale/faste-tider/{schedule.pk}/undtagelser/"
    refused = planner.post(path, {"date": (today - dt.timedelta(days=7)).isoformat(), "reason": "Lukket"})
    assert refused.status_code == 200
    assert "Datoen er passeret. Vælg i dag eller en senere dato" in refused.content.decode()
    assert not schedule.exceptions.exists()
    assert planner.post(path, {"date": today.isoformat(), "reason": "Lukket"}).status_code == 302
    assert list(schedule.exceptions.values_list("date", flat=True)) == [today]


def test_the_same_date_cannot_be_skipped_twice(planner, schedule):
    schedule.exceptions.create(date=next_tuesday(), reason="Lukket")
    response = planner.post(
        f"/personale/faste-tider/{schedule.pk}/undtagelser/", {"date": next_tuesday().isoformat(), "reason": "Igen"}
    )
    assert response.status_code == 200
    assert "Den dato er allerede en undtagelse." in response.content.decode()
    assert schedule.exceptions.count() == 1


def test_an_exception_can_be_removed(planner, schedule):
    exception = schedule.exceptions.create(date=next_tuesday(), reason="Lukket")
    response = planner.post(f"/personale/faste-tider/{schedule.pk}/undtagelser/{exception.pk}/slet/")
    assert response.status_code == 302
    assert not schedule.exceptions.exists()


def test_removing_an_exception_twice_says_it_is_removed_not_page_not_found(planner, schedule):
    """A double click on "Remove", or the button in a second tab: the second request found no exception
    and answered 404, so the page said "not found" although the date was open again."""
    exception = schedule.exceptions.create(date=next_tuesday(), reason="Lukket")
    path = f"/personale/faste-tider/{schedule.pk}/undtagelser/{exception.pk}/slet/"
    assert planner.post(path).status_code == 302
    again = planner.post(path, follow=True)
    assert again.redirect_chain == [(f"/personale/faste-tider/{schedule.pk}/", 302)]
    assert "Undtagelsen var allerede fjernet." in again.content.decode()
    assert not schedule.exceptions.exists()


def test_the_drop_in_list_has_a_fixed_number_of_queries(planner, venue, odense, django_assert_max_num_queries):
    for weekday in range(7):
        made = DropInSchedule.objects.create(
            municipality=odense,
            venue=venue,
            weekday=weekday,
            starts_at=dt.time(10),
            ends_at=dt.time(12),
            valid_from=timezone.localdate(),
        )
        made.exceptions.create(
            date=timezone.localdate() + dt.timedelta(days=weekday - timezone.localdate().weekday() + 7), reason="Lukket"
        )
    with django_assert_max_num_queries(9):
        response = planner.get("/personale/faste-tider/")
    assert response.content.decode().count("Lukket") == 7


@pytest.mark.django_db(transaction=True)
def test_two_tabs_skipping_the_same_date_at_once_store_it_once_and_tell_the_second(schedule):
    from courses import services_planning as planning
    from courses.forms import DropInExceptionForm
    from tests.simultaneous import at_once

    day = timezone.localdate() + dt.timedelta(days=(1 - timezone.localdate().weekday()) % 7 or 7)

    forms = [DropInExceptionForm({"date": day.isoformat(), "reason": "Helligdag"}, schedule=schedule) for _ in "ab"]
    assert all(form.is_valid() for form in forms)  # both tabs pass the form's check before either is stored

    def skip():
        planning.close_dropin_on(forms.pop(), schedule)

    outcomes = at_once(2, skip, refusal=lambda error: error.message_dict["date"][0])
    assert sorted(outcomes) == ["Den dato er allerede en undtagelse.", "stored"]
    assert DropInException.objects.filter(schedule=schedule, date=day).count() == 1


def test_a_double_submit_of_the_drop_in_form_creates_the_hours_once_and_the_finder_shows_them_once(
    planner, venue, client
):
    page = planner.get("/personale/faste-tider/ny/")
    key = page.context["form"]["key"].value()
    assert f'value="{key}"' in page.content.decode()  # the key is in the form the browser sends
    fields = schedule_data(venue, key=str(key))
    first = planner.post("/personale/faste-tider/ny/", fields, follow=True)
    again = planner.post("/personale/faste-tider/ny/", fields, follow=True)  # a double click, a second tab, a resend
    schedule = DropInSchedule.objects.get()
    assert first.redirect_chain[0][0] == again.redirect_chain[0][0] == f"/personale/faste-tider/{schedule.pk}/"
    assert "Denne drop-in-tid er allerede oprettet fra denne formular" in again.content.decode()
    assert (
        "Drop-in-tiden blev oprettet" in first.content.decode()
        and "Drop-in-tiden blev oprettet" not in again.content.decode()
    )
    assert schedule.history.count() == 1
    planner.logout()
    assert client.get("/", {"format": "drop_in"}).content.decode().count("Drop-in tirsdag</a>") == 1


def test_each_showing_of_the_drop_in_form_creates_its_own_hours(planner, venue):
    for _form in range(2):
        key = planner.get("/personale/faste-tider/ny/").context["form"]["key"].value()
        assert planner.post("/personale/faste-tider/ny/", schedule_data(venue, key=str(key))).status_code == 302
    assert DropInSchedule.objects.count() == 2


def test_editing_drop_in_hours_carries_no_form_key(planner, schedule):
    assert planner.get(f"/personale/faste-tider/{schedule.pk}/").context["form"]["key"].value() is None


@pytest.mark.django_db(transaction=True)
def test_the_same_drop_in_form_sent_twice_at_once_creates_the_hours_once(coordinator, venue):
    import uuid

    from courses import services_planning as planning
    from courses.forms import DropInScheduleForm
    from tests.simultaneous import at_once

    fields = schedule_data(venue, key=str(uuid.uuid4()))
    forms = [DropInScheduleForm(fields, user=coordinator) for _ in "ab"]
    assert all(form.is_valid() for form in forms)
    saved = []
    outcomes = at_once(2, lambda: saved.append(planning.save_dropin(forms.pop(), coordinator)[1]))
    assert outcomes == ["stored", "stored"] and sorted(saved) == [False, True]
    assert DropInSchedule.objects.count() == 1


def test_a_save_from_a_second_tab_does_not_silently_undo_the_first(planner, venue, schedule):
    """Two tabs on the same drop-in hours: the later hours saved in the first were put back, without a
    word, by the second tab's save of the title, which still held the old hours (as courses did)."""
    path = f"/personale/faste-tider/{schedule.pk}/"
    first, second = (planner.get(path).context["form"] for _ in range(2))
    shown = first["shown_version"].value()
    assert shown and second["shown_version"].value() == shown

    saved = planner.post(path, schedule_data(venue, starts_at="14:00", ends_at="16:00", shown_version=shown))
    assert saved.status_code == 302
    refused = planner.post(path, schedule_data(venue, title="Drop-in hos Antidote", shown_version=shown))
    assert refused.status_code == 200
    assert "De faste tider blev ændret et andet sted, efter du åbnede siden" in refused.content.decode()
    schedule.refresh_from_db()
    assert (schedule.title, schedule.starts_at) == ("Drop-in tirsdag", dt.time(14))

    # Sent again from the page that said so, it replaces the other change on purpose.
    again = refused.context["form"]["shown_version"].value()
    assert again != shown
    assert (
        planner.post(path, schedule_data(venue, title="Drop-in hos Antidote", shown_version=again)).status_code == 302
    )
    schedule.refresh_from_db()
    assert (schedule.title, schedule.starts_at) == ("Drop-in hos Antidote", dt.time(13))


def test_an_administrators_drop_in_hours_at_another_municipalitys_venue_belong_there(
    client, administrator, aarhus_org, aarhus, venue
):
    aarhus_venue = factories.make_venue(aarhus_org)
    client.force_login(administrator)
    assert client.post("/personale/faste-tider/ny/", schedule_data(aarhus_venue)).status_code == 302
    assert DropInSchedule.objects.get().municipality == aarhus
    schedule = DropInSchedule.objects.get()
    response = client.post(f"/personale/faste-tider/{schedule.pk}/", schedule_data(venue))
    assert response.status_code == 200 and response.context["form"].has_error("venue", "venue_elsewhere")


def test_hours_moved_to_another_weekday_are_not_said_to_be_closed_on_the_old_one(planner, client, venue, schedule):
    """Tuesday hours closed on one Tuesday, then moved to Wednesdays: the public page said "every
    Wednesday … Closed: Tuesday …", and the coordinator was not told the closure no longer applied."""
    tuesday = next_tuesday()
    schedule.exceptions.create(date=tuesday, reason="Helligdag")
    response = planner.post(
        f"/personale/faste-tider/{schedule.pk}/",
        schedule_data(venue, weekday="2", shown_version=schedule.updated_at.isoformat()),
        follow=True,
    )
    assert "Disse datoer uden drop-in er ikke længere dage, hvor drop-in-tiden holdes" in response.content.decode()
    public = client.get(f"/drop-in/{schedule.pk}/").content.decode()
    assert "Hver onsdag" in public
    assert "Lukket:" not in public and tuesday.isoformat() not in public


def test_a_closed_date_on_the_hours_weekday_is_still_shown(client, schedule):
    tuesday = next_tuesday()
    schedule.exceptions.create(date=tuesday, reason="Helligdag")
    public = client.get(f"/drop-in/{schedule.pk}/").content.decode()
    assert "Lukket:" in public and f'datetime="{tuesday.isoformat()}"' in public
