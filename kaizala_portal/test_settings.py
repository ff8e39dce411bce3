"""Settings for the test suite: the real settings, minus what only makes sense behind HTTPS."""

import os
import uuid

from .settings import *  # noqa: F403
from .settings import VAR_DIR

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
# Hashing is what makes logins slow on purpose; tests do not need that.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PRIVATE_STORAGE_ROOT = VAR_DIR / "test-files" / str(os.getpid())
STORAGES["default"]["OPTIONS"]["location"] = PRIVATE_STORAGE_ROOT  # noqa: F405
# Static files come from the finders; nothing is collected for tests.
STATIC_ROOT = None

# Celery in tests: a database number of its own and a key prefix per test process, which
# the workers the tests start inherit through the environment; the suite deletes its keys.
REDIS_URL = CELERY_BROKER_URL = os.environ.setdefault("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CELERY_KEY_PREFIX = os.environ.setdefault("CELERY_KEY_PREFIX", f"kaizala-test-{uuid.uuid4().hex[:12]}:")
CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS, "global_keyprefix": CELERY_KEY_PREFIX}  # noqa: F405
