"""``/healthz`` tells a load balancer whether this process reaches the database, Redis and storage."""

import socket

import pytest
from django.urls import reverse


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_all_answer_200_with_each_ones_state_to_anyone(client, db, redis_url):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "broker": True,
        "storage": True,
    }
    assert response["Cache-Control"].startswith("max-age=0")


def test_redis_not_answering_is_503_and_says_which(client, db, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"] == {"ok": False, "error": "ConnectionError", "ms": body["checks"]["broker"]["ms"]}
    assert body["checks"]["database"]["ok"] and body["checks"]["storage"]["ok"]
    assert "127.0.0.1" not in response.content.decode()  # no addresses for anyone who asks


def test_storage_not_answering_is_503(client, db, redis_url, settings, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the storage's folder should be")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": blocked / "files"},
        },
    }
    response = client.get(reverse("healthz"))
    assert response.status_code == 503, response.json()
    assert response.json()["checks"]["storage"]["ok"] is False


@pytest.mark.parametrize("secure", [False, True])
def test_a_probe_over_plain_http_is_answered_not_redirected(client, db, redis_url, settings, secure):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(reverse("healthz"), secure=secure)
    assert response.status_code == 200
