"""Batch writes for imports, in plain SQL.

The ORM's bulk_create/bulk_update build a model instance and prepare every value one
by one, and bulk_update writes one CASE expression per column: at a million rows that
is most of an import's time. These functions do the same writes in the database's
fastest form:

- PostgreSQL: the batch is streamed with COPY into a temporary table, then one
  ``INSERT ... SELECT ... ON CONFLICT`` or ``UPDATE ... FROM`` moves it; new people's
  users and memberships are made by one statement (``add_members``). A multi-row
  INSERT with thousands of parameters spends longer in the driver, rewriting its
  placeholders, than the server spends writing the rows.
- SQLite: multi-row INSERTs (one statement per thousand rows) and executemany UPDATEs.

Datetimes go through the model fields' get_db_prep_save. Attribute values arrive as
JSON text, made in the process that prepares the rows; the database casts it.
"""

import itertools
import json
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from secrets import token_hex

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
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


@contextmanager
def _by_index(cursor):
    """Within the block, PostgreSQL finds the batch's rows by their indexes.

    A batch names a few thousand rows of tables that grow to millions. PostgreSQL's
    planner, counting every probe as a random disk read, reckons reading a table of a
    few hundred thousand rows whole is cheaper: measured, that took 40-100 ms a batch
    where the index took 5, and it grows with the table. SQLite always uses the index.

    JIT compilation is off too: a plan priced with a disabled scan looks expensive enough
    to compile, which took longer than running it.
    """
    if _copies():
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL jit = off")
    yield cursor
    if _copies():
        # Not in a finally: after an error the transaction is rolled back, the setting with it,
        # and PostgreSQL would answer a RESET with an error that hides the first one.
        cursor.execute("RESET enable_seqscan; RESET jit")


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
        with _by_index(cursor):
            cursor.execute(statement, params)
            returned = cursor.fetchall() if cursor.description else []
        cursor.execute("DROP TABLE staged")
    return returned


def _one_of(column: str, values: Sequence, *, of_type: str) -> tuple[str, list]:
    """``column`` is one of ``values``: one array on PostgreSQL, a placeholder each on SQLite.

    The array travels as one comma-separated string: psycopg adapts a list element by
    element, which cost more than the lookup itself. ``values`` hold no commas (phone
    numbers in E.164, ids).
    """
    if _copies():
        return f"{column} = ANY(string_to_array(%s, ',')::{of_type}[])", [",".join(map(str, values))]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def users_by_phone(phone_numbers: Sequence[str]) -> dict[str, int]:
    """The ids of the users with these numbers, by number."""
    if not phone_numbers:
        return {}
    condition, params = _one_of("phone_number", phone_numbers, of_type="text")
    with connection.cursor() as cursor, _by_index(cursor):
        cursor.execute(f"SELECT phone_number, id FROM {_table(User)} WHERE {condition}", params)
        return dict(cursor.fetchall())


@dataclass(slots=True)
class Membership:
    """What an import reads and writes of a person's membership, without a model instance's cost."""

    id: int
    name: str
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
    condition, params = _one_of("user_id", user_ids, of_type="bigint")
    # In id order, so that two transactions locking overlapping rows cannot deadlock.
    locking = " ORDER BY id FOR UPDATE" if connection.features.has_select_for_update else ""
    json_field = OrganizationUser._meta.get_field("attribute_values")
    with connection.cursor() as cursor, _by_index(cursor):
        cursor.execute(
            "SELECT user_id, id, name, attribute_values, added_directly, last_import_job_id, last_import_row "
            f"FROM {_table(OrganizationUser)} WHERE organization_id = %s AND {condition}{locking}",
            [organization_id, *params],
        )
        rows = cursor.fetchall()
    return {
        user_id: Membership(pk, name, json_field.from_db_value(values, None, connection), bool(direct), job, row)
        for user_id, pk, name, values, direct, job, row in rows
    }


