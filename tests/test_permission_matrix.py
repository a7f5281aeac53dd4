"""Who gets what, on every URL of the project.

One row per URL pattern (found by walking the resolver), one column per kind of
visitor: anonymous, street worker, trainer, coordinator of Odense (which owns every
object in the URLs), coordinator of Aarhus, administrator. A new URL without a row
fails `test_every_url_pattern_has_a_row`.

The answers: LOGIN (sent to the login page), 403 (a missing permission), 404 (another
municipality's object, so nothing leaks), 405 (a POST-only endpoint asked with GET),
200, or REDIRECT (a redirect somewhere other than the login page).
"""

import datetime as dt
import itertools
import uuid
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.urls import URLResolver, get_resolver
from django.utils import timezone

from courses.models import CourseRequest, DropInSchedule
from finder.models import InfoPage
from redliv import roles
from tests import factories
from tests.conftest import VerifiedClient, make_user
from tests.db_state import table_counts
from tests.reversal_helpers import make_report

pytestmark = pytest.mark.django_db

LOGIN = "login"
ADMIN_LOGIN = "admin login"
REDIRECT = "redirect"
WHO = ["anonymous", "street_worker", "trainer_user", "coordinator", "other_coordinator", "administrator"]

# The shapes of a row: (anonymous, street worker, trainer, coordinator, other coordinator, administrator).
PUBLIC = (200, 200, 200, 200, 200, 200)
EVERY_STAFF_MEMBER = (LOGIN, 200, 200, 200, 200, 200)
PLANNING_LIST = (LOGIN, 403, 403, 200, 200, 200)
PLANNING_OBJECT = (LOGIN, 403, 403, 200, 404, 200)
# A POST-only endpoint asked with GET: 405 for everyone, before who asks is (redliv/access.py: the method first).
PLANNING_POST_ONLY = (405,) * 6
STAFF_POST_ONLY = (405,) * 6
STREET_OBJECT = (LOGIN, 200, 200, 200, 404, 200)
ADMINISTRATORS_ONLY = (LOGIN, 403, 403, 403, 403, 200)

