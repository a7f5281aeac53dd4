"""The monthly report: every figure of a hand-counted month on the page, in the CSV, the XLSX
and the PDF; totals that reconcile; publication suppression; scoping; the query pin; the command."""

import csv
import io
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from reports.disclosure import AtLeast, protect_group
from reports.figures import Month, month_report, public_statistics
from reports.models import TrainingTarget
from tests import monthly_data
from tests.monthly_data import EXPECTED, MARCH

pytestmark = pytest.mark.django_db

PAGE = "/en/personale/maaned/"


@pytest.fixture
def march(coordinator, red_liv, venue, aarhus_org, odense):
    TrainingTarget.objects.create(municipality=odense, people=350, audience="people_who_use_drugs")
    return monthly_data.build(coordinator, red_liv, venue, aarhus_org)


def shown(value):
    """A figure as the page and the CSV write it."""
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{round(value * 100)} %"
    return str(value)


# The page's "stock movements by location" (one location, and the total), which every export has too: opening, in,
# out, counted adjustments, closing (tests/test_month_stock_movements.py).
MOVEMENTS = {"Gadeteamets taske": [116, 2, 13, 0, 105], "Total": [116, 2, 13, 0, 105]}
MOVEMENTS_TEXT = {label: [str(value) for value in values] for label, values in MOVEMENTS.items()}


def expected_text():
    return {
        key: {label: [shown(v) for v in values] for label, values in rows.items()} for key, rows in EXPECTED.items()
    }


def english_titles(municipality):
    with translation.override("en"):
        titles = {table.title: table.key for table in month_report(MARCH, municipality).tables}
    # The exports' one table the report keeps no figures of (tests/test_month_stock_movements.py).
    return {**titles, "The month's stock movements by location": "stock_movements"}


class TableReader(HTMLParser):
    """Reads every <table data-table> of a page into {key: {row label: [cell texts]}}."""

    def __init__(self):
        super().__init__()
        self.tables, self.table, self.row, self.cell = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-table" in attrs:
            self.table = self.tables.setdefault(attrs["data-table"], {})
        elif tag == "tr" and self.table is not None and "data-row" in attrs:
            self.row = []
            self.table[attrs["data-row"]] = self.row
        elif tag in ("td",) and self.row is not None:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.row.append(self.cell.strip())
            self.cell = None
        elif tag == "tr":
            self.row = None
        elif tag == "table":
            self.table = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def page_tables(content):
    reader = TableReader()
    reader.feed(content.decode())
    return reader.tables


def csv_tables(content, separator, titles):
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=separator))
    tables, current = {}, None
    for index, row in enumerate(rows):
        if len(row) == 1 and row[0] in titles:
            current = tables.setdefault(titles[row[0]], {})
        elif current is not None and len(row) > 1 and row[0] and rows[index - 1] and rows[index - 1][0] not in titles:
            current[row[0]] = row[1:]
    return rows, tables


def xlsx_tables(content, titles):
    workbook = load_workbook(io.BytesIO(content))
    tables = {}
    for sheet in workbook.worksheets:
        key = titles[sheet["A1"].value]
        rows = list(sheet.iter_rows(values_only=True))
        header = next(index for index, row in enumerate(rows) if row[0] is None and row[1] is not None)
        tables[key] = {
            row[0]: [None if v == "–" else v for v in row[1 : len(rows[header])]]
            for row in rows[header + 1 :]
            # A table's note is a line of its own, below its rows (the target, why the stock differs).
            if row[0] and any(value is not None for value in row[1:])
        }
    return workbook, tables


def pdf_text(content):
    """The PDF's text as a reader's screen reader or copy-and-paste gets it, spaces collapsed."""
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)


