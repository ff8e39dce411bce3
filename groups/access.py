"""Fetching the groups and memberships a URL names, inside the organization, after asking the policy.

A group of another organization is never found (404). A group of this organization
that the viewer's role does not reach is refused (403): everyone in the organization
sees its whole hierarchy, so its existence is no secret.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from kaizala_portal import policy
from kaizala_portal.policy import Action, Viewer
from users import names

from .models import Group, GroupMembership


def access_group(viewer: Viewer, group_id: int, action: Action) -> Group:
    group = get_object_or_404(
        Group.objects.select_related("parent", "organization"), pk=group_id, organization=viewer.organization
    )
    if not policy.can(viewer, action, group):
        raise PermissionDenied("Your role in this group does not allow this.")
    return group


def access_unmapped_group(viewer: Viewer, group_id: int) -> Group:
    """A group mapped nowhere that ``viewer`` may map to their organization, else 404."""
    unmapped = Group.objects.select_related("parent").filter(organization__isnull=True)
    return get_object_or_404(policy.scope(viewer, Action.MANAGE_GROUP_MAPPING, unmapped), pk=group_id)


def access_group_membership(viewer: Viewer, group_id: int, user_id: int, action: Action) -> GroupMembership:
    group = access_group(viewer, group_id, action)
    membership = get_object_or_404(
        GroupMembership.objects.select_related("user").annotate(name=names.name_in("group__organization", "user")),
        group=group,
        user_id=user_id,
    )
    membership.group = group
    return membership
