from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from courses.models import Attendance, Course, DropInSchedule
from kits.models import Handout, StockLevel, StockLocation
from kits.queries import stock_plan
from redliv.models import User
from reversals.models import ReversalReport

pytestmark = pytest.mark.django_db


def row_counts():
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.mark.long(seconds=10)
def test_seed_demo_builds_an_odense_year_and_changes_nothing_the_second_time(demo, settings, monkeypatch, capsys):
    """`demo` is what seed_demo left in an empty database (tests/table_copies.py runs it once per worker)."""
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-123")
    first = row_counts()
    assert Course.objects.filter(status="held").count() > 80
    assert Attendance.objects.count() > 80
    assert Handout.objects.count() > 80
    assert ReversalReport.objects.filter(review_status="pending").exists()
    assert DropInSchedule.objects.count() == 2
    assert Course.objects.filter(status="planned", published=True).exists()
    assert not StockLevel.objects.filter(quantity__lt=0).exists()
    for username in ["demo-gade", "demo-traener", "demo-koordinator", "demo-admin"]:
        assert User.objects.get(username=username).check_password("demo-password-123")

    call_command("seed_demo")
    assert row_counts() == first
    assert "nothing changed" in capsys.readouterr().out


def test_the_demo_covers_fourteen_whole_months_so_no_compared_month_is_empty(demo):
    from reports.figures import Month, monthly_totals

    last = Month.last_full()
    totals = monthly_totals(last.shift(-13), last)
    assert len(totals) == 14
    assert all(figures["held"] and figures["kits"] for figures in totals.values()), totals
    # The public statistics show the months as approved: all but the last, left to approve on the month page.
    from reports.figures import public_statistics

    months = public_statistics()["months"]
    assert months[-1]["kits"] is None and all(row["kits"] not in (None, 0) for row in months[:-1]), months
    # Each approval published (reports.publication.approve_and_publish, tests/test_every_approval_is_published.py).
    from redliv.models import MonthClosing

    approved = MonthClosing.objects.filter(action=MonthClosing.Action.APPROVED)
    assert approved.count() > 10 and not approved.filter(publication__isnull=True).exists()


@pytest.mark.long(seconds=13)
def test_seed_demo_prints_a_random_password_once_when_none_is_given(settings, monkeypatch, capsys):
    settings.DEBUG = True
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    call_command("seed_demo")
    output = capsys.readouterr().out
    password = output.strip().rsplit("password: ", 1)[1]
    assert User.objects.get(username="demo-gade").check_password(password)
    call_command("seed_demo")
    assert password not in capsys.readouterr().out


def test_seed_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_the_demo_shows_the_street_bags_expired_kits_apart_with_targets_and_a_return_box(demo, client):
    bag = StockLocation.objects.get(name="Gadeteamets taske")
    assert (bag.min_months, bag.max_months) == (Decimal("0.5"), Decimal(2))
    assert StockLocation.objects.get(name="Returkassen til apoteket").for_return
    coordinator = User.objects.get(username="demo-koordinator")
    plans = {entry.location.name: entry for entry in stock_plan(coordinator).locations}
    expired = plans["Gadeteamets taske"].unusable  # what FEFO handouts left of lot NX2301 when it expired
    assert expired > 0
    TOTPDevice.objects.get_or_create(user=coordinator, name="app", confirmed=True)  # as after enrolment
    client.force_login(coordinator)
    response = client.get(reverse("kits:stock"))
    assert response.status_code == 200
    apart = response.content.decode().split('id="expired-heading"')[1].split("</section>")[0]
    assert "Gadeteamets taske" in apart and f"Kassér {expired} kit af lot NX2301" in apart
    assert "Returnér til Returkassen til apoteket" in apart
