"""Reads of groups, their hierarchy and members."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery

from kaizala_portal import policy
from kaizala_portal.policy import Action, Viewer
from users import names
from users.models import Organization, OrganizationUser, User

from .models import Group, GroupMembership

UserIds = Iterable[int] | QuerySet


def with_member_counts(queryset: QuerySet[Group]) -> QuerySet[Group]:
    return queryset.annotate(
        member_count=Count("memberships", distinct=True),
        admin_count=Count("memberships", filter=Q(memberships__role=GroupMembership.Role.ADMIN), distinct=True),
    )


def groups_visible_to(viewer: Viewer) -> QuerySet[Group]:
    """The Groups list: what the viewer may see, theirs first, with counts and the viewer's role in each."""
    own_role = GroupMembership.objects.filter(group=OuterRef("pk"), user=viewer.user).values("role")[:1]
    queryset = with_member_counts(Group.objects.select_related("parent")).annotate(viewer_role=Subquery(own_role))
    # "admin" sorts before "member"; groups the viewer is not in come last.
    ordered = queryset.order_by(F("viewer_role").asc(nulls_last=True), "name", "pk")
    return policy.scope(viewer, Action.VIEW_GROUPS, ordered)


@dataclass(frozen=True)
class HierarchyRow:
    group: Group
    depth: int
    member_count: int


def hierarchy_of(organization: Organization) -> list[HierarchyRow]:
    """Every group of ``organization`` in tree order (one query), each with its depth.

    A group whose parent is not mapped to the organization stands at the top: the tree
    shows nothing of other organizations. Flat rows rather than nested ones, so that a
    deep hierarchy never nests templates (or Python frames) as deep.
    """
    groups = list(with_member_counts(Group.objects.filter(organization=organization)).order_by("name", "pk"))
    ids = {group.pk for group in groups}
    children: dict[int | None, list[Group]] = {}
    for group in groups:
        children.setdefault(group.parent_id if group.parent_id in ids else None, []).append(group)
    rows: list[HierarchyRow] = []
    stack = [(group, 0) for group in reversed(children.get(None, []))]
    while stack:
        group, depth = stack.pop()
        rows.append(HierarchyRow(group=group, depth=depth, member_count=group.member_count))
        stack.extend((child, depth + 1) for child in reversed(children.get(group.pk, [])))
    return rows


def members_of(group: Group) -> QuerySet[GroupMembership]:
    """A group's members, admins first, then by the name the group's organization gives them."""
    return (
        GroupMembership.objects.filter(group=group)
        .select_related("user")
        .annotate(name=names.name_in("group__organization", "user"))
        .order_by("role", "name", "pk")
    )


def subgroups_of(group: Group) -> QuerySet[Group]:
    return Group.objects.filter(parent=group, organization=group.organization_id).order_by("name", "pk")


def move_destinations(viewer: Viewer, group: Group) -> QuerySet[Group]:
    """The groups ``viewer`` may put ``group`` under (its own subgroups included: moving there is refused)."""
    others = Group.objects.exclude(pk=group.pk).select_related("parent")
    return policy.scope(viewer, Action.CREATE_GROUPS, others).order_by("name", "pk")


def ancestor_ids(group: Group) -> list[int]:
    """Ids of ``group``'s parent, grandparent, ... (one query per level)."""
    ids: list[int] = []
    parent_id = group.parent_id
    while parent_id is not None and parent_id not in ids:
        ids.append(parent_id)
        parent_id = Group.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
    return ids


def other_admins(membership: GroupMembership) -> QuerySet[GroupMembership]:
    return GroupMembership.objects.filter(group=membership.group_id, role=GroupMembership.Role.ADMIN).exclude(
        pk=membership.pk
    )


def groups_only_admined_by(*, user: User, organization: Organization) -> list[Group]:
    """Groups of ``organization`` whose one and only admin is ``user``."""
    another_admin = GroupMembership.objects.filter(group=OuterRef("pk"), role=GroupMembership.Role.ADMIN).exclude(
        user=user
    )
    return list(
        Group.objects.filter(
            organization=organization,
            memberships__user=user,
            memberships__role=GroupMembership.Role.ADMIN,
        )
        .exclude(Exists(another_admin))
        .order_by("name", "pk")
    )


# Who is in an organization through its groups. The rule lives here, once: the
# services apply it after each change, the confirmation pages preview it.


def org_users_without_other_reason(
    *, organization: Organization, user_ids: UserIds, ignoring_group_ids: Iterable[int] = ()
) -> QuerySet[OrganizationUser]:
    """Organization users among ``user_ids`` with no reason to be in ``organization``.

    A person stays who was added directly, is an organization admin, or is in a group
    mapped to the organization (other than ``ignoring_group_ids``, which are about to go).
    """
    in_a_mapped_group = GroupMembership.objects.filter(user=OuterRef("user"), group__organization=organization).exclude(
        group_id__in=list(ignoring_group_ids)
    )
    return (
        OrganizationUser.objects.filter(organization=organization, user_id__in=user_ids, added_directly=False)
        .exclude(role=OrganizationUser.Role.ORG_ADMIN)
        .exclude(Exists(in_a_mapped_group))
    )


def users_missing_from_organization(*, organization: Organization, user_ids: UserIds) -> list[int]:
    """Ids among ``user_ids`` in a group mapped to ``organization`` but not (yet) its users."""
    already_in = OrganizationUser.objects.filter(organization=organization, user=OuterRef("user"))
    return list(
        GroupMembership.objects.filter(group__organization=organization, user_id__in=user_ids)
        .exclude(Exists(already_in))
        .values_list("user_id", flat=True)
        .distinct()
    )


def member_ids(group: Group) -> QuerySet:
    return GroupMembership.objects.filter(group=group).values("user_id")


def leaving_on_unmap(group: Group) -> QuerySet[OrganizationUser]:
    """Who would leave the group's organization if it were unmapped now."""
    return org_users_without_other_reason(
        organization=group.organization, user_ids=member_ids(group), ignoring_group_ids=[group.pk]
    ).select_related("user")


def leaves_organization_on_removal(membership: GroupMembership) -> bool:
    group = membership.group
    if group.organization_id is None:
        return False
    return org_users_without_other_reason(
        organization=group.organization, user_ids=[membership.user_id], ignoring_group_ids=[group.pk]
    ).exists()


def settings_groups(viewer: Viewer) -> tuple[list[Group], list[Group]]:
    """For Settings: the organization's groups the viewer may unmap, and the unmapped ones they may map."""
    groups = policy.scope(
        viewer, Action.MANAGE_GROUP_MAPPING, with_member_counts(Group.objects.select_related("parent"))
    ).order_by("name", "pk")
    mapped, unmapped = [], []
    for group in groups:
        (mapped if group.organization_id else unmapped).append(group)
    return mapped, unmapped
