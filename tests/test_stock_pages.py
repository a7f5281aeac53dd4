"""The coordinator's stock screens through the client: what they show, what they refuse,
who may see them, and the two CSV exports against known data."""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from kits.models import Batch, StockLevel, StockMovement
from tests import factories

pytestmark = pytest.mark.django_db

CPH = ZoneInfo("Europe/Copenhagen")
TODAY = timezone.localdate


def at(year, month, day, hour=10):
    return dt.datetime(year, month, day, hour, tzinfo=CPH)


@pytest.fixture
def office(red_liv, venue):
    return factories.make_location(red_liv, name="Antidote Danmark, kontoret", kind="venue", venue=venue)


@pytest.fixture
def bag(red_liv):
    return factories.make_location(red_liv, name="Gadeteamets taske")


@pytest.fixture
def aarhus_bag(aarhus_org):
    return factories.make_location(aarhus_org, name="Aarhus-tasken")


def level(location, batch):
    return StockLevel.objects.filter(location=location, batch=batch).values_list("quantity", flat=True).first()


def delivery_data(office, **fields):
    return {
        "key": str(uuid.uuid4()),
        "location": office.pk,
        "kit_type": factories.make_kit_type().pk,
        "product": "Nyxoid 1,8 mg næsespray",
        "lot_number": "NX2511",
        "expiry_date": (TODAY() + dt.timedelta(days=500)).isoformat(),
        "quantity": "50",
        "on_date": TODAY().isoformat(),
        **fields,
    }


def field_error(response, message):
    """The message is shown as the field's error (Bootstrap's invalid-feedback beside the field)."""
    content = response.content.decode()
    return response.status_code == 200 and "invalid-feedback" in content and message in content


# The stock overview


