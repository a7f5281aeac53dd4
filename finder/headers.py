"""Response headers for the public pages: short caching, and the few policy exceptions they need.

The project-wide policy (settings.CONTENT_SECURITY_POLICY and PERMISSIONS_POLICY, data
from redliv.policies) forbids geolocation, images from other hosts and framing. The
middleware only sets a header a view has not set, so the finder pages set their own,
each a copy of the site policy loosened in one respect only.
"""

import functools
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag

from finder import compression
from finder.filters import POSITION_PARAMETERS

PUBLIC_MAX_AGE = 60  # seconds: short, so a cancelled course disappears quickly


def asked_with_a_position(request):
    """Whether the URL carries where the visitor is: a position or a postcode, not empty."""
    return any(value.strip() for name in POSITION_PARAMETERS for value in request.GET.getlist(name))


def tile_origin():
    """The scheme and host of the map tiles, for img-src ("{s}." subdomains become "*."); None without tiles."""
    if not settings.MAP_TILE_URL:
        return None
    parts = urlsplit(settings.MAP_TILE_URL)
    host = re.sub(r"^\{s\}\.", "*.", parts.netloc)
    return f"{parts.scheme}://{host}"


def content_security_policy(*, map_tiles=False, frame_ancestors=None):
    """The site's policy, loosened in the named respects only (redliv.policies refuses unknown directives)."""
    policy = settings.CONTENT_SECURITY_POLICY
    if map_tiles and tile_origin():
        policy = policy.allowing("img-src", tile_origin())
    if frame_ancestors:
        policy = policy.replacing("frame-ancestors", frame_ancestors)
    return policy


def permissions_policy(*, geolocation=False):
    policy = settings.PERMISSIONS_POLICY
    if geolocation:
        policy = policy.replacing("geolocation", "self")
    return policy


def page_policy_headers(*, map_tiles=False, geolocation=False, frame_ancestors=None):
    """The page's own policy headers, the same on a 200 and on the 304 that stands for it."""
    return {
        "Content-Security-Policy": content_security_policy(
            map_tiles=map_tiles, frame_ancestors=frame_ancestors
        ).header(),
        "Permissions-Policy": permissions_policy(geolocation=geolocation).header(),
    }


def public_page(*, map_tiles=False, geolocation=False, frame_ancestors=None):
    """Decorate a public GET view: ETag, a short cache lifetime (private with a position), 304 when
    unchanged, gzip when accepted.

    Only for pages without a form (a CSRF token would change the ETag every time). A browser
    that gets a 304 updates its stored headers from it, so the 304 carries the page's own
    policy headers too: with the site-wide ones, a reload would forbid geolocation on the
    finder and framing of the widget.
    """
    options = {"map_tiles": map_tiles, "geolocation": geolocation, "frame_ancestors": frame_ancestors}
    page_policy_headers(**options)  # a change the site policy cannot take fails at import, not on a visit

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            if response.status_code == 410 and compression.will_gzip(request, response):
                # A gone course's page (a link shared before it was cancelled): a page, not an error.
                return compression.gzipped_now(response)
            if response.status_code != 200:
                return response
            headers = page_policy_headers(**options)  # per request: the tile server is a setting
            for name, value in headers.items():
                response[name] = value
            # The visitor's own browser may keep a page with their position; no cache in between may
            # (a CDN, a workplace's proxy), as the app keeps no shared copy of it (finder/shared_copy.py).
            patch_cache_control(
                response, max_age=PUBLIC_MAX_AGE, **({"private": True} if asked_with_a_position(request) else {})
            )
            if response.streaming:
                return response
            if not response.has_header("ETag"):  # a shared copy comes with its own (finder/shared_copy.py)
                set_response_etag(response)
            gzipped = compression.will_gzip(request, response)
            answer = get_conditional_response(request, etag=response["ETag"], response=response)
            if answer is not response:  # 304 Not Modified (or 412): the same policy as the page
                for name, value in headers.items():
                    answer[name] = value
                return answer
            if gzipped:  # packed only for a 200: a revisit answered 304 costs no packing
                compression.gzipped_now(response)
            return response

        return wrapped

    return decorator