def test_the_page_shows_every_hand_counted_figure(client, coordinator, march):
    client.force_login(coordinator)
    response = client.get(PAGE, {"month": "2026-03"})
    assert response.status_code == 200
    tables = page_tables(response.content)
    for key, rows in expected_text().items():
        assert tables[key] == rows, key
    assert tables["stock-movements"] == MOVEMENTS_TEXT
    assert "Odense" in response.content.decode()
    assert "Aarhus Værested" not in response.content.decode()


def test_the_csv_has_every_figure_with_either_separator(client, coordinator, march, odense):
    client.force_login(coordinator)
    titles = english_titles(odense)
    for name, separator in [("semicolon", ";"), ("comma", ",")]:
        response = client.get(PAGE + "csv/", {"month": "2026-03", "separator": name})
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert "attachment" in response["Content-Disposition"]
        rows, tables = csv_tables(response.content, separator, titles)
        assert rows[1] == ["Period", "March 2026"]
        assert rows[2] == ["Scope", "Odense"]
        for key, expected_rows in expected_text().items():
            assert tables[key] == expected_rows, key
        assert tables["stock_movements"] == MOVEMENTS_TEXT  # as the page (test_the_page_shows_every_hand_…)


def test_the_xlsx_has_one_sheet_per_table_with_numbers_as_numbers(client, coordinator, march, odense):
    client.force_login(coordinator)
    response = client.get(PAGE + "xlsx/", {"month": "2026-03"})
    assert response.status_code == 200
    workbook, tables = xlsx_tables(response.content, english_titles(odense))
    assert len(workbook.worksheets) == len(EXPECTED) + 1  # and the stock movements by location
    for key, expected_rows in EXPECTED.items():
        assert set(tables[key]) == set(expected_rows), key
        for label, values in expected_rows.items():
            assert tables[key][label] == pytest.approx(values), (key, label)
    sheet = workbook.worksheets[0]
    assert sheet["A2"].value == "Period" and sheet["B2"].value.date().isoformat() == "2026-03-01"
    assert sheet["B2"].is_date
    assert (sheet["A3"].value, sheet["B3"].value) == ("Scope", "Odense")
    assert isinstance(tables["summary"]["Courses held"][0], int)
    assert tables["stock_movements"] == MOVEMENTS


def test_the_xlsx_tabs_are_named_in_words_and_an_empty_table_says_none_as_the_csv_does(client, coordinator, march):
    """Cut at Excel's 31 characters, the tabs read "Afrapporteringer af overdosis (" and "Kit på lager ved månedens
    udgan"; and a table with no rows was a sheet with only its heading, where the page, CSV and PDF say "Ingen"."""
    client.force_login(coordinator)
    workbook = load_workbook(io.BytesIO(client.get("/personale/maaned/xlsx/", {"month": "2026-03"}).content))
    assert workbook.sheetnames == [
        "Nøgletal",
        "Kurser holdt, efter form",
        "Kurser holdt, efter sted",
        "Deltagere, efter målgruppe",
        "Første gang og genopfriskning",
        "Uddannet indtil nu",
        "Kit udleveret, efter årsag",
        "Kit efter målgruppe",  # no population entered: no "Kit pr. 100.000 indbyggere"
        "Lager ved månedens udgang",
        "Lagerbevægelser pr. lokation",
        "Afrapporteringer efter udfald",
        "Trænere og planlagte kurser",
        "Steder uden registrering",
        "Trænere uden registrering",
        "De seneste 12 måneder",
    ]
    sheet = workbook["Afrapporteringer efter udfald"]
    assert sheet["A1"].value == "Afrapporteringer af overdosis (godkendte), efter udfald"  # the whole title
    quiet = {"month": "2025-06"}  # nothing planned: no venue or trainer without a registration
    workbook = load_workbook(io.BytesIO(client.get("/personale/maaned/xlsx/", quiet).content))
    csv_text = client.get("/personale/maaned/csv/", quiet).content.decode("utf-8-sig")
    csv_rows = list(csv.reader(io.StringIO(csv_text), delimiter=";"))
    empty = [sheet for sheet in workbook if csv_rows[csv_rows.index([sheet["A1"].value]) + 2] == ["Ingen"]]
    assert [sheet.title for sheet in empty] == ["Steder uden registrering", "Trænere uden registrering"]
    assert [[cell.value for cell in sheet["A"][6:]] for sheet in empty] == [["Ingen"], ["Ingen"]]


