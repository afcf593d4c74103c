"""landreg settings: everything comes from environment variables, with safe local defaults."""

import datetime
import os
from pathlib import Path

import dj_database_url
import django.conf.locale
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    return [v.strip() for v in value.split(",") if v.strip()] if value else default


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off. `make run` generates one into .data/; "
            "in production set it in the environment."
        )
    SECRET_KEY = "insecure-local-development-key"

# Keyed hash for tazkira and PoR numbers: lets us find exact duplicates without storing them in clear.
ID_HASH_KEY = os.environ.get("ID_HASH_KEY", "")
if not ID_HASH_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("ID_HASH_KEY is required when DEBUG is off (it protects national ID numbers).")
    ID_HASH_KEY = "insecure-local-id-hash-key"

# Fernet keys that seal sensitive grievances' descriptions and notes at rest (docs/grievances.md, "The key"):
# comma-separated, newest first; the newest seals, every one opens (rotation: manage.py grievance_rotate_key).
GRIEVANCE_KEYS = env_list("GRIEVANCE_KEYS", [])
if not GRIEVANCE_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "GRIEVANCE_KEYS is required when DEBUG is off (it seals sensitive grievances). Generate one with "
            "python3 -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'."
        )
    GRIEVANCE_KEYS = ["aW5zZWN1cmUtbG9jYWwtZ3JpZXZhbmNlLWtleS0wMDA="]  # insecure, for DEBUG only

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "pgtrigger",
    "pghistory",
    # Not "pghistory.admin": its events page lists every model's history, household data included, with no scope;
    # each landreg admin has its own per-record history page, scoped like the record.
    "rest_framework",
    "rest_framework_gis",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "gisserver",  # WFS 2.0 at /wfs/: its GetCapabilities and index pages are app templates
    "axes",  # login lock-out after repeated failures (see LOGIN LOCK-OUT below)
    "landreg",
    "parcels",
    "townships",
    "households",
    "movements",
    "planning",
    "allocations",
    "shelters",
    "livelihoods",
    "grievances",
    "partners",
    "demo",
    "api",
    "webmap",
]

