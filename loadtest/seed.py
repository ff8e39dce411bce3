"""One organization of 100k users with attributes and groups, and its admins, written in bulk.

The people look like those of the import benchmark's files (``benchmarks.datafiles``): the
same attributes, names and phone numbers, so the files the load test uploads update some
of them and add others. Values are stored through ``attributes.types`` in their canonical
form, as an import or a form would store them.

``python -m loadtest.seed`` seeds the database of ``DATABASE_URL`` unless the organization
is already there, and prints what it found or made as JSON.
"""

import json
import os
import random
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

import django
from django.apps import apps

if not apps.ready:  # run as a script rather than from the test suite
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaizala_portal.settings")
    django.setup()

from django.db import connection, transaction  # noqa: E402

from attributes import types  # noqa: E402
from attributes.models import AttributeDefinition  # noqa: E402
from benchmarks.datafiles import ATTRIBUTES, DEPARTMENTS, FIRST, LAST  # noqa: E402
from groups.models import Group, GroupMembership  # noqa: E402
from users.models import Organization, OrganizationUser, User  # noqa: E402

from .accounts import ADMIN_PASSWORD, ORGANIZATION_NAME, ORGANIZATION_SLUG, admin_phone_number, member_phone_number  # noqa: E402

DEFAULT_SIZE = 100_000
DEFAULT_ADMINS = 8
# Top-level groups, each with one sub-group per region.
DEPARTMENT_GROUPS = ["Sales", "Operations", "Field Service", "Finance", "Customer Care", "Logistics"]
REGIONS = ["North", "South", "East", "West"]
BATCH_SIZE = 5000


@dataclass(frozen=True)
class Seeded:
    organization_id: int
    slug: str
    users: int
    admins: list[str]
    groups: int
    group_memberships: int
    seconds: float
    created: bool


def seed_organization(*, size: int = DEFAULT_SIZE, admins: int = DEFAULT_ADMINS, seed: int = 8) -> Seeded:
    """Create the load-test organization with ``size`` members and ``admins`` org admins, if it is missing."""
    started = time.perf_counter()
    organization = Organization.objects.filter(slug=ORGANIZATION_SLUG).first()
    created = organization is None
    if created:
        organization = _create(size=size, admins=admins, rng=random.Random(seed))
        # VACUUM cannot run inside a transaction (as in the test suite's).
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # Planner statistics and a visibility map, as autovacuum gives a database that has lived with these rows.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
    return _summary(organization, created=created, seconds=time.perf_counter() - started)


def _create(*, size: int, admins: int, rng: random.Random) -> Organization:
    with transaction.atomic():
        organization = Organization.objects.create(name=ORGANIZATION_NAME, slug=ORGANIZATION_SLUG)
        definitions = [
            AttributeDefinition.objects.create(
                organization=organization, name=name, value_type=value_type, position=position
            )
            for position, (name, value_type) in enumerate(ATTRIBUTES)
        ]
        admin_users = []
        for index in range(1, admins + 1):
            admin = User.objects.create_user(admin_phone_number(index), ADMIN_PASSWORD)
            admin_users.append(admin)
            OrganizationUser.objects.create(
                organization=organization,
                user=admin,
                name=f"Load Admin {index}",
                role=OrganizationUser.Role.ORG_ADMIN,
                added_directly=True,
            )
        groups = _create_groups(organization)
        now = datetime.now(UTC)
        for start in range(0, size, BATCH_SIZE):
            numbers = range(start, min(start + BATCH_SIZE, size))
            users = User.objects.bulk_create([_person(n, rng, now) for n in numbers])
            OrganizationUser.objects.bulk_create(
                [
                    OrganizationUser(
                        organization=organization,
                        user=user,
                        name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                        added_by=rng.choice(admin_users),
                        added_at=user.date_joined,
                        attribute_values=_attribute_values(n, definitions, rng),
                    )
                    for n, user in zip(numbers, users, strict=True)
                ]
            )
            _join_groups(users, groups, rng)
    return organization


def _person(n: int, rng: random.Random, now: datetime) -> User:
    user = User(
        phone_number=member_phone_number(n),
        date_joined=now - timedelta(seconds=rng.randrange(3 * 365 * 24 * 3600)),
    )
    # A fixed unusable password: set_unusable_password's random one costs time for nothing here.
    user.password = "!load-test"
    return user


def _attribute_values(n: int, definitions: list[AttributeDefinition], rng: random.Random) -> dict:
    texts = {
        "Employee ID": f"E-{n}",
        "Department": rng.choice(DEPARTMENTS),
        "Grade": str(rng.randint(1, 12)),
        "Date of joining": f"20{rng.randint(10, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "Contractor": rng.choice(["Yes", "No"]),
    }
    values = {d.key: types.parse(d.value_type, texts[d.name]) for d in definitions}
    # Not everyone has every optional value, as in a real organization.
    if rng.random() < 0.1:
        values.pop(definitions[-1].key)
    return values


def _create_groups(organization: Organization) -> list[Group]:
    groups = []
    for department in DEPARTMENT_GROUPS:
        parent = Group.objects.create(organization=organization, name=department)
        groups += [
            Group.objects.create(organization=organization, name=f"{department} / {r}", parent=parent) for r in REGIONS
        ]
    return groups


def _join_groups(users: list[User], groups: list[Group], rng: random.Random) -> None:
    """About half of the people in one regional group, a few in two, a few of them its admins."""

    memberships = []
    for user in users:
        draw = rng.random()
        count = 0 if draw < 0.5 else 1 if draw < 0.9 else 2
        for group in rng.sample(groups, count):
            role = GroupMembership.Role.ADMIN if rng.random() < 0.01 else GroupMembership.Role.MEMBER
            memberships.append(GroupMembership(group=group, user=user, role=role, added_at=user.date_joined))
    GroupMembership.objects.bulk_create(memberships)


def _summary(organization: Organization, *, created: bool, seconds: float) -> Seeded:
    admins = OrganizationUser.objects.filter(organization=organization, role=OrganizationUser.Role.ORG_ADMIN)
    return Seeded(
        organization_id=organization.pk,
        slug=organization.slug,
        users=OrganizationUser.objects.filter(organization=organization).count(),
        admins=sorted(admins.values_list("user__phone_number", flat=True)),
        groups=Group.objects.filter(organization=organization).count(),
        group_memberships=GroupMembership.objects.filter(group__organization=organization).count(),
        seconds=round(seconds, 1),
        created=created,
    )


def main(argv: list[str]) -> None:
    size = int(argv[0]) if argv else DEFAULT_SIZE
    admins = int(argv[1]) if len(argv) > 1 else DEFAULT_ADMINS
    print(json.dumps(asdict(seed_organization(size=size, admins=admins))))


if __name__ == "__main__":
    main(sys.argv[1:])
