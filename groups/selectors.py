"""Reads of groups, their hierarchy and members."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When

from actions.models import ActionPublication
from connectors.models import ConnectorPublication
from kaizala_portal import policy
from kaizala_portal.policy import Action, Viewer
from users import names
from users.models import Organization, OrganizationUser, User

from .models import Group, GroupMembership
from .rules import Rule

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


PATH_SEPARATOR = " / "
# A name holding the separator would make two groups' paths read alike ("A / B" at the top, and
# B under A), and an uploaded file could no longer say which one it means: names never hold it.
SEPARATOR_IN_NAME = (
    f"A group's name cannot contain “{PATH_SEPARATOR.strip()}” between spaces: the Groups pages and the bulk "
    f"upload files put it between the names of a path, as in “Field Staff{PATH_SEPARATOR}North”. "
    "Use “ - ” instead, or a slash without spaces."
)


def name_refusal(name: str) -> str | None:
    """Why ``name`` cannot be a group's name, or None (a blank name is refused apart)."""
    return SEPARATOR_IN_NAME if PATH_SEPARATOR in " ".join(name.split()) else None


def paths_of(groups: Iterable[Group]) -> dict[int, str]:
    """Group id -> "Field Staff / North": the group's name after those of its ancestors.

    One query for any number of groups: the hierarchies of their organizations are read
    whole. Only ancestors of the group's own organization are named (those of elsewhere
    are not its to show, as in ``hierarchy_of``); a group mapped nowhere is its name alone.
    """
    groups = list(groups)
    organization_ids = {group.organization_id for group in groups if group.organization_id}
    tree = {
        pk: (name, parent_id, organization_id)
        for pk, name, parent_id, organization_id in Group.objects.filter(
            organization_id__in=organization_ids
        ).values_list("pk", "name", "parent_id", "organization_id")
    }
    paths = {}
    for group in groups:
        names = [group.name]
        seen = {group.pk}
        parent_id = group.parent_id
        while group.organization_id and parent_id in tree and parent_id not in seen:
            name, next_parent_id, organization_id = tree[parent_id]
            if organization_id != group.organization_id:
                break
            names.append(name)
            seen.add(parent_id)
            parent_id = next_parent_id
        paths[group.pk] = PATH_SEPARATOR.join(reversed(names))
    return paths


def path_of(group: Group) -> str:
    return paths_of([group])[group.pk]


def by_path(groups: Iterable[Group]) -> list[Group]:
    """The groups in hierarchy order (by path, ignoring case), each with its ``path``."""
    groups = list(groups)
    paths = paths_of(groups)
    for group in groups:
        group.path = paths[group.pk]
    return sorted(groups, key=lambda group: (group.path.casefold(), group.pk))


def sorted_paths(groups: Iterable[Group]) -> list[str]:
    """The paths of these groups, in hierarchy order."""
    return [group.path for group in by_path(groups)]


# The Bulk Upload Users files (see ``mapping_files``) -------------------------------------------

# Groups whose memberships one query of the export reads: its ORDER BY names each of them.
EXPORT_GROUPS_PER_QUERY = 200


def bulk_groups_of(viewer: Viewer) -> list[Group]:
    """The groups whose memberships ``viewer`` may add or remove in bulk, by path, each with its ``path`` and
    ``parent_path`` ("" where its parent is not of the organization).

    Two queries, however many groups: the groups (with their parents) and the organization's tree.
    """
    groups = list(policy.scope(viewer, Action.MANAGE_GROUP_MEMBERS, Group.objects.select_related("parent")))
    # A parent mapped elsewhere is not the organization's to name: its child stands at the top, as in the tree.
    parents = {
        group.parent_id: group.parent
        for group in groups
        if group.parent_id and group.parent.organization_id == viewer.organization.pk
    }
    paths = paths_of([*groups, *parents.values()])
    for group in groups:
        group.path = paths[group.pk]
        group.parent_path = paths[group.parent_id] if group.parent_id in parents else ""
    return sorted(groups, key=lambda group: (group.path.casefold(), group.pk))


