"""Settings shared by every environment.

The database is chosen by DATABASE_URL: SQLite in WAL mode is the embedded default,
PostgreSQL for clinic groups and scale.
"""

from __future__ import annotations

import os
from pathlib import Path

from imsclinic.config import database

BASE_DIR = Path(__file__).resolve().parents[2]
PROJECT_DIR = BASE_DIR.parents[1]
VAR_DIR = Path(os.environ.get("IMSCLINIC_VAR_DIR", PROJECT_DIR / "var"))

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "imsclinic.core",
    "imsclinic.accounts",
    "imsclinic.patients",
    "imsclinic.charting",
    "imsclinic.api",
    "imsclinic.outcomes",
    "imsclinic.reports",
    "imsclinic.security",
    "imsclinic.billing",
    "imsclinic.safety",
    "imsclinic.demo",
    "imsclinic.notifications",
    "imsclinic.scheduling",
    "imsclinic.fhir",
    "imsclinic.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "imsclinic.core.middleware.RejectNulCharactersMiddleware",
    "imsclinic.api.middleware.ApiErrorShapeMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "imsclinic.core.middleware.IdleLogoutMiddleware",
    "imsclinic.core.middleware.RequireMfaEnrolmentMiddleware",
    "imsclinic.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "imsclinic.config.urls"
WSGI_APPLICATION = "imsclinic.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_default_sqlite = f"sqlite:///{VAR_DIR / 'imsclinic.sqlite3'}"
if "DATABASE_URL" not in os.environ:
    # The embedded database lives in ./var/, which a fresh checkout does not have yet.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = database.from_environment(_default_sqlite)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while a session note is being written; IMMEDIATE
    # transactions avoid "database is locked" upgrades under concurrent writers.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# Reports, clinic outcomes and the research export may read from DATABASE_REPLICA_URL
# (core/routing.py); clinics listed in IMSCLINIC_READ_YOUR_WRITES (slugs, or *) wait for
# the replica to catch up with the primary, or read from the primary.
DATABASE_ROUTERS = ["imsclinic.core.routing.ReplicaRouter"]
IMSCLINIC_REPLICA_READS = os.environ.get("IMSCLINIC_REPLICA_READS", "0") == "1"
IMSCLINIC_READ_YOUR_WRITES = [
    slug for slug in os.environ.get("IMSCLINIC_READ_YOUR_WRITES", "").split(",") if slug
]
IMSCLINIC_REPLICA_WAIT_MS = int(os.environ.get("IMSCLINIC_REPLICA_WAIT_MS", 500))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-ca"
TIME_ZONE = os.environ.get("IMSCLINIC_TIME_ZONE", "America/Edmonton")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = PROJECT_DIR / "staticfiles"

SESSION_COOKIE_AGE = 60 * 60 * 10
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "imsclinic.core.web.csrf_failure"
# Idle logoff: health records must not stay open on an unattended screen.
IMSCLINIC_IDLE_TIMEOUT_SECONDS = int(os.environ.get("IMSCLINIC_IDLE_TIMEOUT_SECONDS", 15 * 60))
IMSCLINIC_API_TOKEN_HOURS = int(os.environ.get("IMSCLINIC_API_TOKEN_HOURS", 12))
# Lockout (accounts/throttle.py, against OWASP ASVS V2.2.1): this many failed logins
# (password or second factor) for one username within the window lock that username until
# the window has passed. An address is never locked: past its free failures (a clinic's
# staff share one address) each attempt from it waits 1, 2, 4 ... up to the maximum seconds.
IMSCLINIC_LOGIN_MAX_FAILURES = int(os.environ.get("IMSCLINIC_LOGIN_MAX_FAILURES", 5))
IMSCLINIC_LOGIN_WINDOW_SECONDS = int(os.environ.get("IMSCLINIC_LOGIN_WINDOW_SECONDS", 15 * 60))
IMSCLINIC_LOGIN_ADDRESS_FREE_FAILURES = int(
    os.environ.get("IMSCLINIC_LOGIN_ADDRESS_FREE_FAILURES", 50)
)
IMSCLINIC_LOGIN_ADDRESS_MAX_DELAY_SECONDS = int(
    os.environ.get("IMSCLINIC_LOGIN_ADDRESS_MAX_DELAY_SECONDS", 60)
)
# Login attempts only feed the lockout (the audit trail keeps every failure): kept a day.
IMSCLINIC_LOGIN_ATTEMPT_RETENTION_HOURS = int(
    os.environ.get("IMSCLINIC_LOGIN_ATTEMPT_RETENTION_HOURS", 24)
)

DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Outgoing e-mail (notifications/, docs/notifications.md): the console in development,
# SMTP by setting IMSCLINIC_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend
# and Django's EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS.
EMAIL_BACKEND = os.environ.get(
    "IMSCLINIC_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "0") == "1"
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "IMS Clinic <no-reply@imsclinic.invalid>")
# The domain of the Message-ID of outgoing mail, and the address links in messages use.
IMSCLINIC_EMAIL_DOMAIN = os.environ.get("IMSCLINIC_EMAIL_DOMAIN", "imsclinic.invalid")
IMSCLINIC_PUBLIC_URL = os.environ.get("IMSCLINIC_PUBLIC_URL", "http://127.0.0.1:8000")
# The SMS channel's provider (dotted path to a class with send(message) -> id); none by default.
IMSCLINIC_SMS_BACKEND = os.environ.get("IMSCLINIC_SMS_BACKEND", "")
# Deliver the outbox from a thread of the web process (make run); production runs
# `imsclinic outbox send --loop` as a service instead.
IMSCLINIC_OUTBOX_IN_PROCESS = os.environ.get("IMSCLINIC_OUTBOX_IN_PROCESS", "0") == "1"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("IMSCLINIC_LOG_LEVEL", "WARNING")},
}
