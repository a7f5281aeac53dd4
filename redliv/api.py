"""The public API's JSON answers, refusals included."""

from django.http import JsonResponse


class ApiResponse(JsonResponse):
    """JSON as a person reads it: UTF-8, with Danish letters as themselves ("længdegrad", not
    "l\\u00e6ngdegrad"), and the charset named for a client that does not assume UTF-8."""

    def __init__(self, data, **kwargs):
        kwargs.setdefault("json_dumps_params", {"ensure_ascii": False})
        kwargs.setdefault("content_type", "application/json; charset=utf-8")
        super().__init__(data, **kwargs)
