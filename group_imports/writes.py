"""A batch's reads and writes of memberships in the database's fastest form (as ``imports.bulk`` does for users).

The ORM's bulk_create prepares every value of every row in Python, and an ``IN (...)`` of
thousands of ids spends longer in the driver, rewriting its placeholders, than the server
spends answering. On PostgreSQL the batch travels as one array or one COPY; on SQLite, where
a statement costs little, the ORM does it.
"""

import secrets
from collections.abc import Sequence
from datetime import datetime

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connection

from groups.models import GroupMembership
from imports import bulk
from users.models import OrganizationUser, User


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def memberships_of(pairs: Sequence[tuple[int, int]]) -> dict[tuple[int, int], tuple[int, str]]:
    """(group id, user id) -> (membership id, role), for those of these pairs that are memberships."""
    if not pairs:
        return {}
    if not _postgres():
        group_ids, user_ids = {g for g, _ in pairs}, {u for _, u in pairs}
        found = GroupMembership.objects.filter(group_id__in=group_ids, user_id__in=user_ids)
        wanted = set(pairs)
        return {
            (g, u): (pk, role)
            for pk, g, u, role in found.values_list("pk", "group_id", "user_id", "role")
            if (g, u) in wanted
        }
    # Pair by pair through the (group, user) unique index: the groups' other members are never read.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT m.id, m.group_id, m.user_id, m.role FROM {_table(GroupMembership)} m "
            "JOIN unnest(string_to_array(%s, ',')::bigint[], string_to_array(%s, ',')::bigint[]) AS p(g, u) "
            "ON m.group_id = p.g AND m.user_id = p.u",
            [",".join(str(g) for g, _ in pairs), ",".join(str(u) for _, u in pairs)],
        )
        return {(g, u): (pk, role) for pk, g, u, role in cursor.fetchall()}


def insert_new_memberships(rows: Sequence[tuple[int, int, str]], *, added_at: datetime) -> set[tuple[int, int]]:
    """Add the (group id, user id, role) memberships that do not exist yet; the (group, user) pairs added.

    One statement on PostgreSQL, which skips the pairs that exist: a first upload of people
    (the usual one) never reads its memberships before writing them.
    """
    if not rows:
        return set()
    if not _postgres():
        existing = memberships_of([(g, u) for g, u, _ in rows])
        new = [(g, u, role) for g, u, role in rows if (g, u) not in existing]
        GroupMembership.objects.bulk_create(
            [GroupMembership(group_id=g, user_id=u, role=role, added_at=added_at) for g, u, role in new],
            batch_size=500,
        )
        return {(g, u) for g, u, _ in new}
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(GroupMembership)} (group_id, user_id, role, added_at) "
            "SELECT g, u, r, %s FROM unnest(string_to_array(%s, ',')::bigint[], "
            "string_to_array(%s, ',')::bigint[], string_to_array(%s, ',')) AS m(g, u, r) "
            "ON CONFLICT (group_id, user_id) DO NOTHING RETURNING group_id, user_id",
            [
                added_at,
                ",".join(str(g) for g, _, _ in rows),
                ",".join(str(u) for _, u, _ in rows),
                ",".join(role for _, _, role in rows),
            ],
        )
        return set(cursor.fetchall())


def create_users(phone_numbers: Sequence[str], *, joined: datetime) -> dict[str, int]:
    """Accounts for numbers nobody has (E.164, so no commas), with unusable passwords; their ids by number.

    Numbers someone took meanwhile are left out (the caller looks them up).
    """
    if not phone_numbers:
        return {}
    if not _postgres():
        randomness = secrets.token_hex(8 * len(phone_numbers))
        return bulk.insert_users(
            (
                (number, UNUSABLE_PASSWORD_PREFIX + randomness[16 * i : 16 * (i + 1)])
                for i, number in enumerate(phone_numbers)
            ),
            joined=joined,
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(User)} "
            "(phone_number, own_name, password, is_active, is_staff, is_superuser, date_joined) "
            # What set_unusable_password() stores: the prefix, and a random part that keeps them apart.
            "SELECT phone_number, '', %s || replace(gen_random_uuid()::text, '-', ''), true, false, false, %s "
            "FROM unnest(string_to_array(%s, ',')) AS phone_number "
            "ON CONFLICT (phone_number) DO NOTHING RETURNING phone_number, id",
            [UNUSABLE_PASSWORD_PREFIX, joined, ",".join(phone_numbers)],
        )
        return dict(cursor.fetchall())


def join_organization(*, organization_id: int, user_ids: Sequence[int], added_by_id: int | None, added_at: datetime):
    """Make organization users of those of ``user_ids`` who are not yet, as people in through a group.

    What ``groups.services.sync_organization_users`` does for people who joined a mapped group
    (and nobody leaves by being added to a group): not added directly, added by the uploader.
    """
    if not user_ids:
        return
    if not _postgres():
        OrganizationUser.objects.bulk_create(
            [
                OrganizationUser(
                    organization_id=organization_id,
                    user_id=user_id,
                    added_directly=False,
                    added_by_id=added_by_id,
                    added_at=added_at,
                )
                for user_id in user_ids
            ],
            ignore_conflicts=True,
            batch_size=500,
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(OrganizationUser)} (organization_id, user_id, role, name, added_directly, "
            "added_by_id, added_at, attribute_values) "
            "SELECT %s, user_id, %s, '', false, %s, %s, '{}'::jsonb "
            "FROM unnest(string_to_array(%s, ',')::bigint[]) AS user_id "
            "ON CONFLICT (organization_id, user_id) DO NOTHING",
            [
                organization_id,
                OrganizationUser.Role.MEMBER.value,
                added_by_id,
                added_at,
                ",".join(map(str, user_ids)),
            ],
        )
