"""Settings of the ceremony planner, read from the environment.

Environment variables:

``DJANGO_DEBUG``
    ``1``/``true``/``yes``/``on`` for development. Off by default.
``DJANGO_SECRET_KEY``
    Required when debug is off; the planner refuses to start without a real one.
    With debug on and no key set, a development key is generated once and kept in
    ``data/secret_key`` (ignored by git).
``DJANGO_ALLOWED_HOSTS``
    Comma-separated host names. Defaults to localhost names in debug.
``DJANGO_BEHIND_TLS_PROXY``, ``DJANGO_PROXY_COUNT``
    Behind a proxy that ends TLS; how many proxies stand in front of the planner (default 1). See the
    README's "Running it for real" for these and the other production variables.
``DATABASE_URL``
    Any URL that dj-database-url reads, e.g. ``postgres://user@host:5432/planner``.
    Defaults to SQLite in ``data/planner.sqlite3``.
``REDIS_URL``
    A Redis server (``redis://127.0.0.1:6379/0``) that every app server and worker shares as the cache of built
    calendars and pages. Without it each process keeps its own copies in memory, which is right for one process.
``PLANNER_REQUIRE_2FA``
    Development only (``1`` to ask organizers for a second factor there too); always on when debug is off.
``PLANNER_SECURITY_CONTACT``
    Where to report a security problem (``mailto:`` or ``https:``), published at ``/.well-known/security.txt``.
"""

import datetime
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("PLANNER_DATA_DIR", BASE_DIR / "data"))

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name, default=False):
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}.")


def env_list(name, default=()):
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [part.strip() for part in raw.split(",") if part.strip()]


DEBUG = env_bool("DJANGO_DEBUG")


def _proxy_count():
    raw = os.environ.get("DJANGO_PROXY_COUNT", "1").strip()
    if not raw.isdigit() or int(raw) < 1:
        raise ImproperlyConfigured(
            f"DJANGO_PROXY_COUNT must be the number of proxies in front of the planner (1 or more); got {raw!r}."
        )
    return int(raw)


def _secret_key():
    key = os.environ.get("DJANGO_SECRET_KEY", "")
    if key:
        # A key Django generated for a tutorial, or one too short to resist guessing, is not real.
        if not DEBUG and (key.startswith("django-insecure") or len(key) < 50 or len(set(key)) < 5):
            raise ImproperlyConfigured(
                "DJANGO_SECRET_KEY is not a real secret: use at least 50 random characters, e.g. "
                "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
            )
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random value, or set DJANGO_DEBUG=1 "
            "for development (a development key is then kept in data/secret_key)."
        )
    # Development only: keep one generated key so sessions survive the autoreloader.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])

INSTALLED_APPS = [
    "planner.apps.PlannerAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_countries",
    "bootstrap",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "import_export",
    "axes",
    # Before ceremony, whose admin takes the devices out of the admin (ceremony/admin_users.py).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # The outbox: mail is written to the database with the change that causes it, and `send_queued_mail`
    # delivers it, with retries.
    "post_office",
    "ceremony",
    "delegations",
    # The project: settings, URLs, the admin site, and what spans both apps (seeding, demo data, roles' groups).
    "planner",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ceremony.odd_requests.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # django-csp's, with the header every response shares built once.
    "planner.csp.SharedPolicyCSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session confirmed its sign-in with a second factor.
    "django_otp.middleware.OTPMiddleware",
    "ceremony.two_factor_views.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lock-out response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "planner.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "planner.wsgi.application"


def _databases():
    default_url = f"sqlite:///{DATA_DIR / 'planner.sqlite3'}"
    url = os.environ.get("DATABASE_URL") or default_url
    if url == default_url:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Each worker keeps its connection, as with PostgreSQL: opening the file again for every request (and
        # setting WAL mode on it) was a third of the time of a calendar app's "anything new?".
        # WAL lets the feeds read while an organizer writes; IMMEDIATE avoids
        # "database is locked" on write-after-read transactions.
        config.setdefault("OPTIONS", {}).update(
            {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        )
    return {"default": config}


DATABASES = _databases()


def _caches():
    """Built calendars (under their ETag) and each event's text (ceremony.ical.build_feed) are kept here.

    With ``REDIS_URL`` every app server shares one copy, so a calendar changed by an edit is built once for all of
    them; without it each process keeps its own, in memory.
    """
    url = os.environ.get("REDIS_URL", "").strip()
    if url and not url.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"REDIS_URL must be a redis://, rediss:// or unix:// address, not {url!r}.")
    if url:
        # Django's Redis cache, keeping its Redis client instead of building one for every get and set.
        return {"default": {"BACKEND": "planner.redis_cache.RedisCache", "LOCATION": url}}
    # An entry per event, per language and per feed that links it its own way: room for a large ceremony's.
    return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 30_000}}}


