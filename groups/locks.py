"""The lock every write to a group takes: its organization first (when mapped), then the group."""

from users.models import Organization

from .models import Group


def lock_group(group: Group) -> Group:
    """Lock the group's organization (when mapped), then the group; return it fresh."""
    organization_id = group.organization_id
    while True:
        organization = Organization.objects.select_for_update().get(pk=organization_id) if organization_id else None
        locked = Group.objects.select_for_update().get(pk=group.pk)
        if locked.organization_id == organization_id:
            locked.organization = organization
            return locked
        # Mapped or unmapped meanwhile: lock the organization it has now.
        organization_id = locked.organization_id
