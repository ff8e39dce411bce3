"""The Celery application: Redis broker, settings from Django (CELERY_*), tasks from every app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaizala_portal.settings")

app = Celery("kaizala_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