# route pattern -> (the path asked, with {object} placeholders, the expected answers)
MATRIX = {
    # Outside i18n_patterns.
    "healthz": ("/healthz", PUBLIC),
    "robots.txt": ("/robots.txt", PUBLIC),
    "favicon.ico": ("/favicon.ico", (301,) * 6),
    "i18n/setlang/": ("/i18n/setlang/", (REDIRECT,) * 6),
    "api/v1/courses/": ("/api/v1/courses/", PUBLIC),
    # The public site.
    "": ("/", PUBLIC),
    "kurser/<int:pk>/": ("/kurser/{course}/", PUBLIC),
    "kurser/<int:pk>.ics": ("/kurser/{course}.ics", PUBLIC),
    "kurser.ics": ("/kurser.ics", PUBLIC),
    "drop-in/<int:pk>/": ("/drop-in/{schedule}/", PUBLIC),
    "drop-in/<int:pk>.ics": ("/drop-in/{schedule}.ics", PUBLIC),
    "info/<slug:slug>/": ("/info/naloxon/", PUBLIC),
    "bestil-kursus/": ("/bestil-kursus/", PUBLIC),
    "bestil-kursus/tak/": ("/bestil-kursus/tak/", PUBLIC),
    "tjek-dit-kit/": ("/tjek-dit-kit/", PUBLIC),
    "widget/": ("/widget/", PUBLIC),
    "privatliv/": ("/privatliv/", PUBLIC),
    "tilgaengelighed/": ("/tilgaengelighed/", PUBLIC),
    "afrapporter/": ("/afrapporter/", PUBLIC),
    "afrapporter/tak/": ("/afrapporter/tak/", PUBLIC),
    "statistik/": ("/statistik/", PUBLIC),
    "statistik/metode/": ("/statistik/metode/", PUBLIC),
    # Information pages are the public site's, national: no municipality owns one, so administrators edit them.
    "personale/informationssider/": ("/personale/informationssider/", ADMINISTRATORS_ONLY),
    "personale/informationssider/<slug:slug>/": ("/personale/informationssider/naloxon/", ADMINISTRATORS_ONLY),
    # Logging in.
    "konto/login/": ("/konto/login/", (200, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT)),
    "konto/logout/": ("/konto/logout/", (405,) * 6),
    # The code page sends a user without a device (street worker, trainer) to set one up.
    "konto/to-trins/": ("/konto/to-trins/", (LOGIN, REDIRECT, REDIRECT, 200, 200, 200)),
    "konto/to-trins/opsaet/": ("/konto/to-trins/opsaet/", EVERY_STAFF_MEMBER),
    "konto/to-trins/gendannelseskoder/": ("/konto/to-trins/gendannelseskoder/", (LOGIN,) + (REDIRECT,) * 5),
    "admin/login/": ("/admin/login/", (LOGIN,) * 6),
    # The admin (one row for all of its pages): administrators only; a logged-in user without it gets a 403.
    "admin/": ("/admin/", (ADMIN_LOGIN, 403, 403, 403, 403, 200)),
    # Staff pages.
    "personale/": ("/personale/", EVERY_STAFF_MEMBER),
    "personale/kurser/": ("/personale/kurser/", PLANNING_LIST),
    "personale/kurser/kalender/": ("/personale/kurser/kalender/", PLANNING_LIST),
    "personale/kurser/ny/": ("/personale/kurser/ny/", PLANNING_LIST),
    "personale/kurser/<int:pk>/": ("/personale/kurser/{course}/", PLANNING_OBJECT),
    "personale/kurser/<int:pk>/rediger/": ("/personale/kurser/{course}/rediger/", PLANNING_OBJECT),
    "personale/kurser/<int:pk>/kopier/": ("/personale/kurser/{course}/kopier/", PLANNING_POST_ONLY),
    "personale/kurser/<int:pk>/aflys/": ("/personale/kurser/{course}/aflys/", PLANNING_OBJECT),
    "personale/kurser/<int:pk>/offentlig/": ("/personale/kurser/{course}/offentlig/", PLANNING_POST_ONLY),
    "personale/faste-tider/": ("/personale/faste-tider/", PLANNING_LIST),
    "personale/faste-tider/ny/": ("/personale/faste-tider/ny/", PLANNING_LIST),
    "personale/faste-tider/<int:pk>/": ("/personale/faste-tider/{schedule}/", PLANNING_OBJECT),
    "personale/faste-tider/<int:pk>/undtagelser/": (
        "/personale/faste-tider/{schedule}/undtagelser/",
        PLANNING_POST_ONLY,
    ),
    "personale/faste-tider/<int:pk>/undtagelser/<int:exception_pk>/slet/": (
        "/personale/faste-tider/{schedule}/undtagelser/{exception}/slet/",
        PLANNING_POST_ONLY,
    ),
    "personale/traenere/": ("/personale/traenere/", PLANNING_LIST),
    "personale/traenere/ny/": ("/personale/traenere/ny/", PLANNING_LIST),
    "personale/traenere/<int:pk>/": ("/personale/traenere/{trainer}/", PLANNING_OBJECT),
    "personale/traenere/<int:pk>/rediger/": ("/personale/traenere/{trainer}/rediger/", PLANNING_OBJECT),
    "personale/steder/": ("/personale/steder/", PLANNING_LIST),
    "personale/steder/ny/": ("/personale/steder/ny/", PLANNING_LIST),
    "personale/steder/<int:pk>/": ("/personale/steder/{venue}/", PLANNING_OBJECT),
    "personale/forespoergsler/": ("/personale/forespoergsler/", PLANNING_LIST),
    "personale/forespoergsler/<int:pk>/": ("/personale/forespoergsler/{request}/", PLANNING_OBJECT),
    # Reversal reports.
    "personale/afrapporteringer/": ("/personale/afrapporteringer/", PLANNING_LIST),
    "personale/afrapporteringer/ny/": ("/personale/afrapporteringer/ny/", EVERY_STAFF_MEMBER),
    "personale/afrapporteringer/kit-der-skal-erstattes/": (
        "/personale/afrapporteringer/kit-der-skal-erstattes/",
        EVERY_STAFF_MEMBER,
    ),
    "personale/afrapporteringer/<int:pk>/": ("/personale/afrapporteringer/{report}/", PLANNING_OBJECT),
    "personale/afrapporteringer/<int:pk>/vurdering/": (
        "/personale/afrapporteringer/{report}/vurdering/",
        STAFF_POST_ONLY,
    ),
    "personale/afrapporteringer/<int:pk>/erstat-kit/": (
        "/personale/afrapporteringer/{report}/erstat-kit/",
        STREET_OBJECT,
    ),
    # Naloxone stock.
    "personale/lager/": ("/personale/lager/", EVERY_STAFF_MEMBER),
    "personale/lager/levering/": ("/personale/lager/levering/", PLANNING_LIST),
    "personale/lager/flyt/": ("/personale/lager/flyt/", PLANNING_LIST),
    "personale/lager/kasser/": ("/personale/lager/kasser/", PLANNING_LIST),
    "personale/lager/optaelling/": ("/personale/lager/optaelling/", PLANNING_LIST),
    "personale/lager/udlevering/": ("/personale/lager/udlevering/", EVERY_STAFF_MEMBER),
    "personale/lager/bevaegelser/": ("/personale/lager/bevaegelser/", PLANNING_LIST),
    "personale/lager/bevaegelser/csv/": ("/personale/lager/bevaegelser/csv/", PLANNING_LIST),
    "personale/lager/bevaegelser/<int:pk>/ret/": ("/personale/lager/bevaegelser/{movement}/ret/", PLANNING_OBJECT),
    "personale/lager/lot/": ("/personale/lager/lot/?lot={lot}", PLANNING_OBJECT),
    "personale/lager/lot/csv/": ("/personale/lager/lot/csv/?lot={lot}", PLANNING_OBJECT),
    "personale/lager/lot/<int:pk>/tilbagekald/": ("/personale/lager/lot/{batch}/tilbagekald/", PLANNING_OBJECT),
    # The lot is not recalled: those who may end a recall are sent back to its trace.
    "personale/lager/lot/<int:pk>/tilbagekald/afslut/": (
        "/personale/lager/lot/{batch}/tilbagekald/afslut/",
        (LOGIN, 403, 403, REDIRECT, 404, REDIRECT),
    ),
    "personale/lager/forslag.csv": ("/personale/lager/forslag.csv", EVERY_STAFF_MEMBER),
    "personale/lager/lager.csv": ("/personale/lager/lager.csv", EVERY_STAFF_MEMBER),
    "personale/lager/udtag/": ("/personale/lager/udtag/", PLANNING_POST_ONLY),
    "personale/lager/steder/<int:pk>/maal/": ("/personale/lager/steder/{location}/maal/", PLANNING_OBJECT),
    # The street screen.
    "gade/": ("/gade/", EVERY_STAFF_MEMBER),
    "gade/udlevering/": ("/gade/udlevering/", EVERY_STAFF_MEMBER),
    "gade/afrapportering/": ("/gade/afrapportering/", EVERY_STAFF_MEMBER),
    "gade/mine/": ("/gade/mine/", EVERY_STAFF_MEMBER),
    # The street worker logged this course; a trainer may not change someone else's entry.
    "gade/poster/kursus/<int:pk>/": ("/gade/poster/kursus/{attendance}/", (LOGIN, 200, 403, 200, 404, 200)),
    "gade/poster/kursus/<int:pk>/trak-tilbage/": ("/gade/poster/kursus/{attendance}/trak-tilbage/", STAFF_POST_ONLY),
    "gade/poster/udlevering/<int:pk>/trak-tilbage/": (
        "/gade/poster/udlevering/{handout}/trak-tilbage/",
        STAFF_POST_ONLY,
    ),
    "gade/poster/afrapportering/<int:pk>/trak-tilbage/": (
        "/gade/poster/afrapportering/{staff_report}/trak-tilbage/",
        STAFF_POST_ONLY,
    ),
    # The queue's endpoint answers JSON (401 when logged out) and takes POST only.
    "gade/api/poster/": ("/gade/api/poster/", (405,) * 6),
    "gade/api/rettelser/": ("/gade/api/rettelser/", (405,) * 6),
    # The tablet's own "no connection" page, kept with its files: it names no one.
    "gade/uden-forbindelse/": ("/gade/uden-forbindelse/", PUBLIC),
    "gade/api/session/": ("/gade/api/session/", (401, 200, 200, 200, 200, 200)),
    "gade/logget-ud/": ("/gade/logget-ud/", PUBLIC),
    "gade/sw.js": ("/gade/sw.js", PUBLIC),
    "gade/manifest.webmanifest": ("/gade/manifest.webmanifest", PUBLIC),
    # Monthly figures, asked for Odense's: another municipality's coordinator gets 404.
    "personale/maaned/": ("/personale/maaned/?municipality={odense}", PLANNING_OBJECT),
    "personale/maaned/csv/": ("/personale/maaned/csv/?municipality={odense}", PLANNING_OBJECT),
    "personale/maaned/xlsx/": ("/personale/maaned/xlsx/?municipality={odense}", PLANNING_OBJECT),
    "personale/maaned/pdf/": ("/personale/maaned/pdf/?municipality={odense}", PLANNING_OBJECT),
    "personale/maaned/udskriv/": ("/personale/maaned/udskriv/?municipality={odense}", PLANNING_OBJECT),
    "personale/maaned/godkend/": ("/personale/maaned/godkend/", STAFF_POST_ONLY),
    "personale/maaned/genaabn/": ("/personale/maaned/genaabn/", STAFF_POST_ONLY),
    "personale/maaned/maal/": ("/personale/maaned/maal/", STAFF_POST_ONLY),
}


