"""A GIN index on attribute values, where the database has them (PostgreSQL).

It answers the Users list's "equals" and "Yes/No" attribute filters, which query by
containment (``attribute_values @> '{"a12": true}'``). SQLite has no such index.
Built CONCURRENTLY, which does not block writes to a table of millions (and cannot run in a
transaction: the migration is not atomic).
"""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_orguser_attribute_values_gin "
            "ON users_organizationuser USING gin (attribute_values jsonb_path_ops)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS users_orguser_attribute_values_gin")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("users", "0002_organization_date_order")]

    operations = [migrations.RunPython(create_index, drop_index)]
