"""Upload User Group Mapping files through a real Celery worker on one database; print the figures as JSON.

Run by benchmarks/run.py with DATABASE_URL, REDIS_URL and CELERY_KEY_PREFIX set. Each file
holds ``size`` memberships across 1,000 groups in a three-level hierarchy (10 regions, 90
areas, 900 teams), two groups per person, mixed phone spellings, every 50th row an admin;
the job creates the groups (an organization admin uploads it) and their people.
"""

import json
import os
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaizala_portal.settings")
django.setup()

from django.core.files import File  # noqa: E402
from django.core.management import call_command  # noqa: E402

from benchmarks.datafiles import write_group_mapping_file  # noqa: E402
from benchmarks.import_run import MemorySampler, start_worker, stop  # noqa: E402
from group_imports import services  # noqa: E402
from group_imports.models import GroupImportJob  # noqa: E402
from groups.models import Group, GroupMembership  # noqa: E402
from users.models import Organization, OrganizationUser, User  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FILES = ROOT / "var" / "bench" / "files"


def main(sizes: list[int]) -> None:
    call_command("migrate", verbosity=0)
    admin = User.objects.create_user("+919999999999", None, own_name="Bench Admin")
    results = {}
    for size in sizes:
        # An organization per size: each file starts from no groups and no people.
        organization = Organization.objects.create(name=f"Benchmark {size}", slug=f"bench-groups-{size}")
        OrganizationUser.objects.create(organization=organization, user=admin, role=OrganizationUser.Role.ORG_ADMIN)
        FILES.mkdir(parents=True, exist_ok=True)
        path = FILES / f"group-mapping-{size}.csv"
        if not path.exists():
            write_group_mapping_file(path, size)
        worker = start_worker()
        sampler = MemorySampler(worker)
        sampler.start()
        try:
            started = time.perf_counter()
            with open(path, "rb") as upload:
                job = services.create_job(
                    organization=organization,
                    uploaded_by=admin,
                    kind=GroupImportJob.Kind.USER_MAPPING,
                    upload=File(upload, name=path.name),
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
        assert job.status == GroupImportJob.Status.COMPLETED, job.failure_reason
        assert (job.added_count, job.rejected_count, job.groups_created_count) == (size, 0, 1000), job.failure_reason
        assert GroupMembership.objects.filter(group__organization=organization).count() == size
        assert Group.objects.filter(organization=organization).count() == 1000
        results[size] = {"rows_per_second": size / elapsed, "seconds": elapsed, "peak_rss_mb": memory}
        job.file.delete(save=False)
    print(json.dumps(results))


if __name__ == "__main__":
    main([int(size) for size in sys.argv[1:]])