def url_patterns(resolver=None, prefix=""):
    """Every route of the project, as one string each; the admin's own routes count as one, `admin/`."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                yield route
            else:
                yield from url_patterns(pattern, route)
        else:
            yield route


def test_every_url_pattern_has_a_row():
    found = set(url_patterns())
    assert found - set(MATRIX) == set(), "URL patterns without a row in the permission matrix"
    assert set(MATRIX) - found == set(), "rows for URL patterns that no longer exist"


@pytest.fixture
def odense_objects(odense, red_liv, venue, street_worker):
    """One Odense object of each kind that a URL names: what goes into the URLs.

    The information page is made here too: the migration's copy is gone once a test on the same
    worker has emptied the tables (a browser test), and which tests ran before this one there is chance.
    """
    today = timezone.localdate()
    InfoPage.objects.get_or_create(
        slug="naloxon",
        defaults={"title_da": "Naloxon", "title_en": "Naloxone", "body_da": "Tekst.", "body_en": "Text."},
    )
    course = factories.make_course(venue)
    schedule = DropInSchedule.objects.create(
        municipality=odense, venue=venue, weekday=1, starts_at=dt.time(13), ends_at=dt.time(15), valid_from=today
    )
    exception = schedule.exceptions.create(
        date=today + dt.timedelta(days=(1 - today.weekday()) % 7 + 7), reason="Lukket"
    )
    course_request = CourseRequest.objects.create(
        municipality=odense,
        organisation_name="Bosted",
        contact_name="Kontakt",
        contact_email="a@example.org",
        audience="professionals",
        number_of_people=10,
    )
    bag = factories.make_location(red_liv, name="Gadeteamets taske")
    batch = factories.make_batch()
    delivery = factories.receive(batch, bag, 10, street_worker)
    district = factories.make_district(odense, name="Vollsmose")
    held = factories.make_course(venue, starts_at=timezone.now() - dt.timedelta(hours=3))
    objects = {
        "odense": odense,
        "venue": venue,
        "course": course,
        "schedule": schedule,
        "exception": exception,
        "trainer": factories.make_trainer(red_liv),
        "request": course_request,
        "movement": delivery,
        # Verified, so its kit is still to replace (the replacement form opens) and it can be reviewed again.
        "report": make_report(district, review_status="verified"),
        "staff_report": make_report(district, source="staff", reported_by=street_worker),
        "attendance": factories.make_attendance(held, street_worker),
        "handout": factories.hand_out(batch, bag, 1, street_worker),
        "batch": batch,
        "location": bag,
    }
    return {"lot": batch.lot_number, **{name: row.pk for name, row in objects.items()}}


def answer(response):
    if response.status_code != 302:
        return response.status_code
    location = urlsplit(response["Location"]).path
    if location == "/konto/login/":
        return LOGIN
    if location == "/admin/login/":
        return ADMIN_LOGIN
    return REDIRECT


def ask(request, who, method, path):
    """The answer `who` gets, and whether the tables stayed as they were (then undone for the next).

    Every answer, refusals and redirects too, carries the Content-Security-Policy."""
    user = None if who == "anonymous" else request.getfixturevalue(who)
    with transaction.atomic():
        client = VerifiedClient()
        if user is not None:
            client.force_login(user)
        before = table_counts()
        response = getattr(client, method)(path)
        unchanged = table_counts() == before
        transaction.set_rollback(True)
    policy = response.get("Content-Security-Policy", "")
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert (
        "frame-ancestors *" if path == "/widget/" and response.status_code == 200 else "frame-ancestors 'none'"
    ) in policy
    return answer(response), unchanged


def test_no_url_answers_a_put_a_delete_or_a_patch(odense_objects):
    """Every page answered PUT, DELETE and PATCH as a GET or a POST (the statistics page, the kit check, the public
    forms, the finder: 200; a staff page: the login page). Each view says the methods it serves: any other is a 405
    with Allow, before anything else is asked (a visitor is not sent to log in to be refused), and writes nothing.
    Anonymous, one client: the method is checked first, so this needs nobody's session (and stays fast)."""
    from django.test import Client

    client = Client()
    paths = [path.format(**odense_objects) for path, _answers in MATRIX.values()]
    paths += [
        "/en/statistik/",
        "/admin/courses/trainer/",
        f"/admin/courses/trainer/{odense_objects['trainer']}/change/",
    ]
    before = table_counts()
    answered = {}
    # One of the three per URL, in turn: a view refuses every method it does not name alike (each is asked of
    # about a third of them), and the walk stays at about a second.
    for path, method in zip(paths, itertools.cycle(("put", "delete", "patch")), strict=False):
        response = getattr(client, method)(path, "x=1", content_type="application/x-www-form-urlencoded")
        if response.status_code != 405 or not response.get("Allow"):
            answered[f"{method.upper()} {path}"] = (response.status_code, response.get("Allow"))
    assert not answered, "\n".join(f"{asked}: {got}" for asked, got in sorted(answered.items()))
    assert table_counts() == before


