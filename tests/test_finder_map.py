"""The finder's map without a tile server: a drawing made by the app, and links to map apps followed only on a tap."""

import datetime as dt
import re

import pytest
import time_machine

from finder import map_drawing
from tests.factories import make_course, make_venue

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def two_places(red_liv, venue):
    harbour = make_venue(
        red_liv, name="Stand ved Havnen", kind="street_stand", latitude="55.410000", longitude="10.390000", address=""
    )
    make_course(venue, title="Kursus i centrum", starts_at=NOW + dt.timedelta(days=1))
    make_course(venue, title="Kursus i centrum igen", starts_at=NOW + dt.timedelta(days=3))
    make_course(harbour, title="Pop-up ved havnen", starts_at=NOW + dt.timedelta(days=2))
    return venue, harbour


def markers(page):
    return re.findall(r'<g class="map-marker"><circle cx="([\d.]+)" cy="([\d.]+)"', page)


def test_without_a_tile_server_the_finder_draws_each_place_once_with_the_coast_and_a_scale(
    client, settings, two_places
):
    settings.MAP_TILE_URL = ""
    page = client.get("/").content.decode()
    assert "Vis stederne på et kort" in page
    assert len(markers(page)) == 2  # three courses at two places
    assert 'class="map-land map-coast"' in page  # Funen's coast, from the shipped data
    assert re.search(r"<text x=\"10\" y=\"[\d]+\">[\d.]+ km</text>", page)
    assert "leaflet" not in page.lower()
    assert "https://" not in re.search(r"<svg.*?</svg>", page, re.S).group(0).replace("http://www.w3.org", "")


def test_the_drawing_puts_north_up_and_east_right(two_places):
    center, harbour = two_places
    entries = [
        type(
            "E",
            (),
            {
                "venue": v,
                "position": (float(v.latitude), float(v.longitude)),
                "url": "/x/",
                "distance_km": None,
                "distance_label": "",
            },
        )
        for v in (center, harbour)
    ]
    drawing = map_drawing.draw(map_drawing.places_of(entries))
    first, second = drawing.places
    assert (first.number, second.number) == (1, 2)
    assert second.y < first.y  # the harbour lies north of the centre: higher on the drawing
    assert second.x > first.x  # and a little east
    for place in drawing.places:
        assert 0 < place.x < drawing.width and 0 < place.y < drawing.height


def test_each_place_offers_my_map_app_and_a_web_map_as_plain_links(client, settings, two_places):
    settings.MAP_TILE_URL = ""
    page = client.get("/").content.decode()
    assert 'href="geo:55.395000,10.385000?q=55.395000,10.385000(Antidote%20Danmark%2C%20Odense)"' in page
    assert "Åbn i min kort-app" in page
    assert (
        'href="https://www.openstreetmap.org/?mlat=55.410000&amp;mlon=10.390000#map=17/55.410000/10.390000" '
        'rel="noopener noreferrer"'
    ) in page
    assert "<img" not in re.search(r'<details class="map-section.*?</details>', page, re.S).group(0)


def test_near_me_is_drawn_as_a_point_and_the_places_say_how_far(client, settings, two_places):
    settings.MAP_TILE_URL = ""
    page = client.get("/?near=55.400,10.380").content.decode()
    assert '<g class="map-origin">' in page
    assert ">Dig</text>" in page
    places = re.search(r'<ol class="map-places.*?</ol>', page, re.S).group(0)
    assert re.search(r"Stand ved Havnen</a>, 5000 Odense C · 1,3 km væk", places), places


def test_a_place_outside_the_shipped_coast_is_drawn_on_plain_land(client, settings, aarhus_org):
    settings.MAP_TILE_URL = ""
    make_course(
        make_venue(aarhus_org, name="Aarhus", latitude="56.150000", longitude="10.200000"),
        starts_at=NOW + dt.timedelta(days=1),
    )
    page = client.get("/").content.decode()
    assert len(markers(page)) == 1
    assert "map-coast" not in page
    assert '<rect width="360" height="270" class="map-land"/>' in page


def test_no_places_no_drawing(client, settings, db):
    settings.MAP_TILE_URL = ""
    assert "Vis stederne på et kort" not in client.get("/").content.decode()


def test_with_a_tile_server_the_finder_offers_the_tiled_map_instead(client, settings, two_places):
    settings.MAP_TILE_URL = "https://tiles.example.dk/{z}/{x}/{y}.png"
    page = client.get("/").content.decode()
    assert 'data-tile-url="https://tiles.example.dk/{z}/{x}/{y}.png"' in page
    assert "map-marker" not in page


def test_the_drawing_keeps_the_finder_within_its_query_budget(
    client, settings, two_places, django_assert_max_num_queries
):
    settings.MAP_TILE_URL = ""
    with django_assert_max_num_queries(7):
        assert client.get("/?near=55.4,10.38").status_code == 200


def test_the_privacy_page_names_the_tile_server_only_when_an_operator_configured_one(client, settings):
    settings.MAP_TILE_URL = ""
    page = client.get("/privatliv/").content.decode()
    assert "Kortet er tegnet af siden selv" in page
    settings.MAP_TILE_URL = "https://{s}.kort.example.dk/{z}/{x}/{y}.png"
    page = client.get("/privatliv/").content.decode()
    assert "hentes kortbillederne fra kort.example.dk" in page
    assert "Kortet er tegnet af siden selv" not in page
