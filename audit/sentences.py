"""Audit events as people read them: one sentence, and the details as short lines.

Everything here reads the event's own labels and details, never the current users or
groups, so that an event reads the same however much has changed since.
"""

from typing import Any

from .models import AuditEvent

Verb = AuditEvent.Verb
NOBODY = "The portal"
SOMEONE = "someone"


IRREGULAR_PLURALS = {"person": "people"}


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun if count == 1 else IRREGULAR_PLURALS.get(noun, noun + 's')}"


def _actor(event: AuditEvent) -> str:
    return event.actor_label or NOBODY


def _target(event: AuditEvent) -> str:
    return event.target_label or SOMEONE


def _group(event: AuditEvent) -> str:
    return event.group_label or "a group"


def _people(event: AuditEvent, noun: str = "user") -> str:
    """The one person a bulk event was about, or how many there were."""
    count = event.details.get("count", 1)
    return _target(event) if count == 1 and event.target_label else _plural(count, noun)


def _job(event: AuditEvent, kind: str, by: str) -> str:
    file_name = event.details.get("file_name", "")
    who = f", {by} {event.actor_label}," if event.actor_label else ""
    return f"The {kind} “{file_name}”{who}"


def _user_added(event):
    return f"{_actor(event)} added {_people(event)} to the organization."


def _user_updated(event):
    org_role = event.details.get("org_role")
    if org_role and org_role.get("after") == "org_admin":
        return f"{_actor(event)} made {_target(event)} an organization admin."
    if org_role:
        return f"{_actor(event)} made {_target(event)} a member, no longer an organization admin."
    return f"{_actor(event)} changed the attributes of {_target(event)}."


def _user_deleted(event):
    return f"{_actor(event)} removed {_target(event)} from the organization."


def _attributes_changed(event):
    return f"{_actor(event)} changed the organization’s attributes."


def _group_created(event):
    parent = event.details.get("parent")
    under = f" under {parent}" if parent else ""
    return f"{_actor(event)} created the group {_group(event)}{under}."


def _group_moved(event):
    to = event.details.get("to")
    where = f"under {to}" if to else "to the top of the hierarchy"
    return f"{_actor(event)} moved {_group(event)} {where}."


def _group_renamed(event):
    before = event.details.get("before") or "a group"
    return f"{_actor(event)} renamed the group {before} to {event.details.get('after') or _group(event)}."


def _group_deleted(event):
    return f"{_actor(event)} deleted the group {_group(event)}."


def _group_mapped(event):
    return f"{_actor(event)} mapped {_group(event)} to the organization."


def _group_unmapped(event):
    return f"{_actor(event)} unmapped {_group(event)} from the organization."


def _group_member_added(event):
    as_admin = " as an admin" if event.details.get("role") == "admin" else ""
    return f"{_actor(event)} added {_people(event, 'person')} to {_group(event)}{as_admin}."


def _group_member_removed(event):
    return f"{_actor(event)} removed {_target(event)} from {_group(event)}."


def _group_role_changed(event):
    if event.details.get("after") == "admin":
        return f"{_actor(event)} made {_target(event)} an admin of {_group(event)}."
    return f"{_actor(event)} made {_target(event)} a member, no longer an admin, of {_group(event)}."


# Why a dynamic group's members changed (``groups.dynamic.Cause``), after "… joined or left".
DYNAMIC_CAUSES = {
    "import": "after an import",
    "edit": "after a person's attributes were edited",
    "users_added": "after people were added to the organization",
    "bulk_action": "after a bulk action",
    "attributes": "after the organization's attributes changed",
    "rule": "as soon as it was saved",
}


def _dynamic_rule_set(event):
    verb = "changed the rule of" if event.details.get("before") else "made"
    dynamic = "" if event.details.get("before") else " a dynamic group"
    return f"{_actor(event)} {verb} {_group(event)}{dynamic}."


def _dynamic_rule_cleared(event):
    return f"{_actor(event)} made {_group(event)} an ordinary group again; its members stay."


