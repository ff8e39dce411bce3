"""Trigram indexes for the Users list's search, where the database has them (PostgreSQL).

The search looks for any part of a name (``UPPER(name) LIKE UPPER('%sharma%')``) or of a
phone number (``phone_number LIKE '%12345%'``); a B-tree cannot answer a pattern that
starts with a wildcard, so on 100k people every search read the whole table. The indexes
are on exactly the expressions Django writes for ``icontains`` and ``contains``.
pg_trgm ships with PostgreSQL; creating it needs a role allowed to create extensions.
Built CONCURRENTLY, which does not block writes (and cannot run in a transaction: the
migration is not atomic).
"""

from django.db import migrations


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_user_name_trgm ON users_user USING gin (UPPER(name::text) gin_trgm_ops)"
        )
        schema_editor.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_user_phone_trgm ON users_user USING gin (phone_number gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS users_user_name_trgm")
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS users_user_phone_trgm")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("users", "0004_import_bookkeeping")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