def test_the_stock_page_shows_each_location_per_batch_with_soon_expiring_highlighted_and_expired_apart(
    at_instant, client, coordinator, office, bag
):
    today = TODAY()
    soon = factories.make_batch(lot_number="SOON1", expiry_date=today + dt.timedelta(days=30))
    later = factories.make_batch(lot_number="LATER1", expiry_date=today + dt.timedelta(days=300))
    old = factories.make_batch(
        lot_number="OLD1", received_on=today - dt.timedelta(days=400), expiry_date=today - dt.timedelta(days=2)
    )
    factories.receive(soon, bag, 4, coordinator)
    factories.receive(later, office, 40, coordinator)
    factories.receive(old, office, 3, coordinator, occurred_at=timezone.now() - dt.timedelta(days=300))
    client.force_login(coordinator)
    response = client.get(reverse("kits:stock"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Udløber inden for 90 dage" in content and "Udløber snart" in content
    expiring = content.split('id="expiring-heading"')[1].split("</section>")[0]
    assert "SOON1" in expiring and "LATER1" not in expiring and "OLD1" not in expiring
    expired = content.split('id="expired-heading"')[1].split("</section>")[0]
    assert "OLD1" in expired and "SOON1" not in expired and "Kassér 3 kit af lot OLD1" in expired
    per_location = content.split('id="locations-heading"')[1].split("</section>")[0]
    assert "40 brugbare kit" in per_location and "4 brugbare kit" in per_location
    assert "OLD1" not in per_location


def test_the_expiry_window_comes_from_the_settings(client, coordinator, bag, settings):
    settings.KIT_EXPIRY_WARNING_DAYS = 10
    factories.receive(
        factories.make_batch(lot_number="SOON2", expiry_date=TODAY() + dt.timedelta(days=30)), bag, 4, coordinator
    )
    client.force_login(coordinator)
    content = client.get(reverse("kits:stock")).content.decode()
    assert "Udløber inden for 10 dage" in content and "Ingen kit på lager udløber snart." in content


def test_the_stock_page_is_english_under_en(client, coordinator, bag):
    client.force_login(coordinator)
    with translation.override("en"):  # and back to Danish afterwards, for the tests that follow
        assert "Naloxone stock" in client.get("/en/personale/lager/").content.decode()


def test_the_stock_page_needs_few_queries_however_much_stock_there_is(
    client, coordinator, red_liv, django_assert_max_num_queries
):
    for index in range(6):
        location = factories.make_location(red_liv)
        for days in (30, 200, 400):
            factories.receive(
                factories.make_batch(expiry_date=TODAY() + dt.timedelta(days=days + index)), location, 5, coordinator
            )
    client.force_login(coordinator)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("kits:stock"))
    assert response.content.decode().count("brugbare kit") == 6


# Deliveries through the form


def test_a_coordinator_registers_a_delivery(client, coordinator, office):
    client.force_login(coordinator)
    assert client.get(reverse("kits:delivery")).status_code == 200
    response = client.post(reverse("kits:delivery"), delivery_data(office), follow=True)
    assert response.redirect_chain[-1][0] == reverse("kits:stock")
    assert "50 kit af lot NX2511 modtaget i Antidote Danmark, kontoret." in response.content.decode()
    batch = Batch.objects.get(lot_number="NX2511")
    assert batch.quantity_received == 50 and level(office, batch) == 50


def test_the_delivery_form_has_the_only_kit_type_chosen_and_a_choice_among_several(client, coordinator):
    """A coordinator registering a delivery was refused "Dette felt er påkrævet" for a kit type with one option."""
    from kits.models import KitType

    KitType.objects.exclude(name="Naloxon-kit").update(active=False)
    only = factories.make_kit_type()
    client.force_login(coordinator)
    assert client.get(reverse("kits:delivery")).context["form"]["kit_type"].value() == only.pk
    factories.make_kit_type(name="Træningskit")
    assert client.get(reverse("kits:delivery")).context["form"]["kit_type"].value() is None


def test_a_delivery_takes_the_stock_forms_date_left_empty_today(client, coordinator, office):
    """The delivery form is a dated stock form (on_date, change_reason), its date labelled as received."""
    client.force_login(coordinator)
    page = client.get(reverse("kits:delivery"))
    assert page.context["form"]["on_date"].value() == TODAY()
    assert 'for="id_on_date"' in page.content.decode() and "Modtaget den" in page.content.decode()
    data = delivery_data(office)
    del data["on_date"]
    assert client.post(reverse("kits:delivery"), data).status_code == 302
    assert timezone.localdate(StockMovement.objects.get().occurred_at) == TODAY()


def test_a_delivery_posted_from_a_page_made_before_the_date_fields_were_renamed_keeps_its_received_date(
    client, coordinator, office
):
    """A delivery form opened before the form took the stock forms' date (it posts `received_on` and `reason`)
    and sent after: its received date was dropped and the kits were dated today, the stock of the days between
    wrong without a word."""
    client.force_login(coordinator)
    data = delivery_data(office)
    received = TODAY() - dt.timedelta(days=3)
    data["received_on"] = received.isoformat()
    del data["on_date"]
    assert client.post(reverse("kits:delivery"), data).status_code == 302
    assert timezone.localdate(StockMovement.objects.get().occurred_at) == received
    # Sent again (Back, then send): stored once.
    assert client.post(reverse("kits:delivery"), data).status_code == 302
    assert StockMovement.objects.count() == 1


def test_a_double_submitted_delivery_is_stored_once(client, coordinator, office):
    client.force_login(coordinator)
    data = delivery_data(office)
    client.post(reverse("kits:delivery"), data)
    response = client.post(reverse("kits:delivery"), data, follow=True)
    assert "allerede registreret" in response.content.decode()
    assert StockMovement.objects.count() == 1 and level(office, Batch.objects.get()) == 50


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"quantity": "0"}, "Angiv et antal kit fra 1 til 1.000.000."),
        ({"quantity": "-3"}, "Angiv et antal kit fra 1 til 1.000.000."),
        ({"expiry_date": "2020-01-01"}, "Udløbsdatoen skal ligge efter modtagelsesdatoen."),
        ({"on_date": "2199-01-01", "expiry_date": "2199-06-01"}, "Datoen kan ikke ligge i fremtiden."),
        ({"lot_number": ""}, "Dette felt er påkrævet."),
    ],
    ids=["zero", "negative", "expiry-before-receipt", "received-in-future", "no-lot"],
)
def test_a_bad_delivery_is_refused_beside_the_field_and_writes_nothing(client, coordinator, office, fields, message):
    client.force_login(coordinator)
    response = client.post(reverse("kits:delivery"), delivery_data(office, **fields))
    assert field_error(response, message)
    assert not Batch.objects.exists() and not StockMovement.objects.exists()


