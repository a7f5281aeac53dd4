"""Settings for the RED LIV registry, read from the environment.

One module for every environment. Defaults run locally with `python3 dev.py run`;
production sets DEBUG=0 and the variables the README lists. Nothing secret is kept
here.
"""

import os
from pathlib import Path

import dj_database_url
import xstatic.pkg.leaflet
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from redliv import roles
from redliv.policies import ContentSecurityPolicy, PermissionsPolicy

BASE_DIR = Path(__file__).resolve().parent.parent

# The project-local server that `python3 dev.py` starts when DATABASE_URL is unset
# (on REDLIV_PG_PORT, as dev.py reads it).
LOCAL_DATABASE_URL = f"postgresql://postgres@127.0.0.1:{os.environ.get('REDLIV_PG_PORT', '54329')}/redliv"
DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-never-use-this-key-in-production"  # noqa: S105 (DEBUG only)


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)

SECRET_KEY = envstr("SECRET_KEY") or (DEVELOPMENT_SECRET_KEY if DEBUG else "")
if not DEBUG and (
    not SECRET_KEY
    or SECRET_KEY == DEVELOPMENT_SECRET_KEY
    or SECRET_KEY.startswith("django-insecure")
    or len(SECRET_KEY) < 50
):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a long random value when DEBUG is off "
        "(python -c 'import secrets; print(secrets.token_urlsafe(64))')."
    )

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
# The public address of the site, for links in files that leave it (the exports' method link)
PUBLIC_SITE_URL = envstr("PUBLIC_SITE_URL", "").rstrip("/")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "redliv",
    "courses",
    "kits",
    "reversals",
    "finder",
    "street",
    "reports",
    "home",
    "redliv.admin_site.RegistryAdminConfig",  # django.contrib.admin, entered by administrators only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "crispy_bootstrap5",
    "django_include_bootstrap",
]

