"""The trainers register: organisation, staff-only contact, certifications, totals."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from courses.models import Certification, Course, Trainer
from tests import factories

pytestmark = pytest.mark.django_db


def page_text(response):
    return " ".join(re.sub("<[^>]+>", " ", response.content.decode()).split())


def trainer_data(organisation, **overrides):
    data = {
        "name": "Trine Træner",
        "organisation": organisation.pk,
        "contact": "trine@example.org",
        "active": "on",
        "cert-TOTAL_FORMS": "1",
        "cert-INITIAL_FORMS": "0",
        "cert-MIN_NUM_FORMS": "0",
        "cert-MAX_NUM_FORMS": "1000",
        "cert-0-kind": "redliv_trainer",
        "cert-0-issued_on": "2025-01-10",
        "cert-0-expires_on": "2027-01-10",
    }
    data.update(overrides)
    return data


def test_a_coordinator_registers_a_trainer_with_a_certification(planner, red_liv):
    response = planner.post("/personale/traenere/ny/", trainer_data(red_liv))
    trainer = Trainer.objects.get()
    assert response["Location"] == f"/personale/traenere/{trainer.pk}/"
    assert trainer.contact == "trine@example.org" and trainer.active and not trainer.show_name_publicly
    assert trainer.certifications.get().expires_on == dt.date(2027, 1, 10)


def test_a_certification_that_expires_before_it_was_issued_is_refused(planner, red_liv):
    response = planner.post("/personale/traenere/ny/", trainer_data(red_liv, **{"cert-0-expires_on": "2024-01-01"}))
    assert response.status_code == 200
    assert "Certificeringen skal udløbe efter den blev udstedt." in response.content.decode()
    assert not Trainer.objects.exists() and not Certification.objects.exists()


def test_a_trainer_cannot_be_put_in_another_municipalitys_organisation(planner, aarhus_org):
    response = planner.post("/personale/traenere/ny/", trainer_data(aarhus_org))
    assert response.status_code == 200
    assert not Trainer.objects.exists()


def test_a_trainers_page_lists_courses_held_and_people_trained_by_kind(planner, red_liv, venue, street_worker):
    trainer = factories.make_trainer(red_liv, name="Bo Træner")
    past = timezone.now() - dt.timedelta(days=10)
    for kind, counts in [("participant", 5), ("participant", 7), ("train_the_trainer", 3)]:
        course = factories.make_course(venue, kind=kind, status="held", starts_at=past)
        course.trainers.add(trainer)
        factories.make_attendance(course, street_worker, people_who_use_drugs=counts, first_time=counts, refresher=0)
    withdrawn = factories.make_course(venue, status="held", starts_at=past)
    withdrawn.trainers.add(trainer)
    factories.make_attendance(withdrawn, street_worker, withdrawn_at=timezone.now())
    factories.make_course(venue).trainers.add(trainer)  # planned: not counted
    response = planner.get(f"/personale/traenere/{trainer.pk}/")
    totals = {row["label"]: (row["courses"], row["people"]) for row in response.context["totals"]}
    assert totals == {"RED LIV-kursus": (3, 12), "Træneruddannelse": (1, 3), "Netværksmøde": (0, 0)}
    assert len(response.context["courses"]) == 4
    listing = planner.get("/personale/traenere/").context["trainers"]
    assert [(t.courses_held, t.people_trained) for t in listing] == [(4, 15)]


def test_a_trainers_courses_read_with_their_year_and_their_participants_are_not_called_people_trained(
    planner, red_liv, venue, street_worker
):
    """The page listed a year and more of courses as "tor 2. okt" beside "tir 1. dec", and headed the participants,
    refreshers included, "Uddannede personer": what the month report and the public statistics call first-timers."""
    trainer = factories.make_trainer(red_liv, name="Bo Træner")
    long_ago = timezone.localtime() - dt.timedelta(days=400)
    course = factories.make_course(venue, status="held", starts_at=long_ago)
    course.trainers.add(trainer)
    factories.make_attendance(course, street_worker, people_who_use_drugs=5, first_time=2, refresher=3)
    for path in [f"/personale/traenere/{trainer.pk}/", "/personale/traenere/"]:
        page = planner.get(path).content.decode()
        assert "Uddannede personer" not in page and '<th scope="col">Deltagere</th>' in page
    assert f"{long_ago.day}. {date_format(long_ago, 'b')} {long_ago.year}" in page_text(
        planner.get(f"/personale/traenere/{trainer.pk}/")
    )


def test_the_trainer_list_has_a_fixed_number_of_queries(
    planner, red_liv, venue, street_worker, django_assert_max_num_queries
):
    for _ in range(8):
        trainer = factories.make_trainer(red_liv)
        trainer.certifications.create(kind="redliv_trainer", issued_on=dt.date(2025, 1, 1))
        course = factories.make_course(venue, status="held", starts_at=timezone.now() - dt.timedelta(days=2))
        course.trainers.add(trainer)
        factories.make_attendance(course, street_worker)
    with django_assert_max_num_queries(9):
        response = planner.get("/personale/traenere/")
    assert len(response.context["trainers"]) == 8


def test_contact_details_are_shown_to_staff_only(client, red_liv, venue, coordinator):
    trainer = factories.make_trainer(red_liv, contact="hemmelig@example.org", show_name_publicly=False)
    course = factories.make_course(venue, title="Kursus med Trine")
    course.trainers.add(trainer)
    for public_page in ["/", f"/kurser/{course.pk}/"]:
        response = client.get(public_page)
        assert response.status_code == 200 and "Kursus med Trine" in response.content.decode()
        assert "hemmelig@example.org" not in response.content.decode()
        assert trainer.name not in response.content.decode()
    client.force_login(coordinator)
    staff_view = client.get(f"/personale/traenere/{trainer.pk}/")
    assert staff_view.status_code == 200
    assert "hemmelig@example.org" in staff_view.content.decode()
    assert trainer.name in client.get(f"/personale/kurser/{course.pk}/").content.decode()


def test_the_staff_only_details_are_named_alike_on_the_trainers_page_and_its_form(client, red_liv, coordinator):
    """The trainer's page said "Kontakt (kun for personalet)" and its form "Kontakt (kun for personale)", the name's
    help "Vises kun for personale": one wording, the product's ("kun personalet kan se den")."""
    trainer = factories.make_trainer(red_liv, contact="hemmelig@example.org")
    client.force_login(coordinator)
    page = client.get(f"/personale/traenere/{trainer.pk}/").content.decode()
    form = client.get(f"/personale/traenere/{trainer.pk}/rediger/").content.decode()
    for shown in (page, form):
        assert "Kontakt (kun for personalet)" in shown
    assert "Vises kun for personalet, medmindre træneren har sagt ja." in form
    assert "kun for personale " not in page + form and "kun for personale)" not in page + form