def test_a_known_lot_with_another_expiry_date_is_refused_beside_the_lot_number(client, coordinator, office):
    client.force_login(coordinator)
    client.post(reverse("kits:delivery"), delivery_data(office))
    other_expiry = (TODAY() + dt.timedelta(days=300)).isoformat()
    response = client.post(reverse("kits:delivery"), delivery_data(office, expiry_date=other_expiry))
    assert field_error(response, "Lot NX2511 af Nyxoid 1,8 mg næsespray er allerede registreret med udløbsdato")
    assert StockMovement.objects.count() == 1 and Batch.objects.count() == 1


# Transfers, discards, counts and office handouts through the forms


def test_a_coordinator_moves_kits_to_the_street_teams_bag(client, coordinator, office, bag):
    batch = factories.make_batch(lot_number="NX3")
    factories.receive(batch, office, 20, coordinator)
    client.force_login(coordinator)
    response = client.post(
        reverse("kits:transfer"),
        {"key": str(uuid.uuid4()), "from_location": office.pk, "to_location": bag.pk, "quantity": "8"},
        follow=True,
    )
    assert "8 kit af lot NX3 flyttet fra Antidote Danmark, kontoret til Gadeteamets taske." in response.content.decode()
    assert level(office, batch) == 12 and level(bag, batch) == 8


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"to_location": "office"}, "Vælg en anden lokation end den, kittene kommer fra."),
        ({"quantity": "21"}, "Ikke nok kit i Antidote Danmark, kontoret: 20 på lager, 21 ønsket."),
        ({"quantity": "0"}, "Angiv et antal kit fra 1 til 1.000.000."),
    ],
    ids=["same-location", "more-than-held", "zero"],
)
def test_a_bad_transfer_is_refused_beside_the_field_and_writes_nothing(
    client, coordinator, office, bag, fields, message
):
    batch = factories.make_batch()
    factories.receive(batch, office, 20, coordinator)
    data = {"key": str(uuid.uuid4()), "from_location": office.pk, "to_location": bag.pk, "quantity": "5", **fields}
    if data["to_location"] == "office":
        data["to_location"] = office.pk
    client.force_login(coordinator)
    response = client.post(reverse("kits:transfer"), data)
    assert field_error(response, message)
    assert StockMovement.objects.count() == 1 and level(office, batch) == 20


def test_a_discard_without_a_reason_is_refused_and_with_one_stored(client, coordinator, office):
    batch = factories.make_batch()
    factories.receive(batch, office, 6, coordinator)
    client.force_login(coordinator)
    data = {"key": str(uuid.uuid4()), "location": office.pk, "batch": batch.pk, "quantity": "2", "reason": ""}
    assert field_error(client.post(reverse("kits:discard"), data), "Dette felt er påkrævet.")
    assert level(office, batch) == 6
    client.post(reverse("kits:discard"), {**data, "reason": "Beskadiget"})
    assert level(office, batch) == 4
    assert StockMovement.objects.get(kind="discard").reason == "Beskadiget"


def test_a_count_adjusts_the_stock_to_what_was_counted(client, coordinator, office):
    batch = factories.make_batch()
    factories.receive(batch, office, 6, coordinator)
    client.force_login(coordinator)
    data = {
        "key": str(uuid.uuid4()),
        "location": office.pk,
        "batch": batch.pk,
        "counted": "5",
        "reason": "Månedlig optælling",
    }
    response = client.post(reverse("kits:count"), data, follow=True)
    assert "reguleret med 1 kit" in response.content.decode()
    assert level(office, batch) == 5
    negative = {**data, "key": str(uuid.uuid4()), "counted": "-1"}
    assert field_error(client.post(reverse("kits:count"), negative), "Angiv et antal kit fra 0 til 1.000.000.")


