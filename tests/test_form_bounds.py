"""Every field of every form of the project, at its extremes: a form error, never an exception.

The forms are found by walking the subclasses of Django's BaseForm defined in the
project's own modules, so a new form is tried without a line here; each must use
`redliv.inputs.HostileInputMixin`, which holds dates to 1900-2200, whole numbers to a
PostgreSQL integer and text to what PostgreSQL and UTF-8 can store.
"""

import contextlib
import datetime as dt
import importlib
import re

import pytest
from django import forms

from courses.models import DropInSchedule, Venue
from kits.models import StockLocation
from redliv.inputs import INTEGER_MAX, INTEGER_MIN, HostileInputMixin
from redliv.models import District
from tests import factories
from tests.reversal_helpers import make_report

pytestmark = pytest.mark.django_db

PROJECT = {"courses", "finder", "kits", "redliv", "reports", "reversals", "street"}


def project_forms():
    for app in PROJECT:
        for module in ("forms", "views", "twofactor", "security"):
            with contextlib.suppress(ModuleNotFoundError):
                importlib.import_module(f"{app}.{module}")
    found, todo = set(), [forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.split(".")[0] in PROJECT and sub.__module__ != "redliv.inputs":
                found.add(sub)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__name__}")


FORMS = project_forms()


def test_the_walk_finds_the_forms_people_fill_in():
    names = {cls.__name__ for cls in FORMS}
    assert {"CourseForm", "DeliveryForm", "CountForm", "CourseEntryForm", "ReportForm", "WithdrawForm"} <= names
    assert {"ReopenForm", "CourseRequestForm", "InfoPageForm", "LoginForm", "TokenForm"} <= names


@pytest.mark.parametrize("form_class", FORMS, ids=lambda cls: cls.__name__)
def test_every_form_uses_the_hostile_input_mixin(form_class):
    assert issubclass(form_class, HostileInputMixin)


@pytest.fixture
def form_kwargs(odense, red_liv, venue, coordinator):
    district = factories.make_district(odense)
    return {
        "user": coordinator,
        "schedule": DropInSchedule.objects.create(
            municipality=odense,
            venue=venue,
            weekday=1,
            starts_at=dt.time(13),
            ends_at=dt.time(15),
            valid_from=dt.date(2026, 1, 1),
        ),
        "districts": District.objects.filter(pk=district.pk),
        "venues": Venue.objects.filter(pk=venue.pk),
        "locations": StockLocation.objects.filter(pk=factories.make_location(red_liv).pk),
        "report": make_report(district),
        "replacing": True,
    }


def make_form(form_class, data, available):
    """The form with `data`, given whichever of the available keyword arguments it asks for."""
    kwargs = {}
    while True:
        try:
            return form_class(data=data, **kwargs)
        except TypeError as error:
            missing = re.findall(r"'(\w+)'", str(error))
            wanted = [name for name in missing if name in available and name not in kwargs]
            if not wanted:
                raise
            kwargs.update({name: available[name] for name in wanted})


def extremes(field):
    """(value, must it be refused?) for one field."""
    if isinstance(field, forms.DateTimeField):
        return [("0001-01-01 12:00", True), ("9999-12-31 23:59", True), ("2028-02-29 12:00", False)]
    if isinstance(field, forms.DateField):
        return [("0001-01-01", True), ("9999-12-31", True), ("2028-02-29", False), ("2026-04-30", False)]
    if isinstance(field, forms.IntegerField):
        return [(str(2**31), True), (str(-(2**31) - 1), True), (str(2**80), True)]
    if isinstance(field, forms.CharField):
        return [("a\x00b", True), ("a\ud800b", True), ("x" * 10_000, field.max_length is not None)]
    return [("\x00", False), ("9" * 30, False), ("x" * 10_000, False)]


@pytest.mark.parametrize("form_class", FORMS, ids=lambda cls: cls.__name__)
def test_every_field_refuses_its_extremes_with_a_form_error(form_class, form_kwargs):
    for name, field in make_form(form_class, None, form_kwargs).fields.items():
        for value, refused in extremes(field):
            form = make_form(form_class, {name: value}, form_kwargs)
            form.is_valid()  # never raises
            if refused:
                # Beside the field; the login form answers a too-long username as a wrong password.
                refused_beside = form.has_error(name) or (
                    form.non_field_errors() and form_class.__name__ == "LoginForm"
                )
                assert refused_beside, f"{form_class.__name__}.{name} accepted {value[:40]!r}"
            elif isinstance(field, (forms.DateField, forms.DateTimeField)):
                assert not form.has_error(name, "date_out_of_range")


def test_whole_numbers_are_bounded_by_the_column_or_a_postgresql_integer(form_kwargs):
    for form_class in FORMS:
        for name, field in make_form(form_class, None, form_kwargs).fields.items():
            if isinstance(field, forms.IntegerField):
                assert field.min_value >= INTEGER_MIN and field.max_value <= INTEGER_MAX, (form_class, name)
