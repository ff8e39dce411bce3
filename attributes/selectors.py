import hashlib
import json

from django.db.models import QuerySet

from users.models import Organization, OrganizationUser

from .models import AttributeDefinition
from .types import ParseContext


def definitions_of(organization: Organization) -> list[AttributeDefinition]:
    return list(AttributeDefinition.objects.filter(organization=organization).order_by("position", "pk"))


def definitions_version(definitions: list[AttributeDefinition]) -> str:
    """A fingerprint of the attributes as Change Attributes shows them (see ``OrganizationUser.version``)."""
    described = [(d.pk, d.name, d.value_type, d.mandatory) for d in definitions]
    return hashlib.sha256(json.dumps(described).encode()).hexdigest()[:20]


def parse_context(organization: Organization) -> ParseContext:
    return ParseContext(date_order=organization.date_order)


def holders_of(definition: AttributeDefinition) -> QuerySet[OrganizationUser]:
    """The organization's users who hold a value of ``definition``."""
    return OrganizationUser.objects.filter(
        organization=definition.organization_id, attribute_values__has_key=definition.key
    )
