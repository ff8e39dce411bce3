"""Writes of Actions and their publications to groups, each with its audit event."""

from collections.abc import Iterable

from django.core.files import File
from django.db import transaction

from audit import services as audit
from audit.models import AuditEvent
from groups import selectors as group_selectors
from groups.models import Group
from kaizala_portal.policy import Action as Permission
from kaizala_portal.policy import Viewer
from users.models import Organization, User

from . import publishing
from .models import Action, ActionPublication


def create_action(
    *,
    organization: Organization,
    created_by: User,
    name: str,
    kind: str,
    description: str = "",
    version: str = "1.0",
    package: File | None = None,
    manifest: dict | None = None,
) -> Action:
    """Add an Action to the catalogue; a custom one with its (already validated) package file."""
    if (kind == Action.Kind.CUSTOM) != (package is not None):
        raise ValueError("A custom Action, and only a custom one, has a package file.")
    action = Action(
        organization=organization,
        created_by=created_by,
        name=name,
        kind=kind,
        description=description,
        version=version,
        manifest=manifest or {},
    )
    if package is not None:
        action.package.save("package.zip", package, save=False)
    try:
        with transaction.atomic():
            action.save()
            audit.record(
                organization=organization,
                verb=AuditEvent.Verb.ACTION_CREATED,
                actor=created_by,
                details={"action": action.name, "kind": action.get_kind_display(), "version": action.version},
            )
    except Exception:
        if action.package:
            action.package.delete(save=False)
        raise
    return action


def delete_action(*, action: Action, deleted_by: User) -> None:
    """Remove an Action, its publications and its package file (once the rows are surely gone)."""
    package = action.package
    with transaction.atomic():
        published_in = ActionPublication.objects.filter(action=action, group__organization=action.organization_id)
        groups = group_selectors.sorted_paths(Group.objects.filter(pk__in=published_in.values("group_id")))
        audit.record(
            organization=action.organization_id,
            verb=AuditEvent.Verb.ACTION_DELETED,
            actor=deleted_by,
            details={"action": action.name, "version": action.version, **audit.groups_details(groups)},
        )
        action.delete()
    if package:
        package.storage.delete(package.name)


def publish_action(*, action: Action, group: Group, published_by: User) -> tuple[ActionPublication, bool]:
    """Publish ``action`` to ``group``; publishing it twice changes nothing. Says whether it was new."""
    with transaction.atomic():
        publication, created = ActionPublication.objects.get_or_create(
            action=action, group=group, defaults={"published_by": published_by}
        )
        if created:
            publishing.record_publication(AuditEvent.Verb.ACTION_PUBLISHED, action, "action", [group], published_by)
    return publication, created


def publish_action_to_groups(
    *, viewer: Viewer, action: Action, groups: Iterable[Group], include_subgroups: bool
) -> publishing.Publishing:
    """Publish ``action`` to several groups (and those under them, if asked) at once, or to none of them.

    Raises publishing.NotPublishable, and publishes nothing, if ``viewer`` may not publish to one of ``groups``.
    """
    return publishing.publish_entry(
        viewer=viewer,
        entry=action,
        kind="action",
        publications=ActionPublication.objects,
        permission=Permission.PUBLISH_ACTIONS,
        verb=AuditEvent.Verb.ACTION_PUBLISHED,
        groups=groups,
        include_subgroups=include_subgroups,
    )


def unpublish_action(*, publication: ActionPublication, unpublished_by: User) -> None:
    with transaction.atomic():
        publishing.record_publication(
            AuditEvent.Verb.ACTION_UNPUBLISHED, publication.action, "action", [publication.group], unpublished_by
        )
        publication.delete()
