"""The public report form, not namespaced so any page can link to `report-naloxone-use`."""

from django.urls import path

from reversals import views

urlpatterns = [
    path("", views.public_report, name="report-naloxone-use"),
    path("tak/", views.public_thanks, name="report-naloxone-use-thanks"),
]
