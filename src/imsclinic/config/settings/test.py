"""Test settings: fast hashing, no network, deterministic."""

from .base import *  # noqa: F403
from .base import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # In-memory for unit tests; live-server browser tests get a shared in-memory DB.
    DATABASES["default"]["NAME"] = ":memory:"
    DATABASES["default"]["TEST"] = {"NAME": None}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Tests serve static files from the apps' folders (finders); no collectstatic output, so
# WhiteNoise is not pointed at a folder a fresh checkout does not have.
STATIC_ROOT = None  # type: ignore[assignment]  # base sets a Path
# A replica alias, a mirror of the default database in tests, so that read routing
# (core/routing.py) is exercised; replica reads stay off unless a test turns them on.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
