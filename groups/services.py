"""Every write to groups, their members and their mapping goes through these functions.

Each one owns its transaction. Writes that touch a mapped group lock its organization
first (then the group), in that order everywhere, so that two admins changing the same
organization's groups at once cannot both pass a check that only one of them should:
leave a group with no admin, build a loop into the hierarchy, or miss who is still in
the organization through another group.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from audit import services as audit
from audit.models import AuditEvent
from kaizala_portal import policy
from users import names, phones
from users.models import Organization, OrganizationUser, User, UserListPreference
from users.services import RejectedEntry, get_or_create_users

from . import selectors
from .locks import lock_group as _lock
from .models import Group, GroupMembership
from .selectors import manual_membership_refusal


class GroupRuleBroken(Exception):
    """Raised with a message for the person when a change would break a rule of groups."""


@dataclass(frozen=True)
class OrganizationChange:
    """Who joined or left an organization as a side effect of a change to its groups."""

    joined: int = 0
    left: int = 0


@dataclass
class AddMembersResult:
    added: list[GroupMembership] = field(default_factory=list)
    rejected: list[RejectedEntry] = field(default_factory=list)
    joined_organization: int = 0


@dataclass(frozen=True)
class DeletedGroup:
    name: str
    left_organization: int
    unpublished: int


@dataclass(frozen=True)
class RemovedMember:
    user: User
    group: Group
    left_organization: bool


def _name_here(membership: GroupMembership) -> str:
    """The name the group's organization gives a member ("" where it gave none, or the group is mapped nowhere)."""
    organization_id = membership.group.organization_id
    return names.names_in(organization_id, [membership.user_id]).get(membership.user_id, "") if organization_id else ""


def _known_as(membership: GroupMembership) -> str:
    """How the group's organization names a member, for messages."""
    return _name_here(membership) or membership.user.phone_display


def sync_organization_users(
    *, organization: Organization, user_ids: selectors.UserIds, changed_by: User | None
) -> OrganizationChange:
    """Make ``organization``'s users agree with its mapped groups, for these people.

    Members of its mapped groups who are not its users join it (as not added directly);
    users who came only through groups and are in none of them any more leave it.
    Callers hold the organization's lock.
    """
    missing = selectors.users_missing_from_organization(organization=organization, user_ids=user_ids)
    OrganizationUser.objects.bulk_create(
        [
            OrganizationUser(organization=organization, user_id=uid, added_directly=False, added_by=changed_by)
            for uid in missing
        ],
        ignore_conflicts=True,
    )
    leaving = selectors.org_users_without_other_reason(organization=organization, user_ids=user_ids)
    leaving_ids = list(leaving.values_list("user_id", flat=True))
    if leaving_ids:
        # Their places in dynamic groups go with them: a rule picks among the organization's users only.
        GroupMembership.objects.filter(group__organization=organization, user_id__in=leaving_ids).delete()
        UserListPreference.objects.filter(organization=organization, user_id__in=leaving_ids).delete()
        OrganizationUser.objects.filter(organization=organization, user_id__in=leaving_ids).delete()
    return OrganizationChange(joined=len(missing), left=len(leaving_ids))


def add_members(*, group: Group, phone_numbers: list[str], added_by: User) -> AddMembersResult:
    """Add people to ``group`` as members, by phone number.

    As with adding users, each entry is judged on its own: invalid numbers, numbers
    listed twice and people already in the group come back with the reason. New numbers
    get an account. When the group is mapped, its new members join the organization.
    """
    region = group.organization.default_region if group.organization_id else settings.DEFAULT_PHONE_REGION
    result = AddMembersResult()
    accepted: dict[str, str] = {}
    for entry in phone_numbers:
        try:
            e164 = phones.normalize(entry, region=region)
        except phones.InvalidPhoneNumber as error:
            result.rejected.append(RejectedEntry(entry, f"This phone number {error}."))
            continue
        if e164 in accepted:
            result.rejected.append(RejectedEntry(entry, f"{phones.display(e164)} is listed more than once."))
            continue
        accepted[e164] = entry

    with transaction.atomic():
        group = _lock(group)
        if refusal := manual_membership_refusal(group):
            raise GroupRuleBroken(refusal)
        users = get_or_create_users(accepted)
        already_in = set(
            GroupMembership.objects.filter(group=group, user__in=users.values()).values_list(
                "user__phone_number", flat=True
            )
        )
        memberships = []
        for e164, entry in accepted.items():
            if e164 in already_in:
                result.rejected.append(RejectedEntry(entry, f"{phones.display(e164)} is already in {group}."))
                continue
            memberships.append(GroupMembership(group=group, user=users[e164], role=GroupMembership.Role.MEMBER))
        result.added = GroupMembership.objects.bulk_create(memberships)
        if group.organization_id and result.added:
            change = sync_organization_users(
                organization=group.organization, user_ids=[m.user_id for m in result.added], changed_by=added_by
            )
            result.joined_organization = change.joined
            _record_members_added(group, [m.user for m in result.added], GroupMembership.Role.MEMBER, added_by, change)
    return result