MIDDLEWARE = [
    # First: a vector tile of a login already checked is answered here, without the middleware below, which pages
    # need and tiles do not (api/tiles/path.py); every other request, and any tile it cannot answer, goes on.
    "api.tiles.path.TilePathMiddleware",
    # Content-Security-Policy on every response (refusals and redirects too), and request.csp_nonce for the
    # templates' few inline scripts.
    "landreg.csp.ContentSecurityPolicyMiddleware",
    # With HTTPS on, HTTP Basic over plain http is refused (403) before the redirect to https and any password check.
    "api.auth.RefuseBasicOverPlainHttp",
    # Geodata (GeoJSON, GML) gzipped for clients that accept it, with its own ETag (api/http.py).
    "api.http.GzipGeodataMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Attaches the application user to every database change, for the trigger-based history.
    "pghistory.middleware.HistoryMiddleware",
    # Last: turns a refused login of a locked-out user or address into the lock-out answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "landreg" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://landreg@/landreg?host=" + str(BASE_DIR / ".data" / "pg"))
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
# Django's own connections set pgtrigger.ignore even on a database without its default (landreg migration 0007),
# so the history triggers never raise once per row on bulk writes.
_options = DATABASES["default"].setdefault("OPTIONS", {})
_options["options"] = (_options.get("options", "") + " -c pgtrigger.ignore={}").strip()
if os.environ.get("TEST_DATABASE_NAME"):  # lets two test runs share one cluster
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}
# A READ REPLICA (docs/deploy.md, "A read replica"): with DATABASE_REPLICA_URL, a streaming replica of the primary
# serves the read-heavy paths (tiles, OGC reads, WFS, exports, dashboards; landreg.routers). Unset: nothing changes.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
# After a write, the same user reads from the primary for this long (the replica may not have replayed it yet).
LANDREG_REPLICA_STICKY_SECONDS = env_int("LANDREG_REPLICA_STICKY_SECONDS", 10)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    DATABASES["replica"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
    _replica_options = DATABASES["replica"].setdefault("OPTIONS", {})
    _replica_options["options"] = (_replica_options.get("options", "") + " -c pgtrigger.ignore={}").strip()
    _replica_options.setdefault("application_name", "landreg-replica")  # tells its sessions apart in pg_stat_activity
    # Tests never create a database on the replica: the alias mirrors the test database on the primary.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["landreg.routers.ReplicaRouter"]
    # After authentication and after pghistory's middleware (its history context stays on the primary's connection).
    MIDDLEWARE.insert(
        MIDDLEWARE.index("pghistory.middleware.HistoryMiddleware") + 1, "landreg.routers.ReplicaMiddleware"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Every password the project sets through Django (createsuperuser, changepassword, the admin's forms, the
# GIS login command) is checked by these; landreg.passwords adds a local list and the name-plus-digits rule.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "landreg.passwords.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "landreg.passwords.LocalWordWithDigitsValidator"},
]

# LOGIN LOCK-OUT (django-axes). Every password check goes through authenticate(request=...): the login pages
# (/login/, /field/login/, /admin/login/) and HTTP Basic (REST API, OGC API, WFS, tiles). The lock-out backend
# comes first, so a locked-out user or address is refused before any password is hashed.
AUTHENTICATION_BACKENDS = [
    "api.auth.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Locked: a user name with this many failures (from any address), or an address with this many failures (for
# any user names), within the cool-off time. The address rule stops one machine trying many users; the user
# rule stops many machines trying one user. An administrator lifts a lock-out early (docs/security.md).
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_FAILURE_LIMIT = env_int("LANDREG_LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LANDREG_LOGIN_COOLOFF_MINUTES", 30))
# A success clears the failures counted against that user name (not those of the address: see LockoutHandler).
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "api.auth.LockoutHandler"
AXES_VERBOSE = False  # no banner on every manage.py command; failures and lock-outs are still logged
# Attempts while locked out are refused without being counted: the lock-out ends the cool-off time after the
# failure that caused it (an attacker cannot keep a user locked forever), and a flood costs no writes.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "webmap.accounts.views.lockout_response"
AXES_CLIENT_IP_CALLABLE = "api.auth.client_ip_address"
# Behind a reverse proxy, the number of proxies in front of Django that append to X-Forwarded-For. 0 (the
# default): the header is ignored, since any client can send it, and the address is REMOTE_ADDR.
LANDREG_TRUSTED_PROXY_COUNT = env_int("LANDREG_TRUSTED_PROXY_COUNT", 0)
# The public status page of grievances: checks per client address and per browser session, in fixed windows
# (webmap/grievance_status/limits.py), counted in the database and shared by every server process.
LANDREG_GRIEVANCE_STATUS_PER_MINUTE_PER_ADDRESS = env_int("LANDREG_GRIEVANCE_STATUS_PER_MINUTE_PER_ADDRESS", 10)
LANDREG_GRIEVANCE_STATUS_PER_DAY_PER_ADDRESS = env_int("LANDREG_GRIEVANCE_STATUS_PER_DAY_PER_ADDRESS", 100)
LANDREG_GRIEVANCE_STATUS_PER_MINUTE_PER_SESSION = env_int("LANDREG_GRIEVANCE_STATUS_PER_MINUTE_PER_SESSION", 5)
LANDREG_GRIEVANCE_STATUS_PER_DAY_PER_SESSION = env_int("LANDREG_GRIEVANCE_STATUS_PER_DAY_PER_SESSION", 30)
# Signed tile URLs (docs/deploy.md, "The tile cache in nginx"): the secret nginx shares with Django to check a
# tile URL's signature (secure_link) instead of asking the tile gate (api.tiles.gate); empty: nothing is signed and
# the rendered nginx site has no signed-tiles block. How long a signed URL holds, in seconds.
LANDREG_TILE_SIGNING_KEY = os.environ.get("LANDREG_TILE_SIGNING_KEY", "")
LANDREG_TILE_SIGNED_SECONDS = env_int("LANDREG_TILE_SIGNED_SECONDS", 3600)

LANGUAGE_CODE = "en"
# Dari uses Django's "fa" code (Persian script and right-to-left; Afghan words come from our own
# translations); Django knows nothing of Pashto, so it is described here.
LANGUAGES = [("en", "English"), ("fa", "دری"), ("ps", "پښتو")]
LANGUAGES_BIDI = ["fa", "ps", "ar", "he", "ur"]
django.conf.locale.LANG_INFO["ps"] = {"bidi": True, "code": "ps", "name": "Pashto", "name_local": "پښتو"}
django.conf.locale.LANG_INFO["fa"] = {**django.conf.locale.LANG_INFO["fa"], "name": "Dari", "name_local": "دری"}
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Kabul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / ".data" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploads larger than this are refused before they are read (imports, photos, documents).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)
LANDREG_MAX_UPLOAD_BYTES = env_int("LANDREG_MAX_UPLOAD_BYTES", 200 * 1024 * 1024)
LANDREG_MAX_DOCUMENT_BYTES = env_int("LANDREG_MAX_DOCUMENT_BYTES", 10 * 1024 * 1024)
# Spreadsheets (household lists, field submissions) are bounded before they are read: a small XLSX can unpack to
# millions of cells.
LANDREG_XLSX_MAX_ROWS = env_int("LANDREG_XLSX_MAX_ROWS", 50_000)
LANDREG_XLSX_MAX_COLUMNS = env_int("LANDREG_XLSX_MAX_COLUMNS", 200)
LANDREG_XLSX_MAX_CELLS = env_int("LANDREG_XLSX_MAX_CELLS", 2_000_000)
# Files uploaded for a dry run (under MEDIA_ROOT/imports) are deleted by `manage.py clean_imports` after this long.
LANDREG_IMPORT_RETENTION_HOURS = env_int("LANDREG_IMPORT_RETENTION_HOURS", 48)

# Sessions are read from the cache first (each process's memory), saving a query on most requests.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
LOGIN_URL = "login"  # landreg's own login page; the admin's login is for administrators
LOGIN_REDIRECT_URL = "/"  # where each role lands after login is decided in webmap.accounts.views
LOGOUT_REDIRECT_URL = "login"

# HTTPS AND SECURITY HEADERS (docs/operations.md, "HTTPS and security headers"). Always: cookies out of reach of
# scripts, no MIME sniffing, no framing, and the page's address sent only to our own origin (same-origin: links
# out of landreg, e.g. to a partner's site, would otherwise carry the origin, and nothing outside needs it).
# The Content-Security-Policy is landreg.csp's (middleware above).
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS=true (with DEBUG off), for a deployment behind TLS: cookies only over TLS, plain http redirected to https,
# browsers told to use https only for LANDREG_HSTS_SECONDS (a year), and HTTP Basic over plain http refused
# (api.auth). Behind nginx, which ends TLS and must set X-Forwarded-Proto itself (never pass the client's through).
HTTPS = not DEBUG and env_bool("HTTPS", False)
if HTTPS:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("LANDREG_HSTS_SECONDS", 365 * 24 * 60 * 60)
    # Off by default: every subdomain would have to serve https too, for as long as browsers remember.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("LANDREG_HSTS_INCLUDE_SUBDOMAINS", False)
# Deliberate, so `manage.py check --deploy` does not warn of them: subdomains are left out of HSTS unless
# LANDREG_HSTS_INCLUDE_SUBDOMAINS says so (W005), and the site is never put on the browsers' preload list, which
# is hard to leave (W021).
_SILENCED_SECURITY_CHECKS = ["security.W021"]
if not env_bool("LANDREG_HSTS_INCLUDE_SUBDOMAINS", False):
    _SILENCED_SECURITY_CHECKS.append("security.W005")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "api.auth.CachedBasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's parsers, refusing a NUL character in any text with a 400 (PostgreSQL cannot store one).
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser", "api.parsers.FormParser", "api.parsers.MultiPartParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # limit and offset checked and bounded (a limit of 10^20 reached PostgreSQL as a LIMIT it cannot hold).
    "DEFAULT_PAGINATION_CLASS": "api.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "api.errors.landreg_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "landreg API",
    "DESCRIPTION": "Land allocation and township management for returnees and IDPs.",
    "VERSION": "1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "AllocationStatusEnum": "allocations.models.Allocation.Status",
        "HouseholdStatusEnum": "households.models.Household.Status",
        "EvidenceKindEnum": "households.models.Document.Kind",
        "IssuedDocumentKindEnum": "allocations.models.AllocationDocument.Kind",
        "HouseholdCategoryEnum": "households.models.Category",
        "GrievanceCategoryEnum": "grievances.models.Category",
        "GrievanceStatusEnum": "grievances.models.Status",
        "GrievanceChannelEnum": "grievances.models.Channel",
        "GrievancePriorityEnum": "grievances.models.Priority",
        "LandDisputeDecisionEnum": "grievances.models.Decision",
        "AppealDecisionEnum": "grievances.models.AppealDecision",
        "ArrivalCategoryEnum": "movements.models.ArrivalCategory",
    },
}

