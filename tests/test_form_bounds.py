"""Every field of every form of the project, at its extremes: a form error, never an exception.

The forms are found by walking the subclasses of Django's BaseForm defined in the
project's own modules, so a new form is tried without a line here; each must use
`redliv.inputs.HostileInputMixin`, which holds dates to 1900-2200, whole numbers to a
PostgreSQL integer and text to what PostgreSQL and UTF-8 can store.
"""

import contextlib
import copy
import datetime as dt
import importlib
import re

import pytest
from django import forms
from django.utils import translation

from courses.models import DropInSchedule, Venue
from kits.models import StockLocation
from redliv.inputs import INTEGER_MAX, INTEGER_MIN, NUMBER_LIMIT, HostileInputMixin, bound_field
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
            # A ModelForm without a model is a base for the forms people fill in, never shown itself.
            abstract = (
                issubclass(sub, forms.BaseModelForm) and getattr(getattr(sub, "_meta", None), "model", None) is None
            )
            if sub.__module__.split(".")[0] in PROJECT and sub.__module__ != "redliv.inputs" and not abstract:
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
    """Each field's validation is its own (Django cleans every field, whatever the others hold), so the
    fields take their first extremes in one submission, their second in the next, and so on; the form's
    own clean() then also sees the extremes that pass together."""
    fields = make_form(form_class, None, form_kwargs).fields
    tries = {name: extremes(field) for name, field in fields.items()}
    for index in range(max(map(len, tries.values()), default=0)):
        sent = {name: values[index] for name, values in tries.items() if index < len(values)}
        form = make_form(form_class, {name: value for name, (value, _refused) in sent.items()}, form_kwargs)
        form.is_valid()  # never raises
        for name, (value, refused) in sent.items():
            if refused:
                # Beside the field; the login form answers a too-long username as a wrong password.
                refused_beside = form.has_error(name) or (
                    form.non_field_errors() and form_class.__name__ == "LoginForm"
                )
                assert refused_beside, f"{form_class.__name__}.{name} accepted {value[:40]!r}"
            elif isinstance(fields[name], (forms.DateField, forms.DateTimeField)):
                assert not form.has_error(name, "date_out_of_range"), f"{form_class.__name__}.{name}: {value}"


def test_whole_numbers_are_bounded_by_the_column_or_a_postgresql_integer(form_kwargs):
    for form_class in FORMS:
        for name, field in make_form(form_class, None, form_kwargs).fields.items():
            if isinstance(field, forms.IntegerField):
                assert field.min_value >= INTEGER_MIN and field.max_value <= INTEGER_MAX, (form_class, name)


def number_fields(form_kwargs):
    """(form class, name, the field as the page shows it) for every number field."""
    for form_class in FORMS:
        form = make_form(form_class, None, form_kwargs)
        for name in form.fields:
            if isinstance(form[name].field, forms.IntegerField):
                yield form_class, name, form[name]


def written(number):
    """A bound as Danish writes it: 1.000.000, 0,5."""
    return f"{number:,}".replace(",", "X").replace(".", ",").replace("X", ".")


def test_every_number_field_answers_an_absurd_number_with_its_range_in_danish_alone(form_kwargs):
    with translation.override("da"):
        for form_class, name, shown in number_fields(form_kwargs):
            field = shown.field
            for value in ("100000000000000000000", "-100000000000000000000"):
                form = make_form(form_class, {name: value}, form_kwargs)
                form.is_valid()
                said = form.errors[name]
                where = f"{form_class.__name__}.{name} said {said}"
                assert len(said) == 1, where
                assert re.fullmatch(r"(Indtast et tal|Angiv et antal (doser|kit)) fra \S+ til \S+\.", said[0]), where
                assert f"fra {written(field.min_value)} til {written(field.max_value)}." in said[0], where


def test_every_number_field_tells_the_browser_the_range_it_checks(form_kwargs):
    for form_class, name, shown in number_fields(form_kwargs):
        low, high = shown.field.min_value, shown.field.max_value
        assert f' min="{low}"' in str(shown) and f' max="{high}"' in str(shown), (form_class, name, str(shown))
        assert -NUMBER_LIMIT <= low <= high <= NUMBER_LIMIT, (form_class, name)


@pytest.mark.parametrize(
    ("form_path", "field", "value", "message"),
    [
        # The model's own validator (people >= 1) is named on the form, not left to Django's wording.
        ("reports.views.TargetForm", "people", "0", "Indtast et tal fra 1 til 1.000.000."),
        # The database's course_capacity_positive, and the smallint column's ceiling.
        ("courses.forms.CourseForm", "capacity", "0", "Indtast et tal fra 1 til 32.767."),
        ("courses.forms.CourseForm", "capacity", "40000", "Indtast et tal fra 1 til 32.767."),
        # A decimal: the range alone, not also "at most 3 digits".
        ("kits.forms.StockTargetsForm", "max_months", "1e20", "Indtast et tal fra 0,5 til 24."),
        ("kits.forms.DeliveryForm", "quantity", "0", "Angiv et antal kit fra 1 til 1.000.000."),
        ("kits.forms.CountForm", "counted", "-1", "Angiv et antal kit fra 0 til 1.000.000."),
        ("finder.forms.CourseRequestForm", "number_of_people", "1001", "Indtast et tal fra 1 til 1.000."),
        ("reversals.forms.StaffReportForm", "naloxone_doses", "11", "Angiv et antal doser fra 0 til 10."),
        ("street.forms.CourseEntryForm", "students", "501", "Indtast et tal fra 0 til 500."),
    ],
)
def test_a_number_out_of_its_range_is_refused_with_the_range_in_words(form_path, field, value, message, form_kwargs):
    form_class = next(cls for cls in FORMS if f"{cls.__module__}.{cls.__name__}" == form_path)
    with translation.override("da"):
        form = make_form(form_class, {field: value}, form_kwargs)
        form.is_valid()
        assert form.errors[field] == [message]


def test_every_text_area_of_every_form_sets_its_direction_from_what_is_typed():
    """Arabic or Persian typed into a text area ran from the left, its full stops at the wrong end:
    every form's text areas (and plain text boxes) carry dir="auto", public and staff forms alike."""
    missing = []
    for form_class in FORMS:
        for name, field in copy.deepcopy(form_class.base_fields).items():
            bound_field(field)
            if isinstance(field.widget, forms.Textarea) and field.widget.attrs.get("dir") != "auto":
                missing.append(f"{form_class.__name__}.{name}")
    assert missing == []