@pytest.mark.parametrize("route", list(MATRIX))
def test_each_visitor_gets_the_expected_answer(odense_objects, route, request):
    path, expected = MATRIX[route]
    answers = {who: ask(request, who, "get", path.format(**odense_objects)) for who in WHO}
    assert {who: got for who, (got, _unchanged) in answers.items()} == dict(zip(WHO, expected, strict=False))
    assert all(unchanged for _got, unchanged in answers.values()), "a GET wrote to the database"


FORM = "the form again, with its errors"
REFUSALS = {LOGIN, ADMIN_LOGIN, 401, 403, 404, 405}

PLANNING_FORM = (LOGIN, 403, 403, FORM, 404, FORM)
PLANNING_DONE = (LOGIN, 403, 403, REDIRECT, 404, REDIRECT)
# Entries the street worker logged: theirs to withdraw, not the trainer's.
OWN_ENTRY_DONE = (LOGIN, REDIRECT, 403, REDIRECT, 404, REDIRECT)

# Writes to one object, by POST with nothing filled in: route -> (path, answers).
# A refusal writes nothing; a form with errors writes nothing either.
POSTS = {
    "personale/kurser/<int:pk>/rediger/": ("/personale/kurser/{course}/rediger/", PLANNING_FORM),
    "personale/kurser/<int:pk>/kopier/": ("/personale/kurser/{course}/kopier/", PLANNING_DONE),
    "personale/kurser/<int:pk>/aflys/": ("/personale/kurser/{course}/aflys/", PLANNING_FORM),
    "personale/kurser/<int:pk>/offentlig/": ("/personale/kurser/{course}/offentlig/", PLANNING_DONE),
    "personale/faste-tider/<int:pk>/": ("/personale/faste-tider/{schedule}/", PLANNING_FORM),
    "personale/faste-tider/<int:pk>/undtagelser/": ("/personale/faste-tider/{schedule}/undtagelser/", PLANNING_FORM),
    "personale/faste-tider/<int:pk>/undtagelser/<int:exception_pk>/slet/": (
        "/personale/faste-tider/{schedule}/undtagelser/{exception}/slet/",
        PLANNING_DONE,
    ),
    "personale/traenere/<int:pk>/rediger/": ("/personale/traenere/{trainer}/rediger/", PLANNING_FORM),
    "personale/steder/<int:pk>/": ("/personale/steder/{venue}/", PLANNING_FORM),
    "personale/forespoergsler/<int:pk>/": ("/personale/forespoergsler/{request}/", PLANNING_FORM),
    "personale/informationssider/<slug:slug>/": (
        "/personale/informationssider/naloxon/",
        (LOGIN, 403, 403, 403, 403, FORM),
    ),
    "personale/afrapporteringer/<int:pk>/vurdering/": (
        "/personale/afrapporteringer/{report}/vurdering/",
        PLANNING_FORM,
    ),
    "personale/afrapporteringer/<int:pk>/erstat-kit/": (
        "/personale/afrapporteringer/{report}/erstat-kit/",
        (LOGIN, FORM, FORM, FORM, 404, FORM),
    ),
    "personale/lager/bevaegelser/<int:pk>/ret/": ("/personale/lager/bevaegelser/{movement}/ret/", PLANNING_FORM),
    "personale/lager/lot/<int:pk>/tilbagekald/": ("/personale/lager/lot/{batch}/tilbagekald/", PLANNING_FORM),
    "personale/lager/lot/<int:pk>/tilbagekald/afslut/": (
        "/personale/lager/lot/{batch}/tilbagekald/afslut/",
        PLANNING_DONE,
    ),
    "personale/lager/steder/<int:pk>/maal/": ("/personale/lager/steder/{location}/maal/", PLANNING_FORM),
    # Nothing chosen: the stock page again, with the form's errors as messages.
    "personale/lager/udtag/": ("/personale/lager/udtag/", (LOGIN, 403, 403, REDIRECT, REDIRECT, REDIRECT)),
    "gade/poster/kursus/<int:pk>/": ("/gade/poster/kursus/{attendance}/", (LOGIN, FORM, 403, FORM, 404, FORM)),
    "gade/poster/kursus/<int:pk>/trak-tilbage/": ("/gade/poster/kursus/{attendance}/trak-tilbage/", OWN_ENTRY_DONE),
    "gade/poster/udlevering/<int:pk>/trak-tilbage/": (
        "/gade/poster/udlevering/{handout}/trak-tilbage/",
        OWN_ENTRY_DONE,
    ),
    "gade/poster/afrapportering/<int:pk>/trak-tilbage/": (
        "/gade/poster/afrapportering/{staff_report}/trak-tilbage/",
        OWN_ENTRY_DONE,
    ),
    "gade/api/poster/": ("/gade/api/poster/", (401, FORM, FORM, FORM, FORM, FORM)),
    "gade/api/rettelser/": ("/gade/api/rettelser/", (401, FORM, FORM, FORM, FORM, FORM)),
    "personale/maaned/godkend/": ("/personale/maaned/godkend/?municipality={odense}", PLANNING_DONE),
    "personale/maaned/genaabn/": ("/personale/maaned/genaabn/?municipality={odense}", PLANNING_DONE),
    "personale/maaned/maal/": ("/personale/maaned/maal/?municipality={odense}", PLANNING_DONE),
}


