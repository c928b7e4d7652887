"""Production: secrets from the environment, HTTPS only, strict headers.

Start-up, step by step: docs/deployment.md (migrate, collectstatic, check --deploy, gunicorn).
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from imsclinic.config import secret_key

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
_refused = secret_key.problem(SECRET_KEY)
if _refused:
    raise ImproperlyConfigured(_refused)
# `imsclinic collectstatic` copies the stylesheets and scripts here, with hashed names
# that pages link to; WhiteNoise serves them. A deployment may put them elsewhere.
if os.environ.get("IMSCLINIC_STATIC_ROOT"):
    STATIC_ROOT = Path(os.environ["IMSCLINIC_STATIC_ROOT"])
SECURE_SSL_REDIRECT = os.environ.get("IMSCLINIC_SSL_REDIRECT", "1") == "1"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_NAME = "__Host-imsclinic-session"
CSRF_COOKIE_NAME = "__Host-imsclinic-csrf"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
