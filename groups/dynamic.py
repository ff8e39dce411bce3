"""Dynamic groups: a group whose members are the organization's people matching its rule.

The rule (``groups.rules``) is set and cleared here, and membership is brought up to date
by ``refresh_dynamic_groups`` after every change that can move people in or out: an import,
an edit of a person, a bulk action, the organization's attributes changing, the rule saved.
A refresh is set-based: per group, one INSERT … SELECT of those who join and one DELETE of
those who leave, whatever the number of people.

Members join with the role member. Admins of a dynamic group are chosen by hand (a member
made admin stays however the rule goes), and being picked by a rule never makes anyone a
user of the organization, nor keeps them one (``selectors.reasons_to_be_in``).
"""

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from attributes.models import AttributeDefinition
from audit import services as audit
from audit.models import AuditEvent
from users.models import Organization, OrganizationUser, User

from . import selectors
from .locks import lock_group
from .models import Group, GroupMembership
from .rules import Rule
from .selectors import manual_membership_refusal

__all__ = ["manual_membership_refusal", "refresh_dynamic_groups", "set_rule", "clear_rule", "Cause"]

# An event of a refresh names this many of those who joined, and of those who left; its counts say how many in all.
NAMES_RECORDED = 10


class Cause(StrEnum):
    """Why a refresh ran: said in its audit event."""

    IMPORT = "import"
    EDIT = "edit"
    USERS_ADDED = "users_added"
    BULK_ACTION = "bulk_action"
    ATTRIBUTES = "attributes"
    RULE = "rule"


class NotDynamic(Exception):
    """Raised with a message for the person when a group cannot be (or is not) dynamic."""


@dataclass(frozen=True)
class Refreshed:
    group: Group
    joined: int
    left: int
    # Why the group was left as it was: its rule is broken (``Rule.problems``).
    problems: tuple[str, ...] = ()
    # Made dynamic, people who were in the organization only through the group leave it.
    left_organization: int = 0


def definitions_by_id(organization: Organization | int) -> dict[int, AttributeDefinition]:
    return {d.pk: d for d in AttributeDefinition.objects.filter(organization=organization)}


def rule_of(group: Group) -> Rule | None:
    return Rule.from_json(group.rule) if group.rule is not None else None


def set_rule(*, group: Group, rule: Rule, changed_by: User) -> Refreshed:
    """Make ``group`` dynamic with ``rule`` (or give it a new one) and bring its members up to date at once.

    Its current members stay or go as the rule says; its admins stay.
    """
    with transaction.atomic():
        group = lock_group(group)
        if group.organization is None:
            raise NotDynamic(f"{group} is mapped to no organization: only an organization's groups can be dynamic.")
        problems = rule.problems(definitions_by_id(group.organization))
        if problems:
            raise NotDynamic(" ".join(problems))
        before = rule_of(group)
        group.rule = rule.to_json()
        group.save(update_fields=["rule"])
        # Imported here: the group services import users.services, whose writes refresh dynamic groups.
        from .services import sync_organization_users

        # Chosen by hand until now, its members were in the organization through it. From now on the rule
        # picks them among its users: those who had no other way in leave it, before the rule is applied.
        change = sync_organization_users(
            organization=group.organization,
            user_ids=selectors.member_ids(group).filter(role=GroupMembership.Role.MEMBER),
            changed_by=changed_by,
        )
        audit.record(
            organization=group.organization,
            verb=AuditEvent.Verb.DYNAMIC_RULE_SET,
            actor=changed_by,
            group=group,
            details={
                "match": rule.match,
                "conditions": rule.describe(),
                "before": before.describe() if before else None,
                "before_match": before.match if before else None,
                "left_organization": change.left,
            },
        )
        refreshed = _refresh_group(group, rule, actor=changed_by, cause=Cause.RULE, user_ids=None)
        return dataclasses.replace(refreshed, left_organization=change.left)


def clear_rule(*, group: Group, changed_by: User) -> Group:
    """Make a dynamic group an ordinary one again: whoever is in it now stays, to be managed by hand."""
    with transaction.atomic():
        group = lock_group(group)
        before = rule_of(group)
        if before is None:
            raise NotDynamic(f"{group} is already an ordinary group.")
        group.rule = None
        group.save(update_fields=["rule"])
        audit.record(
            organization=group.organization,
            verb=AuditEvent.Verb.DYNAMIC_RULE_CLEARED,
            actor=changed_by,
            group=group,
            details={"match": before.match, "conditions": before.describe(), "members": _member_count(group)},
        )
    return group