def test_editing_a_trainer_keeps_and_changes_certifications(planner, red_liv):
    trainer = factories.make_trainer(red_liv)
    certification = trainer.certifications.create(
        kind="redliv_trainer", issued_on=dt.date(2024, 1, 1), expires_on=dt.date(2026, 1, 1)
    )
    data = trainer_data(
        red_liv,
        **{
            "cert-TOTAL_FORMS": "2",
            "cert-INITIAL_FORMS": "1",
            "cert-0-id": str(certification.pk),
            "cert-0-trainer": str(trainer.pk),
            "cert-0-expires_on": "2028-01-01",
            "cert-1-kind": "",
            "cert-1-issued_on": "",
            "cert-1-expires_on": "",
        },
    )
    response = planner.post(f"/personale/traenere/{trainer.pk}/rediger/", data)
    assert response.status_code == 302
    certification.refresh_from_db()
    assert certification.expires_on == dt.date(2028, 1, 1)
    assert Course.objects.count() == 0


def test_a_double_submit_of_the_trainer_form_registers_the_trainer_once(planner, red_liv):
    page = planner.get("/personale/traenere/ny/")
    key = page.context["form"]["key"].value()
    assert f'value="{key}"' in page.content.decode()  # the key is in the form the browser sends
    fields = trainer_data(red_liv, key=str(key))
    first = planner.post("/personale/traenere/ny/", fields, follow=True)
    again = planner.post("/personale/traenere/ny/", fields, follow=True)  # a double click, a second tab, a resend
    trainer = Trainer.objects.get()
    assert first.redirect_chain[0][0] == again.redirect_chain[0][0] == f"/personale/traenere/{trainer.pk}/"
    assert "Denne træner er allerede registreret fra denne formular" in again.content.decode()
    assert "Træneren blev gemt" in first.content.decode() and "Træneren blev gemt" not in again.content.decode()
    assert trainer.certifications.count() == 1  # the resend's certification is not added to the first trainer
    assert planner.get("/personale/traenere/").content.decode().count("Trine Træner") == 1


