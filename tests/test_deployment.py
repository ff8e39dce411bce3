"""Production settings: `check --deploy` is clean with DEBUG=False and real values."""

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, **env):
    # Without the test run's own key: each test says which key, if any, the process has.
    inherited = {name: value for name, value in os.environ.items() if name != "SECRET_KEY"}
    environment = {**inherited, "DJANGO_SETTINGS_MODULE": "kaizala_portal.settings", **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def test_check_deploy_reports_nothing_under_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="False",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="portal.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_catches_the_development_secret_key():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", DEBUG="False", ALLOWED_HOSTS="portal.example.com"
    )
    assert result.returncode != 0
    assert "security.W009" in result.stderr


def run_python(code: str, **env):
    inherited = {name: value for name, value in os.environ.items() if name not in ("SECRET_KEY", "DEBUG")}
    environment = {**inherited, "DJANGO_SETTINGS_MODULE": "kaizala_portal.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("entry", ["kaizala_portal.wsgi", "kaizala_portal.asgi"])
def test_the_web_application_refuses_to_start_with_debug_off_and_the_development_key(entry):
    refused = run_python(f"import {entry}", DEBUG="False")
    assert refused.returncode != 0
    assert "Refusing to start: DEBUG is off and SECRET_KEY is the development key." in refused.stderr
    assert run_python(f"import {entry}", DEBUG="False", SECRET_KEY=secrets.token_urlsafe(50)).returncode == 0
    assert run_python(f"import {entry}", DEBUG="True").returncode == 0


def test_a_worker_refuses_to_start_with_debug_off_and_the_development_key(redis_url):
    refused = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "kaizala_portal", "worker", "--loglevel", "warning"],
        cwd=ROOT,
        env={
            **{name: value for name, value in os.environ.items() if name != "SECRET_KEY"},
            "DJANGO_SETTINGS_MODULE": "kaizala_portal.settings",
            "DEBUG": "False",
            "REDIS_URL": redis_url,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0
    assert "Refusing to start: DEBUG is off and SECRET_KEY is the development key." in refused.stderr


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="The pool is PostgreSQL's")
def test_database_pool_true_serves_queries_from_a_pool_of_connections(db):
    from django.db import connection

    code = (
        "import django; django.setup(); from django.db import connection; "
        "connection.ensure_connection(); print(type(connection.pool).__name__, connection.pool.max_size)"
    )
    test_database = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    result = run_python(
        code, DEBUG="True", DATABASE_URL=test_database, DATABASE_POOL="True", DATABASE_POOL_MAX_SIZE="4"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ConnectionPool", "4"]


def test_gunicorn_serves_the_portal_with_its_configuration(redis_url, tmp_path):
    port = _free_port()
    environment = {
        **{name: value for name, value in os.environ.items() if name != "DATABASE_URL"},
        "DJANGO_SETTINGS_MODULE": "kaizala_portal.settings",
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": redis_url,
        "PRIVATE_STORAGE_ROOT": str(tmp_path / "files"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
    }
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "kaizala_portal.wsgi"]
    server = subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        body = _get_when_up(f"http://127.0.0.1:{port}/healthz", server)
        assert json.loads(body)["status"] == "ok"
    finally:
        server.terminate()
        log, _ = server.communicate(timeout=30)
    assert "Booting worker with pid" in log and "gthread" in log
    # The access line names the request by the id its application log lines carry.
    assert re.search(r'"GET /healthz HTTP/1.1" 200 \d+ \d+ms request=[0-9a-f]{32}', log), log


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get_when_up(url: str, server: subprocess.Popen) -> str:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except (urllib.error.URLError, ConnectionError):
            if server.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.2)
