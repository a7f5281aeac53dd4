"""The public JSON API, outside i18n_patterns: one address whatever the language."""

from django.urls import path

from finder import views

urlpatterns = [
    path("", views.api_courses, name="api-courses"),
]