def test_each_showing_of_the_trainer_form_registers_its_own_trainer(planner, red_liv):
    for name in ["Trine Træner", "Tove Træner"]:
        key = planner.get("/personale/traenere/ny/").context["form"]["key"].value()
        response = planner.post("/personale/traenere/ny/", trainer_data(red_liv, name=name, key=str(key)))
        assert response.status_code == 302
    assert Trainer.objects.count() == 2 and Certification.objects.count() == 2


def test_editing_a_trainer_carries_no_form_key_and_saves_each_time(planner, red_liv):
    trainer = factories.make_trainer(red_liv, name="Bo Træner")
    assert planner.get(f"/personale/traenere/{trainer.pk}/rediger/").context["form"]["key"].value() is None
    for contact in ["bo@example.org", "bo@example.net"]:
        fields = trainer_data(red_liv, name="Bo Træner", contact=contact, **{"cert-TOTAL_FORMS": "0"})
        planner.post(f"/personale/traenere/{trainer.pk}/rediger/", fields)
        trainer.refresh_from_db()
        assert trainer.contact == contact
    assert Trainer.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_trainer_form_sent_twice_at_once_registers_the_trainer_once(coordinator, red_liv):
    import uuid

    from courses import services_planning as planning
    from courses.forms import CertificationFormSet, TrainerForm
    from tests.simultaneous import at_once

    fields = trainer_data(red_liv, key=str(uuid.uuid4()))
    forms = []
    for _tab in "ab":
        trainer = Trainer()
        forms.append(
            (
                TrainerForm(fields, instance=trainer, user=coordinator),
                CertificationFormSet(fields, instance=trainer, prefix="cert"),
            )
        )
    assert all(form.is_valid() and formset.is_valid() for form, formset in forms)
    saved = []
    outcomes = at_once(2, lambda: saved.append(planning.save_trainer(*forms.pop())[1]))
    assert outcomes == ["stored", "stored"] and sorted(saved) == [False, True]
    assert Trainer.objects.count() == 1 and Certification.objects.count() == 1


def test_a_save_from_a_second_tab_does_not_silently_undo_the_first(planner, red_liv):
    """Two tabs on the same trainer: the contact saved in the first was overwritten, without a word,
    by the second, which still held the old contact when it made the trainer inactive."""
    trainer = factories.make_trainer(red_liv, name="Bo Træner", contact="bo@example.org")
    path = f"/personale/traenere/{trainer.pk}/rediger/"
    first, second = (planner.get(path).context["form"] for _ in range(2))
    shown = first["shown_version"].value()
    assert shown and second["shown_version"].value() == shown
    assert f'value="{shown}"' in planner.get(path).content.decode()  # the version is in the form the browser sends

    fields = {"name": "Bo Træner", "cert-TOTAL_FORMS": "0", "shown_version": shown}
    saved = planner.post(path, trainer_data(red_liv, contact="bo@example.net", **fields))
    assert saved.status_code == 302
    refused = planner.post(path, trainer_data(red_liv, contact="bo@example.org", active="", **fields))
    assert refused.status_code == 200
    assert "Træneren blev ændret et andet sted, efter du åbnede siden" in refused.content.decode()
    trainer.refresh_from_db()
    assert (trainer.contact, trainer.active) == ("bo@example.net", True)

    # Sent again from the page that said so, it replaces the other change on purpose.
    again = refused.context["form"]["shown_version"].value()
    assert again != shown
    fields["shown_version"] = again
    assert planner.post(path, trainer_data(red_liv, contact="bo@example.org", active="", **fields)).status_code == 302
    trainer.refresh_from_db()
    assert (trainer.contact, trainer.active) == ("bo@example.org", False)


