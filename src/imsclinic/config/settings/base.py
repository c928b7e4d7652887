"""Settings shared by every environment.

The database is chosen by DATABASE_URL: SQLite in WAL mode is the embedded default,
PostgreSQL for clinic groups and scale.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

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
    "imsclinic.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "imsclinic.core.middleware.RejectNulCharactersMiddleware",
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
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _default_sqlite), conn_max_age=60
    )
}
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
# Lockout: this many failed logins (password or second factor) for one username, or from
# one address, within the window lock further attempts until the window has passed.
IMSCLINIC_LOGIN_MAX_FAILURES = int(os.environ.get("IMSCLINIC_LOGIN_MAX_FAILURES", 5))
IMSCLINIC_LOGIN_WINDOW_SECONDS = int(os.environ.get("IMSCLINIC_LOGIN_WINDOW_SECONDS", 15 * 60))

DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("IMSCLINIC_LOG_LEVEL", "WARNING")},
}