def _dynamic_group_refreshed(event):
    details = event.details
    moves = []
    if details.get("joined"):
        moves.append(f"{_plural(details['joined'], 'person')} joined")
    if details.get("left"):
        moves.append(f"{_plural(details['left'], 'person')} left")
    cause = DYNAMIC_CAUSES.get(details.get("cause", ""), "")
    by = f" by {event.actor_label}" if event.actor_label and details.get("cause") != "rule" else ""
    return f"{_group(event)} followed its rule {cause}{by}: {', '.join(moves) or 'nobody joined or left'}."


def _dynamic_lines(event: AuditEvent) -> list[str]:
    details = event.details
    lines = []
    if event.verb in (Verb.DYNAMIC_RULE_SET, Verb.DYNAMIC_RULE_CLEARED):
        match = "all" if details.get("match") == "all" else "any"
        lines.append(f"Rule (people meeting {match} of): " + "; ".join(details.get("conditions", [])))
        if details.get("before"):
            before_match = "all" if details.get("before_match") == "all" else "any"
            lines.append(f"Was ({before_match} of): " + "; ".join(details["before"]))
    for key, heading in (("joined", "Joined"), ("left", "Left")):
        named = details.get(f"{key}_people") or []
        if named:
            more = details.get(key, 0) - len(named)
            lines.append(f"{heading}: " + ", ".join(named) + (f" and {more:,} more" if more > 0 else ""))
    return lines


def _import_started(event):
    return f"{_actor(event)} uploaded “{event.details.get('file_name', '')}” to import."


def _import_finished(event):
    outcome = "failed" if event.details.get("status") == "failed" else "finished"
    return f"{_job(event, 'import', 'uploaded by')} {outcome}."


def _export_requested(event):
    scope = event.details.get("scope") or "All users"
    return f"{_actor(event)} requested the export “{event.details.get('file_name', '')}” ({scope})."


def _export_finished(event):
    if event.details.get("status") == "failed":
        return f"{_job(event, 'export', 'requested by')} failed."
    return f"{_job(event, 'export', 'requested by')} is ready: {_plural(event.details.get('rows', 0), 'user')}."


def _entry(event: AuditEvent) -> str:
    """The Action or Connector an event was about, by the name it had then."""
    return event.details.get("action") or event.details.get("connector") or "something"


def _groups(event: AuditEvent) -> str:
    """The one group a publication event was about, or how many there were."""
    count = event.details.get("group_count", 0)
    named = event.details.get("groups", [])
    return named[0] if count == 1 and named else _plural(count, "group")


def _action_created(event):
    kind, version = event.details.get("kind", ""), event.details.get("version", "")
    return f"{_actor(event)} added the Action {_entry(event)} ({kind}, version {version})."


def _action_deleted(event):
    return f"{_actor(event)} deleted the Action {_entry(event)}."


def _connector_registered(event):
    return f"{_actor(event)} registered the connector {_entry(event)}."


def _connector_secret_rotated(event):
    return f"{_actor(event)} made a new secret for the connector {_entry(event)}; the old one stopped working."


def _connector_deleted(event):
    return f"{_actor(event)} deleted the connector {_entry(event)}."


def _published(event):
    return f"{_actor(event)} published {_entry(event)} to {_groups(event)}."


def _unpublished(event):
    return f"{_actor(event)} unpublished {_entry(event)} from {_groups(event)}."


def _time_zone_changed(event):
    return f"{_actor(event)} set the organization’s time zone to {event.details.get('after', '')}."


def _group_import_started(event):
    kind = event.details.get("kind", "group")
    return f"{_actor(event)} uploaded the {kind} file “{event.details.get('file_name', '')}”."


def _group_import_finished(event):
    kind = event.details.get("kind", "group")
    if event.details.get("status") == "failed":
        return f"{_job(event, f'{kind} file', 'uploaded by')} failed."
    return f"{_job(event, f'{kind} file', 'uploaded by')} was processed."


# What a group upload's finishing event counts, in the order the history shows them.
GROUP_IMPORT_COUNTS = [
    ("groups_created", "groups created"),
    ("added", "added"),
    ("updated", "updated"),
    ("moved", "moved"),
    ("unchanged", "unchanged"),
    ("ignored", "ignored"),
    ("rejected", "rejected"),
]


