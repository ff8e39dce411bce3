"""Batch writes for imports, in plain SQL.

The ORM's bulk_create/bulk_update build a model instance and prepare every value one
by one, and bulk_update writes one CASE expression per column: at a million rows that
is most of an import's time. These functions do the same writes in the database's
fastest form:

- PostgreSQL: the batch is streamed with COPY into a temporary table, then one
  ``INSERT ... SELECT ... ON CONFLICT`` or ``UPDATE ... FROM`` moves it. A multi-row
  INSERT with thousands of parameters spends longer in the driver, rewriting its
  placeholders, than the server spends writing the rows.
- SQLite: multi-row INSERTs (one statement per thousand rows) and executemany UPDATEs.

Values that need the database's own form (datetimes, JSON) still go through the
model fields' get_db_prep_save, or are cast by the database from their text form.
"""

import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction

from users.models import OrganizationUser, User


def _prep(model, field_name: str, value):
    return model._meta.get_field(field_name).get_db_prep_save(value, connection)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _copies() -> bool:
    return connection.vendor == "postgresql"


ROWS_PER_INSERT = 1000


def _insert(head: str, tail: str, rows: Iterable[Sequence]) -> list[tuple]:
    """``head VALUES (...), (...), ... tail`` for every thousand rows; what a RETURNING tail returns."""
    rows, returned = iter(rows), []
    with connection.cursor() as cursor:
        while chunk := list(itertools.islice(rows, ROWS_PER_INSERT)):
            placeholders = "(" + ", ".join(["%s"] * len(chunk[0])) + ")"
            values = ", ".join([placeholders] * len(chunk))
            cursor.execute(f"{head} VALUES {values} {tail}", [value for row in chunk for value in row])
            if cursor.description:
                returned += cursor.fetchall()
    return returned


def _by_index(cursor, statement: str, params: Sequence = ()) -> list[tuple]:
    """Run ``statement`` with PostgreSQL told to find the batch's rows by their indexes.

    A batch names a few thousand rows of tables that grow to millions. PostgreSQL's
    planner, counting every probe as a random disk read, reckons reading a table of a
    few hundred thousand rows whole is cheaper: measured, that took 40-100 ms a batch
    where the index took 5, and it grows with the table. SQLite always uses the index.
    """
    if _copies():
        cursor.execute("SET LOCAL enable_seqscan = off")
    cursor.execute(statement, params)
    rows = cursor.fetchall() if cursor.description else []
    if _copies():
        # Not in a finally: after an error the transaction is rolled back, the setting with it,
        # and PostgreSQL would answer a RESET with an error that hides the first one.
        cursor.execute("RESET enable_seqscan")
    return rows


