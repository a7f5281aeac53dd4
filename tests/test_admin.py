"""Every model has an admin page that an administrator can open, in Danish."""

import io

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from redliv.models import User

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.fixture
def demo_admin(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    return User.objects.get(username="demo-admin")


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_an_administrator_can_list_and_search(model, client, demo_admin):
    client.force_login(demo_admin)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = client.get(url, {"q": "a"} if admin.site._registry[model].search_fields else {})
    assert response.status_code == 200
    response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("model", [m for m in REGISTERED if m._meta.app_label in {"courses", "kits"}],
                         ids=lambda model: model._meta.label)
def test_an_administrator_can_open_an_entry(model, client, demo_admin):
    client.force_login(demo_admin)
    entry = model._default_manager.first()
    assert entry is not None, "the demo data should hold one of each"
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[entry.pk])
    assert client.get(url).status_code == 200


def test_the_admin_speaks_danish(client, administrator):
    client.force_login(administrator)
    content = client.get("/admin/").content.decode()
    assert "Kurser" in content
    assert "Naloxon-kit" in content
    assert "Afrapporteringer" in content or "afrapporteringer" in content.lower()
