"""The project's URLs plus `/bench/floor`: the cheapest response Django can give through the same middleware."""

from django.http import HttpResponse
from django.urls import path

from redliv.urls import urlpatterns as project_urlpatterns


def floor(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/floor", floor), *project_urlpatterns]