def _staged(columns: str, rows: Iterable[Sequence], statement: str, params: Sequence = ()) -> list[tuple]:
    """COPY ``rows`` into a temporary table ``staged (columns)``, run ``statement`` on it, drop it.

    Returns what a RETURNING statement returns. The temporary table lives as long as the
    transaction: the import batch's, or one of its own when called outside any.
    """
    rows = list(rows)
    if not rows:
        return []
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE staged ({columns}) ON COMMIT DROP")
        with cursor.cursor.copy("COPY staged FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        # Autovacuum never analyses temporary tables: without this the planner guesses their size.
        cursor.execute("ANALYZE staged")
        returned = _by_index(cursor, statement, params)
        cursor.execute("DROP TABLE staged")
    return returned


def _one_of(column: str, values: Sequence) -> tuple[str, list]:
    """``column`` is one of ``values``: one array parameter on PostgreSQL, a placeholder each on SQLite."""
    if _copies():
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def users_by_phone(phone_numbers: Sequence[str]) -> dict[str, tuple[int, str]]:
    """(id, name) of the users with these numbers, by number."""
    if not phone_numbers:
        return {}
    condition, params = _one_of("phone_number", phone_numbers)
    with connection.cursor() as cursor:
        rows = _by_index(cursor, f"SELECT phone_number, id, name FROM {_table(User)} WHERE {condition}", params)
    return {phone: (user_id, name) for phone, user_id, name in rows}


@dataclass(slots=True)
class Membership:
    """What an import reads and writes of a person's membership, without a model instance's cost."""

    id: int
    attribute_values: dict
    added_directly: bool
    last_import_job_id: int | None
    last_import_row: int | None


def memberships_of(organization_id: int, user_ids: Sequence[int]) -> dict[int, Membership]:
    """The organization's memberships of these users, by user id, locked until the batch commits.

    The batch merges its values into what it read here: an edit saved in between (which
    locks the row too) must wait for the batch, or the batch for it, not be overwritten.
    """
    if not user_ids:
        return {}
    condition, params = _one_of("user_id", user_ids)
    # In id order, so that two transactions locking overlapping rows cannot deadlock.
    locking = " ORDER BY id FOR UPDATE" if connection.features.has_select_for_update else ""
    json_field = OrganizationUser._meta.get_field("attribute_values")
    with connection.cursor() as cursor:
        rows = _by_index(
            cursor,
            "SELECT user_id, id, attribute_values, added_directly, last_import_job_id, last_import_row "
            f"FROM {_table(OrganizationUser)} WHERE organization_id = %s AND {condition}{locking}",
            [organization_id, *params],
        )
    return {
        user_id: Membership(pk, json_field.from_db_value(values, None, connection), bool(direct), job, row)
        for user_id, pk, values, direct, job, row in rows
    }


def insert_users(people: Iterable[tuple[str, str, str]], *, joined: datetime) -> dict[str, int]:
    """Create users from (phone number, name, password); numbers that exist already are skipped.

    Returns the new users' ids by phone number.
    """
    date_joined = _prep(User, "date_joined", joined)
    columns = "phone_number, name, password, is_active, is_staff, is_superuser, date_joined"
    conflict = "ON CONFLICT (phone_number) DO NOTHING RETURNING phone_number, id"
    if _copies():
        return dict(
            _staged(
                "phone_number text, name text, password text",
                people,
                f"INSERT INTO {_table(User)} ({columns}) "
                f"SELECT phone_number, name, password, true, false, false, %s FROM staged {conflict}",
                [date_joined],
            )
        )
    return dict(
        _insert(
            f"INSERT INTO {_table(User)} ({columns})",
            conflict,
            ((phone, name, password, True, False, False, date_joined) for phone, name, password in people),
        )
    )


def rename_users(names: Iterable[tuple[int, str]]) -> None:
    if _copies():
        _staged(
            "id bigint, name text", names, f"UPDATE {_table(User)} u SET name = s.name FROM staged s WHERE u.id = s.id"
        )
        return
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {_table(User)} SET name = %s WHERE id = %s", [(n, pk) for pk, n in names])


def insert_memberships(
    memberships: Iterable[tuple[int, dict, int]], *, organization_id: int, added_by_id, added_at: datetime, job_id: int
) -> None:
    """Add (user id, attribute values, row number) to the organization as members added directly."""
    when = _prep(OrganizationUser, "added_at", added_at)
    member = OrganizationUser.Role.MEMBER.value
    columns = (
        "organization_id, user_id, role, added_directly, added_by_id, added_at, attribute_values, "
        "last_import_job_id, last_import_row"
    )
    conflict = "ON CONFLICT (organization_id, user_id) DO NOTHING"
    if _copies():
        _staged(
            "user_id bigint, attribute_values jsonb, last_import_row integer",
            ((user_id, json.dumps(values), row) for user_id, values, row in memberships),
            f"INSERT INTO {_table(OrganizationUser)} ({columns}) "
            f"SELECT %s, user_id, %s, true, %s, %s, attribute_values, %s, last_import_row FROM staged {conflict}",
            [organization_id, member, added_by_id, when, job_id],
        )
        return
    json_field = OrganizationUser._meta.get_field("attribute_values")
    _insert(
        f"INSERT INTO {_table(OrganizationUser)} ({columns})",
        conflict,
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


def update_memberships(memberships: Iterable[Membership]) -> None:
    if _copies():
        _staged(
            "id bigint, attribute_values jsonb, added_directly boolean, last_import_job_id bigint, "
            "last_import_row integer",
            (
                (m.id, json.dumps(m.attribute_values), m.added_directly, m.last_import_job_id, m.last_import_row)
                for m in memberships
            ),
            f"UPDATE {_table(OrganizationUser)} m SET attribute_values = s.attribute_values, "
            "added_directly = s.added_directly, last_import_job_id = s.last_import_job_id, "
            "last_import_row = s.last_import_row FROM staged s WHERE m.id = s.id",
        )
        return
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
            m.id,
        )
        for m in memberships
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
