"""Public pages, inside i18n_patterns (Danish at /, English under /en/)."""

from django.urls import path

from finder import views

app_name = "finder"

urlpatterns = [
    path("kurser/<int:pk>/", views.course, name="course"),
    path("kurser/<int:pk>.ics", views.course_ics, name="course-ics"),
    path("kurser.ics", views.feed, name="feed"),
    path("drop-in/<int:pk>/", views.drop_in, name="drop-in"),
    path("drop-in/<int:pk>.ics", views.drop_in_ics, name="drop-in-ics"),
    path("info/<slug:slug>/", views.info, name="info"),
    path("bestil-kursus/", views.request_course, name="request-course"),
    path("bestil-kursus/tak/", views.request_thanks, name="request-thanks"),
    path("widget/", views.widget, name="widget"),
    path("tjek-dit-kit/", views.check_kit, name="check-kit"),
    path("personale/informationssider/", views.info_list, name="info-list"),
    path("personale/informationssider/<slug:slug>/", views.info_edit, name="info-edit"),
]
