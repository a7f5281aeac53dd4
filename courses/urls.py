from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("kurser/", views.course_list, name="course-list"),
    path("kurser/kalender/", views.course_calendar, name="calendar"),
    path("kurser/ny/", views.course_create, name="course-create"),
    path("kurser/<int:pk>/", views.course_detail, name="course-detail"),
    path("kurser/<int:pk>/rediger/", views.course_edit, name="course-edit"),
    path("kurser/<int:pk>/kopier/", views.course_copy, name="course-copy"),
    path("kurser/<int:pk>/aflys/", views.course_cancel, name="course-cancel"),
    path("kurser/<int:pk>/offentlig/", views.course_publish, name="course-publish"),
    path("faste-tider/", views.dropin_list, name="dropin-list"),
    path("faste-tider/ny/", views.dropin_create, name="dropin-create"),
    path("faste-tider/<int:pk>/", views.dropin_edit, name="dropin-edit"),
    path("faste-tider/<int:pk>/undtagelser/", views.dropin_exception_add, name="dropin-exception-add"),
    path(
        "faste-tider/<int:pk>/undtagelser/<int:exception_pk>/slet/",
        views.dropin_exception_delete,
        name="dropin-exception-delete",
    ),
    path("traenere/", views.trainer_list, name="trainer-list"),
    path("traenere/ny/", views.trainer_create, name="trainer-create"),
    path("traenere/<int:pk>/", views.trainer_detail, name="trainer-detail"),
    path("traenere/<int:pk>/rediger/", views.trainer_edit, name="trainer-edit"),
    path("steder/", views.venue_list, name="venue-list"),
    path("steder/ny/", views.venue_create, name="venue-create"),
    path("steder/<int:pk>/", views.venue_edit, name="venue-edit"),
    path("forespoergsler/", views.request_list, name="request-list"),
    path("forespoergsler/<int:pk>/", views.request_detail, name="request-detail"),
]
