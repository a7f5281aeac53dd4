"""The finder's map without a tile server: the places drawn by the app itself, as inline SVG.

A tile server would learn every visitor's address and what they look for, so by default the
map is a drawing made here from data the app ships: the coast of Funen and its islands
(finder/data/coastline.json, from Natural Earth; see make_coastline.py there), the public
venues by their coordinates, a scale bar, and the point the list is sorted from (near me or
a postcode), which is drawn and never stored. Nothing is fetched from anywhere.

Each place is numbered; the numbered list under the drawing offers "open in my map app"
(a geo: link) and a web map link, which the browser follows only when the visitor taps one.
"""

import functools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.utils.html import format_html_join

COASTLINE = Path(__file__).parent / "data" / "coastline.json"
WIDTH, HEIGHT = 360, 270  # the drawing's own units; it scales to the width of the screen
MARGIN = 28  # room around the outermost places, in drawing units
MIN_SPAN_KM = 2.5  # a single place is shown with this much of its surroundings
KM_PER_DEGREE_LATITUDE = 110.57
SCALE_STEPS_KM = (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50)


@functools.cache
def islands():
    """The shipped coast: a list of islands, each a list of (lon, lat), with its bounding box."""
    with COASTLINE.open(encoding="utf-8") as source:
        data = json.load(source)
    result = []
    for ring in data["islands"]:
        lons = [lon for lon, _lat in ring]
        lats = [lat for _lon, lat in ring]
        result.append(((min(lons), min(lats), max(lons), max(lats)), ring))
    return result


def geo_link(latitude, longitude, name):
    """A geo: URI (RFC 5870) that opens the phone's own map app at the place."""
    return f"geo:{latitude},{longitude}?q={latitude},{longitude}({quote(name)})"


def web_map_link(latitude, longitude):
    """The place on a web map (settings.MAP_LINK_URL); followed only when the visitor taps it."""
    return settings.MAP_LINK_URL.format(lat=latitude, lon=longitude)


@dataclass
class Place:
    number: int
    name: str
    address: str
    latitude: str
    longitude: str
    url: str
    distance_km: float | None = None
    distance_label: str = ""
    x: float = 0
    y: float = 0

    @property
    def geo_link(self):
        return geo_link(self.latitude, self.longitude, self.name)

    @property
    def web_map_link(self):
        return web_map_link(self.latitude, self.longitude)


@dataclass
class Drawing:
    places: list
    view_box: str = f"0 0 {WIDTH} {HEIGHT}"
    width: int = WIDTH
    height: int = HEIGHT
    land: list = field(default_factory=list)  # SVG path data, one per island in view
    shows_coast: bool = False
    origin: tuple | None = None  # (x, y) of the point the list is sorted from
    scale_km: float = 1
    scale_length: float = 0

    @property
    def markers(self):
        """The numbered circles, made here in one pass: as template tags (a number format per
        coordinate) they were most of the drawing's 3.7 ms of rendering at national scale."""
        return format_html_join(
            "",
            '<g class="map-marker"><circle cx="{0}" cy="{1}" r="10"/><text x="{0}" y="{1}" dy="4">{2}</text></g>',
            ((f"{place.x:g}", f"{place.y:g}", place.number) for place in self.places),
        )


def places_of(entries):
    """One numbered place per venue with coordinates, in the order the list shows them."""
    places = {}
    for entry in entries:
        venue = entry.venue
        if entry.position is None or venue.pk in places:
            continue
        address = ", ".join(part for part in (venue.address, f"{venue.postcode} {venue.city}".strip()) if part)
        places[venue.pk] = Place(
            number=len(places) + 1,
            name=venue.name,
            address=address,
            latitude=str(venue.latitude),
            longitude=str(venue.longitude),
            url=entry.url,
            distance_km=entry.distance_km,
            distance_label=entry.distance_label,
        )
    return list(places.values())


def draw(places, origin=None):
    """Lay the places (and the origin, when given) out on the drawing; None when there is nothing to draw."""
    if not places:
        return None
    points = [(float(p.latitude), float(p.longitude)) for p in places]
    if origin:
        points.append(origin)
    south, north = min(lat for lat, _ in points), max(lat for lat, _ in points)
    west, east = min(lon for _, lon in points), max(lon for _, lon in points)
    middle_lat, middle_lon = (south + north) / 2, (west + east) / 2
    km_per_degree_longitude = KM_PER_DEGREE_LATITUDE * math.cos(math.radians(middle_lat))
    span_x_km = max((east - west) * km_per_degree_longitude, MIN_SPAN_KM)
    span_y_km = max((north - south) * KM_PER_DEGREE_LATITUDE, MIN_SPAN_KM * HEIGHT / WIDTH)
    units_per_km = min((WIDTH - 2 * MARGIN) / span_x_km, (HEIGHT - 2 * MARGIN) / span_y_km)

    def project(lat, lon):
        x = WIDTH / 2 + (lon - middle_lon) * km_per_degree_longitude * units_per_km
        y = HEIGHT / 2 - (lat - middle_lat) * KM_PER_DEGREE_LATITUDE * units_per_km
        return round(x, 1), round(y, 1)

    for place, (lat, lon) in zip(places, points, strict=False):
        place.x, place.y = project(lat, lon)
    drawing = Drawing(places=places)
    if origin:
        drawing.origin = project(*origin)

    # The part of the world in view, in degrees, with a margin so that coasts run off the edge.
    half_width_deg = WIDTH / units_per_km / km_per_degree_longitude
    half_height_deg = HEIGHT / units_per_km / KM_PER_DEGREE_LATITUDE
    view = (
        middle_lon - half_width_deg,
        middle_lat - half_height_deg,
        middle_lon + half_width_deg,
        middle_lat + half_height_deg,
    )
    for (island_west, island_south, island_east, island_north), ring in islands():
        if island_east < view[0] or island_west > view[2] or island_north < view[1] or island_south > view[3]:
            continue
        path, last = [], None
        for lon, lat in ring:
            point = project(lat, lon)
            if point != last:
                path.append(f"{point[0]:g} {point[1]:g}")
                last = point
        drawing.land.append("M" + " L".join(path) + " Z")
    # The sea is drawn only where the shipped coast reaches the view; elsewhere it is all land.
    drawing.shows_coast = bool(drawing.land)

    drawing.scale_km = max(
        (step for step in SCALE_STEPS_KM if step * units_per_km <= WIDTH / 4), default=SCALE_STEPS_KM[0]
    )
    drawing.scale_length = round(drawing.scale_km * units_per_km, 1)
    return drawing
