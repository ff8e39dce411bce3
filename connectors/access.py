"""Fetching the Connector (and publication) a URL names, inside the organization, after asking the policy.

Another organization's Connector is never found (404). Everyone of the organization may
see every Connector of it, so one the viewer may not change is refused (403), not hidden.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from groups.access import access_group
from kaizala_portal import policy
from kaizala_portal.policy import Action, Viewer
from users import names

from .models import Connector, ConnectorPublication


def access_connector(viewer: Viewer, connector_id: int, action: Action) -> Connector:
    connector = get_object_or_404(
        Connector.objects.select_related("created_by").annotate(
            created_by_name=names.name_in("organization", "created_by")
        ),
        pk=connector_id,
        organization=viewer.organization,
    )
    if not policy.can(viewer, action, connector):
        raise PermissionDenied("Only whoever registered this connector, or an organization admin, may change it.")
    return connector


def access_publication(viewer: Viewer, connector_id: int, group_id: int) -> ConnectorPublication:
    """The publication of Connector ``connector_id`` in group ``group_id``, if ``viewer`` may unpublish it."""
    connector = access_connector(viewer, connector_id, Action.VIEW_CONNECTORS)
    group = access_group(viewer, group_id, Action.PUBLISH_CONNECTORS)
    publication = get_object_or_404(
        ConnectorPublication.objects.select_related("published_by"), connector=connector, group=group
    )
    publication.connector, publication.group = connector, group
    return publication