def test_every_post_row_names_a_url_pattern():
    assert set(POSTS) <= set(url_patterns())


@pytest.mark.parametrize("route", list(POSTS))
def test_each_visitor_gets_the_expected_answer_to_a_post(odense_objects, route, request):
    path, expected = POSTS[route]
    answers = {who: ask(request, who, "post", path.format(**odense_objects)) for who in WHO}
    got = {who: FORM if code in (200, 400) else code for who, (code, _unchanged) in answers.items()}
    assert got == dict(zip(WHO, expected, strict=False))
    written = [who for who, (code, unchanged) in answers.items() if not unchanged and code in REFUSALS | {200, 400}]
    assert written == [], "refused or invalid POSTs wrote to the database"


# --- Choices in forms: another municipality's things are not offered, and not accepted ----------------

FORMS_WITH_CHOICES = [
    "/personale/lager/optaelling/",
    "/personale/lager/levering/",
    "/personale/lager/flyt/",
    "/personale/lager/kasser/",
    "/personale/lager/udlevering/",
]


@pytest.fixture
def odense_lot(red_liv, street_worker):
    batch = factories.make_batch(lot_number="ODENSE-LOT-7", product="Odense-produkt 1,8 mg")
    factories.receive(batch, factories.make_location(red_liv, name="Odense-kontoret"), 10, street_worker)
    return batch