def remove_member(*, membership: GroupMembership, removed_by: User) -> RemovedMember:
    """Take a person out of a group; they leave its organization if that was their only reason to be there."""
    with transaction.atomic():
        group = _lock(membership.group)
        membership = _current(membership, group)
        # A dynamic group's admins are chosen by hand, and may be removed by hand; its members follow the rule.
        if membership.role == GroupMembership.Role.MEMBER and (refusal := manual_membership_refusal(group)):
            raise GroupRuleBroken(refusal)
        if membership.role == GroupMembership.Role.ADMIN and not selectors.other_admins(membership).exists():
            raise GroupRuleBroken(
                f"{_known_as(membership)} is the only admin of {group}, and a group keeps at least one admin. "
                "Make someone else an admin first."
            )
        # Read before the change: a member who leaves the organization takes their name there along.
        name_here = _name_here(membership)
        membership.delete()
        left = False
        if group.organization_id:
            change = sync_organization_users(
                organization=group.organization, user_ids=[membership.user_id], changed_by=removed_by
            )
            left = bool(change.left)
            audit.record(
                organization=group.organization,
                verb=AuditEvent.Verb.GROUP_MEMBER_REMOVED,
                actor=removed_by,
                target=membership.user,
                target_name=name_here,
                group=group,
                details={"role": membership.role, "left_organization": left},
            )
    return RemovedMember(user=membership.user, group=group, left_organization=left)


def set_member_role(*, membership: GroupMembership, role: str, changed_by: User) -> GroupMembership:
    """Make a member an admin of their group, or revoke it (never from the last admin)."""
    role = GroupMembership.Role(role)
    with transaction.atomic():
        group = _lock(membership.group)
        membership = _current(membership, group)
        if (
            membership.role == GroupMembership.Role.ADMIN
            and role == GroupMembership.Role.MEMBER
            and not selectors.other_admins(membership).exists()
        ):
            raise GroupRuleBroken(
                f"{_known_as(membership)} is the only admin of {group}, and a group keeps at least one admin. "
                "Make someone else an admin first."
            )
        if membership.role != role:
            before, membership.role = membership.role, role
            membership.save(update_fields=["role"])
            if group.organization_id:
                audit.record(
                    organization=group.organization,
                    verb=AuditEvent.Verb.GROUP_ROLE_CHANGED,
                    actor=changed_by,
                    target=membership.user,
                    group=group,
                    details={"before": before, "after": role.value},
                )
    return membership


def create_group(
    *, organization: Organization, name: str, parent: Group | None, admin_phone_number: str, created_by: User
) -> Group:
    """Create a group mapped to ``organization`` (a subgroup when ``parent`` is given) with its first admin."""
    name = _checked_name(name)
    try:
        e164 = phones.normalize(admin_phone_number, region=organization.default_region)
    except phones.InvalidPhoneNumber as error:
        raise GroupRuleBroken(f"The admin's phone number {error}.") from None
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        parent = _fresh(parent)
        if parent is not None and parent.organization_id != organization.pk:
            raise GroupRuleBroken(f"{parent} is not a group of {organization}.")
        _check_name_is_free(name, parent=parent, organization=organization)
        group = Group.objects.create(name=name, parent=parent, organization=organization)
        admin = get_or_create_users([e164])[e164]
        GroupMembership.objects.create(group=group, user=admin, role=GroupMembership.Role.ADMIN)
        change = sync_organization_users(organization=organization, user_ids=[admin.pk], changed_by=created_by)
        audit.record(
            organization=organization,
            verb=AuditEvent.Verb.GROUP_CREATED,
            actor=created_by,
            group=group,
            details={"parent": parent.name if parent else None, "admin": audit.person_label(organization, admin)},
        )
        # The first admin joins like any member, so that the group's membership history is whole.
        _record_members_added(group, [admin], GroupMembership.Role.ADMIN, created_by, change)
    return group


