from django.urls import path

from street import views

app_name = "street"

urlpatterns = [
    path("", views.start, name="start"),
    path("udlevering/", views.handout, name="handout"),
    path("afrapportering/", views.report, name="report"),
    path("mine/", views.recent, name="recent"),
    path("poster/kursus/<int:pk>/", views.correct_course, name="correct-course"),
    path("poster/kursus/<int:pk>/trak-tilbage/", views.withdraw_course, name="withdraw-course"),
    path("poster/udlevering/<int:pk>/trak-tilbage/", views.withdraw_handout_view, name="withdraw-handout"),
    path("poster/afrapportering/<int:pk>/trak-tilbage/", views.withdraw_report, name="withdraw-report"),
    path("api/poster/", views.api_entries, name="api"),
    path("api/rettelser/", views.api_changes, name="api-changes"),
    path("uden-forbindelse/", views.no_connection, name="no-connection"),
    path("api/session/", views.api_session, name="session"),
    path("logget-ud/", views.logged_out, name="logged-out"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
]