def test_an_office_handout_draws_first_expiry_first_out(client, coordinator, office, venue):
    today = TODAY()
    later = factories.make_batch(expiry_date=today + dt.timedelta(days=300))
    sooner = factories.make_batch(expiry_date=today + dt.timedelta(days=40))
    factories.receive(later, office, 5, coordinator)
    factories.receive(sooner, office, 5, coordinator)
    course = factories.make_course(venue, starts_at=timezone.now() - dt.timedelta(days=1))
    client.force_login(coordinator)
    response = client.post(
        reverse("kits:handout"),
        {
            "key": str(uuid.uuid4()),
            "location": office.pk,
            "quantity": "2",
            "reason": "replaces_used",
            "audience": "professionals",
            "course": course.pk,
        },
        follow=True,
    )
    assert "2 kit af lot" in response.content.decode()
    handout = StockMovement.objects.get(kind="handout")
    assert (handout.batch, handout.course, handout.recipient_audience) == (sooner, course, "professionals")
    assert level(office, sooner) == 3


def test_the_office_handouts_courses_are_each_named_with_their_date(client, coordinator, venue):
    """A course with a title was offered by its title alone: "Pop-up på Rådhuspladsen", of which there is one a week."""
    starts = timezone.localtime() - dt.timedelta(days=2)
    factories.make_course(venue, starts_at=starts, title="Pop-up på Rådhuspladsen", format="pop_up")
    factories.make_course(venue, starts_at=starts - dt.timedelta(days=1), format="pop_up")
    client.force_login(coordinator)
    page = client.get(reverse("kits:handout")).content.decode()
    course_field = page.split('name="course"')[1].split("</select>")[0]
    options = [option.split(">", 1)[1].split("<")[0] for option in course_field.split("<option")[2:]]
    when = date_format(starts, "SHORT_DATETIME_FORMAT")
    earlier = date_format(starts - dt.timedelta(days=1), "SHORT_DATETIME_FORMAT")
    assert options == [f"Pop-up på Rådhuspladsen · {when}", f"Pop-up {earlier}"]


def test_an_office_handout_of_more_than_held_is_refused(client, coordinator, office):
    factories.receive(factories.make_batch(), office, 1, coordinator)
    client.force_login(coordinator)
    response = client.post(
        reverse("kits:handout"),
        {
            "key": str(uuid.uuid4()),
            "location": office.pk,
            "quantity": "2",
            "reason": "first_supply",
            "audience": "people_who_use_drugs",
        },
    )
    assert field_error(response, "Ikke nok kit i Antidote Danmark, kontoret: 1 på lager, 2 ønsket.")
    assert not StockMovement.objects.filter(kind="handout").exists()


# Corrections


def test_a_movement_is_corrected_by_an_opposite_one_and_history_stays(client, coordinator, office, bag):
    batch = factories.make_batch()
    factories.receive(batch, office, 10, coordinator)
    mistake = StockMovement.objects.create(
        kind="transfer",
        batch=batch,
        from_location=office,
        to_location=bag,
        quantity=4,
        occurred_at=timezone.now(),
        recorded_by=coordinator,
    )
    client.force_login(coordinator)
    assert f"Ret nr. {mistake.pk}" in client.get(reverse("kits:movements")).content.decode()
    page = client.get(reverse("kits:correct", args=[mistake.pk]))
    assert "Gadeteamets taske" in page.content.decode()
    client.post(reverse("kits:correct", args=[mistake.pk]), {"key": str(uuid.uuid4()), "reason": "Forkert taske"})
    correction = StockMovement.objects.get(corrects=mistake)
    assert (correction.from_location, correction.to_location, correction.quantity) == (bag, office, 4)
    assert level(office, batch) == 10 and level(bag, batch) == 0
    assert StockMovement.objects.filter(pk=mistake.pk, quantity=4, to_location=bag).exists()
    listing = client.get(reverse("kits:movements")).content.decode()
    assert "Rettet" in listing and f"retter nr. {mistake.pk}" in listing
    again = client.post(reverse("kits:correct", args=[mistake.pk]), {"key": str(uuid.uuid4()), "reason": "Igen"})
    assert "allerede blevet rettet" in again.content.decode()
    assert StockMovement.objects.count() == 3


