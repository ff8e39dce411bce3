"""Every write to attribute definitions and attribute values goes through these functions."""

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from audit import services as audit
from audit.models import AuditEvent
from groups import dynamic
from users.models import Organization, OrganizationUser, User

from . import types
from .models import AttributeDefinition
from .selectors import definitions_of, definitions_version, holders_of, parse_context

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


class DefinitionsChangedMeanwhile(Exception):
    """Another admin saved the attributes after this form was opened; nothing was saved."""


def save_attribute_definitions(
    *,
    organization: Organization,
    rows: list[DefinitionRow],
    removed_ids: list[int],
    changed_by: User,
    seen_version: str | None = None,
) -> None:
    """Make the organization's attributes exactly ``rows``, in that order, all together or not at all.

    Removing an attribute removes its values; changing a type converts every value,
    or refuses the whole save when any value does not fit the new type. With
    ``seen_version`` (``definitions_version`` as the form showed them), a save on top of
    another admin's changes is refused with ``DefinitionsChangedMeanwhile``.
    """
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=organization.pk)
        if seen_version is not None and definitions_version(definitions_of(organization)) != seen_version:
            raise DefinitionsChangedMeanwhile()
        existing = {d.pk: d for d in AttributeDefinition.objects.filter(organization=organization)}
        before = {pk: _described(definition) for pk, definition in existing.items()}
        removed = [pk for pk in removed_ids if pk in existing]
        for definition in (existing[pk] for pk in removed):
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
        changes = _definition_changes(before, removed, rows)
        if changes:
            audit.record(
                organization=organization, verb=AuditEvent.Verb.ATTRIBUTES_CHANGED, actor=changed_by, details=changes
            )
            dynamic.refresh_dynamic_groups(organization=organization, actor=changed_by, cause=dynamic.Cause.ATTRIBUTES)


def _described(definition: AttributeDefinition) -> dict[str, Any]:
    """An attribute as the audit log keeps it: what a person sees of it, not its ids."""
    return {
        "name": definition.name,
        "type": types.TYPES[definition.value_type].LABEL,
        "mandatory": definition.mandatory,
    }


def _definition_changes(
    before: dict[int, dict[str, Any]], removed: list[int], rows: list[DefinitionRow]
) -> dict[str, Any]:
    """What a save of the Change Attributes page changed: added, removed, changed, reordered.

    ``before`` is in the order the attributes had (their positions), ``removed`` holds ids.
    """
    added, changed = [], []
    for row in rows:
        after = _described(AttributeDefinition(name=row.name, value_type=row.value_type, mandatory=row.mandatory))
        if row.id not in before:
            added.append(after)
        elif before[row.id] != after:
            changed.append({"before": before[row.id], "after": after})
    kept_before = [pk for pk in before if pk not in removed]
    kept_after = [row.id for row in rows if row.id in before]
    changes = {
        "added": added,
        "removed": [before[pk] for pk in removed],
        "changed": changed,
        # Among the attributes kept: new ones go where they are put without reordering the others.
        "reordered": kept_after != kept_before,
    }
    return changes if any(changes.values()) else {}


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


class ChangedMeanwhile(Exception):
    """The person was changed (by an import, another admin) after the form was opened; nothing was saved."""

    def __init__(self, current: OrganizationUser):
        super().__init__("changed since the form was opened")
        self.current = current


def set_attribute_values(
    *,
    org_user: OrganizationUser,
    values: dict[AttributeDefinition, Any],
    changed_by: User,
    name: str | None = None,
    seen_version: str | None = None,
) -> OrganizationUser:
    """Set canonical values (``None`` clears one) and, given, the organization's name for a person.

    Mandatory attributes cannot be cleared. With ``seen_version`` (``OrganizationUser.version``
    as the form showed it), the save is refused with ``ChangedMeanwhile`` if the person
    changed since.
    """
    missing = [d.name for d, value in values.items() if d.mandatory and value is None]
    if missing:
        raise MissingMandatoryValue(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} mandatory.")
    with transaction.atomic():
        # The organization first, as every change to its people and groups takes it: the dynamic
        # groups' refresh below must not meet a delete of this person holding them in the other order.
        Organization.objects.select_for_update().filter(pk=org_user.organization_id).values_list("pk").get()
        locked = OrganizationUser.objects.select_for_update().select_related("user").get(pk=org_user.pk)
        if seen_version is not None and locked.version != seen_version:
            raise ChangedMeanwhile(locked)
        current = dict(locked.attribute_values or {})
        changes = []
        if name is not None and name != locked.name:
            changes.append({"attribute": "Name", "before": locked.name, "after": name})
            locked.name = name
        for definition, value in values.items():
            was = current.get(definition.key)
            if value is None:
                current.pop(definition.key, None)
            else:
                current[definition.key] = value
            if was != value:
                changes.append(
                    {
                        "attribute": definition.name,
                        "before": types.format_value(definition.value_type, was),
                        "after": types.format_value(definition.value_type, value),
                    }
                )
        if changes:
            locked.attribute_values = current
            locked.save(update_fields=["name", "attribute_values"])
            audit.record(
                organization=locked.organization_id,
                verb=AuditEvent.Verb.USER_UPDATED,
                actor=changed_by,
                target=org_user.user,
                details={"changes": changes},
            )
            dynamic.refresh_dynamic_groups(
                organization=locked.organization_id,
                actor=changed_by,
                cause=dynamic.Cause.EDIT,
                user_ids=[locked.user_id],
            )
    org_user.attribute_values, org_user.name = current, locked.name
    return org_user
