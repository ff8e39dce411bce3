"""Every write to organizations' users goes through these functions."""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from attributes.models import AttributeDefinition
from audit import services as audit
from audit.models import AuditEvent
from groups import dynamic
from groups.models import GroupMembership
from groups.selectors import groups_only_admined_by
from kaizala_portal import zones

from . import phones
from .models import Organization, OrganizationUser, User, UserListPreference


class CannotRemoveUser(Exception):
    """Raised with a message for the admin when a removal would break the organization."""


class CannotChangeRole(Exception):
    """Raised with a message for the admin when a role change would leave the organization with no admin."""


@dataclass(frozen=True)
class NewUser:
    phone_number: str
    name: str = ""
    # Canonical attribute values keyed by attribute definition (see attributes.types).
    attribute_values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RejectedEntry:
    entry: str
    reason: str


@dataclass
class AddUsersResult:
    added: list[OrganizationUser] = field(default_factory=list)
    rejected: list[RejectedEntry] = field(default_factory=list)
    # Entries (as typed) to give back for fixing: the rejected ones, each once, repeats left out.
    not_added: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RemovalSummary:
    user: User
    label: str  # the organization's name for them, or their number
    group_names: list[str]
    refusal: str = ""  # why the removal would be refused, for the confirmation page to say in advance


def split_phone_list(text: str) -> list[str]:
    """Entries of a box of phone numbers separated by commas, semicolons or new lines."""
    return [entry.strip() for entry in re.split(r"[,;\n\r]+", text or "") if entry.strip()]


def add_users(*, organization: Organization, new_users: list[NewUser], added_by: User) -> AddUsersResult:
    """Add people to ``organization`` as members added directly.

    Each entry is judged on its own, and gets the first reason that applies to it: an
    invalid number, a number listed twice, a person already in the organization, or
    mandatory attribute values missing. The rest are added, all in one transaction, so
    no entry is ever half-added. Rejections come back in the order of the entries.
    """
    result = AddUsersResult()
    reasons: dict[int, str] = {}  # entry index -> why it was not added
    accepted: dict[str, int] = {}  # E.164 -> index of the entry that first gave it
    repeated: set[int] = set()  # entries that repeat an earlier entry's number
    for index, new_user in enumerate(new_users):
        try:
            e164 = phones.normalize(new_user.phone_number, region=organization.default_region)
        except phones.InvalidPhoneNumber as error:
            reasons[index] = f"This phone number {error}."
            continue
        if e164 in accepted:
            reasons[index] = f"{phones.display(e164)} is listed more than once."
            repeated.add(index)
            continue
        accepted[e164] = index

    with transaction.atomic():
        # Serialised with changes to the organization's groups, which add and remove its users too.
        Organization.objects.select_for_update().get(pk=organization.pk)
        current = {
            membership.user.phone_number: membership
            for membership in OrganizationUser.objects.filter(
                organization=organization, user__phone_number__in=accepted
            ).select_related("user")
        }
        mandatory = list(AttributeDefinition.objects.filter(organization=organization, mandatory=True))
        to_add: dict[str, NewUser] = {}
        for e164, index in accepted.items():
            new_user, membership = new_users[index], current.get(e164)
            if membership and membership.added_directly:
                reasons[index] = f"{phones.display(e164)} is already in {organization}."
                continue
            # Someone here through a group already may hold the values the entry does not give.
            values = {**(membership.attribute_values if membership else {}), **new_user.attribute_values}
            missing = [d.name for d in mandatory if values.get(d.key) is None]
            if missing:
                reasons[index] = (
                    f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} mandatory in {organization}: "
                    "add this user on their own with those values, or import a file."
                )
                continue
            to_add[e164] = new_user
        users = get_or_create_users(to_add.keys() - current.keys())
        memberships, through_groups = [], []
        for e164, new_user in to_add.items():
            membership = current.get(e164)
            if membership:
                # Here only through a group so far: now added directly too, so they stay if the group goes.
                membership.added_directly, membership.added_by = True, added_by
                membership.name = new_user.name or membership.name
                membership.attribute_values = {**membership.attribute_values, **new_user.attribute_values}
                through_groups.append(membership)
            else:
                memberships.append(
                    OrganizationUser(
                        organization=organization,
                        user=users[e164],
                        name=new_user.name,
                        added_by=added_by,
                        attribute_values=dict(new_user.attribute_values),
                    )
                )
        OrganizationUser.objects.bulk_update(through_groups, ["added_directly", "added_by", "name", "attribute_values"])
        result.added = through_groups + OrganizationUser.objects.bulk_create(memberships)
        result.rejected = [RejectedEntry(new_users[index].phone_number, reasons[index]) for index in sorted(reasons)]
        if result.added:
            people = [membership.user for membership in result.added]
            audit.record(
                organization=organization,
                verb=AuditEvent.Verb.USER_ADDED,
                actor=added_by,
                target=people[0] if len(people) == 1 else None,
                details={**audit.people_details(organization, people), "already_through_groups": len(through_groups)},
            )
            dynamic.refresh_dynamic_groups(
                organization=organization,
                actor=added_by,
                cause=dynamic.Cause.USERS_ADDED,
                user_ids=[p.pk for p in people],
            )
    result.not_added = _entries_not_added(new_users, reasons, repeated)
    return result


