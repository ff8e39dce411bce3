"""Fetching the Action (and publication) a URL names, inside the organization, after asking the policy.

Another organization's Action is never found (404). Everyone of the organization may see
every Action of it, so one the viewer may not change is refused (403), not hidden.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from groups.access import access_group
from kaizala_portal import policy
from kaizala_portal.policy import Action as PolicyAction
from kaizala_portal.policy import Viewer
from users import names

from .models import Action, ActionPublication


def access_action(viewer: Viewer, action_id: int, policy_action: PolicyAction) -> Action:
    action = get_object_or_404(
        Action.objects.select_related("created_by").annotate(
            created_by_name=names.name_in("organization", "created_by")
        ),
        pk=action_id,
        organization=viewer.organization,
    )
    if not policy.can(viewer, policy_action, action):
        raise PermissionDenied("Only the person who added this Action, or an organization admin, may change it.")
    return action


def access_publication(viewer: Viewer, action_id: int, group_id: int) -> ActionPublication:
    """The publication of Action ``action_id`` in group ``group_id``, if ``viewer`` may unpublish it."""
    action = access_action(viewer, action_id, PolicyAction.VIEW_ACTIONS)
    group = access_group(viewer, group_id, PolicyAction.PUBLISH_ACTIONS)
    publication = get_object_or_404(
        ActionPublication.objects.select_related("published_by"), action=action, group=group
    )
    publication.action, publication.group = action, group
    return publication
