"""Local Redis for development and tests: use the one that answers, or start our own."""

import shutil
import subprocess
import time
from urllib.parse import urlsplit

import redis


def redis_answers(url: str, *, timeout: float = 0.5) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout).ping())
    except (redis.RedisError, OSError):
        return False


def start_redis(url: str, *, wait: float = 10.0) -> subprocess.Popen:
    """Start a throw-away redis-server on the port of ``url`` and wait until it answers."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError(
            f"Nothing answers on {url} and redis-server is not installed (apt-get install redis-server)."
        )
    port = urlsplit(url).port or 6379
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--loglevel",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + wait
    while not redis_answers(url):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"redis-server did not start on port {port}.")
        time.sleep(0.1)
    return process
