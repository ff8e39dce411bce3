"""The name an organization gives a person moves from the person to their membership.

Until now a person had one name, which every organization read and any of them wrote.
Each membership now holds its organization's own name for the person, starting as the
name every organization saw so far; the person keeps a name only where no organization
holds them (an account of the platform's own staff), as their own.

Written to run on tables of millions while the portal serves:
- the copy goes by ranges of user ids, a transaction each, so no lock is held for long,
  and a run stopped half way starts again where it stopped (it only fills empty names);
- on PostgreSQL the search and sort indexes are built and dropped CONCURRENTLY, which
  does not block writes (and cannot run inside a transaction: the migration is not atomic).
"""

from django.db import migrations, models, transaction

# Small enough that a batch's transaction holds its rows for a fraction of a second: an admin
# editing someone in the batch being copied waits no longer than that (tests/test_migrations_under_writes.py).
BATCH_USERS = 2_000

NAME_TRIGRAMS = "users_orguser_name_trgm"
NAME_SORT = "users_orguser_name_idx"
OLD_NAME_TRIGRAMS = "users_user_name_trgm"
OLD_NAME_SORT = "users_user_name_7f8296_idx"


def _postgres(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


def _by_ranges_of_user_ids(schema_editor, *statements: str) -> None:
    """Run ``statements`` for each range of BATCH_USERS user ids, in one short transaction a range.

    Each statement's ``BETWEEN %s AND %s`` is given the range.
    """
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM users_user")
        (last_id,) = cursor.fetchone()
    for start in range(1, last_id + 1, BATCH_USERS):
        end = start + BATCH_USERS - 1
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement, [start, end] * statement.count("BETWEEN"))


def copy_names_to_memberships(apps, schema_editor):
    _by_ranges_of_user_ids(
        schema_editor,
        "UPDATE users_organizationuser SET name = "
        "(SELECT u.name FROM users_user u WHERE u.id = users_organizationuser.user_id) "
        "WHERE user_id BETWEEN %s AND %s AND name = '' "
        "AND user_id IN (SELECT id FROM users_user WHERE id BETWEEN %s AND %s AND name <> '')",
        # The name was the organizations' (they gave it, by upload or by hand): it is theirs now.
        "UPDATE users_user SET name = '' WHERE id BETWEEN %s AND %s AND name <> '' "
        "AND EXISTS (SELECT 1 FROM users_organizationuser m WHERE m.user_id = users_user.id)",
    )


def copy_names_back(apps, schema_editor):
    """Undo: each person takes back one of their organizations' names for them (the first one given)."""
    _by_ranges_of_user_ids(
        schema_editor,
        "UPDATE users_user SET name = (SELECT m.name FROM users_organizationuser m "
        "WHERE m.user_id = users_user.id AND m.name <> '' ORDER BY m.id LIMIT 1) "
        "WHERE id BETWEEN %s AND %s AND name = '' AND EXISTS "
        "(SELECT 1 FROM users_organizationuser m WHERE m.user_id = users_user.id AND m.name <> '')",
    )


def index_names_where_they_live(apps, schema_editor):
    if _postgres(schema_editor):
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NAME_SORT} ON users_organizationuser (organization_id, name)"
        )
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NAME_TRIGRAMS} "
            "ON users_organizationuser USING gin (UPPER(name::text) gin_trgm_ops)"
        )
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {OLD_NAME_TRIGRAMS}")
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {OLD_NAME_SORT}")
    else:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {NAME_SORT} ON users_organizationuser (organization_id, name)")
        schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_NAME_SORT}")


def index_names_on_people(apps, schema_editor):
    if _postgres(schema_editor):
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {OLD_NAME_SORT} ON users_user (name)")
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {OLD_NAME_TRIGRAMS} "
            "ON users_user USING gin (UPPER(name::text) gin_trgm_ops)"
        )
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME_TRIGRAMS}")
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME_SORT}")
    else:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {OLD_NAME_SORT} ON users_user (name)")
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME_SORT}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("users", "0007_phone_and_organization_indexes_new_rows_need")]

    operations = [
        # A constant default: PostgreSQL adds the column without rewriting the table.
        migrations.AddField(
            model_name="organizationuser",
            name="name",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
        migrations.RunPython(copy_names_to_memberships, copy_names_back, elidable=False),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="user", name=OLD_NAME_SORT),
                migrations.AddIndex(
                    model_name="organizationuser",
                    index=models.Index(fields=["organization", "name"], name=NAME_SORT),
                ),
            ],
            database_operations=[migrations.RunPython(index_names_where_they_live, index_names_on_people)],
        ),
        migrations.RenameField(model_name="user", old_name="name", new_name="own_name"),
        migrations.AlterField(
            model_name="user",
            name="own_name",
            field=models.CharField(blank=True, max_length=200, verbose_name="your name"),
        ),
    ]