def _entries_not_added(new_users: list[NewUser], reasons: dict[int, str], repeated: set[int]) -> list[str]:
    """The entries to give back to fix and resubmit: each rejected one, as typed, once.

    A repeat of a number is left out: the number's first entry says what became of it.
    """
    entries = [new_users[index].phone_number for index in sorted(reasons) if index not in repeated]
    return list(dict.fromkeys(entries))


def get_or_create_users(phone_numbers: Iterable[str]) -> dict[str, User]:
    """Users by E.164 number: existing people keep their account, the others get one.

    Only the account: what an organization calls the person lives on its membership.
    """
    phone_numbers = set(phone_numbers)
    existing = {user.phone_number: user for user in User.objects.filter(phone_number__in=phone_numbers)}
    created = []
    for e164 in phone_numbers - existing.keys():
        user = User(phone_number=e164)
        user.set_unusable_password()
        created.append(user)
    # ignore_conflicts: a number added at the same moment by another request is fine.
    User.objects.bulk_create(created, ignore_conflicts=True)
    if created:
        existing |= {
            user.phone_number: user for user in User.objects.filter(phone_number__in=[u.phone_number for u in created])
        }
    return existing


def removal_summary(*, org_user: OrganizationUser, removed_by: User) -> RemovalSummary:
    """What ``delete_org_user`` would remove, for the confirmation page, and why it would refuse."""
    return RemovalSummary(
        user=org_user.user,
        label=org_user.label,
        group_names=_group_names(org_user),
        refusal=removal_refusal(org_user=org_user, organization=org_user.organization, removed_by=removed_by),
    )


def _group_names(org_user: OrganizationUser) -> list[str]:
    return list(
        GroupMembership.objects.filter(user=org_user.user_id, group__organization=org_user.organization_id)
        .order_by("group__name")
        .values_list("group__name", flat=True)
    )


def removal_refusal(*, org_user: OrganizationUser, organization: Organization, removed_by: User) -> str:
    """Why removing this person from ``organization`` would be refused ("" when it would not)."""
    if org_user.user_id == removed_by.pk:
        return "You cannot remove yourself from the organization."
    if is_last_org_admin(org_user):
        return f"{org_user.label} is the last organization admin of {organization}."
    sole_admin_of = groups_only_admined_by(user=org_user.user, organization=organization)
    if sole_admin_of:
        names = ", ".join(group.name for group in sole_admin_of)
        return (
            f"{org_user.label} is the only admin of {names}, and a group keeps at least one admin. "
            "Make someone else an admin there first."
        )
    return ""


def is_last_org_admin(org_user: OrganizationUser) -> bool:
    return (
        org_user.is_org_admin
        and not OrganizationUser.objects.filter(
            organization=org_user.organization_id, role=OrganizationUser.Role.ORG_ADMIN
        )
        .exclude(pk=org_user.pk)
        .exists()
    )