def insert_users(people: Iterable[tuple[str, str]], *, joined: datetime) -> dict[str, int]:
    """Create users from (phone number, password); numbers that exist already are skipped.

    Returns the new users' ids by phone number.
    """
    date_joined = _prep(User, "date_joined", joined)
    columns = "phone_number, own_name, password, is_active, is_staff, is_superuser, date_joined"
    conflict = "ON CONFLICT (phone_number) DO NOTHING RETURNING phone_number, id"
    if _copies():
        return dict(
            _staged(
                "phone_number text, password text",
                people,
                f"INSERT INTO {_table(User)} ({columns}) "
                f"SELECT phone_number, '', password, true, false, false, %s FROM staged {conflict}",
                [date_joined],
            )
        )
    return dict(
        _insert(
            f"INSERT INTO {_table(User)} ({columns})",
            conflict,
            ((phone, "", password, True, False, False, date_joined) for phone, password in people),
        )
    )


def insert_memberships(
    memberships: Iterable[tuple[int, str, str, int]],
    *,
    organization_id: int,
    added_by_id,
    added_at: datetime,
    job_id: int,
) -> int:
    """Add (user id, name, attribute values as JSON, row number) to the organization as members added directly.

    Returns how many were added: people who are members already are left as they are.
    """
    when = _prep(OrganizationUser, "added_at", added_at)
    member = OrganizationUser.Role.MEMBER.value
    columns = (
        "organization_id, user_id, role, name, added_directly, added_by_id, added_at, attribute_values, "
        "last_import_job_id, last_import_row"
    )
    conflict = "ON CONFLICT (organization_id, user_id) DO NOTHING RETURNING user_id"
    if _copies():
        return len(
            _staged(
                "user_id bigint, name text, attribute_values jsonb, last_import_row integer",
                memberships,
                f"INSERT INTO {_table(OrganizationUser)} ({columns}) "
                f"SELECT %s, user_id, %s, name, true, %s, %s, attribute_values, %s, last_import_row "
                f"FROM staged {conflict}",
                [organization_id, member, added_by_id, when, job_id],
            )
        )
    return len(
        _insert(
            f"INSERT INTO {_table(OrganizationUser)} ({columns})",
            conflict,
            (
                (organization_id, user_id, member, name, True, added_by_id, when, values_json, job_id, row)
                for user_id, name, values_json, row in memberships
            ),
        )
    )


