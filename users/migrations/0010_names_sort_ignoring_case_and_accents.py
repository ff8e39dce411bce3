"""The Users list sorts names as people look them up, blanks last, from an index.

Sorted by the bytes of the name, "AUD One" came before "Aarav Das", "Émile" after "Zoe", and
people with no name came first. The list now orders by ``users.names.sort_key()``: the name
under a collation that sets case and accents aside, a blank name as a null, nulls last.
An index on exactly that expression, ascending, replaces the plain (organization, name) index,
which nothing else reads; the first page in the list's default order is read from it.

Sorting by name the other way round (blanks still last) sorts the organization's rows: a
second index for that direction would cost every import a tenth of its speed (each new
membership writes every index; measured with `make bench`), for a sort people ask for seldom.

On PostgreSQL the index is built and the old one dropped CONCURRENTLY, not blocking writes on
a table of millions (and not inside a transaction: the migration is not atomic).
"""

from django.db import migrations

OLD_NAME_SORT = "users_orguser_name_idx"
ASCENDING = "users_orguser_name_sort_asc"
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


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("users", "0009_organization_time_zone")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveIndex(model_name="organizationuser", name=OLD_NAME_SORT)],
            database_operations=[migrations.RunPython(sort_by_collated_names, sort_by_bytes)],
        ),
    ]