def delete_org_user(*, org_user: OrganizationUser, deleted_by: User) -> RemovalSummary:
    """Remove a person from an organization and from all of its groups.

    Their account and everything they have in other organizations stay as they are.
    """
    with transaction.atomic():
        # Locking the organization serialises removals, so two admins removing each
        # other at once cannot leave it with no admin at all.
        organization = Organization.objects.select_for_update().get(pk=org_user.organization_id)
        membership = OrganizationUser.objects.select_related("user").get(pk=org_user.pk)
        if refusal := removal_refusal(org_user=membership, organization=organization, removed_by=deleted_by):
            raise CannotRemoveUser(refusal)
        summary = RemovalSummary(user=membership.user, label=membership.label, group_names=_group_names(membership))
        group_memberships = GroupMembership.objects.filter(user=membership.user_id, group__organization=organization)
        left_groups = list(group_memberships.select_related("group").order_by("group__name", "group_id"))
        group_memberships.delete()
        UserListPreference.objects.filter(user=membership.user_id, organization=organization).delete()
        membership.delete()
        audit.record(
            organization=organization,
            verb=AuditEvent.Verb.USER_DELETED,
            actor=deleted_by,
            target=membership.user,
            target_name=membership.name,
            details={"role": membership.get_role_display(), "groups": summary.group_names},
        )
        # Each group's membership history shows them leaving too (a person is in few groups).
        for left in left_groups:
            audit.record(
                organization=organization,
                verb=AuditEvent.Verb.GROUP_MEMBER_REMOVED,
                actor=deleted_by,
                target=membership.user,
                target_name=membership.name,
                group=left.group,
                details={"role": left.role, "left_organization": True, "with_user_deleted": True},
            )
    return summary


def make_org_admin(*, org_user: OrganizationUser, made_by: User) -> OrganizationUser:
    """Make a person an admin of their organization: they manage all of it from now on."""
    return _set_org_role(org_user=org_user, role=OrganizationUser.Role.ORG_ADMIN, changed_by=made_by)


def revoke_org_admin(*, org_user: OrganizationUser, revoked_by: User) -> OrganizationUser:
    """Make an organization admin a member again; never the last one, so the organization keeps an admin."""
    return _set_org_role(org_user=org_user, role=OrganizationUser.Role.MEMBER, changed_by=revoked_by)


def revoke_refusal(*, org_user: OrganizationUser, organization: Organization) -> str:
    """Why revoking this person's organization admin role would be refused ("" when it would not)."""
    if is_last_org_admin(org_user):
        return (
            f"{org_user.label} is the last organization admin of {organization}, and an organization keeps "
            "at least one. Make someone else an organization admin first."
        )
    return ""


def _set_org_role(*, org_user: OrganizationUser, role: OrganizationUser.Role, changed_by: User) -> OrganizationUser:
    with transaction.atomic():
        # Locked as removals lock it: two admins revoking each other at once cannot both pass the check.
        organization = Organization.objects.select_for_update().get(pk=org_user.organization_id)
        membership = OrganizationUser.objects.select_related("user").get(pk=org_user.pk)
        if role != OrganizationUser.Role.ORG_ADMIN and (
            refusal := revoke_refusal(org_user=membership, organization=organization)
        ):
            raise CannotChangeRole(refusal)
        if membership.role != role:
            before, membership.role = membership.role, role
            membership.save(update_fields=["role"])
            audit.record(
                organization=organization,
                verb=AuditEvent.Verb.USER_UPDATED,
                actor=changed_by,
                target=membership.user,
                details={"org_role": {"before": before, "after": role.value}},
            )
    return membership


def set_own_name(*, user: User, name: str) -> None:
    """The name a person gives themselves: theirs alone, never what an organization shows."""
    user.own_name = name.strip()
    user.save(update_fields=["own_name"])


def save_list_columns(*, user: User, organization: Organization, columns: list[str]) -> None:
    UserListPreference.objects.update_or_create(
        user=user, organization=organization, defaults={"columns": list(columns)}
    )


def set_time_zone(*, organization: Organization, time_zone: str, changed_by: User) -> bool:
    """Show ``organization``'s times in ``time_zone`` from now on; False when it already did.

    ``time_zone`` is an IANA name the forms have checked; an unknown one is refused here too.
    """
    if time_zone not in zones.available():
        raise ValueError(f"{time_zone!r} is not a known time zone.")
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        before = locked.time_zone
        if before == time_zone:
            return False
        locked.time_zone = time_zone
        locked.save(update_fields=["time_zone"])
        audit.record(
            organization=locked,
            verb=AuditEvent.Verb.TIME_ZONE_CHANGED,
            actor=changed_by,
            details={"before": before, "after": time_zone},
        )
    organization.time_zone = time_zone
    return True
