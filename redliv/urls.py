from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.http import require_http_methods
from django.views.generic import RedirectView
from django.views.i18n import set_language

from redliv import security, twofactor, views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("favicon.ico", views.favicon, name="favicon"),
    # Django's set_language, for the methods it serves: it answered PUT and DELETE with a redirect (access.py).
    path("i18n/setlang/", require_http_methods(["GET", "HEAD", "POST"])(set_language), name="set_language"),
    path("api/v1/courses/", include("finder.api_urls")),
]

# Danish at the root, English under /en/.
urlpatterns += i18n_patterns(
    path("", include("home.urls")),
    path("", include("finder.urls")),
    path("privatliv/", views.privacy, name="privacy"),
    path("tilgaengelighed/", views.accessibility, name="accessibility"),
    path("personale/", include("courses.urls")),
    path("konto/login/", security.LoginView.as_view(), name="login"),
    path("konto/logout/", security.LogoutView.as_view(), name="logout"),
    path("konto/to-trins/", twofactor.verify, name="otp-verify"),
    path("konto/to-trins/opsaet/", twofactor.setup, name="otp-setup"),
    path("konto/to-trins/gendannelseskoder/", twofactor.recovery_codes, name="otp-recovery-codes"),
    # The admin logs in through the same two-step login as everyone else.
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="login", query_string=True, http_method_names=["get", "head", "options"]),
    ),
    path("admin/", admin.site.urls),
    path("afrapporter/", include("reversals.public_urls")),
    path("personale/afrapporteringer/", include("reversals.urls")),
    path("personale/lager/", include("kits.urls")),
    path("gade/", include("street.urls")),
    path("", include("reports.urls")),
    prefix_default_language=False,
)
