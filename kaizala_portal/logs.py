"""Log lines that say when, how bad, where from, and for which request or job.

Each line carries a timestamp, level, logger, and the id of the request (``X-Request-ID``
from the proxy when it sends a sensible one, else a new one, returned in the response) or
of the Celery task and the job it runs. ``LOG_FORMAT=json`` writes one JSON object a line
for log shippers; the default is one readable line.
"""

import contextvars
import json
import logging
import re
import time
import uuid

from celery.signals import task_postrun, task_prerun
from django.core.signals import request_finished
from django.dispatch import receiver

_request_id = contextvars.ContextVar("request_id", default="")
_task_id = contextvars.ContextVar("task_id", default="")
_job_id = contextvars.ContextVar("job_id", default="")

# What a proxy's id may look like before we repeat it in our logs and responses.
_SENSIBLE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(context)s] %(message)s"


class RequestIdMiddleware:
    """Gives each request an id that its log lines carry and its response returns."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get("X-Request-ID", "")
        request_id = offered if _SENSIBLE_ID.fullmatch(offered) else uuid.uuid4().hex
        request.request_id = request_id
        # Kept until the request is finished (below), not only while the middleware runs:
        # Django logs an error response ("Not Found: /x") after the middleware has returned it.
        _request_id.set(request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


@receiver(request_finished)
def _request_done(**_):
    _request_id.set("")


class ContextFilter(logging.Filter):
    """Puts the request id, or the task and job ids, on every record a handler writes."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        record.task_id = _task_id.get()
        record.job_id = _job_id.get()
        if record.request_id:
            record.context = f"request={record.request_id}"
        elif record.task_id:
            record.context = f"task={record.task_id}" + (f" job={record.job_id}" if record.job_id else "")
        else:
            record.context = "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the ids as fields of their own; times in UTC."""

    converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "task_id", "job_id"):
            if value := getattr(record, key, ""):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """One readable line; times in UTC, whatever the host's zone, so that many hosts' lines sort together."""

    converter = time.gmtime
    default_time_format = "%Y-%m-%dT%H:%M:%S"
    default_msec_format = "%s.%03dZ"


def logging_config(*, log_format: str, level: str) -> dict:
    """The LOGGING setting: every line through one handler that knows the request or job."""
    formatter = {"()": JsonFormatter} if log_format == "json" else {"()": TextFormatter, "format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": ContextFilter}},
        "formatters": {"portal": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["context"], "formatter": "portal"}},
        "root": {"handlers": ["console"], "level": level},
        # django-axes logs every successful login at INFO; failures and lockouts are WARNING.
        "loggers": {"axes": {"level": "WARNING"}},
    }


@task_prerun.connect
def _task_started(task_id=None, kwargs=None, **_):
    _task_id.set(task_id or "")
    _job_id.set(str((kwargs or {}).get("job_id", "")))


@task_postrun.connect
def _task_finished(**_):
    _task_id.set("")
    _job_id.set("")
