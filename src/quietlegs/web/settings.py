"""Django settings for the quietlegs web app, configured from the environment.

Environment variables
---------------------
QUIETLEGS_ENV
    ``development`` (default) or ``production``. Production refuses to start
    without ``QUIETLEGS_SECRET_KEY`` and ``QUIETLEGS_ALLOWED_HOSTS``.
QUIETLEGS_SECRET_KEY
    The secret key. In development, a random key is generated once and kept
    in the data folder (never in the repository).
QUIETLEGS_DATA_DIR
    Where the SQLite database, the generated key, collected static files and
    outgoing e-mails live (default: ``./.quietlegs``).
DATABASE_URL
    A database URL (``postgres://user@host:5432/name``); SQLite in the data
    folder when unset.
REDIS_URL
    Cache (rate limits, login throttling) in Redis; local memory when unset.
QUIETLEGS_ALLOWED_HOSTS
    Comma-separated host names (production).
QUIETLEGS_MAX_EDF_MB
    Largest PSG recording (EDF/EDF+) a clinician may upload, in MB (default 512).
QUIETLEGS_SITE_URL
    The site's address for links in e-mails sent by the worker (appointment and
    diary reminders, waitlist offers); default ``http://127.0.0.1:8000``.
QUIETLEGS_BROKER_URL
    The Celery broker of ``quietlegs worker`` (default: ``REDIS_URL``, else
    ``redis://127.0.0.1:6379/0``). The web app serves pages without it.
QUIETLEGS_SMS_SENDER
    Dotted path of the class that sends reminder text messages (default: write
    them to the log).
QUIETLEGS_MAX_TREMOR_MB
    Largest tremor recording (CSV) a patient may upload, in MB (default 10; a 10-minute
    100 Hz recording is 3-6 MB). Recordings are analysed in the request.
QUIETLEGS_WAITLIST_OFFER_H
    How long a waitlist offer of a freed time stays open, in whole hours from 1 to 72
    (default 3; never past the time's start); then the time is offered to the next
    person waiting.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

WEB_DIR = Path(__file__).resolve().parent
ENVIRONMENT = os.environ.get("QUIETLEGS_ENV", "development")
if ENVIRONMENT not in ("development", "production"):
    raise ImproperlyConfigured(
        f"QUIETLEGS_ENV must be 'development' or 'production'; got {ENVIRONMENT!r}"
    )
PRODUCTION = ENVIRONMENT == "production"

DATA_DIR = Path(os.environ.get("QUIETLEGS_DATA_DIR", Path.cwd() / ".quietlegs")).resolve()


def _secret_key() -> str:
    key = os.environ.get("QUIETLEGS_SECRET_KEY", "")
    if key:
        if PRODUCTION and (len(key) < 50 or key.startswith("django-insecure")):
            raise ImproperlyConfigured(
                "QUIETLEGS_SECRET_KEY must be at least 50 random characters in production"
            )
        return key
    if PRODUCTION:
        raise ImproperlyConfigured(
            "QUIETLEGS_SECRET_KEY is not set: refusing to start in production with a default "
            "secret. Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(64))'"
        )
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(64)
    key_file.write_text(key, encoding="utf-8")
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("QUIETLEGS_DEBUG", "") == "1" and not PRODUCTION

if PRODUCTION:
    hosts = [
        h.strip() for h in os.environ.get("QUIETLEGS_ALLOWED_HOSTS", "").split(",") if h.strip()
    ]
    if not hosts:
        raise ImproperlyConfigured(
            "QUIETLEGS_ALLOWED_HOSTS must name the site's host(s) in production"
        )
    ALLOWED_HOSTS = hosts
else:
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "ninja",
    "quietlegs.web.clinics",
    "quietlegs.web.accounts",
    "quietlegs.web.assessments",
    "quietlegs.web.records",
    "quietlegs.web.audit",
    "quietlegs.web.api",
    "quietlegs.web.orders",
    "quietlegs.web.visitreports",
    "quietlegs.web.interop",
    # after visitreports and interop: their ready() registers the built-in visit-report
    # sections and FHIR contributors first, so these apps' own come after them
    "quietlegs.web.tremor",
    "quietlegs.web.diary",
    "quietlegs.web.scheduling",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "quietlegs.web.middleware.ClinicTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "quietlegs.web.urls"
WSGI_APPLICATION = "quietlegs.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [WEB_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "quietlegs.web.context.site",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "quietlegs.sqlite3"),
            # WAL lets readers work while one writer commits; IMMEDIATE takes the write
            # lock at the start of a transaction, so concurrent writers queue instead
            # of failing with "database is locked" when they upgrade a read lock.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "quietlegs"}
    )
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "assessments:start"

# Login throttling (django-axes): 5 failures lock the username+IP pair for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
#: English dates day-first with a 24-hour clock (``web/formats/en/formats.py``).
FORMAT_MODULE_PATH = ["quietlegs.web.formats"]
LOCALE_PATHS = [WEB_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("QUIETLEGS_TIME_ZONE", "UTC")

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [WEB_DIR / "static"]
if not PRODUCTION:  # whitenoise warns about a missing folder before the first collectstatic
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# Request size limits: no form or API body of quietlegs comes near these.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads stream to a temporary file

# PSG recordings (records.psg): the upload size limit, in MB, and whether the analysis
# runs inline in the request (tests) instead of on the background worker.
QUIETLEGS_MAX_EDF_MB = int(os.environ.get("QUIETLEGS_MAX_EDF_MB", "512"))
QUIETLEGS_PSG_SYNC = False


def _waitlist_offer_hours() -> int:
    """``QUIETLEGS_WAITLIST_OFFER_H``: whole hours from 1 to 72 (default 3)."""
    raw = os.environ.get("QUIETLEGS_WAITLIST_OFFER_H", "3").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= 72:
        raise ImproperlyConfigured(
            f"QUIETLEGS_WAITLIST_OFFER_H must be a whole number of hours from 1 to 72; got {raw!r}"
        )
    return int(raw)


# Waitlist offers (scheduling): how long the offered patient has to book or decline a freed
# time before it goes to the next person waiting (never past the time's start).
QUIETLEGS_WAITLIST_OFFER_H = _waitlist_offer_hours()

# FHIR (quietlegs.web.interop): the identifier system of this installation's patient numbers
# (set one per installation, e.g. https://clinic.example.org/fhir/sid/patient).
QUIETLEGS_FHIR_PATIENT_SYSTEM = os.environ.get("QUIETLEGS_FHIR_PATIENT_SYSTEM", "")
# Tremor recordings (tremor): the upload size limit, in MB.
QUIETLEGS_MAX_TREMOR_MB = int(os.environ.get("QUIETLEGS_MAX_TREMOR_MB", "10"))

# Sessions in the cache, written through to the database: no session query per request.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = os.environ.get("QUIETLEGS_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = 31536000

# E-mail (invitations, reminders, waitlist offers): printed on the console by default
# (`make run` shows them in its terminal); set an SMTP backend in production, or
# django.core.mail.backends.filebased.EmailBackend to keep them in DATA_DIR/outbox.
EMAIL_BACKEND = os.environ.get(
    "QUIETLEGS_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_FILE_PATH = DATA_DIR / "outbox"
# Where the site is reached: links in e-mails sent outside a request (reminders, offers).
QUIETLEGS_SITE_URL = os.environ.get("QUIETLEGS_SITE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = os.environ.get("QUIETLEGS_FROM_EMAIL", "quietlegs@localhost")

# API rate limits (django-ninja throttles), requests per period.
API_ANON_RATE = os.environ.get("QUIETLEGS_API_ANON_RATE", "120/m")
API_USER_RATE = os.environ.get("QUIETLEGS_API_USER_RATE", "600/m")
# Trusted reverse proxies in front of the app: the API's rate limits then take the
# client's address from X-Forwarded-For (0: REMOTE_ADDR only).
API_NUM_PROXIES = int(os.environ.get("QUIETLEGS_API_NUM_PROXIES", "0"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "quietlegs": {
            "handlers": ["console"],
            "level": os.environ.get("QUIETLEGS_LOG_LEVEL", "INFO"),
        },
        "django.request": {"handlers": ["console"], "level": "WARNING"},
    },
}

# Appointments (quietlegs.web.scheduling): the text-message hook, and the background
# worker (Celery + Redis; `quietlegs worker`). Booking never waits for the broker: the
# worker only runs the periodic jobs below.
QUIETLEGS_SMS_SENDER = os.environ.get(
    "QUIETLEGS_SMS_SENDER", "quietlegs.web.scheduling.sms.LogSmsSender"
)
CELERY_BROKER_URL = (
    os.environ.get("QUIETLEGS_BROKER_URL") or REDIS_URL or "redis://127.0.0.1:6379/0"
)
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# beat's clock: UTC, so that an hourly entry runs every real hour, whatever TIME_ZONE's
# clock changes do (each clinic's local hours are worked out by the job, in its own zone)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # every 5 minutes: a reminder goes out at most 5 minutes after it is due
    "appointment-reminders": {
        "task": "quietlegs.send_appointment_reminders",
        "schedule": 300.0,
    },
    # every 5 minutes: an expired waitlist offer goes to the next person waiting at most
    # 5 minutes late (and an offer e-mail that could not be sent is tried again)
    "waitlist-offers": {
        "task": "quietlegs.expire_waitlist_offers",
        "schedule": 300.0,
    },
    # the symptom diary's reminders (its send_diary_reminders command), every hour on the
    # hour: each run reminds the patients of the clinics where it is now 08:00-08:59
    # (quietlegs.web.diary.reminders.REMINDER_HOUR), once per patient and night
    "diary-reminders": {
        "task": "quietlegs.run_management_command",
        "schedule": crontab(minute=0),
        "args": ("send_diary_reminders",),
    },
}
