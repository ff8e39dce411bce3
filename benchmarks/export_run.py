"""Export organizations of users through a real Celery worker on one database; print the figures as JSON.

Run by benchmarks/run.py with DATABASE_URL, REDIS_URL and CELERY_KEY_PREFIX set. Each
size gets an organization of its own with that many users (the import benchmark's five
attributes, filled in); the databases are left for the floor and the peer to read.
"""

import json
import os
import random
import sys
import time
from datetime import UTC, datetime

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaizala_portal.settings")
django.setup()

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX  # noqa: E402
from django.core.management import call_command  # noqa: E402

from attributes.models import AttributeDefinition  # noqa: E402
from benchmarks.datafiles import ATTRIBUTES, DEPARTMENTS, FIRST, LAST  # noqa: E402
from benchmarks.import_run import MemorySampler, start_worker, stop  # noqa: E402
from exports import services  # noqa: E402
from exports.models import ExportJob  # noqa: E402
from imports import bulk  # noqa: E402
from users.models import Organization, User  # noqa: E402

SEED_CHUNK = 10_000


def seed(organization: Organization, definitions: list[AttributeDefinition], size: int, first_number: int) -> None:
    """``size`` users added directly to ``organization``, with every attribute filled in."""
    rng = random.Random(first_number)
    joined = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    employee_id, department, grade, date_of_joining, contractor = (d.key for d in definitions)
    for start in range(first_number, first_number + size, SEED_CHUNK):
        numbers = range(start, min(start + SEED_CHUNK, first_number + size))
        phones = [f"+919{n:09d}" for n in numbers]
        bulk.insert_users(((phone, UNUSABLE_PASSWORD_PREFIX) for phone in phones), joined=joined)
        ids = dict(User.objects.filter(phone_number__in=phones).values_list("phone_number", "pk"))
        bulk.insert_memberships(
            (
                (
                    ids[phone],
                    f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    json.dumps(
                        {
                            employee_id: f"E-{n}",
                            department: rng.choice(DEPARTMENTS),
                            grade: rng.randint(1, 12),
                            date_of_joining: f"20{rng.randint(10, 24)}-{rng.randint(1, 12):02d}-"
                            f"{rng.randint(1, 28):02d}",
                            contractor: rng.random() < 0.2,
                        }
                    ),
                    n,
                )
                for n, phone in zip(numbers, phones, strict=True)
            ),
            organization_id=organization.pk,
            added_by_id=None,
            added_at=joined,
            job_id=0,
        )


def main(sizes: list[int]) -> None:
    call_command("migrate", verbosity=0)
    # A platform superuser asks for the exports: an admin of every organization, in none of them.
    admin = User.objects.create_user("+919999999999", None, own_name="Bench Admin", is_superuser=True)
    results = {}
    first_number = 0
    for size in sizes:
        organization = Organization.objects.create(name=f"Export {size}", slug=f"export-{size}")
        definitions = [
            AttributeDefinition.objects.create(
                organization=organization, name=name, value_type=value_type, position=position
            )
            for position, (name, value_type) in enumerate(ATTRIBUTES)
        ]
        seed(organization, definitions, size, first_number)
        first_number += size
        worker = start_worker()
        sampler = MemorySampler(worker)
        sampler.start()
        try:
            started = time.perf_counter()
            job = services.create_export_job(organization=organization, requested_by=admin, scope="")
            while True:
                job.refresh_from_db()
                if not job.is_queued:
                    break
                time.sleep(0.02)
            elapsed = time.perf_counter() - started
            memory = sampler.stop()
        finally:
            stop(worker)
        assert job.status == ExportJob.Status.COMPLETED, job.failure_reason
        assert job.total_rows == size, (job.total_rows, size)
        results[size] = {
            "rows_per_second": size / elapsed,
            "seconds": elapsed,
            "peak_rss_mb": memory,
            "organization_id": organization.pk,
            "file_bytes": job.file.size,
        }
        job.file.delete(save=False)
    print(json.dumps(results))


if __name__ == "__main__":
    main([int(size) for size in sys.argv[1:]])