def memberships_by_path(groups: list[Group]) -> Iterator[tuple[str, str, str]]:
    """(group path, phone number in E.164, role) of every member of ``groups``, in their order, then by number.

    A query per ``EXPORT_GROUPS_PER_QUERY`` groups, read ``EXPORT_CHUNK_SIZE`` rows at a time:
    never more than that many rows in memory, nor a query per group or per member.
    """
    for start in range(0, len(groups), EXPORT_GROUPS_PER_QUERY):
        chunk = groups[start : start + EXPORT_GROUPS_PER_QUERY]
        place = Case(
            *(When(group_id=group.pk, then=Value(index)) for index, group in enumerate(chunk)),
            output_field=IntegerField(),
        )
        rows = (
            GroupMembership.objects.filter(group_id__in=[group.pk for group in chunk])
            .annotate(place=place)
            .order_by("place", "user__phone_number")
            .values_list("place", "user__phone_number", "role")
            .iterator(chunk_size=settings.EXPORT_CHUNK_SIZE)
        )
        for index, phone_number, role in rows:
            yield chunk[index].path, phone_number, role


def subgroup_ids(organization: Organization | int, group_ids: Iterable[int]) -> set[int]:
    """Ids of every group of ``organization`` under any of ``group_ids``, however deep (one query).

    The walk goes through the organization's own groups only, as ``paths_of`` does: a subgroup
    mapped elsewhere is not reached, nor is anything under it.
    """
    children: dict[int, list[int]] = {}
    for pk, parent_id in Group.objects.filter(organization=organization, parent__organization=organization).values_list(
        "pk", "parent_id"
    ):
        children.setdefault(parent_id, []).append(pk)
    group_ids = set(group_ids)
    found: set[int] = set()
    stack = [child for pk in group_ids for child in children.get(pk, [])]
    while stack:
        pk = stack.pop()
        if pk not in found:
            found.add(pk)
            stack.extend(children.get(pk, []))
    return found - group_ids


def sibling_with_name(
    name: str, *, parent: Group | None, organization_id: int | None, excluding: int | None = None
) -> str | None:
    """The name of a group where ``name`` would go that matches it ignoring case, if any.

    Siblings are the subgroups of ``parent``, or the top-level groups of the organization.
    Compared in Python, fully case-folded: SQLite's LOWER folds ASCII letters only.
    """
    if parent is not None:
        siblings = Group.objects.filter(parent=parent)
    elif organization_id is not None:
        siblings = Group.objects.filter(parent__isnull=True, organization_id=organization_id)
    else:
        return None
    wanted = name.strip().casefold()
    for pk, sibling in siblings.values_list("pk", "name"):
        if pk != excluding and sibling.casefold() == wanted:
            return sibling
    return None


def why_group_cannot_be_deleted(group: Group, viewer: Viewer) -> str:
    """The reason ``viewer`` may not delete ``group`` now ("" when they may), whatever their role allows.

    A group with subgroups is not deleted: their members, admins and publications would
    go with it or land somewhere nobody chose. Move or delete them first.
    """
    subgroups = list(subgroups_of(group).values_list("name", flat=True))
    if subgroups:
        return f"{group} has subgroups ({', '.join(subgroups)}). Move them under another group, or delete them, first."
    if policy.relies_on_group_to_admin(viewer, group):
        return (
            f"{group} is the only group you admin in {viewer.organization}: deleting it would take away your right "
            "to manage its people. Ask an organization admin to delete it."
        )
    return ""


@dataclass(frozen=True)
class GroupDeletion:
    """What deleting a group would do, as its confirmation page says it."""

    refusal: str
    has_subgroups: bool
    member_count: int
    leaving: QuerySet[OrganizationUser]
    leaving_count: int
    actions: list[str]
    connectors: list[str]


def deletion_of(group: Group, viewer: Viewer) -> GroupDeletion:
    leaving = org_users_without_other_reason(
        organization=group.organization, user_ids=member_ids(group), ignoring_group_ids=[group.pk]
    ).select_related("user")
    return GroupDeletion(
        refusal=why_group_cannot_be_deleted(group, viewer),
        has_subgroups=subgroups_of(group).exists(),
        member_count=group.memberships.count(),
        leaving=leaving,
        leaving_count=leaving.count(),
        **published_to(group),
    )


def published_to(group: Group) -> dict[str, list[str]]:
    """Names of the organization's Actions and Connectors published to ``group``, which its deletion unpublishes."""
    return {
        "actions": sorted(
            ActionPublication.objects.filter(group=group, action__organization=group.organization_id).values_list(
                "action__name", flat=True
            )
        ),
        "connectors": sorted(
            ConnectorPublication.objects.filter(group=group, connector__organization=group.organization_id).values_list(
                "connector__name", flat=True
            )
        ),
    }


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


