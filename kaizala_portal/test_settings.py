"""Settings for the test suite: the real settings, minus what only makes sense behind HTTPS."""

import os
import uuid
from pathlib import Path

# A key of the test run's own: the processes the tests start refuse the development key with DEBUG off.
os.environ.setdefault("SECRET_KEY", f"test-{uuid.uuid4().hex}")

from .settings import *  # noqa: E402, F403
from .settings import VAR_DIR  # noqa: E402

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
# Hashing is what makes logins slow on purpose; tests do not need that.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Worker processes that tests start inherit these through the environment, so that they
# see the same files and, on SQLite, the same (file) test database.
PRIVATE_STORAGE_ROOT = Path(
    os.environ.setdefault("TEST_PRIVATE_STORAGE_ROOT", str(VAR_DIR / "test-files" / str(os.getpid())))
)
if not AWS_STORAGE_BUCKET_NAME:  # noqa: F405 - an object store's "location" is a key prefix
    STORAGES["default"]["OPTIONS"]["location"] = PRIVATE_STORAGE_ROOT  # noqa: F405
JOB_WORK_DIR = PRIVATE_STORAGE_ROOT / "work"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.environ.setdefault("TEST_SQLITE_NAME", str(VAR_DIR / f"test-{os.getpid()}.sqlite3"))
    }
# Static files come from the finders; nothing is collected for tests.
STATIC_ROOT = None

# Celery in tests: a database number of its own and a key prefix per test process, which
# the workers the tests start inherit through the environment; the suite deletes its keys.
REDIS_URL = CELERY_BROKER_URL = os.environ.setdefault("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CELERY_KEY_PREFIX = os.environ.setdefault("CELERY_KEY_PREFIX", f"kaizala-test-{uuid.uuid4().hex[:12]}:")
CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS, "global_keyprefix": CELERY_KEY_PREFIX}  # noqa: F405