SENTENCES = {
    Verb.USER_ADDED: _user_added,
    Verb.USER_UPDATED: _user_updated,
    Verb.USER_DELETED: _user_deleted,
    Verb.ATTRIBUTES_CHANGED: _attributes_changed,
    Verb.GROUP_CREATED: _group_created,
    Verb.GROUP_MOVED: _group_moved,
    Verb.GROUP_RENAMED: _group_renamed,
    Verb.GROUP_DELETED: _group_deleted,
    Verb.GROUP_MAPPED: _group_mapped,
    Verb.GROUP_UNMAPPED: _group_unmapped,
    Verb.GROUP_MEMBER_ADDED: _group_member_added,
    Verb.GROUP_MEMBER_REMOVED: _group_member_removed,
    Verb.GROUP_ROLE_CHANGED: _group_role_changed,
    Verb.DYNAMIC_RULE_SET: _dynamic_rule_set,
    Verb.DYNAMIC_RULE_CLEARED: _dynamic_rule_cleared,
    Verb.DYNAMIC_GROUP_REFRESHED: _dynamic_group_refreshed,
    Verb.IMPORT_STARTED: _import_started,
    Verb.IMPORT_FINISHED: _import_finished,
    Verb.EXPORT_REQUESTED: _export_requested,
    Verb.EXPORT_FINISHED: _export_finished,
    Verb.ACTION_CREATED: _action_created,
    Verb.ACTION_DELETED: _action_deleted,
    Verb.ACTION_PUBLISHED: _published,
    Verb.ACTION_UNPUBLISHED: _unpublished,
    Verb.CONNECTOR_REGISTERED: _connector_registered,
    Verb.CONNECTOR_SECRET_ROTATED: _connector_secret_rotated,
    Verb.CONNECTOR_DELETED: _connector_deleted,
    Verb.CONNECTOR_PUBLISHED: _published,
    Verb.CONNECTOR_UNPUBLISHED: _unpublished,
    Verb.TIME_ZONE_CHANGED: _time_zone_changed,
    Verb.GROUP_IMPORT_STARTED: _group_import_started,
    Verb.GROUP_IMPORT_FINISHED: _group_import_finished,
}

# Events about an Action or a Connector and the groups it is (or was) published to.
CATALOGUE_VERBS = {
    Verb.ACTION_CREATED,
    Verb.ACTION_DELETED,
    Verb.ACTION_PUBLISHED,
    Verb.ACTION_UNPUBLISHED,
    Verb.CONNECTOR_REGISTERED,
    Verb.CONNECTOR_SECRET_ROTATED,
    Verb.CONNECTOR_DELETED,
    Verb.CONNECTOR_PUBLISHED,
    Verb.CONNECTOR_UNPUBLISHED,
}


DYNAMIC_VERBS = {Verb.DYNAMIC_RULE_SET, Verb.DYNAMIC_RULE_CLEARED, Verb.DYNAMIC_GROUP_REFRESHED}


def sentence(event: AuditEvent) -> str:
    """ "Asha Rao (+91 90000 00001) removed Meera (+91 …) from Sales North." """
    describe = SENTENCES.get(event.verb)
    return describe(event) if describe else f"{_actor(event)}: {event.get_verb_display()}."


