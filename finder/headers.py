"""Response headers for the public pages: short caching, and the few policy exceptions they need.

The project-wide policy (redliv.middleware) forbids geolocation, images from other
hosts and framing. The middleware only sets a header a view has not set, so the
finder pages set their own, each loosened in one respect only.
"""

import functools
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag

PUBLIC_MAX_AGE = 60  # seconds: short, so a cancelled course disappears quickly


def tile_origin():
    """The scheme and host of the map tiles, for img-src ("{s}." subdomains become "*.")."""
    parts = urlsplit(settings.MAP_TILE_URL)
    host = re.sub(r"^\{s\}\.", "*.", parts.netloc)
    return f"{parts.scheme}://{host}"


def content_security_policy(*, map_tiles=False, frame_ancestors=None):
    policy = settings.CONTENT_SECURITY_POLICY
    if map_tiles:
        policy = policy.replace("img-src 'self' data:", f"img-src 'self' data: {tile_origin()}")
    if frame_ancestors:
        policy = policy.replace("frame-ancestors 'none'", f"frame-ancestors {frame_ancestors}")
    return policy


def permissions_policy_with_geolocation():
    return settings.PERMISSIONS_POLICY.replace("geolocation=()", "geolocation=(self)")


def public_page(*, map_tiles=False, geolocation=False, frame_ancestors=None):
    """Decorate a public GET view: ETag, a short cache lifetime, 304 when unchanged.

    Only for pages without a form (a CSRF token would change the ETag every time).
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            if response.status_code != 200:
                return response
            if map_tiles or frame_ancestors:
                response["Content-Security-Policy"] = content_security_policy(
                    map_tiles=map_tiles, frame_ancestors=frame_ancestors
                )
            if geolocation:
                response["Permissions-Policy"] = permissions_policy_with_geolocation()
            patch_cache_control(response, max_age=PUBLIC_MAX_AGE)
            if not response.streaming:
                set_response_etag(response)
                return get_conditional_response(request, etag=response["ETag"], response=response)
            return response

        return wrapped

    return decorator
