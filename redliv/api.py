"""The public API's JSON answers, refusals included."""

from django.http import JsonResponse


class ApiResponse(JsonResponse):
    """JSON as a person reads it: UTF-8, with Danish letters as themselves ("længdegrad", not
    "l\\u00e6ngdegrad"), and the charset named for a client that does not assume UTF-8."""

    def __init__(self, data, **kwargs):
        kwargs.setdefault("json_dumps_params", {"ensure_ascii": False})
        kwargs.setdefault("content_type", "application/json; charset=utf-8")
        super().__init__(data, **kwargs)


# Readable from any origin: the courses are public, the API is GET only and no cookie is read.
CORS_HEADERS = {"Access-Control-Allow-Origin": "*"}
API_PREFIX = "/api/"


class ApiCorsMiddleware:
    """Every answer under /api/ carries CORS_HEADERS, refusals and errors included.

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
        return response