def test_a_save_in_the_admin_from_a_second_tab_does_not_silently_undo_the_first(client, administrator, red_liv):
    """The admin's trainer form saved whatever it sent, unlike the staff page's: a tab opened before another save
    undid that save without a word. It is checked as the staff page is (as the admin's venue form); a double click
    is saved once."""
    from django.urls import reverse

    trainer = factories.make_trainer(red_liv, name="Bo Træner", contact="bo@example.org")
    client.force_login(administrator)
    path = reverse("admin:courses_trainer_change", args=[trainer.pk])
    page = client.get(path)
    form = page.context["adminform"].form
    shown = form["shown_version"].value()
    assert shown and f'value="{shown}"' in page.content.decode()
    fields = {name: form[name].value() or "" for name in form.fields}
    fields.update({"active": "on", "certifications-TOTAL_FORMS": "0", "certifications-INITIAL_FORMS": "0"})
    assert client.post(path, {**fields, "contact": "bo@example.net"}).status_code == 302
    refused = client.post(path, {**fields, "active": ""})
    assert refused.status_code == 200
    assert "Træneren blev ændret et andet sted, efter du åbnede siden" in refused.content.decode()
    trainer.refresh_from_db()
    assert (trainer.contact, trainer.active) == ("bo@example.net", True)
    # Sent again from the page that said so, it replaces the other change on purpose; a double click saves once.
    again = {**fields, "active": "", "shown_version": refused.context["adminform"].form["shown_version"].value()}
    assert again["shown_version"] != shown
    assert client.post(path, again).status_code == 302
    assert "Træneren blev gemt." in client.post(path, again, follow=True).content.decode()
    trainer.refresh_from_db()
    assert (trainer.contact, trainer.active) == ("bo@example.org", False)


@pytest.mark.django_db(transaction=True)
def test_a_trainer_and_a_venue_edited_with_each_statement_committed_are_saved(client, coordinator, red_liv, venue):
    """As in production, where a request is no transaction: the version check holds the row (SELECT … FOR UPDATE),
    which PostgreSQL refuses outside a transaction. save_venue had lost its transaction.atomic to the function
    written between the two (venue_changed_elsewhere): saving a venue was a 500 (a test runs inside one)."""
    trainer = factories.make_trainer(red_liv, name="Bo Træner")
    client.force_login(coordinator)
    path = f"/personale/traenere/{trainer.pk}/rediger/"
    shown = client.get(path).context["form"]["shown_version"].value()
    fields = {"cert-TOTAL_FORMS": "0", "shown_version": shown}
    assert client.post(path, trainer_data(red_liv, name="Bo Træner", **fields)).status_code == 302
    path = f"/personale/steder/{venue.pk}/"
    form = client.get(path).context["form"]
    fields = {name: form[name].value() for name in form.fields if form[name].value() not in (None, False)}
    assert client.post(path, {**fields, "accessibility_notes": "Rampe"}).status_code == 302
    venue.refresh_from_db()
    assert venue.accessibility_notes == "Rampe"


def test_a_certification_added_in_one_tab_is_not_lost_to_a_save_from_another(planner, red_liv):
    """Only the certifications changed in the first tab: the trainer's version moves all the same."""
    trainer = factories.make_trainer(red_liv, name="Bo Træner")
    path = f"/personale/traenere/{trainer.pk}/rediger/"
    shown = planner.get(path).context["form"]["shown_version"].value()
    added = planner.post(path, trainer_data(red_liv, name="Bo Træner", shown_version=shown))
    assert added.status_code == 302 and trainer.certifications.count() == 1
    renamed = planner.post(
        path, trainer_data(red_liv, name="Bo Hansen", shown_version=shown, **{"cert-TOTAL_FORMS": "0"})
    )
    assert renamed.status_code == 200
    trainer.refresh_from_db()
    assert trainer.name == "Bo Træner"


