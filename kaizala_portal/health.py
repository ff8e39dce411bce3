"""``/healthz``: whether this process can reach what it needs, for load balancers and orchestrators.

The database, the Celery broker (Redis) and the private file storage are each asked one cheap
question with a short timeout; the answer is 200 when all three answer, 503 otherwise, with
each one's state (never its address or credentials) in JSON. Open to anyone, like any load
balancer's probe, and allowed over plain HTTP so that a probe inside the network can ask.
"""

import os
import time
from pathlib import Path

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

TIMEOUT_SECONDS = 2.0


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _broker() -> None:
    client = redis.Redis.from_url(
        settings.CELERY_BROKER_URL, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
    )
    try:
        client.ping()
    finally:
        client.close()


def _storage() -> None:
    if isinstance(default_storage, FileSystemStorage):
        # Folders are made as files are first saved: a fresh install is healthy, a folder
        # that cannot be made or written to (a full or read-only disk, a file in its place) is not.
        location = Path(default_storage.location)
        location.mkdir(parents=True, exist_ok=True)
        if not os.access(location, os.W_OK | os.X_OK):
            raise PermissionError("the storage folder cannot be written to")
        return
    # An object store: one listing of the bucket's top level fails when the bucket or the
    # credentials do not answer.
    default_storage.listdir("")


CHECKS = {"database": _database, "broker": _broker, "storage": _storage}


def check_all() -> dict[str, dict]:
    results = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            check()
        # Each service raises its own kinds (DatabaseError, RedisError, botocore's for S3, OSError):
        # whatever a check raises is that service not answering, reported as such, never a 500.
        except Exception as problem:
            results[name] = {"ok": False, "error": type(problem).__name__}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    return results


@login_not_required
@never_cache
@require_GET
def healthz(request):
    checks = check_all()
    healthy = all(result["ok"] for result in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503
    )