@pytest.mark.parametrize("path", FORMS_WITH_CHOICES)
def test_another_municipalitys_coordinator_is_not_offered_odenses_lots_or_products(odense_lot, other_coordinator, path):
    client = VerifiedClient()
    client.force_login(other_coordinator)
    page = client.get(path).content.decode()
    assert "ODENSE-LOT-7" not in page and "Odense-produkt" not in page and "Odense-kontoret" not in page


@pytest.mark.parametrize(
    "path, offered",
    [("/personale/lager/optaelling/", "ODENSE-LOT-7"), ("/personale/lager/levering/", "Odense-produkt")],
)
def test_odenses_coordinator_is_offered_odenses_lots_and_products(odense_lot, coordinator, path, offered):
    client = VerifiedClient()
    client.force_login(coordinator)
    assert offered in client.get(path).content.decode()


def test_another_municipalitys_coordinator_cannot_count_odenses_lot(odense_lot, other_coordinator, aarhus_org):
    aarhus_bag = factories.make_location(aarhus_org, name="Aarhus-tasken")
    client = VerifiedClient()
    client.force_login(other_coordinator)
    before = table_counts()
    response = client.post(
        "/personale/lager/optaelling/",
        {
            "key": "5b3b5f4e-5b9e-4a53-9f4e-0d4f6c1a8b11",
            "location": aarhus_bag.pk,
            "batch": odense_lot.pk,
            "counted": "3",
            "reason": "Fundet",
        },
    )
    assert response.status_code == 200 and table_counts() == before
    assert response.context["form"].has_error("batch")
    assert "ODENSE-LOT-7" not in response.content.decode()


