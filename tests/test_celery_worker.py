"""The Celery app as a real worker runs it: real Redis broker, settings from Django."""

import pytest
import redis
from django.conf import settings

from kaizala_portal.celery import app

pytestmark = pytest.mark.celery


def test_a_real_worker_answers_on_the_broker_with_the_job_settings(celery_worker):
    replies = app.control.ping(destination=[celery_worker.hostname], timeout=5)
    assert replies == [{celery_worker.hostname: {"ok": "pong"}}]

    conf = app.control.inspect(destination=[celery_worker.hostname], timeout=5).conf()[celery_worker.hostname]
    # Jobs survive a worker that dies mid-task: acknowledged only when done, one at a time.
    assert conf["CELERY_TASK_ACKS_LATE"] is True
    assert conf["CELERY_TASK_REJECT_ON_WORKER_LOST"] is True
    assert conf["CELERY_WORKER_PREFETCH_MULTIPLIER"] == 1
    assert conf["CELERY_ACCEPT_CONTENT"] == ["json"]
    # It consumes the portal's queue under this test run's own key prefix on the shared Redis.
    bindings = redis.Redis.from_url(settings.CELERY_BROKER_URL).keys(f"{settings.CELERY_KEY_PREFIX}_kombu.binding.*")
    assert f"{settings.CELERY_KEY_PREFIX}_kombu.binding.{settings.CELERY_TASK_DEFAULT_QUEUE}".encode() in bindings
