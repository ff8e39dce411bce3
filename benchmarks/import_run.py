"""Import files through a real Celery worker on one database; print the figures as JSON.

Run by benchmarks/run.py with DATABASE_URL, REDIS_URL and CELERY_KEY_PREFIX set.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaizala_portal.settings")
django.setup()

from django.core.files import File  # noqa: E402
from django.core.management import call_command  # noqa: E402

from attributes.models import AttributeDefinition  # noqa: E402
from benchmarks.datafiles import ATTRIBUTES, write_import_file  # noqa: E402
from imports import services  # noqa: E402
from imports.models import ImportJob  # noqa: E402
from users.models import Organization, OrganizationUser, User  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FILES = ROOT / "var" / "bench" / "files"


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``: the pool process and the helper it starts for big files."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, frontier = [], [pid]
    while frontier:
        frontier = [child for parent in frontier for child in children.get(parent, [])]
        found += frontier
    return found


def rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)


class MemorySampler(threading.Thread):
    """The worker's memory while it imports: the sum of resident memory over all its processes.

    Sampled every tenth of a second, because the process that prepares rows lives only
    as long as the job: its peak cannot be read afterwards.
    """

    def __init__(self, worker: subprocess.Popen):
        super().__init__(daemon=True)
        self.worker, self.peak_kb, self.done = worker, 0, threading.Event()

    def run(self) -> None:
        self.sample()
        while not self.done.wait(0.1):
            self.sample()

    def sample(self) -> None:
        pids = [self.worker.pid, *descendants(self.worker.pid)]
        self.peak_kb = max(self.peak_kb, sum(rss_kb(pid) for pid in pids))

    def stop(self) -> float:
        self.done.set()
        self.join()
        self.sample()
        return self.peak_kb / 1024


def start_worker() -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "kaizala_portal", "worker", "--concurrency", "1"]
    command += [
        "--loglevel",
        "warning",
        "--without-gossip",
        "--without-mingle",
        "--hostname",
        f"bench-{os.getpid()}@%h",
    ]
    worker = subprocess.Popen(command, cwd=ROOT, start_new_session=True)
    from kaizala_portal.celery import app

    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[f"bench-{os.getpid()}@{os.uname().nodename}"], timeout=0.5):
        if time.monotonic() > deadline or worker.poll() is not None:
            raise RuntimeError("The benchmark's worker did not start.")
    return worker


def stop(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def main(sizes: list[int]) -> None:
    call_command("migrate", verbosity=0)
    organization = Organization.objects.create(name="Benchmark", slug=f"bench-{int(time.time())}")
    for position, (name, value_type) in enumerate(ATTRIBUTES):
        AttributeDefinition.objects.create(
            organization=organization, name=name, value_type=value_type, position=position
        )
    admin = User.objects.create_user("+919999999999", None, own_name="Bench Admin")
    results = {}
    first_number = 0
    for size in sizes:
        FILES.mkdir(parents=True, exist_ok=True)
        path = FILES / f"users-{size}-{first_number}.csv"
        if not path.exists():
            write_import_file(path, size, first_number=first_number)
        first_number += size
        worker = start_worker()
        sampler = MemorySampler(worker)
        sampler.start()
        try:
            started = time.perf_counter()
            with open(path, "rb") as upload:
                job = services.create_import_job(
                    organization=organization, uploaded_by=admin, upload=File(upload, name=path.name), file_format="csv"
                )
            while True:
                job.refresh_from_db()
                if not job.is_processing:
                    break
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
            memory = sampler.stop()
        finally:
            stop(worker)
        assert job.status == ImportJob.Status.COMPLETED, job.failure_reason
        assert job.created_count == size, (job.created_count, job.rejected_count)
        results[size] = {"rows_per_second": size / elapsed, "seconds": elapsed, "peak_rss_mb": memory}
        job.file.delete(save=False)
    assert OrganizationUser.objects.filter(organization=organization).count() == sum(sizes)
    print(json.dumps(results))


if __name__ == "__main__":
    main([int(size) for size in sys.argv[1:]])
