"""Every log line says when, how bad, where from, and for which request or job."""

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kaizala_portal.celery import app
from kaizala_portal.logs import TEXT_FORMAT, ContextFilter, JsonFormatter, TextFormatter

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def log_lines():
    """The lines the root logger writes while the test runs, formatted as the portal writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(TextFormatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: stream.getvalue().splitlines()
    finally:
        root.removeHandler(handler)


def test_each_request_gets_an_id_its_response_returns_and_its_log_lines_carry(client, db, log_lines):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    (line,) = [line for line in log_lines() if "Not Found: /no-such-page/" in line]
    # "2026-12-01T14:48:01.954Z WARNING django.request [request=…] Not Found: /no-such-page/"
    timestamp, level, logger, context, _ = line.split(" ", 4)
    assert timestamp.endswith("Z") and "T" in timestamp
    assert (level, logger, context) == ("WARNING", "django.request", f"[request={request_id}]")


@pytest.mark.parametrize(
    "offered, kept",
    [("lb-7f3a9c01", True), ("a" * 129, False), ("x\ny", False), ("<script>", False), ("", False)],
)
def test_a_proxys_request_id_is_kept_only_when_it_looks_like_one(client, db, offered, kept):
    response = client.get("/healthz", headers={"X-Request-ID": offered})
    assert (response["X-Request-ID"] == offered) is kept
    assert "\n" not in response["X-Request-ID"]


@app.task
def _log_while_working(job_id: int) -> None:
    logging.getLogger("imports.services").warning("working on it")


def test_a_tasks_lines_carry_its_task_and_job_ids(log_lines):
    result = _log_while_working.apply(kwargs={"job_id": 42}, task_id="task-abc")
    assert result.successful()
    assert any(line.endswith("[task=task-abc job=42] working on it") for line in log_lines())


def test_log_format_json_writes_one_object_a_line():
    code = "import django, logging; django.setup(); logging.getLogger('portal.check').warning('hello %s', 'there')"
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "kaizala_portal.test_settings", "LOG_FORMAT": "json"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    (line,) = [json.loads(line) for line in result.stderr.splitlines() if "portal.check" in line]
    assert line["level"] == "WARNING" and line["logger"] == "portal.check" and line["message"] == "hello there"
    assert line["time"].endswith("Z")


def test_an_exception_is_one_json_object_too():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, None)
    try:
        raise ValueError("boom")
    except ValueError:
        record.exc_info = sys.exc_info()
    ContextFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert "ValueError: boom" in line["exception"]
