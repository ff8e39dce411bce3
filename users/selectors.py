from collections.abc import Iterable

from django.db.models import F, FilteredRelation, Prefetch, Q, QuerySet

from groups import selectors as group_selectors
from groups.models import GroupMembership
from kaizala_portal import policy
from kaizala_portal.policy import Action, Viewer

from . import pages
from .columns import COLUMNS_NEEDING_GROUPS, Column
from .models import Organization, OrganizationUser, User, UserListPreference

DEFAULT_COLUMNS = ["added_at", "source"]

# The membership, in the same organization, of whoever added a person: where their name here is.
ADDED_BY_HERE = "added_by_here"


def org_group_memberships(organization: Organization) -> QuerySet[GroupMembership]:
    return GroupMembership.objects.filter(group__organization=organization).select_related("group")


def org_users_visible_to(viewer: Viewer, *, columns: list[Column] = ()) -> QuerySet[OrganizationUser]:
    """The Users list of ``viewer``'s organization, as far as their role reaches."""
    queryset = OrganizationUser.objects.select_related("user", "added_by")
    if COLUMNS_NEEDING_GROUPS.intersection(column.key for column in columns):
        queryset = queryset.prefetch_related(
            Prefetch(
                "user__group_memberships",
                queryset=org_group_memberships(viewer.organization),
                to_attr="org_group_memberships",
            )
        )
    return policy.scope(viewer, Action.VIEW_USERS, queryset)


def with_adders_here(queryset: QuerySet[OrganizationUser]) -> QuerySet[OrganizationUser]:
    """``queryset`` able to sort by, and read, this organization's name for whoever added each person.

    Joined (as ``ADDED_BY_HERE``) only by a query that uses it.
    """
    condition = Q(added_by__memberships__organization=F("organization"))
    return queryset.alias(**{ADDED_BY_HERE: FilteredRelation("added_by__memberships", condition=condition)})


def users_page(
    queryset: QuerySet[OrganizationUser],
    *,
    cursor: str | None,
    number,
    per_page: int,
    binding: str,
    within: QuerySet[OrganizationUser] | None = None,
    with_group_paths: bool = False,
) -> pages.UsersPage:
    """One page of the sorted and filtered Users list ``queryset`` (the filter's, ``with_adders_here``).

    The page's ids are picked first by a narrow query that carries only ids and sort keys, from
    a cursor (``users.pages``); its rows, with their users and prefetched groups, are then fetched
    by id. Sorting whole rows (attribute values, the joined people) for an offset deep into 100k
    users spilled the sort to disk and cost ten times as much. ``with_group_paths`` names the
    prefetched groups by their paths, for the Groups column. ``within``, when a search or filter
    narrows the list, is the list without it (``pages.page_ids``).
    """
    if within is not None:
        within = with_adders_here(within)
    page = pages.page_ids(queryset, cursor=cursor, number=number, per_page=per_page, binding=binding, within=within)
    rows = queryset.order_by().filter(pk__in=page.ids).annotate(added_by_name=F(f"{ADDED_BY_HERE}__name")).in_bulk()
    # Someone deleted between the two queries is simply not on this page.
    page.object_list = [rows[pk] for pk in page.ids if pk in rows]
    if with_group_paths:
        name_groups_by_path(page.object_list)
    return page


def name_groups_by_path(org_users: list[OrganizationUser]) -> None:
    """Give the groups prefetched for these people (``org_users_visible_to``) their ``path``, one query for all.

    Each person's memberships are then in hierarchy order, as groups are in every picker.
    """
    memberships = [membership for org_user in org_users for membership in org_user.user.org_group_memberships]
    paths = group_selectors.paths_of(membership.group for membership in memberships)
    for membership in memberships:
        membership.group.path = paths[membership.group_id]
    for org_user in org_users:
        org_user.user.org_group_memberships.sort(key=lambda m: (m.group.path.casefold(), m.group_id))


def list_columns_for(user: User, organization: Organization, offered: dict[str, Column]) -> list[Column]:
    """The extra columns ``user`` chose for this organization, still offered, in order."""
    preference = UserListPreference.objects.filter(user=user, organization=organization).first()
    chosen = preference.columns if preference else DEFAULT_COLUMNS
    return [offered[key] for key in chosen if key in offered]


def groups_of_org_user(org_user: OrganizationUser) -> list[GroupMembership]:
    return list(org_group_memberships(org_user.organization).filter(user=org_user.user_id).order_by("group__name"))


def source_of(org_user: OrganizationUser, group_memberships: list[GroupMembership]) -> str:
    """Where a person's membership comes from: "Added directly", "Via group Sales", or both."""
    # A dynamic group picks its members among the organization's users: it is no way in.
    ways_in = [m for m in group_memberships if m.group.rule is None or m.role == GroupMembership.Role.ADMIN]
    return describe_source(added_directly=org_user.added_directly, group_names=[m.group.name for m in ways_in])


def describe_source(*, added_directly: bool, group_names: Iterable[str]) -> str:
    """``source_of`` from plain values, for exports that read rows rather than objects."""
    parts = ["Added directly"] if added_directly else []
    parts += [f"Via group {name}" for name in group_names]
    return ", ".join(parts) or "—"


def missing_mandatory_values(
    queryset: QuerySet[OrganizationUser], mandatory_keys: list[str]
) -> QuerySet[OrganizationUser]:
    """The people of ``queryset`` without a value for one of these mandatory attributes.

    Someone who joins through a group (or a mapped group) cannot be refused for a value the
    organization asks of the people it adds itself; the Users list shows who they are.
    """
    if not mandatory_keys:
        return queryset.none()
    return queryset.exclude(attribute_values__has_keys=mandatory_keys)
