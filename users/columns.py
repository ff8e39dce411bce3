"""The extra columns an admin can show on the Users list (More > Select Columns)."""

from dataclasses import dataclass

from django.conf import settings

from attributes.models import AttributeDefinition


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    sortable: bool = True
    definition: AttributeDefinition | None = None


BUILT_IN_COLUMNS = [
    Column("added_at", "Date added"),
    Column("source", "Source", sortable=False),
    Column("role", "Role"),
    Column("groups", "Groups", sortable=False),
    Column("added_by", "Added by"),
    Column("last_login", "Last login"),
]
# Columns whose cells need the user's group memberships in this organization.
COLUMNS_NEEDING_GROUPS = {"source", "groups"}


def available_columns(definitions: list[AttributeDefinition]) -> dict[str, Column]:
    """Column key -> column, in the order they are offered: built-in ones, then attributes."""
    columns = {column.key: column for column in BUILT_IN_COLUMNS}
    columns.update((d.column_key, Column(d.column_key, d.name, definition=d)) for d in definitions)
    return columns


def max_extra_columns() -> int:
    return settings.USER_LIST_MAX_EXTRA_COLUMNS
