"""A date picker offers the days its form takes: `min` and `max` from the rules the form checks.

Every <input type=date> (and datetime-local) had neither: a phone's or tablet's picker offered a report dated next
year, a street entry five months back, a closure of drop-in hours last week, all refused only once sent. The bounds
come from the same constants and functions as the checks (redliv.inputs.limit_dates), in Copenhagen's days; the
server still checks every date."""

import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from redliv.models import District
from redliv.months import Month
from redliv.templatetags.dates import date_picker_bounds
from reversals.forms import PublicReportForm
from street.forms import ReportEntryForm
from tests import factories
from tests.conftest import COPENHAGEN, VerifiedClient

pytestmark = pytest.mark.django_db

# 00:30 on New Year's Day in Copenhagen is 23:30 on New Year's Eve in UTC: a day taken from UTC is a day early.
NEW_YEAR = dt.datetime(2027, 1, 1, 0, 30, tzinfo=COPENHAGEN)
PICKER = re.compile(r'<input[^>]*type="(?:date|datetime-local|month)"[^>]*>')


def pickers(html):
    """{name: (min, max)} of every date picker in the page."""
    found = {}
    for tag in PICKER.findall(html):
        bounds = [re.search(rf'{name}="([^"]*)"', tag) for name in ("name", "min", "max")]
        found[bounds[0][1]] = tuple(match[1] if match else None for match in bounds[1:])
    return found


def test_every_date_picker_in_the_product_has_the_days_its_form_takes(street_worker, coordinator, venue, district, bag):
    schedule = factories.make_drop_in(venue)
    from kits.models import Batch

    lot = Batch.objects.get(lot_number="LOT-BAG")
    today = timezone.localdate()
    # One page per kind of picker (the forms of the same kind share it: the desk's report form the public one's, the
    # course form the handout's, a stock count a delivery's); the finder's, written in its template, below.
    pages = {
        None: ["/afrapporter/"],
        street_worker: ["/gade/udlevering/", "/gade/afrapportering/"],
        coordinator: [
            "/personale/afrapporteringer/",
            "/personale/kurser/ny/",
            f"/personale/faste-tider/{schedule.pk}/",
            "/personale/lager/levering/",
            f"/personale/lager/lot/{lot.pk}/tilbagekald/",
            "/personale/maaned/",
        ],
    }
    seen = {}
    for user, paths in pages.items():
        browser = VerifiedClient()
        if user:
            browser.force_login(user)
        for path in paths:
            response = browser.get(path)
            assert response.status_code == 200, path
            for name, bounds in pickers(response.content.decode()).items():
                assert None not in bounds and bounds[0] <= bounds[1], (path, name, bounds)
                seen[path, name] = bounds
    assert seen["/personale/afrapporteringer/", "start"] == ("1900-01-01", "2200-12-31")  # a filter: any date
    assert seen["/afrapporter/", "occurred_on"] == (str(today - dt.timedelta(days=365)), str(today))
    assert seen["/gade/udlevering/", "date"] == (str(today - dt.timedelta(days=60)), str(today))
    assert seen["/personale/kurser/ny/", "starts_at"] == ("1900-01-01T00:00", "2200-12-31T23:59")
    assert seen[f"/personale/faste-tider/{schedule.pk}/", "date"] == (str(today), "2200-12-31")  # a closure ahead
    # A lot's received and expiry dates: 2000 to 2100 (kits.models.validate_lot_date, batch_dates_within_range).
    assert seen["/personale/lager/levering/", "on_date"] == ("2000-01-01", str(today))
    assert seen["/personale/lager/levering/", "expiry_date"] == (str(today), "2100-12-31")
    assert seen[f"/personale/lager/lot/{lot.pk}/tilbagekald/", "recalled_on"] == ("2000-01-01", str(today))
    assert seen["/personale/maaned/", "month"] == ("2000-01", str(today)[:7])  # the month page: 2000 to this month
    # A picker written in a template, not by a form (the finder's "from" and "to"), has its days too.
    assert date_picker_bounds() == 'min="1900-01-01" max="2200-12-31"'
    base = Path(settings.BASE_DIR)
    written = [
        (template, tag)
        for template in [*base.glob("templates/**/*.html"), *base.glob("*/templates/**/*.html")]
        for tag in PICKER.findall(template.read_text())
    ]
    assert any('id="f-from"' in tag for _template, tag in written)  # the finder's; any new one is checked too
    for template, tag in written:
        assert "date_picker_bounds" in tag or ("min=" in tag and "max=" in tag), (template, tag)


def _report(day, time="00:00"):
    return {
        "key": "5a1c7d2e-8f1b-4c52-9a57-3f0c6f1d2b11",
        "occurred_on": day.isoformat(),
        "occurred_time": time,
        "occurred_at_date": day.isoformat(),
        "date": day.isoformat(),
        "time": time,
        "naloxone_doses": "1",
        "called_112": "yes",
        "outcome": "recovered",
        "substances": ["heroin"],
        "responder_trained": "yes",
    }


def test_the_first_and_last_day_a_picker_offers_are_taken_and_the_days_beside_them_refused(
    street_worker, coordinator, district
):
    """The attributes and the checks agree, at an instant when Copenhagen's day is not UTC's: the public report
    and a street worker's report, taken on the first and the last day offered, refused a day before or after."""
    with time_machine.travel(NEW_YEAR, tick=False):
        forms = {
            "public": (lambda data=None: PublicReportForm(data), "occurred_on", "2026-01-01", "2027-01-01"),
            "street": (
                lambda data=None: ReportEntryForm(data, user=street_worker, districts=District.objects.all()),
                "date",
                "2026-11-02",
                "2027-01-01",
            ),
            "coordinator": (
                lambda data=None: ReportEntryForm(data, user=coordinator, districts=District.objects.all()),
                "date",
                "2026-01-01",
                "2027-01-01",
            ),
        }
        for who, (form, name, first, last) in forms.items():
            attrs = form()[name].field.widget.attrs
            assert (attrs["min"], attrs["max"]) == (first, last), who
            first, last = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
            for day, taken in [
                (first, True),
                (first - dt.timedelta(days=1), False),
                (last, True),
                (last + dt.timedelta(days=1), False),
            ]:
                bound = form({**_report(day), "district": str(district.pk)})
                bound.is_valid()
                assert (name not in bound.errors) == taken, (who, day, bound.errors.get(name))
        assert form()["date"].field.widget.attrs["data-days-back"] == "365"
        worker = ReportEntryForm(user=street_worker, districts=District.objects.all())
        assert worker["date"].field.widget.attrs["data-days-back"] == "60"
    # Four minutes before midnight a report may be dated tomorrow (a phone's clock a little fast): so may the picker.
    with time_machine.travel(dt.datetime(2027, 1, 1, 23, 57, tzinfo=COPENHAGEN), tick=False):
        assert PublicReportForm()["occurred_on"].field.widget.attrs["max"] == "2027-01-02"


def test_the_month_picker_offers_the_months_the_month_page_shows():
    """The month page shows 2000-01 to this month (in Copenhagen) and no other; its picker offered any month."""
    from reports.views import MonthPicker, _month_or_none

    with time_machine.travel(NEW_YEAR, tick=False):
        attrs = MonthPicker(Month(2026, 12))["month"].field.widget.attrs
        assert (attrs["min"], attrs["max"]) == ("2000-01", "2027-01")
        for text, shown in [("2000-01", True), ("1999-12", False), ("2027-01", True), ("2027-02", False)]:
            assert (_month_or_none(text) is not None) == shown, text
