"""The Celery application: Redis broker, settings from Django (CELERY_*), tasks from every app."""

import os

from celery import Celery
from celery.signals import beat_init, worker_init
from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaizala_portal.settings")

app = Celery("kaizala_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def _refuse_insecure_settings(**_) -> None:
    from .startup import refuse_insecure_settings

    try:
        refuse_insecure_settings()
    except ImproperlyConfigured as problem:
        # Celery logs and carries on past an exception in a signal handler; this stops the process.
        raise SystemExit(str(problem)) from None
