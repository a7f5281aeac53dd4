"""A lot's dates are what a package can say: received from 2000, expiring by 2100. Year 1 or 9999 typed in
the admin or on the delivery form gets a message beside the field, never a 500 and never a stored lot."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from kits.models import Batch
from tests import factories

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = "Vælg en dato fra 1. jan 2000 til 31. dec 2100."


def test_the_admin_refuses_a_lot_received_in_year_1_or_expiring_in_9999(client, administrator):
    client.force_login(administrator)
    data = {
        "kit_type": factories.make_kit_type().pk,
        "product": "Nyxoid 1,8 mg næsespray",
        "lot_number": "NX9999",
        "received_on": "0001-01-01",
        "expiry_date": "9999-12-31",
    }
    response = client.post(reverse("admin:kits_batch_add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["received_on"] == [OUT_OF_RANGE] and errors["expiry_date"] == [OUT_OF_RANGE]
    assert not Batch.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"), [("expiry_date", "2150-01-01"), ("on_date", "1950-03-01")], ids=["expiry", "received"]
)
def test_the_delivery_form_refuses_a_lot_dated_outside_the_range(planner, red_liv, field, value):
    office = factories.make_location(red_liv, name="Kontoret")
    data = {
        "key": str(uuid.uuid4()),
        "location": office.pk,
        "kit_type": factories.make_kit_type().pk,
        "product": "Nyxoid 1,8 mg næsespray",
        "lot_number": "NX2150",
        "expiry_date": "2027-06-01",
        "quantity": "5",
        field: value,
    }
    response = planner.post(reverse("kits:delivery"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [OUT_OF_RANGE]
    assert not Batch.objects.exists()
    assert dt.date.fromisoformat(value)  # a real date: refused for its range, not its form