# --- Pages asked for a municipality (`?municipality=`): a user without one gets none ------------------

# Every page that reads `?municipality=` (redliv.access.municipality_asked_for): the month page and its
# exports and writes (from the rows above), and the stock pages.
ASKED_FOR_A_MUNICIPALITY = (
    [("get", path) for path, _answers in MATRIX.values() if "municipality=" in path]
    + [("post", path) for path, _answers in POSTS.values() if "municipality=" in path]
    + [
        ("get", "/personale/lager/"),
        ("get", "/personale/lager/forslag.csv"),
        ("get", "/personale/lager/lager.csv"),
    ]
)


@pytest.fixture
def coordinator_without_an_organisation(odense, aarhus):
    """A coordinator an administrator made without an organisation, in a country where Aarhus has none yet."""
    return make_user("koordinator-uden-organisation", None, roles.COORDINATOR)


@pytest.mark.parametrize("method, path", ASKED_FOR_A_MUNICIPALITY)
def test_a_coordinator_without_an_organisation_gets_no_municipalitys_figures_or_stock(
    odense_objects, coordinator_without_an_organisation, aarhus, method, path, request
):
    # Asked for Odense's, and for none: before, the first municipality without an organisation (Aarhus)
    # was taken for theirs, its figures shown and exported, and its month approved.
    for asked in (path.format(**odense_objects), path.split("?")[0]):
        got, unchanged = ask(request, "coordinator_without_an_organisation", method, asked)
        assert got == 403, asked
        assert unchanged, f"{method.upper()} {asked} wrote to the database"


# --- Street workers and trainers of another municipality: nothing of Odense's, on any URL ------------


@pytest.fixture
def aarhus_street_worker(aarhus_org):
    return make_user("gadeplan-aarhus", aarhus_org, roles.STREET_WORKER)


@pytest.fixture
def aarhus_trainer(aarhus_org):
    return make_user("traener-aarhus", aarhus_org, roles.TRAINER)


# Every staff URL that names one of Odense's objects (the public course and drop-in pages are everyone's).
ODENSE_OBJECT_URLS = [
    (method, route, rows[route][0])
    for method, rows in (("get", MATRIX), ("post", POSTS))
    for route in rows
    if "{" in rows[route][0] and MATRIX[route][1] != PUBLIC
]


@pytest.mark.parametrize(
    "method, route, path", ODENSE_OBJECT_URLS, ids=[f"{method}-{route}" for method, route, _path in ODENSE_OBJECT_URLS]
)
def test_another_municipalitys_street_worker_and_trainer_get_nothing_of_odenses(
    odense_objects, method, route, path, request
):
    answers = {
        who: ask(request, who, method, path.format(**odense_objects))
        for who in ("aarhus_street_worker", "aarhus_trainer")
    }
    assert all(got in (403, 404, 405) for got, _unchanged in answers.values()), answers
    assert all(unchanged for _got, unchanged in answers.values()), "a refused request wrote to the database"


# --- Another municipality's ids posted in a form's fields: refused beside the field, nothing written -------

