"""Running a real Celery worker in a subprocess for tests.

The worker reads the same test settings as the test process, so it uses the same
Redis database and key prefix (see kaizala_portal/test_settings.py).
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import redis

from kaizala_portal.celery import app

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Worker:
    process: subprocess.Popen
    hostname: str


@contextlib.contextmanager
def running_worker(*, extra_env: dict[str, str] | None = None, concurrency: int = 1, cwd: Path = ROOT):
    """A worker on the test broker and database; ``cwd`` runs it from another folder than the project's."""
    hostname = f"test-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kaizala_portal.test_settings",
        "DATABASE_URL": database_url_for_workers(),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        **(extra_env or {}),
    }
    command = [sys.executable, "-m", "celery", "-A", "kaizala_portal", "worker", "--hostname", hostname]
    command += ["--concurrency", str(concurrency), "--loglevel", "warning", "--without-gossip", "--without-mingle"]
    # Its own process group, so that a test can kill the worker with all its children.
    process = subprocess.Popen(command, cwd=cwd, env=env, start_new_session=True)
    try:
        _wait_until_it_answers(process, hostname)
        yield Worker(process=process, hostname=hostname)
    finally:
        stop_worker(process)


def stop_worker(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Stop the worker and its pool processes (they share its process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    # Pool processes outlive a killed parent briefly; make sure none is left.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def database_url_for_workers() -> str:
    """The database the tests run on (the test copy, once created), for a worker process."""
    from django.db import connection

    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    user = params.get("USER") or ""
    host = params.get("HOST") or "127.0.0.1"
    return f"postgres://{user}@{host}:{params.get('PORT') or 5432}/{params['NAME']}"


def _wait_until_it_answers(process: subprocess.Popen, hostname: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The Celery worker exited with {process.returncode} before it was ready.")
        if app.control.ping(destination=[hostname], timeout=0.5):
            return
    raise RuntimeError(f"The Celery worker did not answer within {timeout:.0f} s.")


def delete_keys(redis_url: str, key_prefix: str) -> int:
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{key_prefix}*", count=500))
    if keys:
        client.delete(*keys)
    return len(keys)


def wait_for(condition, *, timeout: float = 90.0, what: str = "the condition") -> None:
    """Poll ``condition`` until it holds; a worker's progress is only visible in the database."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"Timed out waiting for {what}")


def progress(job):
    """The job as its worker has saved it so far."""
    job.refresh_from_db()
    return job


def closed_port() -> int:
    """A local TCP port nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def broker_down():
    """Tasks sent in this process go to a Redis URL on a closed port, as when Redis is down."""
    saved = app.conf.get("broker_write_url")

    def use(url):
        app.conf.broker_write_url = url
        # The connection and producer pools were built for the old URL.
        app._pool = None
        app.amqp._producer_pool = None

    use(f"redis://127.0.0.1:{closed_port()}/0")
    try:
        yield
    finally:
        use(saved)


def messages_in_redis() -> tuple[int, set[bytes]]:
    """How many task messages wait in the test queue, and the ids of those delivered but not acknowledged.

    A worker killed by an earlier test leaves its message unacknowledged for the visibility
    timeout: compare with what was there before.
    """
    from django.conf import settings

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    prefix = settings.CELERY_KEY_PREFIX
    return client.llen(f"{prefix}{settings.CELERY_TASK_DEFAULT_QUEUE}"), set(client.hkeys(f"{prefix}unacked"))
