"""Writes of Connectors, their secrets and their publications to groups, each with its audit event.

No event ever holds a secret, nor its hash.
"""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from actions import publishing
from audit import services as audit
from audit.models import AuditEvent
from groups import selectors as group_selectors
from groups.models import Group
from kaizala_portal.policy import Action as Permission
from kaizala_portal.policy import Viewer
from users.models import Organization, User

from . import credentials
from .models import Connector, ConnectorPublication


class NameTaken(Exception):
    """Another connector of the organization has this name."""


def register_connector(
    *,
    organization: Organization,
    created_by: User,
    name: str,
    callback_url: str,
    permissions: list[str],
    description: str = "",
) -> tuple[Connector, str]:
    """Register a connector; returns it with its secret, which exists nowhere else from then on."""
    secret = credentials.new_secret()
    try:
        with transaction.atomic():
            connector = Connector.objects.create(
                organization=organization,
                created_by=created_by,
                name=name,
                description=description,
                callback_url=callback_url,
                permissions=[value for value, _ in Connector.Permission.choices if value in permissions],
                secret_hash=credentials.hash_secret(secret),
            )
            audit.record(
                organization=organization,
                verb=AuditEvent.Verb.CONNECTOR_REGISTERED,
                actor=created_by,
                details={
                    "connector": connector.name,
                    "callback_url": connector.callback_url,
                    "permissions": connector.get_permissions_display(),
                },
            )
    except IntegrityError:
        raise NameTaken(name) from None
    return connector, secret


def rotate_secret(*, connector: Connector, rotated_by: User) -> str:
    """Give ``connector`` a new secret; the old one stops working at once."""
    secret = credentials.new_secret()
    with transaction.atomic():
        connector.secret_hash = credentials.hash_secret(secret)
        connector.secret_rotated_at = timezone.now()
        connector.save(update_fields=["secret_hash", "secret_rotated_at"])
        audit.record(
            organization=connector.organization_id,
            verb=AuditEvent.Verb.CONNECTOR_SECRET_ROTATED,
            actor=rotated_by,
            details={"connector": connector.name},
        )
    return secret


def delete_connector(*, connector: Connector, deleted_by: User) -> None:
    with transaction.atomic():
        published_in = ConnectorPublication.objects.filter(
            connector=connector, group__organization=connector.organization_id
        )
        groups = group_selectors.sorted_paths(Group.objects.filter(pk__in=published_in.values("group_id")))
        audit.record(
            organization=connector.organization_id,
            verb=AuditEvent.Verb.CONNECTOR_DELETED,
            actor=deleted_by,
            details={"connector": connector.name, **audit.groups_details(groups)},
        )
        connector.delete()


def publish_connector(*, connector: Connector, group: Group, published_by: User) -> tuple[ConnectorPublication, bool]:
    """Publish ``connector`` to ``group``; publishing it twice changes nothing. Says whether it was new."""
    with transaction.atomic():
        publication, created = ConnectorPublication.objects.get_or_create(
            connector=connector, group=group, defaults={"published_by": published_by}
        )
        if created:
            publishing.record_publication(
                AuditEvent.Verb.CONNECTOR_PUBLISHED, connector, "connector", [group], published_by
            )
    return publication, created


def publish_connector_to_groups(
    *, viewer: Viewer, connector: Connector, groups: Iterable[Group], include_subgroups: bool
) -> publishing.Publishing:
    """Publish ``connector`` to several groups (and those under them, if asked) at once, or to none of them.

    Raises publishing.NotPublishable, and publishes nothing, if ``viewer`` may not publish to one of ``groups``.
    """
    return publishing.publish_entry(
        viewer=viewer,
        entry=connector,
        kind="connector",
        publications=ConnectorPublication.objects,
        permission=Permission.PUBLISH_CONNECTORS,
        verb=AuditEvent.Verb.CONNECTOR_PUBLISHED,
        groups=groups,
        include_subgroups=include_subgroups,
    )


def unpublish_connector(*, publication: ConnectorPublication, unpublished_by: User) -> None:
    with transaction.atomic():
        publishing.record_publication(
            AuditEvent.Verb.CONNECTOR_UNPUBLISHED,
            publication.connector,
            "connector",
            [publication.group],
            unpublished_by,
        )
        publication.delete()