MIDDLEWARE = [
    "redliv.api.ApiCorsMiddleware",  # first: every /api/ answer, errors included, is readable cross-origin
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "redliv.middleware.SecurityHeadersMiddleware",
    "redliv.middleware.HealthCheckMiddleware",  # before anything checks the Host header
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "redliv.twofactor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "redliv.inputs.HostileParametersMiddleware",
    "redliv.security.SessionTimeoutMiddleware",
    "redliv.security.StaffPagesNoStoreMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "redliv.urls"
WSGI_APPLICATION = "redliv.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "redliv.navigation.staff_menu",
                "redliv.contact.programme_contact",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL") or LOCAL_DATABASE_URL,
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("The RED LIV registry runs on PostgreSQL only (DATABASE_URL).")
# How a kept connection is checked before a request's first query: "socket" asks its socket, with
# no round trip (redliv/postgresql/base.py); "query" is Django's SELECT 1, for a database whose
# address can move to another host without closing its connections.
DATABASE_HEALTH_CHECK = envstr("DATABASE_HEALTH_CHECK", "socket")
if DATABASE_HEALTH_CHECK not in {"socket", "query"}:
    raise ImproperlyConfigured("DATABASE_HEALTH_CHECK is socket or query.")
if DATABASE_HEALTH_CHECK == "socket":
    DATABASES["default"]["ENGINE"] = "redliv.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "redliv.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "staff-home"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out attempts
    "redliv.backends.RolePermissionBackend",  # logs in; permissions from roles.PERMISSIONS alone
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # verifies older hashes, upgraded at next login
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Danish first, English second.
LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Danish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# How dates read on the pages, one named format per kind of date and language (redliv/formats/<language>/).
FORMAT_MODULE_PATH = ["redliv.formats"]
TIME_ZONE = envstr("TIME_ZONE", "Europe/Copenhagen")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Where collectstatic puts the files whitenoise serves (the deployment may choose another folder).
STATIC_ROOT = Path(envstr("STATIC_ROOT")) if envstr("STATIC_ROOT") else BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Leaflet for the finder's map, from the XStatic-Leaflet package, served at /static/leaflet/.
STATICFILES_DIRS += [("leaflet", xstatic.pkg.leaflet.BASE_DIR)]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# Nothing is kept in an app worker's memory, so every app server shows what PostgreSQL
# holds. The finder's pages are kept once for all app servers in PostgreSQL while nothing
# they show has changed (finder/shared_copy.py; FINDER_SHARED_COPIES=0 turns that off, as
# the benchmark does to measure the finder without it). The one cache that holds figures is
# "shared": a table in PostgreSQL (made by reports' migrations), so every app server reads
# the same entries (the public statistics: reports.figures).
FINDER_SHARED_COPIES = envbool("FINDER_SHARED_COPIES", True)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    "shared": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "redliv_shared_cache",
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Security. Production runs behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "redliv.views.csrf_failure"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = 0 if DEBUG else envint("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# How many reverse proxies stand in front of the app, each appending the address it saw to
# X-Forwarded-For (nginx, Caddy, a load balancer: usually 1). With 0, the default, the client's
# address is REMOTE_ADDR and X-Forwarded-For and X-Forwarded-Proto are ignored: anyone who
# reaches the app port could write them. See redliv.security.client_address.
TRUSTED_PROXIES = envint("TRUSTED_PROXIES", 0)
if TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured("TRUSTED_PROXIES is the number of proxies in front of the app: 0 or more.")
if "BEHIND_PROXY" in os.environ:
    raise ImproperlyConfigured(
        "BEHIND_PROXY is replaced by TRUSTED_PROXIES, the number of proxies in front of the app (usually 1)."
    )
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
# /healthz is probed over plain HTTP on the private network by load balancers.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Only 'self': tablets go offline, and no CDN is ever used. Kept as data (redliv/policies.py): a page
# that needs an exception asks for a changed copy, and a directive that is not here is refused.
CONTENT_SECURITY_POLICY = ContentSecurityPolicy(
    {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
)
PERMISSIONS_POLICY = PermissionsPolicy({"geolocation": [], "camera": [], "microphone": [], "payment": [], "usb": []})

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # An error's traceback names each exception's type, never its message: a database error's message
    # quotes the row it refused, note included (redliv/logs.py).
    "formatters": {
        "plain": {"class": "redliv.logs.PrivateFormatter", "format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {
        # The development server's access log includes query strings (a visitor's
        # position in `near=`); keep it to warnings.
        "django.server": {"level": "WARNING"},
        # The PDF export's font subsetting reports every table it prunes, and its warning about
        # letters the font lacks quotes them from the names in the report: keep both out.
        "fontTools": {"level": "WARNING"},
        "fpdf": {"level": "ERROR"},
    },
}

# Two-factor login: required for these roles (group names), open to everyone.
OTP_REQUIRED_ROLES = [roles.COORDINATOR, roles.ADMINISTRATOR]
OTP_TOTP_ISSUER = "RED LIV"

# Sessions end after this long without activity, and at the latest this long after login.
SESSION_IDLE_TIMEOUT = envint("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_MAX_AGE = envint("SESSION_MAX_AGE", 12 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_MAX_AGE
# Login throttling: five failures for one account from one address lock that pair for
# 15 minutes. The address is stored only as a keyed hash (redliv.security.client_fingerprint),
# taken by the one rule for the client's address (TRUSTED_PROXIES).
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("LOGIN_LOCKOUT_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "redliv.security.client_fingerprint"
# The username typed is stored as a keyed hash (it can be a real name), the User-Agent not at all.
AXES_USERNAME_CALLABLE = "redliv.security.username_digest"
AXES_HANDLER = "redliv.security.AxesHandler"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # successful logins are logged by redliv.security, without personal data
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_LOCKOUT_CALLABLE = "redliv.security.lockout_response"  # that template, its language switch keeping the username
# Requests larger than this are refused before a form ever sees them.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("MAX_REQUEST_BODY_BYTES", 256 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 400

# Programme settings.
# Kits whose batch expires within this many days are highlighted to coordinators.
KIT_EXPIRY_WARNING_DAYS = envint("KIT_EXPIRY_WARNING_DAYS", 90)
# Reorder suggestions average the consumption (handouts less returns) of this many full months.
KIT_CONSUMPTION_MONTHS = envint("KIT_CONSUMPTION_MONTHS", 3)
# A suggested transfer leaves a location at least this many kits (all it holds, if fewer), however little it hands
# out: a clinic's cabinet keeps naloxone for an overdose on the spot (kits/planning.py).
KIT_RESERVE = envint("KIT_RESERVE", 5)
# The public "Check your kit" page answers at most this many lookups from one address an hour.
KIT_CHECKS_PER_HOUR = envint("KIT_CHECKS_PER_HOUR", 30)
# Free text (notes, reasons, change reasons) is purged after this many days; structured fields stay.
# Every field and its period: SECURITY.md; the purge: redliv/purge.py.
FREE_TEXT_RETENTION_DAYS = envint("FREE_TEXT_RETENTION_DAYS", 180)
# A course request's contact data (name, e-mail, phone, wishes) is purged this many days after the
# request was answered (a course scheduled) or closed and left unchanged.
COURSE_REQUEST_RETENTION_DAYS = envint("COURSE_REQUEST_RETENTION_DAYS", 90)

# The public finder's map. By default it loads no tiles: every request to another host tells it
# who is looking for a naloxone course. An operator who runs (or trusts) a tile server sets its
# URL template here, e.g. https://tiles.example.dk/{z}/{x}/{y}.png; its host is then allowed in
# img-src on the finder page only. The list of courses is complete without the map.
MAP_TILE_URL = envstr("MAP_TILE_URL", "")
MAP_ATTRIBUTION = envstr("MAP_ATTRIBUTION", "")
# Each place on the finder's map links to a web map (followed only when the visitor taps it);
# {lat} and {lon} are filled in.
MAP_LINK_URL = envstr("MAP_LINK_URL", "https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}")
# Who the public can reach about the programme: shown on the public pages' footer, the course
# request form and every "try again later" message. Leave empty to show neither.
PROGRAMME_PHONE = envstr("PROGRAMME_PHONE", "")
PROGRAMME_EMAIL = envstr("PROGRAMME_EMAIL", "")
# The accessibility statement every public page links to in its footer, as Danish law requires of a
# municipality's website. By default the app's own page (/tilgaengelighed/); once the statement is
# published through the WAS tool (was.digst.dk/<domain>), set its address here to link that instead.
ACCESSIBILITY_STATEMENT_URL = envstr("ACCESSIBILITY_STATEMENT_URL", "")
