"""Reads of the Actions catalogue and of where its Actions are published."""

from django.db.models import Count, Q, QuerySet

from groups.models import Group
from kaizala_portal import policy
from kaizala_portal.policy import Action as PolicyAction
from kaizala_portal.policy import Viewer
from users import names

from .models import Action, ActionPublication


def actions_visible_to(viewer: Viewer, *, mine_only: bool) -> QuerySet[Action]:
    """The catalogue: the viewer's own Actions, or every one of the organization."""
    queryset = Action.objects.select_related("created_by").annotate(
        created_by_name=names.name_in("organization", "created_by"),
        group_count=Count("publications", filter=Q(publications__group__organization=viewer.organization)),
    )
    if mine_only:
        queryset = queryset.filter(created_by=viewer.user)
    return policy.scope(viewer, PolicyAction.VIEW_ACTIONS, queryset).order_by("name", "pk")


def publications_of(action: Action) -> QuerySet[ActionPublication]:
    """Where ``action`` is published: groups that have since left the organization are not shown."""
    return (
        ActionPublication.objects.filter(action=action, group__organization=action.organization_id)
        .select_related("group", "published_by")
        .annotate(published_by_name=names.name_in("group__organization", "published_by"))
        .order_by("group__name", "group__pk")
    )


def groups_to_publish_to(viewer: Viewer) -> QuerySet[Group]:
    """Every group ``viewer`` may publish an Action to (those where it is published already too)."""
    return policy.scope(viewer, PolicyAction.PUBLISH_ACTIONS, Group.objects.all())


def published_to(group: Group) -> QuerySet[Action]:
    return Action.objects.filter(publications__group=group, organization=group.organization_id).order_by("name", "pk")