def test_an_export_of_a_municipality_with_danish_letters_keeps_its_name_with_an_ascii_fallback(
    client, coordinator, odense
):
    """ "Ærø" and "Høje-Taastrup" were sent as a bare filename="…ærø…": outside ASCII, which browsers read each their
    own way (some save it as "redliv-2026-03-Ã¦rÃ¸.csv", some as "download"). The exports (CSV, XLSX and PDF
    alike: reports.views._attachment) send the name as filename* (UTF-8) with an ASCII filename before it; a
    name in ASCII is sent as before (test_the_pdf_has_every_table_and_figure_of_the_page)."""
    from redliv.downloads import attachment
    from redliv.models import Municipality

    Municipality.objects.filter(pk=odense.pk).update(name="Ærø Tårnby")
    client.force_login(coordinator)
    response = client.get(f"{PAGE}csv/", {"month": "2026-03"})
    assert response["Content-Disposition"] == (
        'attachment; filename="redliv-2026-03-aeroe-taarnby.csv"; '
        "filename*=utf-8''redliv-2026-03-%C3%A6r%C3%B8-t%C3%A5rnby.csv"
    )
    assert attachment('Ø "x"\\.pdf') == "attachment; filename=\"Oe x.pdf\"; filename*=utf-8''%C3%98%20%22x%22%5C.pdf"


