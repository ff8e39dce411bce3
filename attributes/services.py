"""Every write to attribute definitions and attribute values goes through these functions."""

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from users.models import Organization, OrganizationUser, User

from . import types
from .models import AttributeDefinition
from .selectors import holders_of, parse_context

BATCH_SIZE = 1000


@dataclass(frozen=True)
class DefinitionRow:
    """One attribute as the Change Attributes page submits it, in the wanted order."""

    id: int | None
    name: str
    value_type: str
    mandatory: bool
    catalogue_key: str = ""


class AttributeChangeRefused(Exception):
    """Nothing was saved; ``errors`` maps row positions to what is wrong with them."""

    def __init__(self, errors: dict[int, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class MissingMandatoryValue(Exception):
    pass


def save_attribute_definitions(
    *, organization: Organization, rows: list[DefinitionRow], removed_ids: list[int], changed_by: User
) -> None:
    """Make the organization's attributes exactly ``rows``, in that order, all together or not at all.

    Removing an attribute removes its values; changing a type converts every value,
    or refuses the whole save when any value does not fit the new type.
    """
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=organization.pk)
        existing = {d.pk: d for d in AttributeDefinition.objects.filter(organization=organization)}
        for definition in (existing[pk] for pk in removed_ids if pk in existing):
            _drop_values(definition)
            definition.delete()

        renamed = [row for row in rows if row.id in existing and existing[row.id].name != row.name]
        for row in renamed:
            # Free the old names first, so that two attributes can swap names in one save.
            AttributeDefinition.objects.filter(pk=row.id).update(name=f"renaming {row.id} …")

        errors = {}
        for position, row in enumerate(rows):
            if row.id in existing:
                definition = existing[row.id]
                if definition.value_type != row.value_type:
                    problem = _convert_values(definition, row.value_type, organization)
                    if problem:
                        errors[position] = problem
                        continue
                definition.name, definition.value_type = row.name, row.value_type
                definition.mandatory, definition.position = row.mandatory, position
                definition.save()
            else:
                AttributeDefinition.objects.create(
                    organization=organization,
                    name=row.name,
                    value_type=row.value_type,
                    mandatory=row.mandatory,
                    position=position,
                    catalogue_key=row.catalogue_key,
                )
        if errors:
            raise AttributeChangeRefused(errors)


def _drop_values(definition: AttributeDefinition) -> None:
    key = definition.key
    batch = []
    for org_user in holders_of(definition).only("pk", "attribute_values").iterator(chunk_size=BATCH_SIZE):
        org_user.attribute_values.pop(key, None)
        batch.append(org_user)
        if len(batch) == BATCH_SIZE:
            OrganizationUser.objects.bulk_update(batch, ["attribute_values"])
            batch = []
    OrganizationUser.objects.bulk_update(batch, ["attribute_values"])


def _convert_values(definition: AttributeDefinition, to_type: str, organization: Organization) -> str | None:
    """Convert every value to ``to_type``; return why not, changing nothing, if some do not fit."""
    holders = list(holders_of(definition).only("pk", "attribute_values"))
    values = {org_user.pk: org_user.attribute_values[definition.key] for org_user in holders}
    conversion = types.convert(definition.value_type, to_type, values, context=parse_context(organization))
    if conversion.failures:
        count = len(conversion.failures)
        example, reason = conversion.failures[0]
        label = types.TYPES[to_type].LABEL
        return (
            f"Cannot make “{definition.name}” a {label} attribute: {count} user{'s' if count != 1 else ''} "
            f"hold{'s' if count == 1 else ''} values that do not fit, such as “{example}” ({reason}). "
            "Correct those values first, or add a new attribute instead."
        )
    for org_user in holders:
        org_user.attribute_values[definition.key] = conversion.converted[org_user.pk]
    OrganizationUser.objects.bulk_update(holders, ["attribute_values"], batch_size=BATCH_SIZE)
    return None


def set_attribute_values(
    *, org_user: OrganizationUser, values: dict[AttributeDefinition, Any], changed_by: User
) -> OrganizationUser:
    """Set canonical values (``None`` clears one) on a user; mandatory attributes cannot be cleared."""
    missing = [d.name for d, value in values.items() if d.mandatory and value is None]
    if missing:
        raise MissingMandatoryValue(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} mandatory.")
    with transaction.atomic():
        locked = OrganizationUser.objects.select_for_update().get(pk=org_user.pk)
        current = dict(locked.attribute_values or {})
        for definition, value in values.items():
            if value is None:
                current.pop(definition.key, None)
            else:
                current[definition.key] = value
        locked.attribute_values = current
        locked.save(update_fields=["attribute_values"])
    org_user.attribute_values = current
    return org_user
