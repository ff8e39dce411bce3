"""Batch writes for imports, in plain SQL that SQLite and PostgreSQL both run.

The ORM's bulk_create/bulk_update build a model instance and prepare every value one
by one, and bulk_update writes one CASE expression per column: at a million rows that
is most of an import's time. These statements do the same writes as multi-row
INSERTs (one statement per thousand rows) and executemany UPDATEs.
Values that need the database's own form (datetimes, JSON) still go through the
model fields' get_db_prep_save.
"""

import itertools
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import connection

from users.models import OrganizationUser, User


def _prep(model, field_name: str, value):
    return model._meta.get_field(field_name).get_db_prep_save(value, connection)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


ROWS_PER_INSERT = 1000


def _insert(head: str, tail: str, rows: Iterable[Sequence]) -> None:
    """``head VALUES (...), (...), ... tail`` for every thousand rows."""
    rows = iter(rows)
    with connection.cursor() as cursor:
        while chunk := list(itertools.islice(rows, ROWS_PER_INSERT)):
            placeholders = "(" + ", ".join(["%s"] * len(chunk[0])) + ")"
            values = ", ".join([placeholders] * len(chunk))
            cursor.execute(f"{head} VALUES {values} {tail}", [value for row in chunk for value in row])


def insert_users(people: Iterable[tuple[str, str, str]], *, joined: datetime) -> None:
    """Create users from (phone number, name, password); numbers that exist already are skipped."""
    date_joined = _prep(User, "date_joined", joined)
    _insert(
        f"INSERT INTO {_table(User)} (phone_number, name, password, is_active, is_staff, is_superuser, date_joined)",
        "ON CONFLICT (phone_number) DO NOTHING",
        ((phone, name, password, True, False, False, date_joined) for phone, name, password in people),
    )


def rename_users(names: Iterable[tuple[int, str]]) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {_table(User)} SET name = %s WHERE id = %s", [(n, pk) for pk, n in names])


def insert_memberships(
    memberships: Iterable[tuple[int, dict, int]], *, organization_id: int, added_by_id, added_at: datetime, job_id: int
) -> None:
    """Add (user id, attribute values, row number) to the organization as members added directly."""
    when = _prep(OrganizationUser, "added_at", added_at)
    member = OrganizationUser.Role.MEMBER.value
    json_field = OrganizationUser._meta.get_field("attribute_values")
    _insert(
        f"INSERT INTO {_table(OrganizationUser)} (organization_id, user_id, role, added_directly, added_by_id, "
        "added_at, attribute_values, last_import_job_id, last_import_row)",
        "ON CONFLICT (organization_id, user_id) DO NOTHING",
        (
            (
                organization_id,
                user_id,
                member,
                True,
                added_by_id,
                when,
                json_field.get_db_prep_save(values, connection),
                job_id,
                row,
            )
            for user_id, values, row in memberships
        ),
    )


def update_memberships(memberships: Iterable[OrganizationUser]) -> None:
    sql = (
        f"UPDATE {_table(OrganizationUser)} SET attribute_values = %s, added_directly = %s, "
        "last_import_job_id = %s, last_import_row = %s WHERE id = %s"
    )
    rows = [
        (
            _prep(OrganizationUser, "attribute_values", m.attribute_values),
            m.added_directly,
            m.last_import_job_id,
            m.last_import_row,
            m.pk,
        )
        for m in memberships
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
