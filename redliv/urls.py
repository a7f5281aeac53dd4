from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from redliv import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
]

# Danish at the root, English under /en/.
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("personale/", views.staff_home, name="staff-home"),
    path("konto/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("konto/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("reports.urls")),
    prefix_default_language=False,
)
