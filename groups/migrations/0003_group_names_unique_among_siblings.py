"""Sibling groups never share a name, whatever its case.

Existing duplicates are renamed first, so that the constraints apply to any database:
in each set of siblings the oldest group (lowest id) keeps its name, the others get
" (2)", " (3)", ... in the order they were created, skipping names any sibling has.

On PostgreSQL the unique indexes are built CONCURRENTLY, as every index of the portal's
migrations, so that groups can be created and renamed meanwhile (the migration is not atomic;
the renaming is one transaction of its own). Should a duplicate be made between the renaming and
the build, the build fails and leaves an invalid index, which running the migration again drops
before it renames and builds once more.
"""

import django.db.models.functions.text
from django.db import migrations, models

MAX_NAME_LENGTH = 200


def _siblings_key(group) -> tuple | None:
    if group.parent_id is not None:
        return ("under", group.parent_id)
    if group.organization_id is not None:
        return ("top", group.organization_id)
    return None  # mapped nowhere and at the top: no siblings to clash with


def _numbered(name: str, number: int) -> str:
    suffix = f" ({number})"
    return name[: MAX_NAME_LENGTH - len(suffix)] + suffix


def rename_duplicate_siblings(apps, schema_editor):
    Group = apps.get_model("groups", "Group")
    groups = list(Group.objects.order_by("pk").only("pk", "name", "parent_id", "organization_id"))
    # Folded more strictly than the databases' LOWER: renaming one too many is harmless.
    existing: dict[tuple, set[str]] = {}
    for group in groups:
        key = _siblings_key(group)
        if key is not None:
            existing.setdefault(key, set()).add(group.name.casefold())
    claimed: dict[tuple, set[str]] = {}
    renamed = []
    for group in groups:
        key = _siblings_key(group)
        if key is None:
            continue
        names = claimed.setdefault(key, set())
        if group.name.casefold() in names:
            number = 2
            while _numbered(group.name, number).casefold() in names | existing[key]:
                number += 1
            group.name = _numbered(group.name, number)
            existing[key].add(group.name.casefold())
            renamed.append(group)
        names.add(group.name.casefold())
    Group.objects.bulk_update(renamed, ["name"], batch_size=500)


SUBGROUPS = models.UniqueConstraint(
    models.F("parent"),
    django.db.models.functions.text.Lower("name"),
    condition=models.Q(("parent__isnull", False)),
    name="group_name_unique_among_subgroups",
)
TOP_LEVEL = models.UniqueConstraint(
    models.F("organization"),
    django.db.models.functions.text.Lower("name"),
    condition=models.Q(("organization__isnull", False), ("parent__isnull", True)),
    name="group_name_unique_at_top_level",
)
INDEXES = {
    SUBGROUPS.name: '("parent_id", (LOWER("name"))) WHERE "parent_id" IS NOT NULL',
    TOP_LEVEL.name: '("organization_id", (LOWER("name"))) WHERE ("organization_id" IS NOT NULL AND "parent_id" IS NULL)',
}


def add_unique_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        Group = apps.get_model("groups", "Group")
        for constraint in (SUBGROUPS, TOP_LEVEL):
            schema_editor.add_constraint(Group, constraint)
        return
    for name, definition in INDEXES.items():
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT NOT indisvalid FROM pg_index JOIN pg_class ON pg_class.oid = indexrelid WHERE relname = %s",
                [name],
            )
            invalid = cursor.fetchone()
        if invalid and invalid[0]:
            schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')
        schema_editor.execute(f'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "{name}" ON "groups_group" {definition}')


def drop_unique_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        Group = apps.get_model("groups", "Group")
        for constraint in (SUBGROUPS, TOP_LEVEL):
            schema_editor.remove_constraint(Group, constraint)
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("groups", "0002_initial"),
    ]

    operations = [
        migrations.RunPython(rename_duplicate_siblings, migrations.RunPython.noop, atomic=True),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddConstraint(model_name="group", constraint=SUBGROUPS),
                migrations.AddConstraint(model_name="group", constraint=TOP_LEVEL),
            ],
            database_operations=[migrations.RunPython(add_unique_indexes, drop_unique_indexes)],
        ),
    ]
