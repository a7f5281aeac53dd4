"""The public API's JSON answers, refusals included."""

import functools

from django.conf import settings
from django.http import JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


class ApiResponse(JsonResponse):
    """JSON as a person reads it: UTF-8, with Danish letters as themselves ("længdegrad", not
    "l\\u00e6ngdegrad"), and the charset named for a client that does not assume UTF-8."""

    def __init__(self, data, **kwargs):
        kwargs.setdefault("json_dumps_params", {"ensure_ascii": False})
        kwargs.setdefault("content_type", "application/json; charset=utf-8")
        super().__init__(data, **kwargs)


def in_the_visitors_language(view):
    """The API lives outside the /en/ prefix: its messages follow Accept-Language (Danish by default), and the
    answer says which language it is in (Content-Language). For views, and for the middleware that refuses a
    request before any view runs (redliv.inputs.HostileParametersMiddleware)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        language = translation.get_language_from_request(request)
        with translation.override(language):
            response = view(request, *args, **kwargs)
        patch_vary_headers(response, ["Accept-Language"])
        response["Content-Language"] = language
        return response

    return wrapped


# Readable from any origin: the courses are public, the API is GET only and no cookie is read.
CORS_HEADERS = {"Access-Control-Allow-Origin": "*"}
API_PREFIX = "/api/"


class ApiCorsMiddleware:
    """Every answer under /api/ carries CORS_HEADERS, refusals and errors included, and says its language
    (Content-Language; an answer made before LocaleMiddleware ran, without one, is in the default language).

    A browser on a partner's site reads no answer without them: a 400 for a bad parameter
    (refused by redliv.inputs.HostileParametersMiddleware before any view runs), a 405 or a
    500 looked like a network failure there instead of showing its message. First in
    settings.MIDDLEWARE, so that every answer passes through it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith(API_PREFIX):
            for name, value in CORS_HEADERS.items():
                response[name] = value
            response.headers.setdefault("Content-Language", translation.get_language() or settings.LANGUAGE_CODE)
        return response
