"""The stock page of an administrator: one row per municipality, a municipality's detail on
request, the full CSV, and a query count that does not grow with the country.

"Today" is Monday 15 June 2026 (Copenhagen); consumption is counted over March, April and May.
"""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from redliv.models import Municipality
from tests import factories

pytestmark = pytest.mark.django_db

CPH = ZoneInfo("Europe/Copenhagen")
TODAY = dt.date(2026, 6, 15)
STOCK = "/personale/lager/"


def at(year, month, day, hour=11):
    return dt.datetime(year, month, day, hour, tzinfo=CPH)


@pytest.fixture(autouse=True)
def mid_june():
    with time_machine.travel(at(2026, 6, 15, 12), tick=False):
        yield


def batch(lot, expiry, received=dt.date(2026, 1, 5)):
    return factories.make_batch(lot_number=lot, expiry_date=expiry, received_on=received)


def monthly_handouts(kits, where, quantity, user):
    for month in (3, 4, 5):
        factories.hand_out(kits, where, quantity, user, occurred_at=at(2026, month, 10))


@pytest.fixture
def country(red_liv, aarhus_org, coordinator):
    """Two municipalities with stock and one without. The sums are worked out beside each line."""
    lasting = batch("LANG1", dt.date(2027, 6, 1))
    old = batch("GAMMEL1", dt.date(2026, 5, 31))
    short = batch("KORT1", TODAY + dt.timedelta(days=30))

    # Odense, the office: 100 received, 30 a month handed out: 10 left, order 30 × 3 − 10 = 80,
    # below its minimum of one month. 7 expired kits wait apart.
    office = factories.make_location(red_liv, name="Kontoret")
    factories.receive(lasting, office, 100, coordinator, occurred_at=at(2026, 2, 1))
    factories.receive(old, office, 7, coordinator, occurred_at=at(2026, 1, 10))
    monthly_handouts(lasting, office, 30, coordinator)
    # Odense, the bag: 10 a month, 30 of LANG1 and 40 of KORT1 left, no order. KORT1 expires in
    # 30 days, by when the bag hands out 10 × 30 / 30.44 = 9.9 kits: 31 at risk.
    bag = factories.make_location(red_liv, name="Tasken")
    factories.receive(lasting, bag, 60, coordinator, occurred_at=at(2026, 2, 1))
    factories.receive(short, bag, 40, coordinator, occurred_at=at(2026, 6, 1))
    monthly_handouts(lasting, bag, 10, coordinator)
    # Aarhus: 5 a month, 5 left: order 5 × 3 − 5 = 10, exactly at its minimum.
    aarhus_bag = factories.make_location(aarhus_org, name="Aarhus-tasken")
    factories.receive(lasting, aarhus_bag, 20, coordinator, occurred_at=at(2026, 2, 1))
    monthly_handouts(lasting, aarhus_bag, 5, coordinator)
    Municipality.objects.create(name="Vejle", code=630)  # no stock locations yet
    return office, bag, aarhus_bag


def cells(content, row_id):
    row = content.split(f'id="{row_id}"')[1].split("</tr>")[0]
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]


def test_an_administrator_first_sees_one_row_per_municipality_with_its_sums(client, administrator, country):
    odense, aarhus = Municipality.objects.get(code=461), Municipality.objects.get(code=751)
    vejle = Municipality.objects.get(code=630)
    client.force_login(administrator)
    response = client.get(STOCK)
    content = response.content.decode()
    assert response.status_code == 200
    # Locations, usable, expired or recalled, kits a month, months of stock, order, below minimum, at risk.
    assert cells(content, f"municipality-{odense.pk}") == ["Odense", "2", "80", "7", "40,0", "2,0", "80", "1", "31"]
    assert cells(content, f"municipality-{aarhus.pk}") == ["Aarhus", "1", "5", "0", "5,0", "1,0", "10", "0", "0"]
    assert cells(content, f"municipality-{vejle.pk}") == ["Vejle", "0", "0", "0", "–", "–", "–", "0", "0"]
    total = content.split("<tfoot>")[1].split("</tfoot>")[0]
    assert [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", total)] == [
        "Alle kommuner",
        "3",
        "85",
        "7",
        "45,0",
        "1,9",
        "90",
        "1",
        "31",
    ]
    # Each municipality links to its own detail; no location or lot is listed here.
    assert f'href="?municipality={odense.pk}"' in content
    assert "Kontoret" not in content and "KORT1" not in content
    assert 'id="id_municipality"' in content
    assert "fra 1. mar 2026 til 31. maj 2026 (hele måneder)" in content  # the window's last day


def test_an_administrator_chooses_a_municipality_and_sees_its_locations_only(client, administrator, country):
    office, bag, aarhus_bag = country
    client.force_login(administrator)
    content = client.get(STOCK, {"municipality": office.municipality_id}).content.decode()
    assert "Naloxonlager: Odense" in content
    assert f'id="plan-{office.pk}"' in content and f'id="plan-{bag.pk}"' in content
    assert "Aarhus-tasken" not in content
    assert f'<option value="{office.municipality_id}" selected>Odense</option>' in content
    # The CSV links keep the choice.
    assert f"/personale/lager/forslag.csv?municipality={office.municipality_id}" in content


@pytest.mark.parametrize("wanted", ["abc", "999999", "-1", "99999999999999999999999", "1.5"])
def test_an_unknown_municipality_is_not_found(client, administrator, country, wanted):
    client.force_login(administrator)
    assert client.get(STOCK, {"municipality": wanted}).status_code == 404


