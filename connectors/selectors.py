"""Reads of the organization's Connectors, where they are published, and who holds a secret."""

from uuid import UUID

from django.db.models import Count, Q, QuerySet

from groups.models import Group
from kaizala_portal import policy
from kaizala_portal.policy import Action, Viewer
from users import names

from . import credentials
from .models import Connector, ConnectorPublication


def connectors_visible_to(viewer: Viewer, *, mine_only: bool) -> QuerySet[Connector]:
    """The viewer's own Connectors, or every one of the organization."""
    queryset = Connector.objects.select_related("created_by").annotate(
        created_by_name=names.name_in("organization", "created_by"),
        group_count=Count("publications", filter=Q(publications__group__organization=viewer.organization)),
    )
    if mine_only:
        queryset = queryset.filter(created_by=viewer.user)
    return policy.scope(viewer, Action.VIEW_CONNECTORS, queryset).order_by("name", "pk")


def publications_of(connector: Connector) -> QuerySet[ConnectorPublication]:
    """Where ``connector`` is published: groups that have since left the organization are not shown."""
    return (
        ConnectorPublication.objects.filter(connector=connector, group__organization=connector.organization_id)
        .select_related("group", "published_by")
        .annotate(published_by_name=names.name_in("group__organization", "published_by"))
        .order_by("group__name", "group__pk")
    )


def groups_to_publish_to(viewer: Viewer) -> QuerySet[Group]:
    """Every group ``viewer`` may publish a Connector to (those where it is published already too)."""
    return policy.scope(viewer, Action.PUBLISH_CONNECTORS, Group.objects.all())


def published_to(group: Group) -> QuerySet[Connector]:
    return Connector.objects.filter(publications__group=group, organization=group.organization_id).order_by(
        "name", "pk"
    )


def authenticated_connector(*, public_id: str, secret: str) -> Connector | None:
    """The connector these credentials belong to, or None (for the connector API)."""
    try:
        connector = Connector.objects.filter(public_id=UUID(public_id)).first()
    except ValueError:
        connector = None
    # Hash anyway when there is no such connector, so that timing tells nothing about ids.
    stored_hash = connector.secret_hash if connector else credentials.hash_secret("")
    if credentials.secret_matches(secret, stored_hash) and connector is not None:
        return connector
    return None
