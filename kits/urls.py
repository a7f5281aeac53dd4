from django.urls import path

from kits import views

app_name = "kits"

urlpatterns = [
    path("", views.stock, name="stock"),
    path("levering/", views.delivery, name="delivery"),
    path("flyt/", views.transfer, name="transfer"),
    path("kasser/", views.discard, name="discard"),
    path("optaelling/", views.count, name="count"),
    path("udlevering/", views.handout, name="handout"),
    path("bevaegelser/", views.movements, name="movements"),
    path("bevaegelser/csv/", views.movements_csv, name="movements-csv"),
    path("bevaegelser/<int:pk>/ret/", views.correct, name="correct"),
    path("lot/", views.lot, name="lot"),
    path("lot/csv/", views.lot_csv, name="lot-csv"),
    path("lot/<int:pk>/tilbagekald/", views.recall, name="recall"),
    path("forslag.csv", views.suggestions_csv, name="suggestions-csv"),
    path("udtag/", views.clear_unusable, name="clear-unusable"),
    path("steder/<int:pk>/maal/", views.targets, name="targets"),
]