def test_a_double_click_on_recording_a_correction_says_it_is_stored_not_that_it_cannot_be(
    client, coordinator, office, bag
):
    """The second click's answer, the one shown, said the movement could not be corrected, as it had been
    already (by the first click), as if the correction had failed."""
    batch = factories.make_batch()
    factories.receive(batch, office, 10, coordinator)
    mistake = factories.hand_out(batch, office, 4, coordinator)
    client.force_login(coordinator)
    sent = {"key": str(uuid.uuid4()), "reason": "Forkert antal"}
    assert client.post(reverse("kits:correct", args=[mistake.pk]), sent).status_code == 302
    again = client.post(reverse("kits:correct", args=[mistake.pk]), sent, follow=True)
    assert again.redirect_chain == [(reverse("kits:stock"), 302)]
    assert "Dette var allerede registreret; det gemmes kun én gang." in again.content.decode()
    assert StockMovement.objects.filter(corrects=mistake).count() == 1


def test_a_movement_that_cannot_be_corrected_says_why_instead_of_offering_a_form(client, coordinator, office, bag):
    """A correction, and a movement corrected already, showed a correction form that could only be
    refused when sent. The list offers no link to them, and their page says why and what to do instead."""
    batch = factories.make_batch()
    factories.receive(batch, office, 10, coordinator)
    mistake = StockMovement.objects.create(
        kind="transfer",
        batch=batch,
        from_location=office,
        to_location=bag,
        quantity=4,
        occurred_at=timezone.now(),
        recorded_by=coordinator,
    )
    client.force_login(coordinator)
    client.post(reverse("kits:correct", args=[mistake.pk]), {"key": str(uuid.uuid4()), "reason": "Forkert taske"})
    correction = StockMovement.objects.get(corrects=mistake)
    listing = client.get(reverse("kits:movements")).content.decode()
    assert reverse("kits:correct", args=[correction.pk]) not in listing
    assert reverse("kits:correct", args=[mistake.pk]) not in listing
    for movement, why in [
        (correction, f"Bevægelse nr. {correction.pk} er selv en rettelse af bevægelse nr. {mistake.pk}"),
        (mistake, f"Bevægelse nr. {mistake.pk} er allerede blevet rettet af bevægelse nr. {correction.pk}"),
    ]:
        page = client.get(reverse("kits:correct", args=[movement.pk]))
        content = page.content.decode()
        assert page.status_code == 200 and why in content
        assert "<form" not in content.split("<main", 1)[-1] and "Gem rettelsen" not in content
        assert reverse("kits:count") in content
        sent = client.post(reverse("kits:correct", args=[movement.pk]), {"key": str(uuid.uuid4()), "reason": "Igen"})
        assert why in sent.content.decode()
    assert StockMovement.objects.count() == 3


def test_a_corrected_handout_is_listed_as_a_correction_not_as_a_count(client, coordinator, bag):
    """The correction of a handout read "Regulering efter optælling" (adjustment after a count) in the
    list, the lot trace and the CSV: no count was made, and a reader of the ledger looked for one."""
    batch = factories.make_batch(lot_number="NX2408")
    factories.receive(batch, bag, 10, coordinator)
    handout = factories.hand_out(batch, bag, 1, coordinator)
    client.force_login(coordinator)
    client.post(reverse("kits:correct", args=[handout.pk]), {"key": str(uuid.uuid4()), "reason": "Forkert lot"})
    correction = StockMovement.objects.get(corrects=handout)
    assert correction.kind == "adjustment" and str(correction) == "Rettelse 1 × NX2408"
    for url in [reverse("kits:movements"), reverse("kits:lot") + "?lot=NX2408"]:
        listing = client.get(url).content.decode()
        assert f'Rettelse <span class="badge text-bg-secondary">retter nr. {handout.pk}' in listing or (
            "<td>Rettelse</td>" in listing
        ), url
        assert "Regulering efter optælling" not in listing, url
    exported = client.get(reverse("kits:movements-csv")).content.decode("utf-8-sig")
    assert ";Rettelse;" in exported and "Regulering efter optælling" not in exported


