"""`make load`: admins browse a 100k-user organization on gunicorn and PostgreSQL while imports run.

Migrates the load database (``LOAD_DATABASE_URL``; made when missing), seeds it when the
organization is not there yet, starts Redis when none answers, gunicorn with two workers
on 127.0.0.1 with production settings (DEBUG off, whitenoise serving the collected static
files; plain http, since it is local), one Celery worker, then locust headless for a bounded
time. Prints requests, req/s and p50/p95/p99 per page, for the whole run and for the time
an import was running, writes them to var/load.json, stops everything it started and exits
non-zero when any request or import failed.

Environment: LOAD_SECONDS (60), LOAD_USERS (8 simulated admins, one of them importing),
LOAD_SIZE (100000 seeded users), LOAD_IMPORT_ROWS (3000 rows per uploaded file),
LOAD_DATABASE_URL, LOAD_REDIS_URL, LOAD_PORT (a free one). ``LOAD_MODE=open`` runs the
open-loop steps of ``loadtest.open_run`` instead.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import redis

from kaizala_portal import localservices

from .accounts import ORGANIZATION_SLUG

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "load"
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
USERS = int(os.environ.get("LOAD_USERS", "8"))
SIZE = int(os.environ.get("LOAD_SIZE", "100000"))
IMPORT_ROWS = int(os.environ.get("LOAD_IMPORT_ROWS", "3000"))
DATABASE_URL = os.environ.get("LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kaizala_load")
REDIS_URL = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/13")
# Time the last upload's import gets to finish after locust stops, before the worker is stopped.
IMPORT_FINISH_SECONDS = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def portal_environment(*, run_id: str, database_url: str = DATABASE_URL) -> dict[str, str]:
    """Production settings, except what needs HTTPS, with a broker queue and files of this run's own."""
    return {
        "DJANGO_SETTINGS_MODULE": "kaizala_portal.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "False",
        "SECRET_KEY": f"load-{run_id}-{uuid.uuid4().hex}",
        "SECURE_SSL_REDIRECT": "False",
        "SESSION_COOKIE_SECURE": "False",
        "CSRF_COOKIE_SECURE": "False",
        "SECURE_HSTS_SECONDS": "0",
        # Persistent database connections, as a production deployment keeps them.
        "CONN_MAX_AGE": "60",
        "REDIS_URL": REDIS_URL,
        "CELERY_KEY_PREFIX": f"kaizala-load-{run_id}:",
        "CELERY_QUEUE": f"kaizala-load-{run_id}",
        "PRIVATE_STORAGE_ROOT": str(WORK / "files"),
        "LOG_LEVEL": "WARNING",
        "LOAD_SIZE": str(SIZE),
        "LOAD_IMPORT_ROWS": str(IMPORT_ROWS),
    }


def ensure_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True)