def test_a_coordinator_sees_the_own_municipality_as_before_and_no_other(client, coordinator, country):
    office, bag, aarhus_bag = country
    client.force_login(coordinator)
    content = client.get(STOCK).content.decode()
    assert f'id="plan-{office.pk}"' in content and "Aarhus-tasken" not in content
    assert 'id="id_municipality"' not in content and 'id="national"' not in content
    assert client.get(STOCK, {"municipality": office.municipality_id}).status_code == 200
    assert client.get(STOCK, {"municipality": aarhus_bag.municipality_id}).status_code == 404
    assert client.get(reverse("kits:stock-csv"), {"municipality": aarhus_bag.municipality_id}).status_code == 404


def csv_lines(response):
    assert response.status_code == 200
    return response.content.decode("utf-8-sig").splitlines()


def test_the_stock_csv_still_has_every_location_and_lot(client, administrator, coordinator, country):
    client.force_login(administrator)
    response = client.get(reverse("kits:stock-csv"))
    assert response["Content-Disposition"] == 'attachment; filename="lager-2026-06-15.csv"'
    lines = csv_lines(response)
    assert lines[0] == "Kommune;Lokation;Type;Lotnummer;Produkt;Udløbsdato;Kit;Status;I fare for at udløbe ubrugt"
    assert lines[1:] == [
        "Aarhus;Aarhus-tasken;Teamets taske;LANG1;Nyxoid 1,8 mg næsespray;2027-06-01;5;Brugbar;0",
        "Odense;Kontoret;Teamets taske;GAMMEL1;Nyxoid 1,8 mg næsespray;2026-05-31;7;Udløbet;0",
        "Odense;Kontoret;Teamets taske;LANG1;Nyxoid 1,8 mg næsespray;2027-06-01;10;Brugbar;0",
        "Odense;Tasken;Teamets taske;KORT1;Nyxoid 1,8 mg næsespray;2026-07-15;40;Udløber snart;31",
        "Odense;Tasken;Teamets taske;LANG1;Nyxoid 1,8 mg næsespray;2027-06-01;30;Brugbar;0",
    ]
    suggestions = csv_lines(client.get(reverse("kits:suggestions-csv")))
    assert [line.split(";")[:2] for line in suggestions[1:]] == [
        ["Aarhus-tasken", "Aarhus"],
        ["Kontoret", "Odense"],
        ["Tasken", "Odense"],
    ]
    aarhus = Municipality.objects.get(code=751)
    chosen = client.get(reverse("kits:stock-csv"), {"municipality": aarhus.pk})
    assert chosen["Content-Disposition"] == 'attachment; filename="lager-aarhus-2026-06-15.csv"'
    assert [line.split(";")[0] for line in csv_lines(chosen)[1:]] == ["Aarhus"]

    client.force_login(coordinator)
    assert {line.split(";")[0] for line in csv_lines(client.get(reverse("kits:stock-csv")))[1:]} == {"Odense"}


def test_a_municipality_with_danish_letters_keeps_them_in_the_csv_file_names(client, administrator, country):
    # slugify dropped æ/ø/å: Ærø's stock file was "lager-r-…" (before redliv.downloads.attachment).
    aarhus = Municipality.objects.get(code=751)
    Municipality.objects.filter(pk=aarhus.pk).update(name="Ærø Å")
    client.force_login(administrator)
    for name, path in [("lager", "kits:stock-csv"), ("bestillingsforslag", "kits:suggestions-csv")]:
        disposition = client.get(reverse(path), {"municipality": aarhus.pk})["Content-Disposition"]
        assert f'filename="{name}-aeroe-aa-' in disposition
        assert f"filename*=utf-8''{name}-%C3%A6r%C3%B8-%C3%A5-" in disposition


def add_municipality(index, user, locations, batches):
    municipality = Municipality.objects.create(name=f"Kommune {index}", code=800 + index)
    organisation = factories.make_organisation(municipality)
    for number in range(locations):
        place = factories.make_location(organisation, name=f"Sted {index}-{number}")
        for lot in range(batches):
            kits = batch(f"M{index}-{number}-{lot}", TODAY + dt.timedelta(days=20 + 100 * lot))
            factories.receive(kits, place, 40, user, occurred_at=at(2026, 2, 1))
            monthly_handouts(kits, place, 3, user)


def queries_of(client, path, **params):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path, params).status_code == 200
    return len(captured)


def test_the_summary_needs_the_same_few_queries_however_many_municipalities_locations_and_lots(
    client, administrator, coordinator, django_assert_max_num_queries
):
    add_municipality(1, coordinator, locations=1, batches=1)
    client.force_login(administrator)
    client.get(STOCK)  # the session's first request may read more than the next ones
    small = queries_of(client, STOCK)
    small_detail = queries_of(client, STOCK, municipality=Municipality.objects.get(code=801).pk)
    for index in range(2, 7):
        add_municipality(index, coordinator, locations=3, batches=3)
    assert queries_of(client, STOCK) == small
    assert queries_of(client, STOCK, municipality=Municipality.objects.get(code=806).pk) == small_detail
    with django_assert_max_num_queries(10):
        content = client.get(STOCK).content.decode()
    assert content.count('id="municipality-') == 7  # Odense (the administrator's) and the six added
    with django_assert_max_num_queries(10):
        assert client.get(STOCK, {"municipality": Municipality.objects.get(code=806).pk}).status_code == 200