def test_the_lot_traces_table_of_movements_scrolls_from_the_keyboard(client, coordinator, bag):
    """On a 360 px phone the trace's table of movements (no link in it) scrolled sideways, but a keyboard
    could not reach it (axe: scrollable-region-focusable): it is a focusable region, named by its caption."""
    batch = factories.make_batch(lot_number="NX2408")
    factories.receive(batch, bag, 10, coordinator)
    client.force_login(coordinator)
    content = client.get(reverse("kits:lot"), {"lot": "NX2408"}).content.decode()
    assert (
        '<div class="table-responsive" tabindex="0" role="region" aria-labelledby="lot-movements-caption">' in content
    )
    assert 'id="lot-movements-caption">Alle lottets bevægelser</caption>' in content


# The lot trace and the exports, against known data


@pytest.fixture
def recall_data(coordinator, office, bag, venue):
    batch = factories.make_batch(
        lot_number="NX2408",
        product="Nyxoid 1,8 mg næsespray",
        received_on=dt.date(2025, 3, 1),
        expiry_date=dt.date(2031, 1, 31),
    )
    other = factories.make_batch(lot_number="NX9999", received_on=dt.date(2025, 3, 1), expiry_date=dt.date(2031, 6, 30))
    course = factories.make_course(venue, title="Drop-in Vestergade", starts_at=at(2025, 3, 10, 14))
    receive = factories.receive(batch, office, 30, coordinator, occurred_at=at(2025, 3, 3))
    move = StockMovement.objects.create(
        kind="transfer",
        batch=batch,
        from_location=office,
        to_location=bag,
        quantity=10,
        occurred_at=at(2025, 3, 4),
        recorded_by=coordinator,
    )
    handout = factories.hand_out(batch, bag, 2, coordinator, course=course, occurred_at=at(2025, 3, 10, 15))
    office_handout = factories.hand_out(
        batch,
        office,
        1,
        coordinator,
        recipient_audience="professionals",
        handout_reason="replaces_used",
        occurred_at=at(2025, 3, 12),
    )
    discard = StockMovement.objects.create(
        kind="discard",
        batch=batch,
        from_location=office,
        quantity=1,
        reason="Beskadiget",
        occurred_at=at(2025, 4, 2),
        recorded_by=coordinator,
    )
    factories.receive(other, office, 5, coordinator, occurred_at=at(2025, 3, 20))
    return {"receive": receive, "move": move, "handout": handout, "office_handout": office_handout, "discard": discard}


def csv_lines(response):
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return body[1:].splitlines()


