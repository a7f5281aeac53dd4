"""Public pages (`finder.headers.public_page`) sent gzipped to every client that accepts it.

The finder's page is 71 kB of HTML and 10 kB gzipped: on a phone with poor signal that is the
difference between a list now and a list in a few seconds. Public pages hold no secret for a
compression attack (BREACH) to recover: a page that made a CSRF token is sent as made.
Whitenoise does the same for static files.
"""

import gzip

from django.utils.cache import patch_vary_headers

# A page worked out for one request is packed fast (71 kB: 0.4 ms, to 11 kB); a shared copy,
# packed once a minute for everyone, as small as it goes cheaply (0.9 ms, to 9.5 kB).
FAST, SMALL = 1, 6
WORTH_IT = 1024  # bytes: below this, gzip's own header and checksum eat most of the saving


def accepts_gzip(request):
    """Whether Accept-Encoding takes gzip: listed (or "*" when it is not) with a weight above 0.

    "gzip;q=0" refuses it (RFC 9110, 12.5.3), though it contains the word; a weight that cannot be
    read is taken as a refusal."""
    weights = {}
    for item in request.META.get("HTTP_ACCEPT_ENCODING", "").split(","):
        coding, *parameters = (part.strip() for part in item.split(";"))
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights.setdefault(coding.lower(), weight)
    for coding in ("gzip", "x-gzip", "*"):
        if coding in weights:
            return weights[coding] > 0
    return False


def pack(content, level=SMALL):
    """gzip without a time stamp: the same page packs to the same bytes."""
    return gzip.compress(content, compresslevel=level, mtime=0)


def as_gzipped(response, packed):
    """The response with `packed` as its body; its tag, made from the unpacked bytes, only weakly these."""
    response.content = packed
    response["Content-Encoding"] = "gzip"
    _weak_tag(response)
    patch_vary_headers(response, ["Accept-Encoding"])
    return response


def gzipped_now(response):
    """A page worked out for this request, packed fast for it."""
    return as_gzipped(response, pack(response.content, FAST))


def will_gzip(request, response):
    """Whether a public page made for this request is to be sent gzipped (the client accepts it, and
    it is worth it). Sets now what the answer, a 200 or the 304 that stands for it, says either way:
    Vary, and the weak tag of the gzipped form. The packing waits until the answer is a 200."""
    if (
        response.streaming
        or response.has_header("Content-Encoding")  # a shared copy comes gzipped already
        or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")  # a token is one visitor's secret
        or len(response.content) < WORTH_IT
    ):
        return False
    patch_vary_headers(response, ["Accept-Encoding"])
    if not accepts_gzip(request):
        return False
    _weak_tag(response)
    return True


def _weak_tag(response):
    if response.has_header("ETag") and not response["ETag"].startswith("W/"):
        response["ETag"] = "W/" + response["ETag"]
