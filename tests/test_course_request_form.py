""" "Book a course for your workplace": a request for the coordinators, protected against spam."""

import re

import pytest

from courses.models import CourseRequest
from finder.views import REQUESTS_PER_WINDOW
from redliv.models import PostCount

pytestmark = pytest.mark.django_db


def valid(odense, **overrides):
    return {
        "organisation_name": "Herberget Vesterbro",
        "municipality": odense.pk,
        "contact_name": "Leder",
        "contact_email": "leder@example.org",
        "contact_phone": "",
        "audience": "professionals",
        "number_of_people": "12",
        "wishes": "Gerne en eftermiddag i marts.",
        "website": "",
        **overrides,
    }


def test_the_form_shows_its_fields_in_danish(client, odense):
    response = client.get("/bestil-kursus/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Bestil et kursus til jeres arbejdsplads" in page
    assert "Arbejdspladsens kommune" in page and "Odense" in page
    assert "Skriv intet om deltagerne" in page


def test_the_free_text_fields_take_their_direction_from_what_is_typed(client, odense):
    """Arabic or Persian typed into the wishes or the workplace's name ran from the left, its punctuation at
    the wrong end: the fields people write in carry dir="auto"; the e-mail and phone fields stay left-to-right."""
    page = client.get("/bestil-kursus/").content.decode()
    for name in ["wishes", "organisation_name", "contact_name"]:
        assert re.search(rf'<(textarea|input)[^>]*name="{name}"[^>]*dir="auto"', page), name
    for name in ["contact_email", "contact_phone"]:
        assert not re.search(rf'<input[^>]*name="{name}"[^>]*dir=', page), name


def test_a_request_is_stored_and_confirmed(client, odense):
    response = client.post("/bestil-kursus/", valid(odense), follow=True)
    assert response.redirect_chain == [("/bestil-kursus/tak/", 302)]
    assert "vi har modtaget jeres forespørgsel" in response.content.decode()
    request = CourseRequest.objects.get()
    assert (request.organisation_name, request.municipality, request.number_of_people, request.status) == (
        "Herberget Vesterbro",
        odense,
        12,
        CourseRequest.Status.NEW,
    )


def test_a_bad_request_keeps_what_was_typed_and_says_what_is_wrong(client, odense):
    response = client.post("/bestil-kursus/", valid(odense, contact_email="", number_of_people="0"))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="Herberget Vesterbro"' in page
    assert "Gerne en eftermiddag i marts." in page
    assert "Skriv en e-mailadresse eller et telefonnummer, så vi kan svare." in page
    assert "is-invalid" in page
    assert CourseRequest.objects.count() == 0


@pytest.mark.parametrize(
    "overrides",
    [
        {"municipality": "999999"},
        {"municipality": "x"},
        {"audience": "aliens"},
        {"number_of_people": "1001"},
        {"number_of_people": "lots"},
        {"organisation_name": ""},
        {"contact_email": "not-an-address"},
    ],
)
def test_bad_input_is_never_a_500_and_stores_nothing(client, odense, overrides):
    response = client.post("/bestil-kursus/", valid(odense, **overrides))
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    assert CourseRequest.objects.count() == 0


def shown_key(client, path="/bestil-kursus/"):
    """The key the form was shown with (its hidden input), as the browser sends it back."""
    page = client.get(path).content.decode()
    return re.search(r'name="key" value="([0-9a-f-]{36})"', page).group(1)


def test_sending_the_same_request_twice_stores_it_once(client, odense):
    """A double tap on a slow phone, or Back and send again, sent the same form twice: the coordinators
    got two requests from the same workplace to answer."""
    key = shown_key(client)
    for _ in range(2):
        response = client.post("/bestil-kursus/", valid(odense, key=key), follow=True)
        assert response.redirect_chain == [("/bestil-kursus/tak/", 302)]
    assert CourseRequest.objects.count() == 1
    # The resend did not use up one of the hour's requests from this address.
    assert PostCount.objects.get(scope="course-request").count == 1


def test_each_showing_of_the_form_is_a_new_request(client, odense):
    client.post("/bestil-kursus/", valid(odense, key=shown_key(client)))
    client.post("/bestil-kursus/", valid(odense, key=shown_key(client), organisation_name="Opgang 7"))
    assert sorted(CourseRequest.objects.values_list("organisation_name", flat=True)) == [
        "Herberget Vesterbro",
        "Opgang 7",
    ]


def test_the_honeypot_pretends_success_but_stores_nothing(client, odense):
    response = client.post("/bestil-kursus/", valid(odense, website="http://spam.example"))
    assert response.status_code == 302
    assert CourseRequest.objects.count() == 0


def test_one_address_may_send_only_a_few_requests_an_hour_and_no_raw_address_is_kept(client, odense):
    for _ in range(REQUESTS_PER_WINDOW):
        assert client.post("/bestil-kursus/", valid(odense), REMOTE_ADDR="203.0.113.7").status_code == 302
    refused = client.post("/bestil-kursus/", valid(odense), REMOTE_ADDR="203.0.113.7")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 3600  # until the hour's window frees a slot
    assert "Prøv igen om en time" in refused.content.decode()
    assert 'value="Herberget Vesterbro"' in refused.content.decode()
    assert CourseRequest.objects.count() == REQUESTS_PER_WINDOW
    # Another address is not affected.
    assert client.post("/bestil-kursus/", valid(odense), REMOTE_ADDR="198.51.100.1").status_code == 302
    digests = list(PostCount.objects.filter(scope="course-request").values_list("sender_digest", flat=True))
    assert all("203.0.113.7" not in digest and len(digest) == 64 for digest in digests)


@pytest.mark.parametrize(
    "phone",
    [
        "12345678",
        "12 34 56 78",
        "1234 5678",
        "12-34-56-78",
        "+45 12 34 56 78",
        "+4512345678",
        "0045 12345678",
        "(+45) 1234-5678",
        "+1 202 555 0143",
        "0046 8 123 456 78",
        "+44 (0)20 7946 0958",
    ],
)
def test_a_phone_number_as_people_write_it_is_taken(client, odense, phone):
    response = client.post("/bestil-kursus/", valid(odense, contact_email="", contact_phone=phone))
    assert response.status_code == 302
    assert CourseRequest.objects.get().contact_phone == phone


@pytest.mark.parametrize(
    "phone",
    [
        "1234",
        "ring mig",
        "12345678901234567",
        "+45 12 34 56 78 ext 9",
        "12 34 56 78 ; DROP",
        # Brackets, pluses and separators that no number has.
        "(((12345678)))",
        "(12345678)",
        "++45 1234 5678",
        "+(45) 12345678",
        "12--34-56-78",
        "-12345678",
        "12 34 56 78-",
        # A Danish number has 8 digits after +45, and no trunk digit.
        "+45 123 456 789",
        "+45 (0)12 34 56 78",
        # A foreign number starts with + or 00.
        "123456789012",
    ],
)
def test_something_that_is_not_a_phone_number_is_refused_beside_the_field(client, odense, phone):
    response = client.post("/bestil-kursus/", valid(odense, contact_phone=phone))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Skriv et telefonnummer på 8 cifre" in page
    assert 'href="#id_contact_phone"' in page  # the error summary leads to the field
    assert 'type="tel"' in page
    assert CourseRequest.objects.count() == 0


def test_the_wishes_have_a_limit_with_a_counter_and_the_database_holds_it_too(client, odense):
    from django.db import IntegrityError, transaction

    form = client.get("/bestil-kursus/").content.decode()
    assert 'maxlength="1000"' in form and "data-counter=" in form and "Højst 1000 tegn." in form
    refused = client.post("/bestil-kursus/", valid(odense, wishes="x" * 1001))
    page = refused.content.decode()
    assert refused.status_code == 200
    assert "højst 1000 tegn (den har 1001)" in page
    assert page.count("Der er et problem") == 1 and 'href="#id_wishes"' in page
    assert client.post("/bestil-kursus/", valid(odense, wishes="x" * 1000)).status_code == 302
    request = CourseRequest.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        CourseRequest.objects.filter(pk=request.pk).update(wishes="x" * 1001)


def test_a_text_with_line_breaks_is_counted_as_the_page_counts_it(client, odense):
    # The browser sends each line break as CR LF; the counter and maxlength count one character.
    wishes = "\r\n".join(["x"] * 500)  # 999 characters on the page, 1,498 as sent
    response = client.post("/bestil-kursus/", valid(odense, wishes=wishes))
    assert response.status_code == 302
    assert CourseRequest.objects.get().wishes == "\n".join(["x"] * 500)


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("٢٢ ٣٣ ٤٤ ٥٥", "22 33 44 55"),  # Arabic-Indic digits, as an Arabic phone keyboard writes them
        ("+٤٥ ١٢ ٣٤ ٥٦ ٧٨", "+45 12 34 56 78"),
        ("۱۲۳۴۵۶۷۸", "12345678"),  # Persian (Eastern Arabic-Indic) digits
        ("１２ ３４ ５６ ７８", "12 34 56 78"),  # full-width digits, from a Japanese or Chinese keyboard
        ("\u200e+45 1234\u20135678\u200f", "+45 1234-5678"),  # direction marks and an en dash, pasted from a page
    ],
)
def test_a_phone_number_in_other_digits_is_stored_in_the_digits_a_coordinator_dials(
    client, odense, planner, typed, stored
):
    """The same number in another script is the same number: stored as 0-9, so the coordinator's page
    shows one they can dial, and the database's "a phone number" check takes it (a 500 before)."""
    response = client.post("/bestil-kursus/", valid(odense, contact_email="", contact_phone=typed))
    assert response.status_code == 302
    course_request = CourseRequest.objects.get()
    assert course_request.contact_phone == stored
    page = planner.get(f"/personale/forespoergsler/{course_request.pk}/").content.decode()
    assert f"· {stored}" in page


@pytest.mark.parametrize("typed", ["٢٢ ٣٣ ٤٤", "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧", "٢٢ ٣٣ ٤٤ ٥٥ ext ٩"])
def test_something_that_is_not_a_phone_number_in_other_digits_is_refused_as_in_ascii_ones(client, odense, typed):
    response = client.post("/bestil-kursus/", valid(odense, contact_phone=typed))
    assert response.status_code == 200
    assert "Skriv et telefonnummer på 8 cifre" in response.content.decode()
    assert CourseRequest.objects.count() == 0
