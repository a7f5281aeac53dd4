"""Two identical administrator submits at the same instant: one row, and the second a form error, not a 500.

The admin's form checks a unique name before it saves; a second submit that checked while the first
had not yet committed passed that check, and its insert then hit the unique constraint.
"""

import contextlib
import re
import threading
from unittest import mock

import pytest
from django.contrib import admin
from django.contrib.auth.forms import UserCreationForm
from django.db import connection
from django.db.models import Model
from django.forms import BaseModelForm
from django.urls import reverse

from courses.models import Venue
from kits.models import KitType, StockLocation
from redliv.admin import ReadOnlyAdmin, SecondSubmitAnswered
from redliv.models import District, Municipality, Organisation, User
from tests.conftest import PASSWORD, VerifiedClient


def forms(odense, red_liv):
    """The add forms of the rows whose name (or code) is unique: (admin URL name, data, the model's rows)."""
    return {
        "municipality": ("admin:redliv_municipality_add", {"name": "Nyborg", "code": "450"}, Municipality),
        "district": (
            "admin:redliv_district_add",
            {"municipality": odense.pk, "name": "Vollsmose", "postcodes": "5240"},
            District,
        ),
        "organisation": (
            "admin:redliv_organisation_add",
            {"municipality": odense.pk, "name": "Kirkens Korshær", "kind": "ngo"},
            Organisation,
        ),
        "venue": (
            "admin:courses_venue_add",
            {
                "name": "Heroinklinikken Odense",
                "organisation": red_liv.pk,
                "municipality": odense.pk,
                "kind": "clinic",
                "open_to_public": "on",
                "active": "on",
            },
            Venue,
        ),
        "kit type": ("admin:kits_kittype_add", {"name": "Naloxon-kit, stort", "contents": "Næsespray"}, KitType),
        "stock location": (
            "admin:kits_stocklocation_add",
            {
                "name": "Gadeteamets anden taske",
                "kind": "bag",
                "municipality": odense.pk,
                "organisation": red_liv.pk,
                "active": "on",
                "min_months": "1",
                "max_months": "3",
            },
            StockLocation,
        ),
        "user": (
            "admin:redliv_user_add",
            {
                "username": "gadeplan-2",
                "password1": PASSWORD,
                "password2": PASSWORD,
                "usable_password": "true",
                "organisation": red_liv.pk,
            },
            User,
        ),
    }


KINDS = ["municipality", "district", "organisation", "venue", "kit type", "stock location", "user"]


@contextlib.contextmanager
def checks_that_ran_before_the_first_commit():
    """The form's first round of checks finds no row yet (the other submit has not committed): the
    unique name of a field, of a unique constraint, and the user form's own username check pass once.
    The model's validate_unique runs last in a form's checks, so it ends the round."""
    passing = {"now": True}
    real = {
        "validate_constraints": Model.validate_constraints,
        "validate_unique": Model.validate_unique,
        "clean_username": UserCreationForm.clean_username,
    }

    def validate_constraints(instance, exclude=None):
        return None if passing["now"] else real["validate_constraints"](instance, exclude)

    def validate_unique(instance, exclude=None):
        if passing["now"]:
            passing["now"] = False
            return None
        return real["validate_unique"](instance, exclude)

    def clean_username(form):
        return form.cleaned_data.get("username") if passing["now"] else real["clean_username"](form)

    with (
        mock.patch.object(Model, "validate_constraints", validate_constraints),
        mock.patch.object(Model, "validate_unique", validate_unique),
        mock.patch.object(UserCreationForm, "clean_username", clean_username),
    ):
        yield


def as_administrator(administrator):
    client = VerifiedClient(raise_request_exception=False)
    client.force_login(administrator)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_a_second_identical_add_whose_check_passed_before_the_first_committed_gets_a_form_error(
    administrator, odense, red_liv, kind
):
    """The race, step by step: the first submit is stored; the second's unique check ran before that
    commit (so it passed), and its insert conflicts. It answers with the form and the ordinary message."""
    url_name, data, model = forms(odense, red_liv)[kind]
    client = as_administrator(administrator)
    first = client.post(reverse(url_name), data)
    assert first.status_code == 302, first.context and first.context["adminform"].form.errors
    before = model.objects.count()

    with checks_that_ran_before_the_first_commit():
        second = client.post(reverse(url_name), data)
    assert second.status_code == 200
    page = second.content.decode()
    # Django's own words: "Sted med dette Kommune og Navn eksisterer allerede.", "En bruger med dette
    # brugernavn findes allerede."
    assert re.search(r"(eksisterer|findes) allerede\.</li>", page) and 'class="errornote"' in page
    assert model.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_two_administrators_adding_the_same_place_at_once_store_it_once_and_neither_sees_a_500(
    administrator, odense, red_liv
):
    """Two real connections: both forms are checked before either insert, as when two tabs submit together."""
    url_name, data, _model = forms(odense, red_liv)["venue"]
    url = reverse(url_name)
    both_checked = threading.Barrier(2, timeout=10)
    waited = threading.local()
    real_check = BaseModelForm.validate_unique

    def check_then_wait_for_the_other(form):
        real_check(form)
        if not getattr(waited, "done", False):  # only the first check of each request waits
            waited.done = True
            both_checked.wait()

    statuses = []

    def submit():
        try:
            statuses.append(as_administrator(administrator).post(url, data).status_code)
        finally:
            connection.close()

    with mock.patch.object(BaseModelForm, "validate_unique", check_then_wait_for_the_other):
        threads = [threading.Thread(target=submit) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(statuses) == [200, 302]
    assert Venue.objects.filter(name=data["name"]).count() == 1


def test_every_admin_that_can_add_or_change_a_row_answers_a_second_submit():
    """A new admin page gets it too (redliv.admin.ModelAdmin or SecondSubmitAnswered). The admin pages of
    the packages (login attempts, second-factor devices) are theirs."""
    missing = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in {"redliv", "courses", "kits", "reversals", "reports", "finder"}
        and not isinstance(model_admin, SecondSubmitAnswered)
        and not isinstance(model_admin, ReadOnlyAdmin)
    ]
    assert missing == []