def test_the_pdf_has_every_table_and_figure_of_the_page(client, coordinator, march, odense):
    client.force_login(coordinator)
    response = client.get(PAGE + "pdf/", {"month": "2026-03"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="redliv-2026-03-odense.pdf"'
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.metadata.title == "RED LIV monthly report: March 2026, Odense"
    text = pdf_text(response.content)
    assert "Period March 2026" in text and "Scope Odense" in text and "Approval Not approved" in text
    for title in english_titles(odense):
        assert title in text
    for key, rows in expected_text().items():
        for label, values in rows.items():
            assert " ".join([label, *values]) in text, (key, label)
    for label, values in MOVEMENTS_TEXT.items():
        assert " ".join([label, *values]) in text, label
    assert "Aarhus Værested" not in text
    assert f"Page 1 of {len(reader.pages)}" in text


def test_a_name_in_letters_the_pdf_font_lacks_still_gives_a_pdf(client, coordinator, march, red_liv):
    from tests import factories

    venue = factories.make_venue(red_liv, name="Café ☕ Łódź")
    monthly_data.attend(monthly_data.course(venue, monthly_data.at(2026, 3, 11)), coordinator, residents=2)
    client.force_login(coordinator)
    response = client.get(PAGE + "pdf/", {"month": "2026-03"})
    assert response.status_code == 200
    assert "Café Łódź 1 0 0" in pdf_text(response.content)


def test_totals_reconcile_across_tables(coordinator, march, odense):
    with translation.override("en"):
        report = month_report(MARCH, odense)

    def column_sums(key):
        rows = [row.values for row in report.table(key).rows if row.kind == "part"]
        return [sum(values) for values in zip(*rows, strict=False)]

    held = report.table("summary").row("Courses held").values
    assert column_sums("courses_by_format") == column_sums("courses_by_venue") == held
    participants = report.table("summary").row("Participants").values
    assert column_sums("participants_by_audience") == column_sums("first_time") == participants
    kits = report.table("summary").row("Kits handed out").values
    assert column_sums("kits_by_reason") == column_sums("kits_by_audience") == kits
    assert column_sums("reports_by_outcome") == report.table("summary").row("Overdose-reversal reports").values
    assert report.table("trend").rows[0].values[-1] == held[0]


def test_an_administrator_sees_every_municipality_and_each_ones_row(client, administrator, march):
    client.force_login(administrator)
    response = client.get(PAGE, {"month": "2026-03"})
    tables = page_tables(response.content)
    assert tables["municipalities"] == {
        "Aarhus": ["1", "50", "50", "7", "1"],
        "Odense": ["2", "12", "9", "9", "2"],
        "Total": ["3", "62", "59", "16", "3"],
    }
    assert tables["summary"]["Courses held"][0] == "3"


def test_the_month_page_defaults_to_the_last_full_month(client, coordinator, march):
    client.force_login(coordinator)
    response = client.get(PAGE)
    assert response.context["report"].month == Month.last_full()


def test_a_bad_month_gets_a_message_not_an_error(client, coordinator, march):
    client.force_login(coordinator)
    response = client.get(PAGE, {"month": "2026-13"})
    assert response.status_code == 200
    assert "Choose a month as YYYY-MM" in response.content.decode()


@pytest.mark.parametrize("url", [PAGE, PAGE + "csv/", PAGE + "xlsx/", PAGE + "pdf/", PAGE + "udskriv/"])
def test_another_municipalitys_coordinator_sees_nothing_of_odense(client, other_coordinator, march, odense, url):
    client.force_login(other_coordinator)
    assert client.get(url, {"month": "2026-03", "municipality": odense.pk}).status_code == 404
    response = client.get(url, {"month": "2026-03"})
    assert response.status_code == 200
    if url == PAGE:
        tables = page_tables(response.content)
        assert tables["summary"]["Courses held"] == ["1", "0", "0"]
        assert "Antidote Danmark, Odense" not in response.content.decode()


@pytest.mark.parametrize("who, status", [("street_worker", 403), ("trainer_user", 403), ("outsider", 403)])
def test_staff_without_the_coordinator_role_are_refused(client, request, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(PAGE).status_code == status
    assert client.get(PAGE + "csv/").status_code == status


def test_a_visitor_is_asked_to_log_in(client, db):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/konto/login/" in response["Location"]


def test_the_month_page_makes_at_most_28_queries(
    client, coordinator, administrator, march, django_assert_max_num_queries
):
    """Also on the request that records the session's activity (once a minute), the dearest one."""
    import time

    from redliv.security import LAST_SEEN

    for user in (coordinator, administrator):
        client.force_login(user)
        session = client.session
        session[LAST_SEEN] = int(time.time()) - 120
        session.save()
        # 25 before kits per 100,000 residents (their population), 26 before the month's stock movements
        # by location (2: kits.queries.month_movements) and the empty month's check (1, unapproved months).
        with django_assert_max_num_queries(28):
            assert client.get(PAGE, {"month": "2026-03"}).status_code == 200


def test_the_command_writes_exactly_what_the_page_exports(client, coordinator, march, tmp_path):
    client.force_login(coordinator)
    out = tmp_path / "marts.csv"
    call_command("export_month", "2026-03", "--format", "csv", "--out", str(out), "--municipality", "odense")
    assert out.read_bytes() == client.get("/personale/maaned/csv/", {"month": "2026-03"}).content
    xlsx = tmp_path / "marts.xlsx"
    call_command("export_month", "2026-03", "--format", "xlsx", "--out", str(xlsx), "--municipality", "Odense")
    assert load_workbook(xlsx).worksheets[0]["B3"].value == "Odense"
    pdf = tmp_path / "marts.pdf"
    call_command("export_month", "2026-03", "--format", "pdf", "--out", str(pdf), "--municipality", "Odense")
    text = pdf_text(pdf.read_bytes())
    assert "Område Odense" in text and "Udleverede kit 9 4 0" in text


def test_the_command_refuses_a_bad_month_or_municipality(tmp_path, db):
    from django.core.management.base import CommandError

    for month in ["03-2026", "0001-01", "9999-12"]:  # year 1 and 9999 were a ValueError's traceback
        with pytest.raises(CommandError):
            call_command("export_month", month, "--format", "csv", "--out", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError):
        call_command(
            "export_month", "2026-03", "--format", "csv", "--out", str(tmp_path / "x.csv"), "--municipality", "Atlantis"
        )


# --- publication -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "parts, total, hidden, total_hidden",
    [
        ([9, 0, 2, 1], 12, {0, 2, 3}, False),  # 2 + 1 < 2 + 4: the 9 is hidden too
        ([10, 3, 8], 21, {1, 2}, False),  # 3 + 8 ≥ 2 + 4: either could be 5 or more
        ([10, 4, 3], 17, {1, 2}, False),  # 4 + 3 ≥ 6
        ([10, 1, 2], 13, {0, 1, 2}, False),  # 1 + 2 < 6
        ([1, 4], 5, {0, 1}, True),  # nothing left to hide: the total goes too
        ([3, 0], 3, {0}, True),
        ([6, 7], 13, set(), False),
        ([0, 0], 0, set(), False),
    ],
)
def test_small_counts_and_the_numbers_that_would_reveal_them_are_hidden(parts, total, hidden, total_hidden):
    table = {index: value for index, value in enumerate(parts)}
    assert protect_group(total, [table]) == (total_hidden, hidden)


def test_a_hidden_total_hides_a_part_of_every_table_that_adds_up_to_it():
    total_hidden, hidden = protect_group(5, [{"a": 1, "b": 4}, {"first": 5, "refresher": 0}])
    assert total_hidden and hidden == {"a", "b", "first"}


def test_the_publication_export_hides_every_count_from_1_to_4_with_one_symbol(
    client, coordinator, march_approved, odense
):
    client.force_login(coordinator)
    response = client.get(PAGE + "csv/", {"month": "2026-03", "publication": "1"})
    rows, tables = csv_tables(response.content, ";", english_titles(odense))
    cells = [cell for row in rows[5:] for cell in row[1:]]
    assert not [cell for cell in cells if cell.isdigit() and 1 <= int(cell) <= 4]
    assert "x" in cells and "<5" not in cells
    assert tables["participants_by_audience"]["Total"][0] == "12"
    assert tables["participants_by_audience"]["People who use drugs"][0] == "x"
    assert tables["summary"]["Courses held"] == ["x", "x", "x"]
    assert "venues_not_logged" not in tables and "Anna Træner" not in response.content.decode()
    assert "stock" not in tables and "Since the start" not in response.content.decode()
    assert ["Method", "http://testserver/en/statistik/metode/"] in rows
    internal = client.get(PAGE + "csv/", {"month": "2026-03"}).content.decode("utf-8-sig")
    assert ";x;" not in internal and "Method" not in internal
    public_pdf = pdf_text(client.get(PAGE + "pdf/", {"month": "2026-03", "publication": "1"}).content)
    assert "Courses held x x x" in public_pdf and "People who use drugs x" in public_pdf
    assert "http://testserver/en/statistik/metode/" in public_pdf
    assert "Anna Træner" not in public_pdf and "Courses held 2 1 1" not in public_pdf
    workbook = load_workbook(io.BytesIO(client.get(PAGE + "xlsx/", {"month": "2026-03", "publication": "1"}).content))
    sheet = workbook.worksheets[0]
    assert ["Method", "http://testserver/en/statistik/metode/"] in [[c.value for c in r[:2]] for r in sheet.iter_rows()]


@pytest.fixture
def march_approved(march, coordinator, odense, aarhus_org):
    """Every month the public page and March's publication show (March 2025 to March 2026) approved by
    Odense and Aarhus: both show the months as approved."""
    monthly_data.publish(coordinator, [odense, aarhus_org.municipality], Month(2025, 3), Month(2026, 3))
    return march


def test_the_public_statistics_are_sums_of_the_municipalities_published_figures(march_approved):
    import datetime as dt

    statistics = public_statistics(today=dt.date(2026, 4, 10))
    months = {str(row["month"]): row for row in statistics["months"]}
    # Courses: Odense 2 and Aarhus 1, both hidden. People trained: Odense's 9 is hidden to protect
    # its 3 refreshers, so only Aarhus's 50 is known. Kits: Odense 9 and Aarhus 7, both shown.
    assert months["2026-03"] == {
        "month": Month(2026, 3),
        "courses": "x",
        "people": AtLeast(50),
        "kits": 16,
        "covered": 2,  # both municipalities have approved March
    }
    assert months["2026-02"]["people"] == 5 and months["2025-06"]["people"] == 15
    quarters = {(row["year"], row["quarter"]): row["reports"] for row in statistics["quarters"]}
    assert quarters == {(2025, 2): 0, (2025, 3): 0, (2025, 4): 0, (2026, 1): "x"}


def test_the_method_page_states_the_rule_and_is_linked_from_the_statistics(client, march_approved):
    statistics = client.get("/en/statistik/").content.decode()
    assert 'href="/en/statistik/metode/"' in statistics and "≥ 50" in statistics
    method = client.get("/en/statistik/metode/").content.decode()
    assert "Primary suppression" in method and "Secondary suppression" in method
    assert "linear-programming audit" in method
    assert "Figures as approved, and new versions" in method and 'id="versions"' in method


@pytest.mark.parametrize("asked_for", ["999999", "abc"])
def test_a_municipality_that_is_not_there_gets_the_page_with_a_message_to_choose_one(client, asked_for):
    """An old link or a typo: the country's figures and the list, with a message at it (404, not kept)."""
    response = client.get("/en/statistik/", {"kommune": asked_for})
    page = response.content.decode()
    assert response.status_code == 404
    assert "RED LIV in numbers" in page and 'data-table="public-months"' in page
    assert "The address names no municipality we have figures for" in page
    assert 'aria-describedby="kommune-unknown"' in page


def test_the_public_statistics_page_needs_no_login_and_is_danish_first(client, march):
    response = client.get("/statistik/")
    assert response.status_code == 200
    assert "Afholdte kurser" in response.content.decode()
    assert "<svg" in response.content.decode()
    english = client.get("/en/statistik/")
    assert english.status_code == 200 and "Courses held" in english.content.decode()


def test_a_name_is_never_run_as_a_spreadsheet_formula():
    from reports.exports import to_csv, to_xlsx
    from reports.figures import MonthReport, Row, Table

    report = MonthReport(MARCH, None, [Table("courses_by_venue", "Venues", ["March"], [Row("=HYPERLINK(1)", [1])])])
    assert ";'=HYPERLINK(1);" not in to_csv(report).decode("utf-8-sig")
    assert "'=HYPERLINK(1);1" in to_csv(report).decode("utf-8-sig")
    sheet = load_workbook(io.BytesIO(to_xlsx(report))).worksheets[0]
    assert sheet["A7"].value == "'=HYPERLINK(1)" and sheet["A7"].data_type == "s"


def test_the_printable_page_has_the_header_lines_of_the_exports(client, coordinator, march):
    client.force_login(coordinator)
    page = client.get(PAGE + "udskriv/", {"month": "2026-03", "publication": "1"}).content.decode()
    for label, value in [
        ("Period", "March 2026"),
        ("Scope", "Odense"),
        ("Approval", "Not approved"),
        ("For publication", "x: hidden to protect anonymity"),
        ("Method", "http://testserver/en/statistik/metode/"),
    ]:
        assert f'<dt class="col-sm-3">{label}</dt><dd class="col-sm-9">{value}' in page


def test_kits_per_100000_residents_are_counted_from_the_population_an_administrator_entered(
    client, coordinator, march, odense, aarhus
):
    from reports.models import Population

    Population.objects.create(municipality=odense, year=2025, residents=209_000, source="FOLK1A 2025")
    Population.objects.create(municipality=odense, year=2026, residents=210_500, source="FOLK1A 2026")
    Population.objects.create(municipality=aarhus, year=2026, residents=370_000, source="FOLK1A 2026")
    # Approved with these populations, as in march_approved (an approved month shows the population it kept).
    monthly_data.publish(coordinator, [odense, aarhus], Month(2025, 3), Month(2026, 3))
    with translation.override("en"):
        odense_table = month_report(MARCH, odense).table("kits_per_residents")
        national = month_report(MARCH, None).table("kits_per_residents")
        public = month_report(MARCH, None, publication=True).table("kits_per_residents")
    # Odense: 9 kits in March 2026 and 4 in February among 210,500; none in March 2025 (209,000).
    assert [(row.label, row.values) for row in odense_table.rows] == [("Odense", [4.3, 1.9, 0.0])]
    assert "Odense: 210,500 residents (2026, FOLK1A 2026)" in odense_table.note
    with translation.override("da"):
        danish = month_report(MARCH, odense).table("kits_per_residents")
    assert "Odense: 210.500 indbyggere (2026, FOLK1A 2026)" in danish.note  # grouped, as every count reads
    # Aarhus: 7 kits in March among 370,000 (its only figure, used for every month).
    assert [(row.label, row.values[0]) for row in national.rows] == [("Aarhus", 1.9), ("Odense", 4.3)]
    assert [row.values[0] for row in public.rows] == [1.9, 4.3]  # both kit counts are shown
    client.force_login(coordinator)
    csv_text = client.get(PAGE + "csv/", {"month": "2026-03"}).content.decode("utf-8-sig")
    # Danish Excel (the semicolon) reads a decimal comma; "4.3" would be the date 4 March there.
    assert "Kits handed out per 100,000 residents" in csv_text and "Odense;4,3;1,9;0,0" in csv_text
    comma_csv = client.get(PAGE + "csv/", {"month": "2026-03", "separator": "comma"}).content.decode("utf-8-sig")
    assert "Odense,4.3,1.9,0.0" in comma_csv
    page = client.get(PAGE, {"month": "2026-03"}).content.decode()
    assert ">4.3<" in page


DANISH_MONTHS = ["apr", "maj", "jun", "jul", "aug", "sept", "okt", "nov", "dec", "jan", "feb", "mar"]
ENGLISH_MONTHS = ["Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"]


@pytest.mark.parametrize(
    ("prefix", "months", "spelt_otherwise"), [("", DANISH_MONTHS, "Okt"), ("/en", ENGLISH_MONTHS, "Oct 25 ")]
)
def test_the_pdfs_months_read_as_the_month_page_writes_them_in_its_language(
    client, coordinator, march, prefix, months, spelt_otherwise
):
    """The twelve-month table's headers read "Okt 25" in Danish (a capital, a two-digit year), where the
    page writes "oktober 2025": now the short kind of the page's month in the language's format
    (redliv/formats, SHORT_YEAR_MONTH_FORMAT), and the charts' bars as the page's own charts label them."""
    client.force_login(coordinator)
    text = pdf_text(client.get(f"{prefix}/personale/maaned/pdf/", {"month": "2026-03"}).content)
    years = ["2025"] * 9 + ["2026"] * 3
    assert " ".join(f"{month} {year}" for month, year in zip(months, years, strict=True)) in text
    assert spelt_otherwise not in text
    assert " ".join(f"{count} {month}" for count, month in zip([0, 0, 1], months, strict=False)) in text  # a chart
    page = client.get(f"{prefix}/personale/maaned/", {"month": "2026-03"}).content.decode()
    for month in months:
        assert f'class="chart-label" fill="#212529">{month}</text>' in page
