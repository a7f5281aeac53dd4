from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("personale/maaned/", views.month_page, name="month"),
    path("personale/maaned/csv/", views.export_csv, name="export-csv"),
    path("personale/maaned/xlsx/", views.export_xlsx, name="export-xlsx"),
    path("personale/maaned/pdf/", views.export_pdf, name="export-pdf"),
    path("personale/maaned/udskriv/", views.print_page, name="print"),
    path("personale/maaned/godkend/", views.approve, name="approve"),
    path("personale/maaned/genaabn/", views.reopen, name="reopen"),
    path("personale/maaned/maal/", views.set_target, name="target"),
    path("statistik/", views.public_statistics_page, name="public-statistics"),
    path("statistik/metode/", views.method_page, name="method"),
]
