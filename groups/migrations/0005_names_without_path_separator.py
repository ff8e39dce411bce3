"""Group names no longer hold the path separator " / ".

A group is named by its path ("Field Staff / North") on the Groups pages and in the bulk
upload files; a name holding " / " would read like a path, and two groups could have the
same one. Each such name has " / " rewritten as " - " ("North / East" becomes "North - East").
Where a sibling already has the new name (whatever its case), the renamed group gets " (2)",
" (3)", ... as 0003 numbers duplicates, so that siblings keep distinct names.

Plain data: one transaction; nothing but the renamed rows is written.
"""

from django.db import migrations

MAX_NAME_LENGTH = 200
SEPARATOR, REPLACEMENT = " / ", " - "


def _siblings_key(group) -> tuple | None:
    if group.parent_id is not None:
        return ("under", group.parent_id)
    if group.organization_id is not None:
        return ("top", group.organization_id)
    return None  # mapped nowhere and at the top: no siblings to clash with


def _numbered(name: str, number: int) -> str:
    suffix = f" ({number})"
    return name[: MAX_NAME_LENGTH - len(suffix)] + suffix


def _without_separator(name: str) -> str:
    return " ".join(name.split()).replace(SEPARATOR, REPLACEMENT)[:MAX_NAME_LENGTH]


def rewrite_names(apps, schema_editor):
    Group = apps.get_model("groups", "Group")
    groups = list(Group.objects.order_by("pk").only("pk", "name", "parent_id", "organization_id"))
    to_rename = [group for group in groups if SEPARATOR in " ".join(group.name.split())]
    if not to_rename:
        return
    renaming = {group.pk for group in to_rename}
    taken: dict[tuple, set[str]] = {}
    for group in groups:
        key = _siblings_key(group)
        if key is not None and group.pk not in renaming:
            taken.setdefault(key, set()).add(group.name.casefold())
    for group in to_rename:
        new_name = _without_separator(group.name)
        key = _siblings_key(group)
        if key is not None:
            names = taken.setdefault(key, set())
            candidate, number = new_name, 2
            while candidate.casefold() in names:
                candidate = _numbered(new_name, number)
                number += 1
            new_name = candidate
            names.add(new_name.casefold())
        group.name = new_name
    Group.objects.bulk_update(to_rename, ["name"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("groups", "0004_dynamic_groups"),
    ]

    operations = [
        migrations.RunPython(rewrite_names, migrations.RunPython.noop),
    ]
