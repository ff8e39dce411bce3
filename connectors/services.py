"""Writes of Connectors, their secrets and their publications to groups."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from groups.models import Group
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
    except IntegrityError:
        raise NameTaken(name) from None
    return connector, secret


def rotate_secret(*, connector: Connector) -> str:
    """Give ``connector`` a new secret; the old one stops working at once."""
    secret = credentials.new_secret()
    with transaction.atomic():
        connector.secret_hash = credentials.hash_secret(secret)
        connector.secret_rotated_at = timezone.now()
        connector.save(update_fields=["secret_hash", "secret_rotated_at"])
    return secret


def delete_connector(*, connector: Connector) -> None:
    connector.delete()


def publish_connector(*, connector: Connector, group: Group, published_by: User) -> tuple[ConnectorPublication, bool]:
    """Publish ``connector`` to ``group``; publishing it twice changes nothing. Says whether it was new."""
    return ConnectorPublication.objects.get_or_create(
        connector=connector, group=group, defaults={"published_by": published_by}
    )


def unpublish_connector(*, publication: ConnectorPublication) -> None:
    publication.delete()