def refresh_dynamic_groups(
    *,
    organization: Organization | int,
    actor: User | None,
    cause: Cause,
    user_ids: Iterable[int] | QuerySet | None = None,
) -> list[Refreshed]:
    """Bring every dynamic group of ``organization`` up to date with its rule, in one transaction.

    ``user_ids`` narrows the work to these people (one person edited); by default everyone.
    A group whose rule is broken is left as it is. Each group that changed gets one audit event.
    """
    with transaction.atomic():
        # The organization first, as every other change to its people and groups locks it: a delete of a
        # person (which removes their memberships) then either ends before the rule is evaluated or waits.
        organization_id = organization.pk if isinstance(organization, Organization) else organization
        Organization.objects.select_for_update().filter(pk=organization_id).values_list("pk").get()
        # Then its dynamic groups in id order, so that a rule saved meanwhile waits.
        groups = list(selectors.dynamic_groups_of(organization).select_for_update())
        if not groups:
            return []
        definitions = definitions_by_id(organization)
        results = []
        for group in groups:
            rule = Rule.from_json(group.rule)
            problems = rule.problems(definitions)
            if problems:
                results.append(Refreshed(group=group, joined=0, left=0, problems=tuple(problems)))
                continue
            results.append(_refresh_group(group, rule, actor=actor, cause=cause, user_ids=user_ids))
        return results


def _refresh_group(
    group: Group, rule: Rule, *, actor: User | None, cause: Cause, user_ids: Iterable[int] | QuerySet | None
) -> Refreshed:
    joiners = selectors.rule_joiners(group, rule)
    leavers = selectors.rule_leavers(group, rule)
    if user_ids is not None:
        user_ids = user_ids if isinstance(user_ids, QuerySet) else list(user_ids)
        joiners, leavers = joiners.filter(user_id__in=user_ids), leavers.filter(user_id__in=user_ids)
    # The statements say whom they moved: asking beforehand would evaluate the rule twice over.
    joined = sorted(_insert_members(group, joiners))
    left = sorted(_delete_members(leavers))
    if joined or left:
        audit.record(
            organization=group.organization_id,
            verb=AuditEvent.Verb.DYNAMIC_GROUP_REFRESHED,
            actor=actor,
            group=group,
            details={
                "cause": str(cause),
                "joined": len(joined),
                "left": len(left),
                "joined_people": selectors.labels_in(group.organization_id, joined[:NAMES_RECORDED]),
                # Those who left are still the organization's users: it names them as it did.
                "left_people": selectors.labels_in(group.organization_id, left[:NAMES_RECORDED]),
            },
        )
    return Refreshed(group=group, joined=len(joined), left=len(left))


def _insert_members(group: Group, joiners: QuerySet[OrganizationUser]) -> list[int]:
    """Add everyone ``joiners`` selects to ``group`` as members, in one INSERT … SELECT; their user ids."""
    select_sql, params = joiners.order_by().values("user_id").query.sql_with_params()
    table = GroupMembership._meta.db_table
    columns = [GroupMembership._meta.get_field(name).column for name in ("group", "user", "role", "added_at")]
    quote = connection.ops.quote_name
    # "WHERE true" keeps SQLite from reading ON CONFLICT as part of the SELECT's join.
    sql = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "
        f"SELECT %s, joiner.user_id, %s, %s FROM ({select_sql}) joiner WHERE true "
        f"ON CONFLICT ({quote(columns[0])}, {quote(columns[1])}) DO NOTHING RETURNING {quote(columns[1])}"
    )
    added_at = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [group.pk, GroupMembership.Role.MEMBER.value, added_at, *params])
        return [row[0] for row in cursor.fetchall()]


def _delete_members(leavers: QuerySet[GroupMembership]) -> list[int]:
    """Delete the memberships ``leavers`` selects, in one DELETE; their user ids.

    Nothing hangs off a membership, so no row elsewhere needs the collector that ``QuerySet.delete`` runs.
    """
    select_sql, params = leavers.order_by().values("pk").query.sql_with_params()
    table = connection.ops.quote_name(GroupMembership._meta.db_table)
    user = connection.ops.quote_name(GroupMembership._meta.get_field("user").column)
    sql = f"DELETE FROM {table} WHERE id IN ({select_sql}) RETURNING {user}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _member_count(group: Group) -> int:
    return GroupMembership.objects.filter(group=group).count()
