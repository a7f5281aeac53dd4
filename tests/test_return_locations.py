"""A location for return or destruction (the pharmacy's return box) keeps what was set aside in it.

Its kits are expired, recalled, or damaged kits of a good lot: never handed out (migration 0017). It stays a
location for return while it holds any kit (the admin, the stock targets page and the database refuse to make
it an ordinary one), and kits taken out of it back into use need a written reason and a coordinator or an
administrator, and never while their lot is recalled.
"""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from kits import services
from kits.models import StockLocation
from redliv.db import violated_constraint
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def returns(red_liv):
    return factories.make_location(red_liv, name="Returkassen", for_return=True)


@pytest.fixture
def damaged(returns, coordinator):
    """Three kits of a good lot, set aside in the return box because their sprays are damaged."""
    lot = factories.make_batch(lot_number="NX-SKADET")
    factories.receive(lot, returns, 3, coordinator)
    return lot


def admin_data(client, url, **changes):
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() not in (None, False, "")}
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


HOLDS_THREE = (
    "Returkassen har 3 kit, der er lagt til side til returnering eller destruktion. Flyt dem til et andet "
    "lagersted til returnering eller destruktion, eller kassér dem, før Returkassen bliver et almindeligt "
    "lagersted: der kunne de blive udleveret."
)


def test_an_administrator_cannot_untick_for_return_while_the_location_holds_kits(
    client, administrator, coordinator, returns, damaged
):
    client.force_login(administrator)
    url = reverse("admin:kits_stocklocation_change", args=[returns.pk])
    data = admin_data(client, url, for_return=None)
    response = client.post(url, data)
    assert response.status_code == 200 and HOLDS_THREE in response.content.decode()
    assert StockLocation.objects.get(pk=returns.pk).for_return

    # Emptied (discarded at the pharmacy), it may become an ordinary location.
    services.discard_kits(user=coordinator, location=returns, batch=damaged, quantity=3, reason="Destrueret")
    assert client.post(url, data).status_code == 302
    assert not StockLocation.objects.get(pk=returns.pk).for_return


def test_the_stock_targets_page_cannot_untick_for_return_while_the_location_holds_kits(
    client, coordinator, returns, damaged
):
    client.force_login(coordinator)
    url = reverse("kits:targets", args=[returns.pk])
    response = client.post(url, {"min_months": "1", "max_months": "3", "for_return": ""})
    assert response.status_code == 200 and HOLDS_THREE in response.content.decode()
    assert StockLocation.objects.get(pk=returns.pk).for_return


def test_the_database_keeps_a_location_for_return_while_it_holds_kits(returns, damaged):
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        StockLocation.objects.filter(pk=returns.pk).update(for_return=False)
    assert violated_constraint(error.value) == "stocklocation_for_return_kept_while_holding_kits"
    # Ticking it on a location with kits, or unticking it on an empty one, stays free.
    empty = factories.make_location(returns.organisation, name="Tom kasse", for_return=True)
    StockLocation.objects.filter(pk=empty.pk).update(for_return=False, min_months=2)
    StockLocation.objects.filter(pk=empty.pk).update(for_return=True)


def test_a_location_unticked_by_the_database_after_the_form_checked_gets_the_message_not_a_500(
    client, coordinator, returns, damaged, monkeypatch
):
    """Kits arrived between the form's check and the save: the database refuses, the page says why."""
    monkeypatch.setattr(StockLocation, "refuse_ordinary_while_holding_kits", lambda self: None)
    client.force_login(coordinator)
    url = reverse("kits:targets", args=[returns.pk])
    response = client.post(url, {"min_months": "1", "max_months": "3", "for_return": ""})
    assert response.status_code == 200 and HOLDS_THREE in response.content.decode()
    assert StockLocation.objects.get(pk=returns.pk).for_return
