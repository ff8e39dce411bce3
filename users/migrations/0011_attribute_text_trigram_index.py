"""A trigram index on the text of each membership's attribute values, for the text filters.

The Users list's "Department is …" and "Department contains …" (and dynamic groups' rules
that ask the same) compare one key's text whatever its case: no index answers that for every
attribute of every organization. ``attributes.conditions`` adds, beside the exact condition,
one this index answers: the whole values' text, upper-cased, contains the value as JSON writes
it. On a million people, counting a fiftieth of them read the organization whole without it.

Every membership written writes its values' trigrams too: a bare INSERT of 100k memberships
with five values each took 2.7 s instead of 0.9 s. An import spends most of its time
elsewhere (parsing, validating), but pays that much more per row.

PostgreSQL only (SQLite has no trigram index), built CONCURRENTLY, which does not block writes
(and cannot run in a transaction: the migration is not atomic).
"""

from django.db import migrations

INDEX = "users_orguser_values_text_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} "
            "ON users_organizationuser USING gin (UPPER(attribute_values::text) gin_trgm_ops)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("users", "0010_names_sort_ignoring_case_and_accents")]

    operations = [migrations.RunPython(create_index, drop_index)]
