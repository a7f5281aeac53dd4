"""The front page (the public course finder) and the staff start page, inside i18n_patterns."""

from django.urls import path

from finder import views as finder_views
from home import views

urlpatterns = [
    path("", finder_views.finder, name="home"),
    path("personale/", views.staff_home, name="staff-home"),
]