def update_memberships(memberships: Iterable[Membership]) -> None:
    if _copies():
        _staged(
            "id bigint, name text, attribute_values jsonb, added_directly boolean, last_import_job_id bigint, "
            "last_import_row integer",
            (
                (
                    m.id,
                    m.name,
                    json.dumps(m.attribute_values),
                    m.added_directly,
                    m.last_import_job_id,
                    m.last_import_row,
                )
                for m in memberships
            ),
            f"UPDATE {_table(OrganizationUser)} m SET name = s.name, attribute_values = s.attribute_values, "
            "added_directly = s.added_directly, last_import_job_id = s.last_import_job_id, "
            "last_import_row = s.last_import_row FROM staged s WHERE m.id = s.id",
        )
        return
    sql = (
        f"UPDATE {_table(OrganizationUser)} SET name = %s, attribute_values = %s, added_directly = %s, "
        "last_import_job_id = %s, last_import_row = %s WHERE id = %s"
    )
    rows = [
        (
            m.name,
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


@dataclass(slots=True)
class Joiner:
    """A person a batch adds to the organization: a user already (``user_id``) or a number nobody has yet."""

    user_id: int | None
    phone_number: str
    name: str  # the organization's name for them
    values_json: str  # attribute values, as JSON
    row: int


def add_members(
    joiners: Sequence[Joiner], *, organization_id: int, added_by_id, added_at: datetime, job_id: int
) -> int:
    """Add people who are not members of the organization yet, as members added directly; how many were added.

    Numbers nobody has become users first. On PostgreSQL that is one COPY and one
    statement, which creates the users and their memberships together: no ids travel
    back to be sent again.
    """
    if not joiners:
        return 0
    if not _copies():
        return _add_members_step_by_step(
            joiners, organization_id=organization_id, added_by_id=added_by_id, added_at=added_at, job_id=job_id
        )
    member = OrganizationUser.Role.MEMBER.value
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE joining (user_id bigint, phone_number text, name text, "
            "attribute_values jsonb, last_import_row integer) ON COMMIT DROP"
        )
        with cursor.cursor.copy("COPY joining FROM STDIN") as copy:
            for j in joiners:
                copy.write_row((j.user_id, j.phone_number, j.name, j.values_json, j.row))
        cursor.execute(
            f"WITH created AS (INSERT INTO {_table(User)} "
            "(phone_number, own_name, password, is_active, is_staff, is_superuser, date_joined) "
            # What set_unusable_password() stores: the prefix, and a random part that keeps them apart.
            "SELECT phone_number, '', %s || replace(gen_random_uuid()::text, '-', ''), true, false, false, %s "
            "FROM joining WHERE user_id IS NULL ON CONFLICT (phone_number) DO NOTHING RETURNING id, phone_number) "
            f"INSERT INTO {_table(OrganizationUser)} (organization_id, user_id, role, name, added_directly, "
            "added_by_id, added_at, attribute_values, last_import_job_id, last_import_row) "
            "SELECT %s, COALESCE(j.user_id, c.id), %s, j.name, true, %s, %s, j.attribute_values, %s, "
            "j.last_import_row "
            "FROM joining j LEFT JOIN created c ON c.phone_number = j.phone_number "
            "WHERE COALESCE(j.user_id, c.id) IS NOT NULL ON CONFLICT (organization_id, user_id) DO NOTHING",
            [
                UNUSABLE_PASSWORD_PREFIX,
                _prep(User, "date_joined", added_at),
                organization_id,
                member,
                added_by_id,
                _prep(OrganizationUser, "added_at", added_at),
                job_id,
            ],
        )
        added = cursor.rowcount
        cursor.execute("DROP TABLE joining")
    if added < len(joiners):
        # Someone (in another organization) gave some of these numbers to a user since the
        # batch looked them up: those people join as the users they now are.
        added += _add_members_step_by_step(
            [j for j in joiners if j.user_id is None],
            organization_id=organization_id,
            added_by_id=added_by_id,
            added_at=added_at,
            job_id=job_id,
        )
    return added


def _add_members_step_by_step(
    joiners: Sequence[Joiner], *, organization_id: int, added_by_id, added_at: datetime, job_id: int
) -> int:
    """Create the users whose numbers nobody has, read the ids of those someone has, then add the memberships.

    SQLite's way, where a statement costs little; on PostgreSQL, the way for the few numbers
    taken by someone else between a batch's lookup and its insert. Members already are skipped.
    """
    newcomers = [j for j in joiners if j.user_id is None]
    # What set_unusable_password() stores, without its slow 40-character random string: the
    # random part only keeps unusable passwords apart, so one draw serves the whole batch.
    randomness = token_hex(8 * len(newcomers))
    ids = insert_users(
        (
            (j.phone_number, UNUSABLE_PASSWORD_PREFIX + randomness[16 * i : 16 * (i + 1)])
            for i, j in enumerate(newcomers)
        ),
        joined=added_at,
    )
    if meanwhile := [j.phone_number for j in newcomers if j.phone_number not in ids]:
        ids.update(users_by_phone(meanwhile))
    return insert_memberships(
        ((j.user_id or ids[j.phone_number], j.name, j.values_json, j.row) for j in joiners),
        organization_id=organization_id,
        added_by_id=added_by_id,
        added_at=added_at,
        job_id=job_id,
    )
