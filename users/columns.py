"""The extra columns an admin can show on the Users list (More > Select Columns)."""

from django.conf import settings

from .models import Organization

BUILT_IN_COLUMNS = {
    "added_at": "Date added",
    "source": "Source",
    "role": "Role",
    "groups": "Groups",
    "added_by": "Added by",
    "last_login": "Last login",
}
# Columns whose cells need the user's group memberships in this organization.
COLUMNS_NEEDING_GROUPS = {"source", "groups"}


def available_columns(organization: Organization) -> dict[str, str]:
    """Column key -> heading, in the order they are offered."""
    return dict(BUILT_IN_COLUMNS)


def max_extra_columns() -> int:
    return settings.USER_LIST_MAX_EXTRA_COLUMNS
