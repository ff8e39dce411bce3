"""Production settings: `check --deploy` is clean with DEBUG=False and real values."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, **env):
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "kaizala_portal.settings", **env}
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
