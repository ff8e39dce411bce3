"""Writes of Actions and their publications to groups."""

from django.core.files import File
from django.db import transaction

from groups.models import Group
from users.models import Organization, User

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
        action.save()
    except Exception:
        if action.package:
            action.package.delete(save=False)
        raise
    return action


def delete_action(*, action: Action) -> None:
    """Remove an Action, its publications and its package file (once the rows are surely gone)."""
    package = action.package
    with transaction.atomic():
        action.delete()
    if package:
        package.storage.delete(package.name)


def publish_action(*, action: Action, group: Group, published_by: User) -> tuple[ActionPublication, bool]:
    """Publish ``action`` to ``group``; publishing it twice changes nothing. Says whether it was new."""
    return ActionPublication.objects.get_or_create(action=action, group=group, defaults={"published_by": published_by})


def unpublish_action(*, publication: ActionPublication) -> None:
    publication.delete()
