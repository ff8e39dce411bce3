"""One organization of 100k (or 1M) users with attributes and groups, and its admins, written in bulk.

The people look like those of the import benchmark's files (``benchmarks.datafiles``): the
same attributes, names and phone numbers, so the files the load test uploads update some
of them and add others. Values are stored through ``attributes.types`` in their canonical
form, as an import or a form would store them.

``python -m loadtest.seed`` seeds the database of ``DATABASE_URL`` unless the organization
is already there, and prints what it found or made as JSON. On PostgreSQL the people, their
values and their groups are made by a few ``INSERT ... SELECT generate_series`` statements,
so that a million of them take a minute or two rather than most of an hour.
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
        if connection.vendor == "postgresql":
            _create_people_in_sql(organization, size=size, definitions=definitions, admins=admin_users, groups=groups)
            return organization
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


def _create_people_in_sql(
    organization: Organization,
    *,
    size: int,
    definitions: list[AttributeDefinition],
    admins: list[User],
    groups: list[Group],
) -> None:
    """The same people, values and memberships as the batches below make, drawn by PostgreSQL's random()."""
    keys = {d.name: d.key for d in definitions}
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.8)")
        cursor.execute("SELECT coalesce(max(id), 0) FROM users_user")
        (last_id,) = cursor.fetchone()
        cursor.execute(
            """
            INSERT INTO users_user (password, is_superuser, phone_number, own_name, is_active, is_staff, date_joined)
            SELECT '!load-test', false, '+919' || lpad(n::text, 9, '0'), '', true, false,
                   now() - random() * interval '1095 days'
            FROM generate_series(0, %(size)s - 1) AS n
            """,
            {"size": size},
        )
        # Values in their canonical stored form: text, a JSON number, an ISO date, a JSON boolean.
        cursor.execute(
            """
            INSERT INTO users_organizationuser
                (organization_id, user_id, role, added_directly, added_at, added_by_id, name, attribute_values)
            SELECT %(organization)s, u.id, 'member', true, u.date_joined,
                   (%(admins)s::bigint[])[1 + floor(random() * cardinality(%(admins)s::bigint[]))::int],
                   (%(first)s::text[])[1 + floor(random() * cardinality(%(first)s::text[]))::int] || ' ' ||
                   (%(last)s::text[])[1 + floor(random() * cardinality(%(last)s::text[]))::int],
                   jsonb_strip_nulls(jsonb_build_object(
                       %(employee_id)s, 'E-' || substr(u.phone_number, 5)::int,
                       %(department)s,
                       (%(departments)s::text[])[1 + floor(random() * cardinality(%(departments)s::text[]))::int],
                       %(grade)s, 1 + floor(random() * 12)::int,
                       %(joined)s, format('20%%s-%%s-%%s', 10 + floor(random() * 15)::int,
                                         lpad((1 + floor(random() * 12)::int)::text, 2, '0'),
                                         lpad((1 + floor(random() * 28)::int)::text, 2, '0')),
                       %(contractor)s, CASE WHEN random() < 0.1 THEN NULL ELSE random() < 0.5 END
                   ))
            FROM users_user u
            WHERE u.id > %(last_id)s
            """,
            {
                "organization": organization.pk,
                "admins": [admin.pk for admin in admins],
                "first": FIRST,
                "last": LAST,
                "departments": DEPARTMENTS,
                "employee_id": keys["Employee ID"],
                "department": keys["Department"],
                "grade": keys["Grade"],
                "joined": keys["Date of joining"],
                "contractor": keys["Contractor"],
                "last_id": last_id,
            },
        )
        # Half in no group, 40% in one regional group, 10% in two different ones; 1% of memberships as admin.
        cursor.execute(
            """
            INSERT INTO groups_groupmembership (group_id, user_id, role, added_at)
            SELECT (%(groups)s::bigint[])[1 + pick], p.id,
                   CASE WHEN random() < 0.01 THEN 'admin' ELSE 'member' END, p.date_joined
            FROM (
                SELECT id, date_joined, random() AS draw,
                       floor(random() * %(count)s)::int AS first, 1 + floor(random() * (%(count)s - 1))::int AS step
                FROM users_user WHERE id > %(last_id)s
            ) p
            CROSS JOIN LATERAL (
                SELECT p.first AS pick WHERE p.draw >= 0.5
                UNION ALL
                SELECT (p.first + p.step) %% %(count)s WHERE p.draw >= 0.9
            ) picks
            """,
            {"groups": [group.pk for group in groups], "count": len(groups), "last_id": last_id},
        )


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