def test_a_certification_removed_in_another_tab_is_said_so_when_the_first_tab_saves(planner, red_liv):
    """The second tab still showed the certification the first removed: its save was refused on the
    certification's hidden id, and the page came back with no word of why nothing was saved."""
    trainer = factories.make_trainer(red_liv, name="Bo Træner")
    certification = trainer.certifications.create(
        kind="redliv_trainer", issued_on=dt.date(2024, 1, 1), expires_on=dt.date(2026, 1, 1)
    )
    path = f"/personale/traenere/{trainer.pk}/rediger/"
    shown = planner.get(path).context["form"]["shown_version"].value()
    shown_certification = {
        "cert-TOTAL_FORMS": "1",
        "cert-INITIAL_FORMS": "1",
        "cert-0-id": str(certification.pk),
        "cert-0-trainer": str(trainer.pk),
        "cert-0-issued_on": "2024-01-01",
    }
    fields = {"name": "Bo Træner", "shown_version": shown, **shown_certification}
    assert planner.post(path, trainer_data(red_liv, **fields, **{"cert-0-DELETE": "on"})).status_code == 302
    refused = planner.post(path, trainer_data(red_liv, **fields, **{"cert-0-expires_on": "2028-01-01"}))
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "Intet blev gemt" in page
    assert "En certificering på siden blev fjernet et andet sted, efter du åbnede den" in page
    assert not trainer.certifications.exists()


def _course_data(venue, day, trainers, **overrides):
    return {
        "kind": "participant",
        "format": "drop_in",
        "title": "Drop-in om naloxon",
        "venue": venue.pk,
        "starts_at": f"{day:%Y-%m-%d}T13:00",
        "ends_at": f"{day:%Y-%m-%d}T15:00",
        "audiences": ["people_who_use_drugs"],
        "languages": ["da"],
        "trainers": [trainer.pk for trainer in trainers],
        **overrides,
    }


def test_an_administrator_cannot_put_another_municipalitys_trainer_on_a_course(
    client, administrator, red_liv, aarhus_org, venue
):
    """The administrator is offered every municipality's trainers: an Aarhus trainer on an Odense course
    was stored, and then counted in Odense's figures, unseen by Aarhus's coordinator."""
    day = timezone.localdate() + dt.timedelta(days=3)
    ours = factories.make_trainer(red_liv, name="Bo Træner")
    theirs = factories.make_trainer(aarhus_org, name="Aase fra Aarhus")
    client.force_login(administrator)
    response = client.post("/personale/kurser/ny/", _course_data(venue, day, [ours, theirs]))
    assert response.status_code == 200 and response.context["form"].has_error("trainers", "trainer_elsewhere")
    assert (
        "Aase fra Aarhus hører til en anden kommune end kurset. Kun trænere fra Odense kan undervise på dette kursus."
        in response.content.decode()
    )
    assert not Course.objects.exists()

    course = factories.make_course(venue)
    response = client.post(f"/personale/kurser/{course.pk}/rediger/", _course_data(venue, day, [theirs]))
    assert response.status_code == 200 and response.context["form"].has_error("trainers", "trainer_elsewhere")
    assert not course.trainers.exists()

    # At Aarhus's own venue the course is Aarhus's: their trainer, not ours.
    aarhus_venue = factories.make_venue(aarhus_org, name="Aarhus-værestedet")
    assert client.post("/personale/kurser/ny/", _course_data(aarhus_venue, day, [theirs])).status_code == 302
    assert list(Course.objects.get(venue=aarhus_venue).trainers.all()) == [theirs]
    assert client.post("/personale/kurser/ny/", _course_data(venue, day, [ours])).status_code == 302


def test_logging_a_course_elsewhere_does_not_make_the_logger_its_trainer(administrator, red_liv, aarhus_org):
    """An administrator with a trainer profile in Odense logs a course at Aarhus's venue: not its trainer."""
    from courses.services import add_me_as_trainer

    factories.make_trainer(red_liv, user=administrator)
    course = factories.make_course(factories.make_venue(aarhus_org))
    add_me_as_trainer(course, administrator)
    assert not course.trainers.exists()
    ours = factories.make_course(factories.make_venue(red_liv))
    add_me_as_trainer(ours, administrator)
    assert list(ours.trainers.values_list("user", flat=True)) == [administrator.pk]


def test_copying_a_course_leaves_out_a_trainer_who_belongs_to_another_municipality_now(
    coordinator, red_liv, aarhus_org, venue
):
    """A trainer who moved to an Aarhus organisation after they were put on the course (or one linked
    before the database refused it): the copy is made, without them, rather than refused."""
    from courses import services_planning as planning

    course = factories.make_course(venue)
    ours, moved = factories.make_trainer(red_liv), factories.make_trainer(red_liv)
    course.trainers.add(ours, moved)
    moved.organisation = aarhus_org
    moved.save()
    copy, made = planning.copy_to_next_week(course, coordinator)
    assert made and list(copy.trainers.all()) == [ours]
    assert set(course.trainers.all()) == {ours, moved}  # the course taught is left as it was


