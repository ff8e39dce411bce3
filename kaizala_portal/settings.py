"""Settings for Kaizala Portal, read from the environment (see .env.example).

Local defaults need nothing: SQLite under var/, Redis on localhost. Production sets
DEBUG=False with real values, which switches on every security setting that
``manage.py check --deploy`` asks for.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE

from .logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# The default key is deliberately marked insecure: `check --deploy` flags it.
SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-development-key-change-me")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "csp",
    "axes",
    "users",
    "groups",
    "attributes",
    "imports",
    "exports",
    "actions",
    "connectors",
    "reports",
    "audit",
    "bulk_actions",
    "group_imports",
]

MIDDLEWARE = [
    # First, so that every line logged while answering carries the request's id.
    "kaizala_portal.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that it sees the outcome of every authentication attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kaizala_portal.urls"

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

WSGI_APPLICATION = "kaizala_portal.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# PostgreSQL connections, one of two ways:
# - DATABASE_POOL=True: a pool per process (psycopg's), of DATABASE_POOL_MIN_SIZE to _MAX_SIZE
#   connections, for gunicorn threads and Celery workers that open and close them often;
# - otherwise CONN_MAX_AGE (seconds) keeps each thread's connection, checked before each request reuses it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool("DATABASE_POOL", default=False):
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
        "timeout": env.int("DATABASE_POOL_TIMEOUT", default=10),
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server read while a worker writes; the busy timeout makes
    # writers queue instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "users.backends.PhoneNumberBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling: five failures for one phone number from one address lock that
# pair out for a quarter of an hour. Phone numbers are normalised first, so writing
# the same number another way does not buy more attempts.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Failures against one account from every address together (users.backends): higher than the
# per-address limit, so that nobody locks another person out from one address, and so that
# changing address does not start the count again.
LOGIN_ACCOUNT_FAILURE_LIMIT = env.int("LOGIN_ACCOUNT_FAILURE_LIMIT", default=20)
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "users.backends.axes_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded and exported files are private: they live outside STATIC_ROOT, have no
# URL of their own and are only ever served by views that check the policy.
PRIVATE_STORAGE_ROOT = BASE_DIR / env("PRIVATE_STORAGE_ROOT", default="var/files")
# Or, with AWS_STORAGE_BUCKET_NAME set, in that bucket of an S3-compatible store (AWS_S3_ENDPOINT_URL
# for MinIO, Ceph and the like; credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY): web
# and workers on different hosts then share no folder. Downloads are links the store signs for
# DOWNLOAD_LINK_SECONDS, handed out after the policy's check; nothing in the bucket is public.
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", default="") or None
DOWNLOAD_LINK_SECONDS = env.int("DOWNLOAD_LINK_SECONDS", default=60)
PRIVATE_STORAGE = (
    {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": AWS_S3_ENDPOINT_URL,
            "region_name": env("AWS_S3_REGION_NAME", default="") or None,
            # Object stores other than AWS's own answer at one address for every bucket.
            "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default="path" if AWS_S3_ENDPOINT_URL else "auto"),
            "location": env("AWS_LOCATION", default=""),
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": DOWNLOAD_LINK_SECONDS,
            "signature_version": "s3v4",
            "file_overwrite": False,
        },
    }
    if AWS_STORAGE_BUCKET_NAME
    else {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_STORAGE_ROOT, "base_url": None},
    }
)
# Where a worker writes an export, or copies an upload from the object store to read it: its own disk.
JOB_WORK_DIR = Path(env("JOB_WORK_DIR", default=str(VAR_DIR / "work")))
STORAGES = {
    "default": PRIVATE_STORAGE,
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        ),
    },
}

# Celery: Redis is the broker; job state lives in the database, so no result backend.
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A task whose worker died comes back after this long (celery#4976); jobs also
    # keep a heartbeat so that a sweeper can notice them much sooner.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * 60 * 60),
    "global_keyprefix": env("CELERY_KEY_PREFIX", default=""),
}
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="kaizala")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=60 * 60 + 5 * 60)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Product limits, in one place.
USERS_PAGE_SIZES = (25, 50, 100)
USERS_PAGE_SIZE_DEFAULT = 25
# The Users list counts at most this many matches ("more than 10,000"): counting a million exactly
# reads a million rows for a number nobody needs to the unit.
USERS_COUNT_CAP = 10_000
# ``?page=N`` is read by offset up to this page; pages after it go by a cursor (the last row's sort key).
USERS_NUMBERED_PAGES = 10
USER_LIST_MAX_EXTRA_COLUMNS = 4
ADD_USERS_MAX_ENTRIES = 500
GROUPS_PAGE_SIZE = 50
GROUP_MEMBERS_PAGE_SIZE = 50
# Groups per page of the Reports tables (the CSV downloads hold them all).
REPORT_GROUPS_PAGE_SIZE = 25
AUDIT_LOG_PAGE_SIZE = 50
ATTRIBUTES_MAX_PER_ORGANIZATION = 50
DEFAULT_PHONE_REGION = env("DEFAULT_PHONE_REGION", default="IN")

# Production strictness follows DEBUG; each item can still be overridden.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Everything the pages load is our own, and no script runs inline. Pico's form controls
# draw their icons from data: URIs; the hierarchy indents rows with a style attribute.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Every line: UTC timestamp, level, logger, and the request's or Celery task's (and job's) id.
# LOG_FORMAT=json writes one JSON object a line, for log shippers.
LOGGING = logging_config(log_format=env("LOG_FORMAT", default="text"), level=env("LOG_LEVEL", default="INFO"))

# Imports: limits, batch size, and when a job whose worker went quiet is taken over.
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=50 * 1024 * 1024)
# Beyond these a row is rejected with the reason (see imports.limits), not the whole file.
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=500)
# An .xlsx is checked, decompressing it as a stream, before anything parses it (imports.workbooks).
IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES = env.int("IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES", default=1024 * 1024 * 1024)
IMPORT_XLSX_MAX_SHARED_STRINGS = env.int("IMPORT_XLSX_MAX_SHARED_STRINGS", default=2_000_000)
IMPORT_MAX_CELL_CHARACTERS = env.int("IMPORT_MAX_CELL_CHARACTERS", default=10_000)
IMPORT_BATCH_SIZE = env.int("IMPORT_BATCH_SIZE", default=2000)
# From this many rows on, a second process reads rows into people while the worker writes them.
IMPORT_PREPARE_IN_PARALLEL_FROM_ROWS = env.int("IMPORT_PREPARE_IN_PARALLEL_FROM_ROWS", default=10_000)
IMPORT_STALE_AFTER_SECONDS = env.int("IMPORT_STALE_AFTER_SECONDS", default=120)
IMPORT_MAX_ATTEMPTS = env.int("IMPORT_MAX_ATTEMPTS", default=3)
# Exports: rows read per round trip, how often progress (the heartbeat) is saved, takeovers.
EXPORT_CHUNK_SIZE = env.int("EXPORT_CHUNK_SIZE", default=2000)
EXPORT_PROGRESS_SECONDS = env.float("EXPORT_PROGRESS_SECONDS", default=1.0)
EXPORT_STALE_AFTER_SECONDS = env.int("EXPORT_STALE_AFTER_SECONDS", default=120)
EXPORT_MAX_ATTEMPTS = env.int("EXPORT_MAX_ATTEMPTS", default=3)
# Actions: custom packages are .zip files read in memory, never extracted; these bound that read.
ACTIONS_PAGE_SIZE = 25
ACTION_PACKAGE_MAX_BYTES = env.int("ACTION_PACKAGE_MAX_BYTES", default=5 * 1024 * 1024)
ACTION_PACKAGE_MAX_UNPACKED_BYTES = env.int("ACTION_PACKAGE_MAX_UNPACKED_BYTES", default=50 * 1024 * 1024)
ACTION_PACKAGE_MAX_FILES = env.int("ACTION_PACKAGE_MAX_FILES", default=500)
ACTION_MANIFEST_MAX_BYTES = 64 * 1024
# Connectors: their callbacks carry the organization's data, so only over https in production.
CONNECTORS_PAGE_SIZE = 25
CONNECTORS_REQUIRE_HTTPS = env.bool("CONNECTORS_REQUIRE_HTTPS", default=not DEBUG)
# A job whose task the broker could not take (Redis down) is sent again by the sweeper
# once it has waited this long and the broker answers.
JOB_QUEUE_RETRY_SECONDS = env.int("JOB_QUEUE_RETRY_SECONDS", default=15)
# Bulk actions on the Users list: up to this many people the request does it, beyond it a
# worker; people done per transaction (and per saved heartbeat); takeovers as for exports.
BULK_ACTIONS_IN_REQUEST_UP_TO = env.int("BULK_ACTIONS_IN_REQUEST_UP_TO", default=500)
BULK_ACTIONS_CHUNK_SIZE = env.int("BULK_ACTIONS_CHUNK_SIZE", default=100)
BULK_ACTIONS_STALE_AFTER_SECONDS = env.int("BULK_ACTIONS_STALE_AFTER_SECONDS", default=120)
BULK_ACTIONS_MAX_ATTEMPTS = env.int("BULK_ACTIONS_MAX_ATTEMPTS", default=3)
# Bulk Upload Users on the Groups page: rows per transaction; takeovers and tries; the size limit is the import's.
# Bigger batches than an import's: a row is cheaper, so a batch of 2,000 spent more of its time on
# what every batch costs (its commit, the hierarchy read again); measured, 5,000 was fastest.
GROUP_IMPORT_BATCH_SIZE = env.int("GROUP_IMPORT_BATCH_SIZE", default=5000)
GROUP_IMPORT_STALE_AFTER_SECONDS = env.int("GROUP_IMPORT_STALE_AFTER_SECONDS", default=120)
GROUP_IMPORT_MAX_ATTEMPTS = env.int("GROUP_IMPORT_MAX_ATTEMPTS", default=3)
# One sweeper for every kind of background job (kaizala_portal.jobs): requeues what went quiet.
CELERY_BEAT_SCHEDULE = {
    "sweep-stale-jobs": {"task": "kaizala_portal.jobs.sweep_stale_jobs", "schedule": 60.0},
}