# (who posts, the form, the field, which of Odense's objects it names). The forms offer only the poster's
# municipality's places, lots, courses, trainers and districts; a forged value must not get through either.
FORGED_CHOICES = [
    ("other_coordinator", "/personale/kurser/ny/", "venue", "venue"),
    ("other_coordinator", "/personale/kurser/ny/", "trainers", "trainer"),
    ("other_coordinator", "/personale/faste-tider/ny/", "venue", "venue"),
    ("other_coordinator", "/personale/traenere/ny/", "organisation", "organisation"),
    ("other_coordinator", "/personale/afrapporteringer/ny/", "district", "district"),
    ("other_coordinator", "/personale/afrapporteringer/ny/", "responder_course", "course"),
    ("other_coordinator", "/personale/lager/levering/", "location", "location"),
    ("other_coordinator", "/personale/lager/flyt/", "from_location", "location"),
    ("other_coordinator", "/personale/lager/flyt/", "to_location", "location"),
    ("other_coordinator", "/personale/lager/flyt/", "batch", "batch"),
    ("other_coordinator", "/personale/lager/kasser/", "location", "location"),
    ("other_coordinator", "/personale/lager/kasser/", "batch", "batch"),
    ("other_coordinator", "/personale/lager/optaelling/", "location", "location"),
    ("other_coordinator", "/personale/lager/udlevering/", "location", "location"),
    ("other_coordinator", "/personale/lager/udlevering/", "course", "course"),
    ("other_coordinator", "/personale/lager/udlevering/", "batch", "batch"),
    ("aarhus_street_worker", "/gade/", "venue", "venue"),
    ("aarhus_street_worker", "/gade/", "location", "location"),
    ("aarhus_street_worker", "/gade/", "batch", "batch"),
    # The planned course is a hidden field: its refusal is said above the form.
    ("aarhus_street_worker", "/gade/", "course", "course"),
    ("aarhus_street_worker", "/gade/udlevering/", "location", "location"),
    ("aarhus_street_worker", "/gade/udlevering/", "batch", "batch"),
    ("aarhus_street_worker", "/gade/afrapportering/", "district", "district"),
]


@pytest.mark.parametrize("who, path, field, named", FORGED_CHOICES)
def test_a_form_refuses_another_municipalitys_id_in_a_field(
    odense_objects, venue, red_liv, odense, who, path, field, named, request
):
    ids = {**odense_objects, "venue": venue.pk, "organisation": red_liv.pk}
    ids["district"] = factories.make_district(odense).pk
    client = VerifiedClient()
    client.force_login(request.getfixturevalue(who))
    before = table_counts()
    response = client.post(path, {field: ids[named]})
    assert table_counts() == before
    form = response.context["form"]
    assert form.errors.get("__all__" if field == "course" and path == "/gade/" else field), form.errors


def test_a_course_request_is_assigned_to_no_coordinator_of_another_municipality(coordinator, other_coordinator, aarhus):
    aarhus_request = CourseRequest.objects.create(
        municipality=aarhus,
        organisation_name="Bosted",
        contact_name="Kontakt",
        contact_email="a@example.org",
        audience="professionals",
        number_of_people=3,
    )
    client = VerifiedClient()
    client.force_login(other_coordinator)
    response = client.post(
        f"/personale/forespoergsler/{aarhus_request.pk}/", {"assigned_to": coordinator.pk, "status": "in_progress"}
    )
    assert response.context["form"].has_error("assigned_to")
    aarhus_request.refresh_from_db()
    assert aarhus_request.assigned_to is None


def test_a_replacement_kit_comes_from_no_location_of_another_municipality(
    odense_objects, other_coordinator, aarhus_district
):
    aarhus_report = make_report(aarhus_district, review_status="verified")
    client = VerifiedClient()
    client.force_login(other_coordinator)
    before = table_counts()
    response = client.post(
        f"/personale/afrapporteringer/{aarhus_report.pk}/erstat-kit/",
        {"location": odense_objects["location"], "audience": "people_who_use_drugs", "key": uuid.uuid4()},
    )
    assert response.context["form"].has_error("location") and table_counts() == before


# --- A coordinator's exports name no other municipality, and not the whole country -------------------------

SCOPES_ASKED = ["{aarhus}", "", "0", "-1", "all", "{aarhus} ", "{odense}.0", "{odense}&municipality={aarhus}"]
EXPORTS = ["csv/", "xlsx/", "pdf/", "udskriv/"]


@pytest.mark.parametrize("export", EXPORTS)
@pytest.mark.parametrize("asked", SCOPES_ASKED)
def test_a_coordinators_export_is_of_their_own_municipality_or_refused(planner, odense, aarhus, export, asked):
    """Another municipality's id, none, an odd spelling or two of them: Odense's figures, or a 404."""
    asked = asked.format(odense=odense.pk, aarhus=aarhus.pk)
    response = planner.get(f"/personale/maaned/{export}?month=2026-05&municipality={asked}")
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert response.context is None or response.context["report"].municipality == odense
        assert "aarhus" not in response.get("Content-Disposition", "") and "alle" not in response.get(
            "Content-Disposition", ""
        )