# Handover: the field officer's GPS point must lie inside the plot, or within this many metres of it.
LANDREG_HANDOVER_TOLERANCE_M = env_int("LANDREG_HANDOVER_TOLERANCE_M", 30)
# Facilities within this distance of a plot (metres, in the township's UTM zone) are listed in the map's plot panel.
LANDREG_WALKING_DISTANCE_M = env_int("LANDREG_WALKING_DISTANCE_M", 500)
# Field inspections: GPS tolerance around a plot (metres, in the UTM zone) and the photo upload limit.
LANDREG_INSPECTION_TOLERANCE_M = env_int("LANDREG_INSPECTION_TOLERANCE_M", 30)
LANDREG_MAX_PHOTO_BYTES = env_int("LANDREG_MAX_PHOTO_BYTES", 12 * 1024 * 1024)
# Layout imports: plots smaller than this are slivers; a file may hold at most this many features; a surveyor's
# polyline whose ends are closer than this (metres) is closed.
LANDREG_LAYOUT_MIN_PLOT_M2 = env_int("LANDREG_LAYOUT_MIN_PLOT_M2", 20)
LANDREG_LAYOUT_MAX_FEATURES = env_int("LANDREG_LAYOUT_MAX_FEATURES", 500_000)
# A zipped layout (shapefile set, KMZ) may unpack to at most this much.
LANDREG_LAYOUT_MAX_UNZIPPED_BYTES = env_int("LANDREG_LAYOUT_MAX_UNZIPPED_BYTES", 5 * LANDREG_MAX_UPLOAD_BYTES)
LANDREG_LAYOUT_CLOSE_GAP_M = float(os.environ.get("LANDREG_LAYOUT_CLOSE_GAP_M", "0.5"))

