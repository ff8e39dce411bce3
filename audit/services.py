"""Writing the audit log: one function, called by the service that makes the change.

``record`` is called inside the transaction of the change it describes, so that a
change is never made without its event nor an event kept for a change rolled back.
Bulk work (a list of numbers, an import, an export) is one event with counts, never
one per person or row.
"""

from typing import Any

from groups.models import Group
from users import names
from users.models import Organization, User

from .models import AuditEvent

# Bulk events name at most this many people in their details; the counts say how many in all.
NAMED_PEOPLE_LIMIT = 50
# Likewise for the groups an Action or a Connector was published to, or unpublished from, at once.
NAMED_GROUPS_LIMIT = 50


def person_label(organization: Organization | int, user: User | None) -> str:
    """ "Asha Rao (+91 98123 45678)": a person as ``organization`` knows them, kept even once they are gone."""
    if user is None:
        return ""
    return names.label(user, names.names_in(organization, [user.pk]).get(user.pk, ""))


def people_details(organization: Organization | int, users: list[User]) -> dict[str, Any]:
    """How a bulk event names the people it was about: all their ids, and the first few labels."""
    named = users[:NAMED_PEOPLE_LIMIT]
    known_as = names.names_in(organization, [user.pk for user in named])
    return {
        "count": len(users),
        "user_ids": [user.pk for user in users],
        "people": [names.label(user, known_as.get(user.pk, "")) for user in named],
    }


def groups_details(labels: list[str]) -> dict[str, Any]:
    """How an event about an Action's or a Connector's publications names its groups: the first few, and how many."""
    return {"groups": labels[:NAMED_GROUPS_LIMIT], "group_count": len(labels)}


def record(
    *,
    organization: Organization | int,
    verb: AuditEvent.Verb,
    actor: User | None,
    target: User | None = None,
    group: Group | None = None,
    details: dict[str, Any] | None = None,
    target_name: str | None = None,
) -> AuditEvent:
    """Write one event of ``organization``'s audit log; call it inside the change's transaction.

    People are labelled with the names ``organization`` gives them. ``target_name`` is that
    name where the change has already removed the person's membership.
    """
    organization_id = organization if isinstance(organization, int) else organization.pk
    known_as = names.names_in(organization_id, [person.pk for person in (actor, target) if person is not None])
    if target is not None and target_name is not None:
        known_as[target.pk] = target_name
    return AuditEvent.objects.create(
        organization_id=organization_id,
        verb=verb,
        actor=actor,
        actor_label=names.label(actor, known_as.get(actor.pk, "")) if actor else "",
        target=target,
        target_label=names.label(target, known_as.get(target.pk, "")) if target else "",
        group=group,
        group_label=group.name if group is not None else "",
        details=details or {},
    )