def move_group(*, group: Group, parent: Group | None, moved_by: User, seen_version: str | None = None) -> Group:
    """Put ``group`` under ``parent`` (or at the top), refusing to make it its own ancestor.

    With ``seen_version`` (``Group.version`` as the form showed it), a group moved by
    someone else since is left where they put it.
    """
    with transaction.atomic():
        group = _lock(group)
        if seen_version is not None and group.version != seen_version:
            if _place(seen_version) == _place(group.version):
                raise GroupRuleBroken(
                    f"The group was renamed since you opened this page: it is now called {group}. Nothing was "
                    "changed; choose its place again."
                )
            where = f"under {group.parent}" if group.parent_id else "at the top of the hierarchy"
            raise GroupRuleBroken(
                f"{group} was moved since you opened this page: it is now {where}. Nothing was changed; "
                "choose its place again."
            )
        parent = _fresh(parent)
        if parent is not None:
            if parent.organization_id != group.organization_id:
                raise GroupRuleBroken(f"{parent} is not a group of {group.organization}.")
            if parent.pk == group.pk:
                raise GroupRuleBroken(f"{group} cannot be its own parent.")
            if group.pk in selectors.ancestor_ids(parent):
                raise GroupRuleBroken(
                    f"{group} cannot go under {parent}: {parent} is inside {group}, so the hierarchy would loop."
                )
        was_under = group.parent
        if was_under != parent:
            _check_name_is_free(group.name, parent=parent, organization=group.organization, moving=group)
            group.parent = parent
            group.save(update_fields=["parent"])
            if group.organization_id:
                audit.record(
                    organization=group.organization,
                    verb=AuditEvent.Verb.GROUP_MOVED,
                    actor=moved_by,
                    group=group,
                    details={"from": was_under.name if was_under else None, "to": parent.name if parent else None},
                )
    return group


def map_group(*, group: Group, organization: Organization, mapped_by: User) -> OrganizationChange:
    """Map a group that is mapped nowhere to ``organization``: its members become its users."""
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        group = Group.objects.select_for_update().get(pk=group.pk)
        if group.organization_id == organization.pk:
            raise GroupRuleBroken(f"{group} is already mapped to {organization}.")
        if group.organization_id is not None:
            raise GroupRuleBroken(f"{group} is mapped to another organization; it must be unmapped there first.")
        if group.parent_id is None:
            _check_name_is_free(group.name, parent=None, organization=organization, moving=group)
        group.organization = organization
        group.save(update_fields=["organization"])
        change = sync_organization_users(
            organization=organization, user_ids=selectors.member_ids(group), changed_by=mapped_by
        )
        _record_mapping(AuditEvent.Verb.GROUP_MAPPED, organization, group, mapped_by, change)
        return change


def unmap_group(*, group: Group, unmapped_by: User) -> OrganizationChange:
    """Unmap a group: members with no other reason to be in the organization leave it."""
    with transaction.atomic():
        group = _lock(group)
        organization = group.organization
        if organization is None:
            raise GroupRuleBroken(f"{group} is not mapped to any organization.")
        if group.rule is not None:
            raise GroupRuleBroken(
                f"{group} is a dynamic group: its rule reads {organization}'s attributes. Make it an ordinary group "
                "first, then unmap it."
            )
        group.organization = None
        group.save(update_fields=["organization"])
        change = sync_organization_users(
            organization=organization, user_ids=selectors.member_ids(group), changed_by=unmapped_by
        )
        _record_mapping(AuditEvent.Verb.GROUP_UNMAPPED, organization, group, unmapped_by, change)
        return change


def rename_group(*, group: Group, name: str, renamed_by: User, seen_version: str | None = None) -> Group:
    """Give ``group`` a new name, unique among its siblings whatever its case.

    With ``seen_version`` (``Group.version`` as the form showed it), a group renamed or
    moved by someone else since keeps what they gave it.
    """
    name = _checked_name(name)
    with transaction.atomic():
        group = _lock(group)
        if seen_version is not None and group.version != seen_version:
            raise GroupRuleBroken(
                f"{group} was renamed or moved since you opened this page. Nothing was changed; "
                "check its name and try again."
            )
        before = group.name
        if name == before:
            return group
        _check_name_is_free(name, parent=group.parent, organization=group.organization, moving=group)
        group.name = name
        group.save(update_fields=["name"])
        if group.organization_id:
            audit.record(
                organization=group.organization,
                verb=AuditEvent.Verb.GROUP_RENAMED,
                actor=renamed_by,
                group=group,
                details={"before": before, "after": name},
            )
    return group