def seed(*, size: int = SIZE, admins: int = max(USERS, 1)) -> dict:
    output = subprocess.run(
        [sys.executable, "-m", "loadtest.seed", str(size), str(admins)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def start(command: list[str], *, log: Path) -> subprocess.Popen:
    # A session of its own, so that stopping it stops its children (gunicorn's and celery's workers) too.
    return subprocess.Popen(command, cwd=ROOT, start_new_session=True, stdout=log.open("w"), stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_for_web(url: str, process: subprocess.Popen, *, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn stopped while starting; see var/load/gunicorn.log.")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"Nothing answered on {url}.")


def wait_for_worker(hostname: str, process: subprocess.Popen, *, seconds: float = 60) -> None:
    from kaizala_portal.celery import app

    deadline = time.monotonic() + seconds
    while not app.control.ping(destination=[hostname], timeout=0.5):
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError("The Celery worker did not start; see var/load/worker.log.")


def import_jobs_since(started: float) -> list:
    from datetime import UTC, datetime

    from imports.models import ImportJob

    since = datetime.fromtimestamp(started, UTC)
    return list(ImportJob.objects.filter(organization__slug=ORGANIZATION_SLUG, created_at__gte=since).order_by("pk"))


def wait_for_imports(started: float) -> None:
    deadline = time.monotonic() + IMPORT_FINISH_SECONDS
    while any(job.is_processing for job in import_jobs_since(started)) and time.monotonic() < deadline:
        time.sleep(1)


def main() -> int:
    if os.environ.get("LOAD_MODE") == "open":
        from . import open_run

        return open_run.main()
    WORK.mkdir(parents=True, exist_ok=True)
    run_id = uuid.uuid4().hex[:8]
    os.environ.update(portal_environment(run_id=run_id))
    processes: list[subprocess.Popen] = []
    own_redis = None
    try:
        print(f"Load database {DATABASE_URL}: migrating and, when empty, seeding {SIZE:,} users", flush=True)
        ensure_database(DATABASE_URL)
        manage("migrate", "--no-input", "-v", "0")
        manage("collectstatic", "--no-input", "-v", "0")
        seeded = seed()
        print(f"Organization '{seeded['slug']}': {seeded['users']:,} users, {seeded['groups']} groups", flush=True)

        if not localservices.redis_answers(REDIS_URL):
            print(f"Nothing answers on {REDIS_URL}: starting a local redis-server", flush=True)
            own_redis = localservices.start_redis(REDIS_URL)

        import django

        django.setup()
        hostname = f"load-{run_id}@{socket.gethostname()}"
        worker = start(
            [sys.executable, "-m", "celery", "-A", "kaizala_portal", "worker", "--concurrency", "1"]
            + ["--loglevel", "warning", "--without-gossip", "--without-mingle", "--hostname", hostname],
            log=WORK / "worker.log",
        )
        processes.append(worker)
        port = int(os.environ.get("LOAD_PORT") or free_port())
        web = start(
            [sys.executable, "-m", "gunicorn", "kaizala_portal.wsgi", "--workers", "2"]
            + ["--bind", f"127.0.0.1:{port}", "--timeout", "60"],
            log=WORK / "gunicorn.log",
        )
        processes.append(web)
        wait_for_web(f"http://127.0.0.1:{port}/account/login/", web)
        wait_for_worker(hostname, worker)

        samples_path = WORK / "samples.jsonl"
        samples_path.unlink(missing_ok=True)
        print(f"Running {USERS} admins for {SECONDS} s against http://127.0.0.1:{port}/", flush=True)
        started = time.time()
        locust = subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "loadtest" / "locustfile.py"), "--headless"]
            + ["--users", str(USERS), "--spawn-rate", str(USERS), "--run-time", f"{SECONDS}s"]
            + ["--host", f"http://127.0.0.1:{port}", "--only-summary", "--loglevel", "WARNING"]
            + ["--csv", str(WORK / "locust")],
            cwd=ROOT,
            env={**os.environ, "LOAD_SAMPLES": str(samples_path), "LOAD_ADMINS": str(max(USERS, 1))},
            stdout=(WORK / "locust.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        processes.append(locust)
        locust.wait()
        seconds = time.time() - started
        wait_for_imports(started)
        return report(samples_path, started=started, seconds=seconds, seeded=seeded)
    finally:
        for process in reversed(processes):
            stop(process)
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"{os.environ['CELERY_KEY_PREFIX']}*"))
        if keys:
            client.delete(*keys)
        if own_redis:
            own_redis.terminate()
            own_redis.wait()


def report(samples_path: Path, *, started: float, seconds: float, seeded: dict) -> int:
    from . import stats

    samples = [stats.Sample(**json.loads(line)) for line in samples_path.read_text().splitlines()]
    jobs = import_jobs_since(started)
    end = started + seconds
    intervals = [(job.created_at.timestamp(), job.finished_at.timestamp() if job.finished_at else end) for job in jobs]
    figures = stats.summarize(samples, seconds=seconds, started=started, import_intervals=intervals)
    figures["users"] = USERS
    # Other work on the machine shows in every figure: say how busy it was.
    figures["load_average_1min_at_end"] = round(os.getloadavg()[0], 2)
    figures["cpus"] = os.cpu_count()
    figures["organization_users"] = seeded["users"]
    figures["imports"] = [
        {
            "status": job.status,
            "rows": job.rows_done,
            "seconds": round((job.finished_at - job.created_at).total_seconds(), 1) if job.finished_at else None,
            "failure": job.failure_reason,
        }
        for job in jobs
    ]
    failed_imports = [job for job in jobs if job.status == job.Status.FAILED]

    print(
        f"\nWhole run: {figures['requests']} requests in {figures['seconds']} s, "
        f"{figures['requests_per_second']} req/s "
        f"(load average {figures['load_average_1min_at_end']} on {figures['cpus']} CPUs)"
    )
    print(stats.table(figures["pages"]))
    print(
        f"\nWhile an import was running ({figures['import_running_seconds']} of {figures['seconds']} s, "
        f"{len(jobs)} imports of {IMPORT_ROWS} rows):"
    )
    print(stats.table(figures["pages_while_importing"]))
    verdict = "met" if figures["target_met_while_importing"] else "NOT met"
    print(f"\nTarget: p95 under {stats.TARGET_P95_MS:.0f} ms for list and detail pages while an import runs: {verdict}")
    path = ROOT / "var" / "load.json"
    # The open-loop figures (LOAD_MODE=open) are kept beside these.
    if path.exists():
        figures |= {key: value for key, value in json.loads(path.read_text()).items() if key.startswith("open_loop")}
    path.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"Written to {path.relative_to(ROOT)}")
    if figures["failures"] or failed_imports:
        print(f"{figures['failures']} requests and {len(failed_imports)} imports failed (see var/load/*.log).")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