CACHES = _caches()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # Counts failed logins first and refuses a locked-out username from that address.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("vi", _("Vietnamese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["ceremony.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Attachments of queued mail (a calendar file per changed item) wait here until delivered.
    "mail_attachments": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": DATA_DIR / "mail-attachments"},
    },
    # Hashed, compressed files served by WhiteNoise in production (after collectstatic).
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security -------------------------------------------------------------------------------------
# Login throttling: five wrong passwords for one username from one address lock it until an
# administrator resets it (admin → Axes, or `manage.py axes_reset_username NAME`).
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = None
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Two-factor sign-in (ceremony/two_factor.py): after the password, organizers type a code from an
# authenticator app or a one-time recovery code. Always required when debug is off, and the environment
# cannot turn it off there; in development (`make run`) it is asked only with PLANNER_REQUIRE_2FA=1, or of
# those who set it up, so the demo organizer signs in with a password alone.
if DEBUG:
    PLANNER_REQUIRE_2FA = env_bool("PLANNER_REQUIRE_2FA")
elif env_bool("PLANNER_REQUIRE_2FA", default=True):
    PLANNER_REQUIRE_2FA = True
else:
    raise ImproperlyConfigured(
        "PLANNER_REQUIRE_2FA cannot be turned off when DJANGO_DEBUG is off: organizers always sign in "
        "with a second factor in production."
    )
OTP_TOTP_ISSUER = "Ceremony planner"

# Where to report a security problem, for /.well-known/security.txt (RFC 9116); none published when unset.
PLANNER_SECURITY_CONTACT = os.environ.get("PLANNER_SECURITY_CONTACT", "").strip()
# Each wrong code doubles the wait before a device accepts the next one (1 s, 2 s, 4 s, … per device).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

SESSION_COOKIE_AGE = 60 * 60 * 10  # an organizer's working day
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Oversized requests get 400 instead of tying up a worker.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Spreadsheets in the admin (django-import-export; ceremony/spreadsheets.py): a file is imported only after
# its preview shows no error, and in one short transaction that the planner's resources open themselves
# (ceremony/sheet_import.py: the preview writes nothing). Importing needs the "change" permission (rows
# a role may not add or fields it may not change are refused row by row, see ceremony/spreadsheets.py);
# exporting needs "view". The planner's own formats (ceremony/sheet_files.py) write every cell through
# ceremony/cells.py, which escapes what a spreadsheet program would run as a formula, reversibly, since
# delegations write some of the text themselves; import-export's own escaping (which drops a leading "=")
# stays off.
# Change history can be read, per object, but an old version is never restored from its page: that page
# would save past the role's field rules (ceremony/admin_permissions.py, HistoryAdmin, refuses the POST too).
SIMPLE_HISTORY_REVERT_DISABLED = True

IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# No inline scripts anywhere: scripts only from this site. Styles may be inline (Django's admin uses
# style attributes); images may be data: URIs. Nothing may frame the planner.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Behind a TLS-terminating proxy (nginx, a load balancer) that sets X-Forwarded-Proto and appends the
# address it got each request from to X-Forwarded-For. Login throttling then counts failures per client,
# not per proxy: with the proxy's address, five wrong passwords from anyone would lock a username for
# everyone. (django-axes's own AXES_IPWARE_* settings need django-ipware, which the planner does not use.)
if env_bool("DJANGO_BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    PLANNER_PROXY_COUNT = _proxy_count()
    AXES_CLIENT_IP_CALLABLE = "ceremony.client_ip.client_ip"
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # A load balancer's health check may ask each app server directly, over plain http: it gets the answer.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=True)

# Mail. Django's send_mail writes to post_office's outbox in the database; the worker delivers through
# the backend named here: SMTP from the environment in production, the console in development.
EMAIL_BACKEND = "post_office.EmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
# The ceremony's own address, when its record has none: the sender of mail and the ORGANIZER of calendar
# events whose lead agency has no address (RFC 5546 §3.2.1). Development uses an example.org address.
PLANNER_CONTACT_EMAIL = os.environ.get("PLANNER_CONTACT_EMAIL", "ceremony@example.org" if DEBUG else "").strip()
# The planner's address as people reach it, for links in mail written outside a request (the worker's digests).
PLANNER_SITE_URL = os.environ.get(
    "PLANNER_SITE_URL",
    "http://127.0.0.1:8000" if DEBUG else (f"https://{ALLOWED_HOSTS[0]}" if ALLOWED_HOSTS else ""),
).strip()
# Functions (dotted paths) the mail worker calls at each run before delivering, to queue what has become due:
# the change digests whose items have been quiet long enough.
PLANNER_MAIL_PREPARE = ["delegations.digests.flush_due"]
# A change digest goes out once an item has been quiet this long, so a burst of edits makes one message.
PLANNER_DIGEST_QUIET_MINUTES = int(os.environ.get("PLANNER_DIGEST_QUIET_MINUTES", "5"))
POST_OFFICE = {
    "BACKENDS": {
        "default": os.environ.get(
            "PLANNER_EMAIL_BACKEND",
            "django.core.mail.backends.console.EmailBackend"
            if DEBUG
            else "django.core.mail.backends.smtp.EmailBackend",
        )
    },
    "DEFAULT_PRIORITY": "medium",
    "CELERY_ENABLED": False,
    "FILE_STORAGE": "mail_attachments",
    # A refused or timed-out message is tried again at the next run after this wait, at most this often;
    # then it stays failed and Protocol sees it.
    "MAX_RETRIES": 5,
    "RETRY_INTERVAL": datetime.timedelta(minutes=5),
    "THREADS_PER_PROCESS": 1,
    "LOCK_FILE_NAME": str(DATA_DIR / "mail-worker"),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