def detail_lines(event: AuditEvent) -> list[str]:
    """The event's details, a short line each, for the page and the CSV file."""
    details: dict[str, Any] = event.details or {}
    lines: list[str] = []
    for change in details.get("changes", []):
        lines.append(f"{change['attribute']}: {_value(change['before'])} → {_value(change['after'])}")
    if event.verb == Verb.ATTRIBUTES_CHANGED:
        lines += _attribute_lines(details)
    if details.get("count", 0) > 1 and details.get("people"):
        people = details["people"]
        more = details["count"] - len(people)
        lines.append("People: " + ", ".join(people) + (f" and {more:,} more" if more > 0 else ""))
    if details.get("already_through_groups"):
        lines.append(
            f"{_plural(details['already_through_groups'], 'person')} already in through a group, now added directly too"
        )
    if event.verb == Verb.USER_DELETED:
        lines.append(f"Role: {details.get('role', '')}")
        if details.get("groups"):
            lines.append("Removed from the groups: " + ", ".join(details["groups"]))
    if event.verb == Verb.GROUP_CREATED and details.get("admin"):
        lines.append(f"First admin: {details['admin']}")
    if event.verb == Verb.GROUP_MOVED:
        lines.append(f"Was under: {details.get('from') or 'nothing (top of the hierarchy)'}")
    if event.verb == Verb.GROUP_DELETED:
        lines.append(f"Was under: {details.get('parent') or 'nothing (top of the hierarchy)'}")
        for kind in ("actions", "connectors"):
            if details.get(kind):
                lines.append(f"Unpublished {kind}: " + ", ".join(details[kind]))
    if event.verb in (Verb.GROUP_MAPPED, Verb.GROUP_UNMAPPED, Verb.GROUP_DELETED) and "members" in details:
        lines.append(f"{_plural(details['members'], 'member')} in the group")
    if details.get("joined_organization"):
        lines.append(f"{_plural(details['joined_organization'], 'person')} joined the organization through the group")
    if details.get("with_user_deleted"):
        lines.append("Removed from the organization, and so from all its groups")
    elif details.get("left_organization") is True:
        lines.append("They left the organization too: the group was their only way in")
    elif details.get("left_organization"):
        lines.append(f"{_plural(details['left_organization'], 'person')} left the organization with the group")
    if event.verb == Verb.GROUP_ROLE_CHANGED:
        lines.append(f"Role: {details.get('before', '')} → {details.get('after', '')}")
    if event.verb == Verb.USER_UPDATED and details.get("org_role"):
        org_role = details["org_role"]
        lines.append(f"Role: {_org_role(org_role.get('before'))} → {_org_role(org_role.get('after'))}")
    if event.verb == Verb.IMPORT_FINISHED:
        counts = ", ".join(f"{details.get(key, 0):,} {key}" for key in ("created", "updated", "unchanged", "rejected"))
        lines.append(f"Rows: {counts}")
    if event.verb == Verb.GROUP_IMPORT_FINISHED:
        counts = ", ".join(f"{details.get(key, 0):,} {label}" for key, label in GROUP_IMPORT_COUNTS if details.get(key))
        lines.append(f"Rows: {counts or 'none'}")
    if event.verb == Verb.TIME_ZONE_CHANGED:
        lines.append(f"Time zone: {details.get('before', '')} → {details.get('after', '')}")
    if details.get("failure"):
        lines.append(f"Reason: {details['failure']}")
    if event.verb in CATALOGUE_VERBS:
        lines += _catalogue_lines(event.verb, details)
    if event.verb in DYNAMIC_VERBS:
        lines += _dynamic_lines(event)
    return lines


def _catalogue_lines(verb: str, details: dict[str, Any]) -> list[str]:
    lines = []
    if verb == Verb.CONNECTOR_REGISTERED:
        lines.append(f"Callback URL: {details.get('callback_url', '')}")
        lines.append("Permissions: " + ", ".join(details.get("permissions", [])))
    named, count = details.get("groups", []), details.get("group_count", 0)
    if count > 1 or (named and verb in (Verb.ACTION_DELETED, Verb.CONNECTOR_DELETED)):
        more = count - len(named)
        prefix = "Unpublished from" if verb in (Verb.ACTION_DELETED, Verb.CONNECTOR_DELETED) else "Groups"
        lines.append(f"{prefix}: " + ", ".join(named) + (f" and {more:,} more" if more > 0 else ""))
    return lines


def _org_role(role: str | None) -> str:
    return "Organization admin" if role == "org_admin" else "Member"


def _value(text: str) -> str:
    return f"“{text}”" if text else "(empty)"


def _attribute_lines(details: dict[str, Any]) -> list[str]:
    lines = [f"Added {_attribute(described)}" for described in details.get("added", [])]
    lines += [f"Removed {_attribute(described)}, with its values" for described in details.get("removed", [])]
    for change in details.get("changed", []):
        before, after = change["before"], change["after"]
        parts = []
        if before["name"] != after["name"]:
            parts.append(f"renamed to {after['name']}")
        if before["type"] != after["type"]:
            parts.append(f"{before['type']} → {after['type']}")
        if before["mandatory"] != after["mandatory"]:
            parts.append("now mandatory" if after["mandatory"] else "now optional")
        lines.append(f"Changed {before['name']}: {', '.join(parts)}")
    if details.get("reordered"):
        lines.append("Put the attributes in a new order")
    return lines


def _attribute(described: dict[str, Any]) -> str:
    return f"{described['name']} ({described['type']}, {'mandatory' if described['mandatory'] else 'optional'})"
