"""Refresh 20 dynamic groups after a real import of N people; print the figures as JSON.

Run by benchmarks/run.py with DATABASE_URL, REDIS_URL and CELERY_KEY_PREFIX set. The imports
run through a real Celery worker; the refresh is the service (``groups.dynamic``) called
directly after each, so that it is timed alone:

1. the first file (N new people) is imported while the 20 groups are ordinary; the rules are
   then stored and the refresh fills the groups (everyone it matches joins);
2. the rules are put aside, a second file touching the same N people with other values is
   imported, the rules come back, and the refresh moves people in and out (the figure);
3. the refresh runs once more, with nobody to move.
"""

import json
import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaizala_portal.settings")
django.setup()

from django.core.files import File  # noqa: E402
from django.core.management import call_command  # noqa: E402

from attributes.models import AttributeDefinition  # noqa: E402
from benchmarks.datafiles import ATTRIBUTES, DEPARTMENTS, write_import_file  # noqa: E402
from benchmarks.import_run import FILES, start_worker, stop  # noqa: E402
from groups import dynamic  # noqa: E402
from groups.models import Group, GroupMembership  # noqa: E402
from groups.rules import ALL, ANY, Condition, Rule  # noqa: E402
from imports import services  # noqa: E402
from imports.models import ImportJob  # noqa: E402
from users.models import Organization, OrganizationUser, User  # noqa: E402


def rules_for(definitions: dict[str, AttributeDefinition]) -> list[Rule]:
    """Twenty rules of every kind: text equals and contains, number and date ranges, Yes/No, all and any."""

    def c(name, operator, value, to=None):
        d = definitions[name]
        return Condition(d.pk, d.name, d.value_type, operator, value, to)

    rules = [Rule(conditions=(c("Department", "equals", department.upper()),)) for department in DEPARTMENTS]
    rules += [Rule(conditions=(c("Grade", "between", low, low + 2),)) for low in (1, 4, 7, 10)]
    rules += [Rule(conditions=(c("Contractor", "is", value),)) for value in (True, False)]
    rules += [
        Rule(conditions=(c("Date of joining", "between", "2012-01-01", "2015-12-31"),)),
        Rule(conditions=(c("Date of joining", "between", "2020-01-01", None),)),
    ]
    for department in DEPARTMENTS[:3]:
        rules.append(
            Rule(match=ALL, conditions=(c("Department", "contains", department[:4]), c("Grade", "between", 6, None)))
        )
        rules.append(Rule(match=ANY, conditions=(c("Department", "equals", department), c("Contractor", "is", True))))
    assert len(rules) == 20
    return rules


def import_through_a_worker(organization: Organization, admin: User, size: int, *, seed: int) -> float:
    path = FILES / f"users-{size}-0-seed{seed}.csv"
    FILES.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        write_import_file(path, size, first_number=0, seed=seed)
    worker = start_worker()
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
    finally:
        stop(worker)
    assert job.status == ImportJob.Status.COMPLETED, job.failure_reason
    assert job.created_count + job.updated_count + job.unchanged_count == size
    job.file.delete(save=False)
    return elapsed


def timed_refresh(organization: Organization, admin: User) -> tuple[float, int, int]:
    started = time.perf_counter()
    results = dynamic.refresh_dynamic_groups(organization=organization, actor=admin, cause=dynamic.Cause.IMPORT)
    elapsed = time.perf_counter() - started
    return elapsed, sum(r.joined for r in results), sum(r.left for r in results)


def main(size: int) -> None:
    call_command("migrate", verbosity=0)
    organization = Organization.objects.create(name="Benchmark", slug=f"bench-dynamic-{int(time.time())}")
    definitions = {
        name: AttributeDefinition.objects.create(
            organization=organization, name=name, value_type=value_type, position=position
        )
        for position, (name, value_type) in enumerate(ATTRIBUTES)
    }
    admin = User.objects.create_user("+919999999999", None, own_name="Bench Admin")
    OrganizationUser.objects.create(organization=organization, user=admin, role=OrganizationUser.Role.ORG_ADMIN)
    rules = rules_for(definitions)
    groups = []
    for number, rule in enumerate(rules):
        group = Group.objects.create(organization=organization, name=f"Dynamic {number:02d}")
        GroupMembership.objects.create(group=group, user=admin, role=GroupMembership.Role.ADMIN)
        groups.append((group, rule))

    def store_rules() -> None:
        for group, rule in groups:
            Group.objects.filter(pk=group.pk).update(rule=rule.to_json())

    first_import = import_through_a_worker(organization, admin, size, seed=1)
    store_rules()
    fill_seconds, filled, _ = timed_refresh(organization, admin)

    Group.objects.filter(organization=organization).update(rule=None)
    second_import = import_through_a_worker(organization, admin, size, seed=2)
    store_rules()
    refresh_seconds, joined, left = timed_refresh(organization, admin)
    # Once more with nothing to move: what every import pays even when it changes no one's group.
    unchanged_seconds, *nothing = timed_refresh(organization, admin)
    assert nothing == [0, 0]

    members = GroupMembership.objects.filter(group__organization=organization, role=GroupMembership.Role.MEMBER)
    print(
        json.dumps(
            {
                "people": size,
                "groups": len(groups),
                "first_import_seconds": first_import,
                "fill_seconds": fill_seconds,
                "filled": filled,
                "second_import_seconds": second_import,
                "refresh_seconds": refresh_seconds,
                "joined": joined,
                "left": left,
                "unchanged_seconds": unchanged_seconds,
                "members_after": members.count(),
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]))
