"""The Users list sorts names as people look them up, blanks last, from an index either way.

Sorted by the bytes of the name, "AUD One" came before "Aarav Das", "Émile" after "Zoe", and
people with no name came first. The list now orders by ``users.names.sort_key()``: the name
under a collation that sets case and accents aside, a blank name as a null, nulls last.
An index is on exactly that expression for each direction (a backward scan would put the
blanks first), and they replace the plain (organization, name) index, which nothing else reads.

On PostgreSQL the indexes are built and dropped CONCURRENTLY, not blocking writes on a table
of millions (and not inside a transaction: the migration is not atomic).
"""

from django.db import migrations

OLD_NAME_SORT = "users_orguser_name_idx"
ASCENDING = "users_orguser_name_sort_asc"
DESCENDING = "users_orguser_name_sort_desc"
KEY = {"postgresql": """(NULLIF(name, '') COLLATE "und-x-icu")""", "sqlite": "(NULLIF(name, '') COLLATE NOCASE)"}


def sort_by_collated_names(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    concurrently = "CONCURRENTLY " if vendor == "postgresql" else ""
    key = KEY.get(vendor)
    if key is None:
        return
    if vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {ASCENDING} "
            f"ON users_organizationuser (organization_id, {key} ASC NULLS LAST, id)"
        )
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {DESCENDING} "
            f"ON users_organizationuser (organization_id, {key} DESC NULLS LAST, id)"
        )
    else:  # SQLite's indexes know no NULLS LAST: one index, which finds an organization's rows
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {ASCENDING} ON users_organizationuser (organization_id, {key}, id)"
        )
    schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {OLD_NAME_SORT}")


def sort_by_bytes(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(
        f"CREATE INDEX {concurrently}IF NOT EXISTS {OLD_NAME_SORT} ON users_organizationuser (organization_id, name)"
    )
    schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {ASCENDING}")
    schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {DESCENDING}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("users", "0009_organization_time_zone")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveIndex(model_name="organizationuser", name=OLD_NAME_SORT)],
            database_operations=[migrations.RunPython(sort_by_collated_names, sort_by_bytes)],
        ),
    ]
