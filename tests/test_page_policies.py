"""Each public page's own policy headers: kept as data, changed only through checked steps,
and the same on the 304 that answers a revisit as on the 200 it stands for."""

import pytest
from django.conf import settings

from finder.headers import content_security_policy, permissions_policy
from redliv.policies import ContentSecurityPolicy, PermissionsPolicy
from tests import factories

POLICY_HEADERS = ["Content-Security-Policy", "Permissions-Policy", "X-Frame-Options"]


@pytest.fixture
def course(venue):
    return factories.make_course(venue)


@pytest.mark.parametrize("path", ["/", "/en/", "/widget/", "/en/widget/", "/kurser/{course}/", "/kurser.ics"])
def test_a_revisit_answered_304_carries_the_pages_own_policy_headers(client, course, path):
    path = path.format(course=course.pk)
    first = client.get(path)
    assert first.status_code == 200
    revisit = client.get(path, headers={"If-None-Match": first["ETag"]})
    assert revisit.status_code == 304
    assert {name: revisit.get(name) for name in POLICY_HEADERS} == {name: first.get(name) for name in POLICY_HEADERS}


def test_the_finder_304_still_allows_geolocation_and_the_widget_304_still_allows_framing(client, db):
    finder = client.get("/", headers={"If-None-Match": client.get("/")["ETag"]})
    widget = client.get("/widget/", headers={"If-None-Match": client.get("/widget/")["ETag"]})
    assert finder.status_code == widget.status_code == 304
    assert "geolocation=(self)" in finder["Permissions-Policy"]
    assert "frame-ancestors *" in widget["Content-Security-Policy"]
    assert "X-Frame-Options" not in widget


def test_a_page_cannot_change_a_directive_the_policy_does_not_have():
    with pytest.raises(KeyError, match="img-scr"):
        settings.CONTENT_SECURITY_POLICY.allowing("img-scr", "https://tiles.example.org")
    with pytest.raises(KeyError, match="geolocaton"):
        settings.PERMISSIONS_POLICY.replacing("geolocaton", "self")


def test_a_pages_change_is_a_copy_and_the_site_policy_stays_strict():
    loosened = settings.CONTENT_SECURITY_POLICY.allowing("img-src", "https://tiles.example.org")
    assert loosened["img-src"] == ("'self'", "data:", "https://tiles.example.org")
    assert settings.CONTENT_SECURITY_POLICY["img-src"] == ("'self'", "data:")
    assert "img-src 'self' data: https://tiles.example.org;" in loosened.header()


def test_the_policies_are_written_as_browsers_read_them():
    csp = ContentSecurityPolicy({"default-src": ["'self'"], "frame-ancestors": ["'none'"]})
    assert csp.replacing("frame-ancestors", "*").header() == "default-src 'self'; frame-ancestors *"
    permissions = PermissionsPolicy({"geolocation": [], "camera": []})
    assert permissions.replacing("geolocation", "self").header() == "geolocation=(self), camera=()"


def test_without_a_configured_tile_server_the_finder_allows_no_other_host(client, settings, db):
    settings.MAP_TILE_URL = ""
    response = client.get("/")
    assert "img-src 'self' data:;" in response["Content-Security-Policy"]
    assert "data-tile-url" not in response.content.decode()  # no tile map at all: the drawn one instead
    assert content_security_policy(map_tiles=True).header() == settings.CONTENT_SECURITY_POLICY.header()
    assert permissions_policy(geolocation=True)["geolocation"] == ("self",)
