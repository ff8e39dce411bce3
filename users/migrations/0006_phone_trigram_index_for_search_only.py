"""The phone number's trigram index serves the search only, never a lookup by whole numbers.

On the bare column, PostgreSQL also answers ``phone_number = ANY(...)`` from a trigram
index, and its planner picks it for the few thousand numbers an import batch looks up:
16 seconds a batch instead of a few milliseconds by the unique B-tree. On
``UPPER(phone_number::text)``, the expression Django writes for ``icontains``, the index
is used by the search (which asks ``icontains``) and by nothing else.
Dropped and built CONCURRENTLY, which does not block writes (and cannot run in a transaction:
the migration is not atomic); the search reads the table for the while in between.
"""

from django.db import migrations


def index_the_search_expression(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS users_user_phone_trgm")
        schema_editor.execute(
            "CREATE INDEX CONCURRENTLY users_user_phone_trgm ON users_user USING gin (UPPER(phone_number::text) gin_trgm_ops)"
        )


def index_the_column(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS users_user_phone_trgm")
        schema_editor.execute("CREATE INDEX CONCURRENTLY users_user_phone_trgm ON users_user USING gin (phone_number gin_trgm_ops)")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("users", "0005_search_trigram_indexes")]

    operations = [migrations.RunPython(index_the_search_expression, index_the_column)]
