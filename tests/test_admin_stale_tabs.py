"""The admin refuses a save from a stale tab for every row a coordinator or an administrator edits there.

The venue's and the trainer's admin forms were checked (tests/test_coordinator_venues.py); the others saved
whatever a tab sent: an administrator's tab opened before a colleague's save (a user's roles, an organisation's
municipality, a lot's expiry date, a stock location closed) silently undid it. Each is now refused above the form,
nothing saved, and says what to do.
"""

import datetime as dt

import pytest
from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from courses.models import CourseRequest
from finder.models import InfoPage
from redliv.admin import ReadOnlyAdmin, VersionChecked
from redliv.models import User
from reports.models import Population
from tests import factories

pytestmark = pytest.mark.django_db

PROJECT_APPS = {"redliv", "kits", "courses", "reversals", "reports", "finder", "street", "home"}


def sent_by(form) -> dict:
    """What the admin's form sends as it was shown, field by field as its widget posts it."""
    data = {}
    for bound in form:
        if bound.field.disabled:
            continue
        value, widget = bound.value(), bound.field.widget
        if isinstance(widget, forms.MultiWidget):
            parts = widget.decompress(value) if not isinstance(value, list) else value
            for index, (part, part_widget) in enumerate(zip(parts, widget.widgets, strict=False)):
                data[f"{bound.html_name}_{index}"] = part_widget.format_value(part) or ""
        elif isinstance(widget, forms.CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(item) for item in value]
        elif value is not None:
            data[bound.html_name] = widget.format_value(value) or ""
    return data


def test_a_users_page_in_the_admin_refuses_a_save_from_a_tab_opened_before_another_save(
    client, administrator, coordinator
):
    """Roles given (or a user deactivated) in one tab were silently undone by a save from another."""
    client.force_login(administrator)
    path = reverse("admin:redliv_user_change", args=[coordinator.pk])
    stale = sent_by(client.get(path).context["adminform"].form)
    assert stale["shown_version"] and stale["groups"]
    User.objects.filter(pk=coordinator.pk).update(is_active=False, updated_at=timezone.now() + dt.timedelta(1))
    refused = client.post(path, stale)
    assert refused.status_code == 200
    assert "blev ændret et andet sted, efter du åbnede siden" in refused.content.decode()
    assert not User.objects.get(pk=coordinator.pk).is_active


def test_every_admin_form_refuses_a_save_from_a_tab_opened_before_another_save(
    rf, administrator, odense, district, red_liv
):
    """The admin's own form for each, as its change page makes it (rendering a dozen admin pages cost seconds)."""
    rows = [
        odense,
        district,
        red_liv,
        factories.make_kit_type(),
        factories.make_batch(),
        factories.make_location(red_liv),
        Population.objects.create(municipality=odense, year=2026, residents=207_000, source="Danmarks Statistik"),
        InfoPage.objects.first(),  # one the migrations made
        CourseRequest.objects.create(
            municipality=odense,
            organisation_name="Herberget",
            contact_name="Leder",
            contact_email="leder@example.org",
            audience="professionals",
            number_of_people=8,
        ),
        factories.make_venue(red_liv),
        factories.make_trainer(red_liv),
    ]
    request = rf.get("/admin/")
    request.user = administrator
    for row in rows:
        model_admin = admin.site._registry[type(row)]
        form_class = model_admin.get_form(request, row, change=True)
        stale = sent_by(form_class(instance=row))
        type(row).objects.get(pk=row.pk).save()  # another tab, another person
        form = form_class(stale, instance=type(row).objects.get(pk=row.pk))
        assert not form.is_valid(), type(row)
        assert "blev ændret et andet sted, efter du åbnede siden" in str(form.non_field_errors()), type(row)


def test_every_model_a_person_edits_in_the_admin_is_checked_so():
    """A model admin added later is checked too: only rows never written there, and the training target (its
    `set_at` is no `updated_at`; set on the month page), are not."""
    unchecked = {
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in PROJECT_APPS
        and not isinstance(model_admin, ReadOnlyAdmin)
        and not issubclass(model_admin.form, VersionChecked)
    }
    assert unchecked == {"reports.TrainingTarget"}