def reasons_to_be_in(organization: Organization) -> QuerySet[GroupMembership]:
    """Memberships that make a person one of ``organization``'s users: in its mapped groups, but not by a rule.

    A dynamic group's members are picked among the organization's users: if being picked kept
    them there, nobody the rule matches could ever be removed from the organization.
    """
    return GroupMembership.objects.filter(group__organization=organization).exclude(
        group__rule__isnull=False, role=GroupMembership.Role.MEMBER
    )


def org_users_without_other_reason(
    *, organization: Organization, user_ids: UserIds, ignoring_group_ids: Iterable[int] = ()
) -> QuerySet[OrganizationUser]:
    """Organization users among ``user_ids`` with no reason to be in ``organization``.

    A person stays who was added directly, is an organization admin, or is in a group
    mapped to the organization (other than ``ignoring_group_ids``, which are about to go)
    other than as a member of a dynamic group.
    """
    in_a_mapped_group = (
        reasons_to_be_in(organization)
        .filter(user=OuterRef("user"))
        .exclude(
            group_id__in=list(ignoring_group_ids),
        )
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
        reasons_to_be_in(organization)
        .filter(user_id__in=user_ids)
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


def joining_on_map(group: Group, organization: Organization) -> QuerySet:
    """Ids of the members of ``group`` (mapped nowhere) who are not yet users of ``organization``, by number."""
    already_in = OrganizationUser.objects.filter(organization=organization, user=OuterRef("user"))
    return (
        GroupMembership.objects.filter(group=group)
        .exclude(Exists(already_in))
        .order_by("user__phone_number")
        .values_list("user_id", flat=True)
    )


def labels_in(organization: Organization, user_ids: list[int]) -> list[str]:
    """ "Asha Rao (+91 98123 45678)" for each of these people, in this order, as ``organization`` names them."""
    users = User.objects.in_bulk(user_ids)
    known_as = names.names_in(organization, user_ids)
    return [names.label(users[pk], known_as.get(pk, "")) for pk in user_ids if pk in users]


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


# Dynamic groups ---------------------------------------------------------------------------


def manual_membership_refusal(group: Group) -> str | None:
    """Why members cannot be added to, or removed from, ``group`` by hand (None when they can)."""
    return None if group.rule is None else dynamic_group_refusal(str(group))


def dynamic_group_refusal(group_name: str) -> str:
    return (
        f"{group_name} is a dynamic group: its members are the people its rule matches. Change the rule, or the "
        "people's attributes, to change who is in it; or make it an ordinary group again."
    )


def dynamic_groups_of(organization: Organization | int) -> QuerySet[Group]:
    return Group.objects.filter(organization=organization, rule__isnull=False).order_by("pk")


def rule_matches(organization: Organization | int, rule: Rule) -> QuerySet[OrganizationUser]:
    """The organization's users who match ``rule``: one query, however many conditions."""
    return OrganizationUser.objects.filter(organization=organization).filter(rule.q())


def rule_joiners(group: Group, rule: Rule) -> QuerySet[OrganizationUser]:
    """Who ``rule`` matches and is not in ``group`` yet (in any role)."""
    in_group = GroupMembership.objects.filter(group=group, user=OuterRef("user"))
    return rule_matches(group.organization_id, rule).exclude(Exists(in_group))


def rule_leavers(group: Group, rule: Rule) -> QuerySet[GroupMembership]:
    """Members of ``group`` (admins stay: they are chosen by hand) whom ``rule`` does not match."""
    matched = rule_matches(group.organization_id, rule).filter(user=OuterRef("user"))
    return GroupMembership.objects.filter(group=group, role=GroupMembership.Role.MEMBER).exclude(Exists(matched))


@dataclass(frozen=True)
class RulePreview:
    matching: int
    joining: int
    leaving: int
    # Members of an ordinary group made dynamic who were in the organization only through it.
    leaving_organization: int = 0


def preview_rule(group: Group, rule: Rule) -> RulePreview:
    """What saving ``rule`` on ``group`` would do now (three counts)."""
    return RulePreview(
        matching=rule_matches(group.organization_id, rule).count(),
        joining=rule_joiners(group, rule).count(),
        leaving=rule_leavers(group, rule).count(),
        leaving_organization=0
        if group.rule is not None
        else org_users_without_other_reason(
            organization=group.organization,
            user_ids=member_ids(group).filter(role=GroupMembership.Role.MEMBER),
            ignoring_group_ids=[group.pk],
        ).count(),
    )
