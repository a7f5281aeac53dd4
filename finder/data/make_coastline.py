"""Make finder/data/coastline.json, the coast the finder's map is drawn on, from Natural Earth.

The source is `land-10m.json` of the npm package world-atlas 2.0.2 (Natural Earth 4.1.0,
1:10m, public domain, as TopoJSON): `npm pack world-atlas@2.0.2`, unpack it, then

    python3 finder/data/make_coastline.py package/land-10m.json > finder/data/coastline.json

It keeps every island that lies wholly inside BOX (Funen and the islands around it), with
coordinates rounded to about 10 m. The app reads the JSON file only; npm is not needed to run it.
"""

import json
import sys

# west, south, east, north (degrees): Funen, Langeland, Ærø, Tåsinge and the small islands.
BOX = (9.5, 54.6, 11.2, 55.9)


def decode_arcs(topology):
    (scale_x, scale_y), (move_x, move_y) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale_x + move_x, y * scale_y + move_y))
        arcs.append(points)
    return arcs


def rings(topology):
    arcs = decode_arcs(topology)
    for geometry in topology["objects"]["land"]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        for polygon in polygons:
            for indexes in polygon:
                points = []
                for index in indexes:
                    arc = arcs[index] if index >= 0 else arcs[~index][::-1]
                    points.extend(arc if not points else arc[1:])
                yield points


def inside(ring):
    west, south, east, north = BOX
    return all(west <= lon <= east and south <= lat <= north for lon, lat in ring)


def main(path):
    with open(path, encoding="utf-8") as source:
        topology = json.load(source)
    islands = [[[round(lon, 4), round(lat, 4)] for lon, lat in ring] for ring in rings(topology) if inside(ring)]
    islands.sort(key=len, reverse=True)
    json.dump(
        {
            "source": "Natural Earth 4.1.0, 1:10m land (public domain), via npm world-atlas 2.0.2",
            "islands": islands,
        },
        sys.stdout,
        separators=(",", ":"),
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
