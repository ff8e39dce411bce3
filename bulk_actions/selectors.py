"""Which people a bulk action reaches: the Users list's selection, evaluated again on the server.

A selection is the list's search and filters (a query string), narrowed to people chosen
one by one (``ids``) unless the admin chose all that match. It is evaluated inside the
organization, as far as the viewer's role lets them see its users: ids of anybody else,
another organization's people included, choose nobody.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.http import QueryDict

from attributes.selectors import definitions_of, parse_context
from exports import selectors as export_selectors
from groups import selectors as group_selectors
from groups.models import Group, GroupMembership
from kaizala_portal import policy
from kaizala_portal.converters import MAX_ID
from kaizala_portal.policy import Action, Viewer
from users import names
from users.filters import OrganizationUserFilter
from users.models import Organization, OrganizationUser

from .models import BulkJob

# The list's parameters that choose people one by one, or all that match.
CHOSEN, ALL_MATCHING = "user", "all"
# Named on a confirmation page, per kind of consequence; the counts say how many in all.
NAMED_ON_CONFIRMATION = 10


@dataclass(frozen=True)
class Selection:
    scope: str  # the list's search and filters, with ``ids`` when people were chosen one by one
    chosen_ids: tuple[int, ...]  # as the request named them, before anything was checked

    @property
    def is_all_matching(self) -> bool:
        return not self.chosen_ids


def selection_from(organization: Organization, params: QueryDict) -> Selection | None:
    """What the list's form chose, or None when it chose nobody (no box ticked, no "all matching")."""
    scope = QueryDict(export_selectors.scope_query(organization, params), mutable=True)
    if params.get(ALL_MATCHING) == "1":
        # Everyone the list showed: a list narrowed to some ids (an address of an earlier selection) stays narrowed.
        return Selection(scope=scope.urlencode(), chosen_ids=())
    chosen = sorted({int(v) for v in params.getlist(CHOSEN) if v.isascii() and v.isdigit() and 0 < int(v) <= MAX_ID})
    if not chosen:
        return None
    scope["ids"] = ",".join(map(str, chosen))
    return Selection(scope=scope.urlencode(), chosen_ids=tuple(chosen))


def form_fields(selection: Selection) -> list[tuple[str, str]]:
    """The selection as hidden fields of a confirmation form, which posts it back as the list sent it."""
    fields = list(QueryDict(selection.scope).items())
    if selection.is_all_matching:
        return [*fields, (ALL_MATCHING, "1")]
    chosen = [(CHOSEN, str(pk)) for pk in selection.chosen_ids]
    return [(name, value) for name, value in fields if name != "ids"] + chosen


def people_in(viewer: Viewer, scope: str) -> QuerySet[OrganizationUser]:
    """The organization users ``scope`` chooses that ``viewer`` may see, in user id order."""
    organization = viewer.organization
    visible = policy.scope(viewer, Action.VIEW_USERS, OrganizationUser.objects.all())
    definitions, context = definitions_of(organization), parse_context(organization)
    filterset = OrganizationUserFilter(QueryDict(scope), queryset=visible, definitions=definitions, context=context)
    return filterset.qs.order_by("user_id")


def describe(organization: Organization, selection: Selection, count: int) -> str:
    """ "3 chosen people", "All users", "Users matching “asha”": what the history says a job was about."""
    if not selection.is_all_matching:
        return f"{count} chosen {'person' if count == 1 else 'people'}"
    return export_selectors.describe_scope(organization, selection.scope)


def groups_to_manage(viewer: Viewer) -> QuerySet[Group]:
    """The groups ``viewer`` may add people to or remove them from."""
    return policy.scope(viewer, Action.MANAGE_GROUP_MEMBERS, Group.objects.all()).order_by("name", "pk")


def bulk_jobs_visible_to(viewer: Viewer) -> QuerySet[BulkJob]:
    jobs = BulkJob.objects.select_related("requested_by", "organization").annotate(
        requested_by_name=names.name_in("organization", "requested_by")
    )
    return policy.scope(viewer, Action.VIEW_BULK_JOBS, jobs)


# What a confirmation page says will happen. One query per kind of consequence, never per person.


@dataclass(frozen=True)
class Named:
    """Some of the chosen people: how many, and the first few as the organization names them."""

    count: int
    names: list[str]

    @property
    def more(self) -> int:
        return self.count - len(self.names)


@dataclass(frozen=True)
class Preview:
    count: int
    named: dict[str, Named]  # consequence -> who it befalls


def _named(people: QuerySet[OrganizationUser]) -> Named:
    first = people.select_related("user").order_by("name", "user_id")[:NAMED_ON_CONFIRMATION]
    return Named(count=people.count(), names=[names.label(m.user, m.name) for m in first])


def preview_delete(viewer: Viewer, people: QuerySet[OrganizationUser]) -> Preview:
    organization = viewer.organization
    sole_admin_somewhere = GroupMembership.objects.filter(
        user=OuterRef("user"), group__organization=organization, role=GroupMembership.Role.ADMIN
    ).exclude(
        Exists(
            GroupMembership.objects.filter(group=OuterRef("group"), role=GroupMembership.Role.ADMIN).exclude(
                user=OuterRef("user")
            )
        )
    )
    in_a_group = GroupMembership.objects.filter(user=OuterRef("user"), group__organization=organization)
    named = {
        "yourself": _named(people.filter(user=viewer.user)),
        "org_admins": _named(people.filter(role=OrganizationUser.Role.ORG_ADMIN).exclude(user=viewer.user)),
        "sole_group_admins": _named(people.filter(Exists(sole_admin_somewhere)).exclude(user=viewer.user)),
        "in_groups": _named(people.filter(Exists(in_a_group))),
    }
    return Preview(count=people.count(), named=named)


def preview_add(group: Group, people: QuerySet[OrganizationUser]) -> Preview:
    in_group = GroupMembership.objects.filter(group=group, user=OuterRef("user"))
    return Preview(count=people.count(), named={"already_in": _named(people.filter(Exists(in_group)))})


def preview_remove(group: Group, people: QuerySet[OrganizationUser]) -> Preview:
    in_group = GroupMembership.objects.filter(group=group, user=OuterRef("user"))
    members = people.filter(Exists(in_group))
    leaving = group_selectors.org_users_without_other_reason(
        organization=group.organization, user_ids=members.values("user_id"), ignoring_group_ids=[group.pk]
    )
    admins_chosen = members.filter(Exists(in_group.filter(role=GroupMembership.Role.ADMIN)))
    admins_kept = GroupMembership.objects.filter(group=group, role=GroupMembership.Role.ADMIN).exclude(
        user_id__in=admins_chosen.values("user_id")
    )
    named = {
        "not_in": _named(people.exclude(Exists(in_group))),
        "leaving": _named(leaving),
        # Every admin chosen: the last of them stays, as a group keeps at least one admin.
        "last_admin": Named(count=int(admins_chosen.exists() and not admins_kept.exists()), names=[]),
    }
    return Preview(count=people.count(), named=named)
