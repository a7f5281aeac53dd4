"""A coordinator plans in a real browser: a course, standing drop-in hours with a
closed date, publishing; every page passes axe-core (WCAG 2.2 AA)."""

import datetime as dt
import re

import pytest
from django.utils import formats, timezone

from courses.models import Course, DropInSchedule
from tests.conftest import axe_violations
from tests.conftest import log_in as log_in_through_the_login_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user):
    log_in_through_the_login_page(page, live_server.url, user)


def test_a_coordinator_plans_and_publishes_a_course(live_server, desktop_page, coordinator, venue):
    page = desktop_page
    log_in(page, live_server, coordinator)
    assert page.get_by_role("heading", name="Dagens kurser").is_visible()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Planlæg et kursus").first.click()
    day = timezone.localdate() + dt.timedelta(days=10)
    page.get_by_label("Form").select_option("pop_up")
    page.get_by_label("Titel").fill("Pop-up på Rådhuspladsen")
    page.get_by_label("Sted", exact=True).select_option(str(venue.pk))
    page.get_by_label("Starter").fill(f"{day:%Y-%m-%d}T12:00")
    page.get_by_label("Slutter").fill(f"{day:%Y-%m-%d}T14:00")
    page.get_by_label("Stofbrugere").check()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Gem").click()

    page.get_by_text("Kurset blev oprettet.").wait_for()
    course = Course.objects.get()
    assert course.title == "Pop-up på Rådhuspladsen" and not course.published
    assert axe_violations(page) == []
    page.get_by_role("button", name="Offentliggør").click()
    page.get_by_text("Kurset vises i den offentlige kursusoversigt.").wait_for()
    course.refresh_from_db()
    assert course.published

    page.get_by_role("link", name="Kalender").click()
    page.get_by_role("link", name="Næste måned").wait_for()
    assert axe_violations(page) == []

    # The public finds it on the course finder.
    public = page.context.browser.new_page()
    public.goto(live_server.url + "/?format=pop_up")
    assert public.get_by_role("link", name="Pop-up på Rådhuspladsen").is_visible()
    public.close()


def test_a_coordinator_sets_up_standing_drop_in_hours_with_a_closed_date(live_server, desktop_page, coordinator, venue):
    page = desktop_page
    log_in(page, live_server, coordinator)
    page.get_by_role("link", name="Faste drop-in-tider").click()
    page.get_by_role("link", name="Ny drop-in-tid").click()
    today = timezone.localdate()
    page.get_by_label("Titel").fill("Drop-in hos Antidote")
    page.locator("#id_venue").select_option(str(venue.pk))
    page.locator("#id_weekday").select_option("1")
    page.locator("#id_starts_at").fill("13:00")
    page.locator("#id_ends_at").fill("15:00")
    page.locator("#id_valid_from").fill(today.isoformat())
    assert axe_violations(page) == []
    page.get_by_role("button", name="Gem").click()
    page.get_by_text("Drop-in-tiden blev oprettet.").wait_for()
    schedule = DropInSchedule.objects.get()
    assert schedule.published and schedule.weekday == 1

    tuesday = today + dt.timedelta(days=(1 - today.weekday()) % 7 or 7)
    page.get_by_role("textbox", name="Dato").fill(tuesday.isoformat())
    page.get_by_role("textbox", name="Årsag").fill("Personaledag")
    page.get_by_role("button", name="Tilføj datoen").click()
    page.get_by_text("Drop-in-tiden er lukket den").wait_for()
    assert list(schedule.exceptions.values_list("date", flat=True)) == [tuesday]

    # The public finder lists the following Tuesday, but not the closed one.
    public = page.context.browser.new_page()
    public.goto(live_server.url + "/?format=drop_in")
    listed = public.locator("main").inner_text()
    public.close()
    next_week = tuesday + dt.timedelta(days=7)
    assert re.search(rf"(?<!\d){formats.date_format(next_week, 'j. F')}", listed)
    assert not re.search(rf"(?<!\d){formats.date_format(tuesday, 'j. F')}", listed)
    assert axe_violations(page) == []

    page.goto(f"{live_server.url}/personale/kurser/kalender/?visning=uge&dato={tuesday.isoformat()}")
    # The week of the closed Tuesday shows no drop-in on that day.
    assert page.locator("tbody td").nth(1).locator(".drop-in").count() == 0
    page.goto(f"{live_server.url}/personale/kurser/kalender/?visning=uge&dato={tuesday + dt.timedelta(days=7)}")
    assert page.locator("tbody td").nth(1).locator(".drop-in").count() == 1
    assert axe_violations(page) == []