def test_the_lot_trace_shows_where_the_kits_went(client, coordinator, recall_data):
    client.force_login(coordinator)
    response = client.get(reverse("kits:lot"), {"lot": "nx2408"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "Gadeteamets taske: 8" in content and "Antidote Danmark, kontoret: 18" in content
    assert "Drop-in Vestergade · 10. mar 2025" in content
    assert "NX9999" not in content and coordinator.username not in content


def test_the_lot_trace_csv_lists_every_movement_for_a_recall(client, coordinator, recall_data):
    client.force_login(coordinator)
    response = client.get(reverse("kits:lot-csv"), {"lot": "NX2408"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="lot-NX2408.csv"' in response["Content-Disposition"]
    ids = {name: movement.pk for name, movement in recall_data.items()}
    product = "Nyxoid 1,8 mg næsespray;2031-01-31"
    assert csv_lines(response) == [
        "Lotnummer;Produkt;Udløbsdato;Dato;Type;Fra;Til;Antal;Kursus;Kursusdato;Udleveringsårsag;Målgruppe;"
        "Bevægelse;Retter bevægelse",
        f"NX2408;{product};2025-03-03;Levering modtaget;;Antidote Danmark, kontoret;30;;;;;{ids['receive']};",
        f"NX2408;{product};2025-03-04;Flytning;Antidote Danmark, kontoret;Gadeteamets taske;10;;;;;{ids['move']};",
        f"NX2408;{product};2025-03-10;Udlevering;Gadeteamets taske;;2;Drop-in Vestergade;2025-03-10;"
        f"Første udlevering;Stofbrugere;{ids['handout']};",
        f"NX2408;{product};2025-03-12;Udlevering;Antidote Danmark, kontoret;;1;;;Erstatter et brugt kit;Fagpersoner;"
        f"{ids['office_handout']};",
        f"NX2408;{product};2025-04-02;Kasseret;Antidote Danmark, kontoret;;1;;;;;{ids['discard']};",
    ]


def test_the_movements_csv_covers_the_period_asked_for(client, coordinator, recall_data):
    """Each movement has its Copenhagen time beside its date, as the page shows it (the CSV had only the date)."""
    client.force_login(coordinator)
    response = client.get(reverse("kits:movements-csv"), {"start": "2025-03-04", "end": "2025-03-12"})
    assert 'filename="lagerbevaegelser-2025-03-04-2025-03-12.csv"' in response["Content-Disposition"]
    ids = {name: movement.pk for name, movement in recall_data.items()}
    lot = "NX2408;Nyxoid 1,8 mg næsespray;2031-01-31"
    assert csv_lines(response) == [
        "Bevægelse;Dato;Klokkeslæt;Type;Lotnummer;Produkt;Udløbsdato;Fra;Til;Antal;Årsag;Udleveringsårsag;Målgruppe;"
        "Kursus;Kursusdato;Retter bevægelse",
        f"{ids['move']};2025-03-04;10:00;Flytning;{lot};Antidote Danmark, kontoret;Gadeteamets taske;10;;;;;;",
        f"{ids['handout']};2025-03-10;15:00;Udlevering;{lot};Gadeteamets taske;;2;;Første udlevering;Stofbrugere;"
        "Drop-in Vestergade;2025-03-10;",
        f"{ids['office_handout']};2025-03-12;10:00;Udlevering;{lot};Antidote Danmark, kontoret;;1;;"
        "Erstatter et brugt kit;Fagpersoner;;;",
    ]


def test_a_period_that_ends_before_it_starts_is_refused_beside_the_field(client, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("kits:movements-csv"), {"start": "2025-03-04", "end": "2025-03-01"})
    assert field_error(response, "Slutdatoen må ikke ligge før startdatoen.")


def test_the_movements_and_lot_pages_need_few_queries(
    client, coordinator, office, bag, venue, django_assert_max_num_queries
):
    batch = factories.make_batch(lot_number="MANY1")
    factories.receive(batch, office, 100, coordinator)
    for index in range(30):
        course = factories.make_course(venue, starts_at=timezone.now() - dt.timedelta(hours=index + 2))
        factories.hand_out(batch, office, 1, coordinator, course=course)
    client.force_login(coordinator)
    with django_assert_max_num_queries(9):
        movements = client.get(reverse("kits:movements"))
    with django_assert_max_num_queries(9):
        trace = client.get(reverse("kits:lot"), {"lot": "MANY1"})
    assert movements.content.decode().count("Udlevering") >= 30
    assert "Udleveret" in trace.content.decode()


# Who may see and do what


STAFF_PAGES = [
    "kits:stock",
    "kits:delivery",
    "kits:transfer",
    "kits:discard",
    "kits:count",
    "kits:handout",
    "kits:movements",
    "kits:movements-csv",
    "kits:lot",
]


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_an_anonymous_visitor_is_sent_to_the_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("kits:stock", 200),
        ("kits:handout", 200),
        ("kits:delivery", 403),
        ("kits:transfer", 403),
        ("kits:discard", 403),
        ("kits:count", 403),
        ("kits:movements", 403),
        ("kits:lot", 403),
    ],
)
def test_a_street_worker_may_view_the_stock_but_not_run_it(client, street_worker, name, status):
    client.force_login(street_worker)
    assert client.get(reverse(name)).status_code == status


def test_a_street_worker_cannot_post_a_delivery_or_transfer(client, street_worker, office, bag):
    client.force_login(street_worker)
    assert client.post(reverse("kits:delivery"), delivery_data(office)).status_code == 403
    assert (
        client.post(
            reverse("kits:transfer"),
            {"from_location": office.pk, "to_location": bag.pk, "quantity": "1", "key": str(uuid.uuid4())},
        ).status_code
        == 403
    )
    assert not StockMovement.objects.exists()


def test_a_user_without_a_role_is_refused(client, outsider):
    client.force_login(outsider)
    assert client.get(reverse("kits:stock")).status_code == 403


def test_another_municipality_sees_none_of_odenses_stock(
    client, other_coordinator, coordinator, recall_data, aarhus_bag
):
    client.force_login(other_coordinator)
    stock = client.get(reverse("kits:stock")).content.decode()
    assert "Aarhus-tasken" in stock and "Gadeteamets taske" not in stock and "NX2408" not in stock
    assert client.get(reverse("kits:lot"), {"lot": "NX2408"}).status_code == 404
    assert client.get(reverse("kits:lot-csv"), {"lot": "NX2408"}).status_code == 404
    assert client.get(reverse("kits:correct", args=[recall_data["move"].pk])).status_code == 404
    assert (
        client.post(
            reverse("kits:correct", args=[recall_data["move"].pk]), {"key": str(uuid.uuid4()), "reason": "x"}
        ).status_code
        == 404
    )
    export = client.get(reverse("kits:movements-csv"), {"start": "2025-01-01", "end": "2025-12-31"})
    assert len(csv_lines(export)) == 1


def test_another_municipality_cannot_move_odenses_kits(client, other_coordinator, coordinator, office, aarhus_bag):
    batch = factories.make_batch()
    factories.receive(batch, office, 10, coordinator)
    client.force_login(other_coordinator)
    response = client.post(
        reverse("kits:transfer"),
        {"key": str(uuid.uuid4()), "from_location": office.pk, "to_location": aarhus_bag.pk, "quantity": "5"},
    )
    assert field_error(response, "Marker en gyldig valgmulighed.")
    assert level(office, batch) == 10 and StockMovement.objects.count() == 1


def test_expiring_soon_lists_the_users_usable_kits_in_the_window_soonest_first(
    at_instant, coordinator, other_coordinator, office, bag, aarhus_bag
):
    from kits.queries import expired_stock, expiring_soon

    today = TODAY()
    in_30 = factories.make_batch(expiry_date=today + dt.timedelta(days=30))
    in_10 = factories.make_batch(expiry_date=today + dt.timedelta(days=10))
    in_200 = factories.make_batch(expiry_date=today + dt.timedelta(days=200))
    gone = factories.make_batch(received_on=today - dt.timedelta(days=100), expiry_date=today - dt.timedelta(days=1))
    factories.receive(in_30, office, 3, coordinator)
    factories.receive(in_10, bag, 2, coordinator)
    factories.receive(in_200, bag, 9, coordinator)
    factories.receive(gone, office, 1, coordinator, occurred_at=timezone.now() - dt.timedelta(days=50))
    factories.receive(in_10, aarhus_bag, 7, other_coordinator)
    assert [(level.batch, level.location, level.quantity) for level in expiring_soon(coordinator)] == [
        (in_10, bag, 2),
        (in_30, office, 3),
    ]
    assert [(level.batch, level.quantity) for level in expired_stock(coordinator)] == [(gone, 1)]
    assert [level.location for level in expiring_soon(other_coordinator)] == [aarhus_bag]


def test_a_reason_is_never_run_as_a_spreadsheet_formula(client, coordinator, office):
    batch = factories.make_batch(lot_number="NX7777", product="+Nyxoid")
    factories.receive(batch, office, 3, coordinator, occurred_at=at(2025, 3, 3))
    StockMovement.objects.create(
        kind="discard",
        batch=batch,
        from_location=office,
        quantity=1,
        reason='=HYPERLINK("https://example.com","klik")',
        occurred_at=at(2025, 3, 4),
        recorded_by=coordinator,
    )
    client.force_login(coordinator)
    lines = csv_lines(client.get(reverse("kits:movements-csv"), {"start": "2025-03-01", "end": "2025-03-31"}))
    discard = next(line for line in lines if "Kasseret" in line)
    assert ';"\'=HYPERLINK(""https://example.com"",""klik"")";' in discard
    assert ";'+Nyxoid;" in discard and ";1;" in discard  # the quantity stays a number
    lot = csv_lines(client.get(reverse("kits:lot-csv"), {"lot": "NX7777"}))
    assert all(";+Nyxoid" not in line for line in lot) and ";'+Nyxoid;" in lot[1]
