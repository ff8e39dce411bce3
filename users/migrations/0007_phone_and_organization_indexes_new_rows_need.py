"""Two indexes nothing reads are dropped: every new person and membership paid for them.

- ``users_organizationuser.organization_id`` alone: every index of memberships starts with
  the organization already (``one_membership_per_org`` and the list's sort indexes).
- ``users_user.phone_number`` with ``varchar_pattern_ops``: Django adds it beside a unique
  text column for ``LIKE 'prefix%'``; numbers are found by the unique index and searched by
  the trigram index.

The state says it as Django would (the foreign key without an index, the number's uniqueness
as a named constraint). On PostgreSQL only the two indexes go, each dropped CONCURRENTLY:
Django's own operations would drop and re-add the foreign key and the unique constraint,
validating and rebuilding them over millions of rows under locks that stop every write
(the migration is not atomic, which CONCURRENTLY needs). The unique constraint is already the
one the state names. SQLite, the embedded default, rebuilds its small tables as Django does.
"""

import django.db.models.deletion
from django.db import migrations, models

ORGANIZATION_INDEX = "users_organizationuser_organization_id_7c541723"
PHONE_PATTERN_INDEX = "users_user_phone_number_aff54ffd_like"
PHONE_UNIQUE = "users_user_phone_number_key"

STATE_OPERATIONS = [
    migrations.AlterField(
        model_name="organizationuser",
        name="organization",
        field=models.ForeignKey(
            db_index=False,
            on_delete=django.db.models.deletion.CASCADE,
            related_name="memberships",
            to="users.organization",
        ),
    ),
    migrations.AlterField(model_name="user", name="phone_number", field=models.CharField(max_length=16)),
    migrations.AddConstraint(
        model_name="user", constraint=models.UniqueConstraint(fields=("phone_number",), name=PHONE_UNIQUE)
    ),
]


class DropIndexesOnPostgresOnly(migrations.operations.base.Operation):
    """Drops the two indexes CONCURRENTLY on PostgreSQL; elsewhere, does what the state operations do."""

    reduces_to_sql = False
    reversible = True

    def state_forwards(self, app_label, state):
        pass  # the state changes through STATE_OPERATIONS, beside this

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {ORGANIZATION_INDEX}")
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {PHONE_PATTERN_INDEX}")
            return
        state = from_state.clone()
        for operation in STATE_OPERATIONS:
            before = state.clone()
            operation.state_forwards(app_label, state)
            operation.database_forwards(app_label, schema_editor, before, state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {PHONE_PATTERN_INDEX} "
                "ON users_user (phone_number varchar_pattern_ops)"
            )
            schema_editor.execute(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {ORGANIZATION_INDEX} ON users_organizationuser (organization_id)"
            )
            return
        states = [to_state.clone()]
        for operation in STATE_OPERATIONS:
            states.append(states[-1].clone())
            operation.state_forwards(app_label, states[-1])
        for operation, before, after in reversed(list(zip(STATE_OPERATIONS, states[:-1], states[1:], strict=True))):
            operation.database_backwards(app_label, schema_editor, after, before)

    def describe(self):
        return "Drop the organization and phone pattern indexes (CONCURRENTLY on PostgreSQL)"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("users", "0006_phone_trigram_index_for_search_only"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=STATE_OPERATIONS, database_operations=[DropIndexesOnPostgresOnly()]
        ),
    ]
