"""Writing the audit log: one function, called by the service that makes the change.

``record`` is called inside the transaction of the change it describes, so that a
change is never made without its event nor an event kept for a change rolled back.
Bulk work (a list of numbers, an import, an export) is one event with counts, never
one per person or row.
"""

from typing import Any

from groups.models import Group
from users.models import Organization, User

from .models import AuditEvent

# Bulk events name at most this many people in their details; the counts say how many in all.
NAMED_PEOPLE_LIMIT = 50


def person_label(user: User | None) -> str:
    """ "Asha Rao (+91 98123 45678)": a person as the log keeps them, even once their account is gone."""
    if user is None:
        return ""
    return f"{user.name} ({user.phone_display})" if user.name else user.phone_display


def people_details(users: list[User]) -> dict[str, Any]:
    """How a bulk event names the people it was about: all their ids, and the first few labels."""
    return {
        "count": len(users),
        "user_ids": [user.pk for user in users],
        "people": [person_label(user) for user in users[:NAMED_PEOPLE_LIMIT]],
    }


def record(
    *,
    organization: Organization | int,
    verb: AuditEvent.Verb,
    actor: User | None,
    target: User | None = None,
    group: Group | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write one event of ``organization``'s audit log; call it inside the change's transaction."""
    organization_id = organization if isinstance(organization, int) else organization.pk
    return AuditEvent.objects.create(
        organization_id=organization_id,
        verb=verb,
        actor=actor,
        actor_label=person_label(actor),
        target=target,
        target_label=person_label(target),
        group=group,
        group_label=group.name if group is not None else "",
        details=details or {},
    )