def test_deactivating_a_trainer_who_is_still_on_planned_courses_says_which(planner, red_liv, venue):
    """The public pages stop naming an inactive trainer at once; the coordinator must learn that
    their planned courses now have one trainer fewer, and which ones, to find someone else."""
    trainer = factories.make_trainer(red_liv, name="Bo Træner")
    planned = factories.make_course(venue, title="Pop-up i marts")
    planned.trainers.add(trainer)
    past = factories.make_course(
        venue, title="Holdt i går", status="held", starts_at=timezone.now() - dt.timedelta(days=1)
    )
    past.trainers.add(trainer)
    cancelled = factories.make_course(venue, title="Aflyst", status="cancelled", cancellation_reason="Syg")
    cancelled.trainers.add(trainer)
    fields = trainer_data(red_liv, name="Bo Træner", **{"cert-TOTAL_FORMS": "0"})
    del fields["active"]
    response = planner.post(f"/personale/traenere/{trainer.pk}/rediger/", fields, follow=True)
    page = response.content.decode()
    assert not Trainer.objects.get(pk=trainer.pk).active
    assert "Bo Træner er ikke aktiv, men står stadig på 1 planlagt kursus" in page
    planned_part = page[page.index("Planlagte kurser") :]
    assert "Pop-up i marts" in planned_part
    assert "Aflyst" not in planned_part.split("Afholdte kurser")[0]


def test_an_active_trainers_page_lists_their_planned_courses_without_a_warning(planner, red_liv, venue):
    trainer = factories.make_trainer(red_liv, name="Bo Træner")
    factories.make_course(venue, title="Pop-up i marts").trainers.add(trainer)
    page = planner.get(f"/personale/traenere/{trainer.pk}/").content.decode()
    assert "Planlagte kurser" in page and "Pop-up i marts" in page
    assert "er ikke aktiv" not in page


def test_a_trainer_with_courses_is_not_moved_to_another_municipalitys_organisation(
    client, administrator, other_coordinator, red_liv, aarhus_org, venue, street_worker
):
    """The administrator is offered every municipality's organisations on the trainer form (and in the admin).
    An Odense trainer moved to an Aarhus organisation took their Odense courses along: Aarhus's coordinator
    then read the titles, venues and head counts of Odense's courses on the trainer's page, and Odense's
    coordinator lost the trainer from their own courses' forms."""
    trainer = factories.make_trainer(red_liv, name="Bo Træner")
    course = factories.make_course(
        venue, title="Odenses pop-up", status="held", starts_at=timezone.now() - dt.timedelta(days=3)
    )
    course.trainers.add(trainer)
    factories.make_attendance(course, street_worker)
    client.force_login(administrator)
    response = client.post(f"/personale/traenere/{trainer.pk}/rediger/", trainer_data(aarhus_org, name="Bo Træner"))
    assert response.status_code == 200 and response.context["form"].has_error("organisation", "trainer_has_courses")
    assert "Bo Træner har kurser i Odense" in response.content.decode()
    trainer.refresh_from_db()
    assert trainer.organisation == red_liv

    page = client.get(f"/admin/courses/trainer/{trainer.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"organisation": aarhus_org.pk, "active": "on"})
    data.update({"certifications-TOTAL_FORMS": "0", "certifications-INITIAL_FORMS": "0"})
    response = client.post(f"/admin/courses/trainer/{trainer.pk}/change/", data)
    assert response.status_code == 200 and "Bo Træner har kurser i Odense" in response.content.decode()
    trainer.refresh_from_db()
    assert trainer.organisation == red_liv

    client.force_login(other_coordinator)
    assert client.get(f"/personale/traenere/{trainer.pk}/").status_code == 404

    # Without courses, nothing is carried along: a trainer registered in the wrong municipality is moved.
    newcomer = factories.make_trainer(red_liv, name="Ny Træner")
    client.force_login(administrator)
    response = client.post(f"/personale/traenere/{newcomer.pk}/rediger/", trainer_data(aarhus_org, name="Ny Træner"))
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.organisation == aarhus_org