# Optional XYZ basemap for offices with internet (e.g. an OpenStreetMap tile URL). Empty: nothing
# is loaded from the internet and maps show our own layers only.
LANDREG_BASEMAP_URL = os.environ.get("LANDREG_BASEMAP_URL", "")
LANDREG_PUBLIC_URL = os.environ.get("LANDREG_PUBLIC_URL") or "http://127.0.0.1:8000"

# Mail: the grievance reminders (manage.py grievance_reminders) tell whom a grievance escalates to. By default
# the message is written to the command's output (the console backend, so the systemd journal keeps it); set
# EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST / EMAIL_PORT to send it.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or "django.core.mail.backends.console.EmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL") or "landreg@localhost"
# A grievance overdue escalates one level at once (to the province's grievance focal point) and one more after
# this many days still overdue (to the administrators).
LANDREG_GRIEVANCE_ESCALATE_AFTER_DAYS = env_int("LANDREG_GRIEVANCE_ESCALATE_AFTER_DAYS", 3)


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# History: every change to a land record is written by database triggers (django-pghistory), so
# edits from QGIS are caught too. Events carry the application user when the change came through
# Django, and always the database role; history tables refuse updates and deletes.
PGHISTORY_BASE_MODEL = "landreg.history.HistoryEvent"
PGHISTORY_APPEND_ONLY = True
# Only requests that may write carry the context (user, url). Tracking GET too cost every tile and page a query
# for the user (the middleware reads request.user) and a set_config on each statement; no GET writes a land record.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# Debian 12 ships GDAL 3.6; its missing file-access sandbox is noted in docs/operations.md. Uploaded
# files are read by our importers with explicit drivers, never by GDAL guessing from a spatial reference.
SILENCED_SYSTEM_CHECKS = ["gis.W001", *_SILENCED_SECURITY_CHECKS]
