"""Staff screens for reversal reports, under /personale/afrapporteringer/."""

from django.urls import path

from reversals import views

app_name = "reversals"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("ny/", views.record, name="record"),
    path("kit-der-skal-erstattes/", views.kits_to_replace, name="kits-to-replace"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/vurdering/", views.review, name="review"),
    path("<int:pk>/erstat-kit/", views.replace_kit, name="replace-kit"),
]