def delete_group(*, group: Group, deleted_by: User) -> DeletedGroup:
    """Delete a group of an organization, its memberships and its publications.

    Members who were in the organization only through this group leave it. Refused
    (``selectors.why_group_cannot_be_deleted``) while it has subgroups in the
    organization, or when it is the last group the person deleting it admins.
    Groups of elsewhere that hang under it (mapped to another organization, or to
    none) stay where they are, at the top of their own hierarchy.
    """
    with transaction.atomic():
        group = _lock(group)
        organization = group.organization
        if organization is None:
            raise GroupRuleBroken(f"{group} is not mapped to any organization.")
        refusal = selectors.why_group_cannot_be_deleted(group, policy.viewer_for(deleted_by, organization))
        if refusal:
            raise GroupRuleBroken(refusal)
        outside_children = Group.objects.filter(parent=group).exclude(organization=organization)
        for child in outside_children.exclude(organization=None):
            if selectors.sibling_with_name(child.name, parent=None, organization_id=child.organization_id):
                raise GroupRuleBroken(
                    f"A group that is not part of {organization} sits under {group}, and its name is taken at the "
                    "top of its own organization's hierarchy. Nothing was changed."
                )
        member_ids = list(selectors.member_ids(group).values_list("user_id", flat=True))
        leaving = selectors.org_users_without_other_reason(
            organization=organization, user_ids=member_ids, ignoring_group_ids=[group.pk]
        ).count()
        published = selectors.published_to(group)
        name = group.name
        # Written while the group exists, so that the event names it; the link goes with the group.
        audit.record(
            organization=organization,
            verb=AuditEvent.Verb.GROUP_DELETED,
            actor=deleted_by,
            group=group,
            details={
                "parent": group.parent.name if group.parent_id else None,
                "members": len(member_ids),
                "left_organization": leaving,
                **published,
            },
        )
        outside_children.update(parent=None)
        group.delete()
        change = sync_organization_users(organization=organization, user_ids=member_ids, changed_by=deleted_by)
    return DeletedGroup(
        name=name, left_organization=change.left, unpublished=len(published["actions"]) + len(published["connectors"])
    )


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise GroupRuleBroken("A group needs a name.")
    if refusal := selectors.name_refusal(name):
        raise GroupRuleBroken(refusal)
    return name


def _check_name_is_free(
    name: str, *, parent: Group | None, organization: Organization | None, moving: Group | None = None
) -> None:
    """Refuse a name a sibling at that place already has, whatever its case (the caller holds the locks)."""
    organization_id = organization.pk if organization else None
    taken = selectors.sibling_with_name(
        name, parent=parent, organization_id=organization_id, excluding=moving.pk if moving else None
    )
    if taken is None:
        return
    rule = "Groups side by side in the hierarchy need different names (capitals do not count): choose another name."
    if parent is None:
        raise GroupRuleBroken(f"{organization} already has a top-level group named “{taken}”. {rule}")
    if parent.organization_id == organization_id:
        raise GroupRuleBroken(f"{parent} already has a subgroup named “{taken}”. {rule}")
    # A parent of elsewhere: neither it nor its other subgroups are this organization's to name.
    raise GroupRuleBroken(f"Another group under the same parent is already named “{name}”. {rule}")


def _record_members_added(
    group: Group, people: list[User], role: str, added_by: User, change: OrganizationChange
) -> None:
    """One event for everyone a request added to a mapped group (the group's organization is locked)."""
    audit.record(
        organization=group.organization,
        verb=AuditEvent.Verb.GROUP_MEMBER_ADDED,
        actor=added_by,
        target=people[0] if len(people) == 1 else None,
        group=group,
        details={
            **audit.people_details(group.organization_id, people),
            "role": role,
            "joined_organization": change.joined,
        },
    )


def _record_mapping(
    verb: AuditEvent.Verb, organization: Organization, group: Group, changed_by: User, change: OrganizationChange
) -> None:
    audit.record(
        organization=organization,
        verb=verb,
        actor=changed_by,
        group=group,
        details={
            "members": selectors.member_ids(group).count(),
            "joined_organization": change.joined,
            "left_organization": change.left,
        },
    )


def _current(membership: GroupMembership, group: Group) -> GroupMembership:
    """The membership as it is now, under the group's lock (another admin may have just removed it)."""
    current = GroupMembership.objects.select_related("user").filter(pk=membership.pk).first()
    if current is None:
        raise GroupRuleBroken(f"{membership.user} is no longer in {group}.")
    current.group = group
    return current


def _place(version: str) -> list[str]:
    """The parent and organization parts of a ``Group.version``: where the group is, whatever its name."""
    return version.split(":", 2)[:2]


def _fresh(group: Group | None) -> Group | None:
    """Re-read a group named by the caller: it may have been unmapped since the form was filled."""
    return None if group is None else Group.objects.get(pk=group.pk)
