"""Publishing an Action or a Connector to groups: several at once, sub-groups included, each named by its path.

Shared by the actions and connectors apps. Whether the viewer may publish to a group is the
policy's answer (PUBLISH_ACTIONS or PUBLISH_CONNECTORS); the groups app names groups by their
path ("Field Staff / North") and finds what is under them; this module words the outcome.
"""

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from functools import cached_property

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Model, QuerySet

from audit import services as audit
from groups import selectors as group_selectors
from groups.forms import GroupMultipleChoiceField
from groups.models import Group
from kaizala_portal import policy
from kaizala_portal.policy import Action as Permission
from kaizala_portal.policy import Viewer

REFUSED = "You may not publish to one of the chosen groups (or it no longer exists): nothing was published."
# A result message names this many groups at most, then says how many more.
NAMED_IN_MESSAGE = 10


class NotPublishable(Exception):
    """A chosen group is not one the viewer may publish to."""


@dataclass(frozen=True)
class Publishing:
    """What publishing to the chosen groups did, each group in path order and with its ``path``."""

    published: list[Group] = field(default_factory=list)
    already: list[Group] = field(default_factory=list)
    # Sub-groups of the chosen ones that the viewer may not publish to.
    skipped: list[Group] = field(default_factory=list)

    @staticmethod
    def labels(groups: list[Group]) -> list[str]:
        return [group.path for group in groups]


def publish_to_groups(
    *,
    viewer: Viewer,
    permission: Permission,
    chosen: Iterable[Group],
    include_subgroups: bool,
    publish_one: Callable[[Group], bool],
) -> Publishing:
    """Publish to each chosen group (and, if asked, to every group under them the viewer may publish to).

    ``publish_one`` publishes to one group and says whether that was new; call this inside the
    caller's transaction. A chosen group the viewer may not publish to refuses the whole lot.
    """
    chosen = list(chosen)
    refused = [group for group in chosen if not policy.can(viewer, permission, group)]
    if refused:
        raise NotPublishable(REFUSED)
    targets = {group.pk: group for group in chosen}
    skipped = []
    if include_subgroups:
        under = Group.objects.filter(pk__in=group_selectors.subgroup_ids(viewer.organization, targets))
        for group in under:
            if policy.can(viewer, permission, group):
                targets[group.pk] = group
            else:
                skipped.append(group)
    in_order = group_selectors.by_path([*targets.values(), *skipped])
    published, already = [], []
    for group in in_order:
        if group.pk in targets:
            (published if publish_one(group) else already).append(group)
    return Publishing(published=published, already=already, skipped=[g for g in in_order if g.pk not in targets])


def publish_entry(
    *,
    viewer: Viewer,
    entry: Model,
    kind: str,
    publications: QuerySet,
    permission: Permission,
    verb: str,
    groups: Iterable[Group],
    include_subgroups: bool,
) -> Publishing:
    """Publish an Action or a Connector (``entry``, its ``kind``) to several groups at once, or to none.

    ``publications`` are its kind's publication rows; one audit event names every group it
    was published to. Raises NotPublishable, and publishes nothing, if ``viewer`` may not
    publish to one of ``groups``.
    """

    def publish_one(group: Group) -> bool:
        _, created = publications.get_or_create(**{kind: entry}, group=group, defaults={"published_by": viewer.user})
        return created

    with transaction.atomic():
        outcome = publish_to_groups(
            viewer=viewer,
            permission=permission,
            chosen=groups,
            include_subgroups=include_subgroups,
            publish_one=publish_one,
        )
        if outcome.published:
            record_publication(
                verb, entry, kind, outcome.published, viewer.user, labels=outcome.labels(outcome.published)
            )
    return outcome


def record_publication(
    verb: str, entry: Model, kind: str, groups: list[Group], actor, labels: list[str] | None = None
) -> None:
    """One event for publishing ``entry`` to (or unpublishing it from) ``groups``, linked to the group when one."""
    if labels is None:
        labels = group_selectors.sorted_paths(groups)
    audit.record(
        organization=entry.organization_id,
        verb=verb,
        actor=actor,
        group=groups[0] if len(groups) == 1 else None,
        details={kind: entry.name, **audit.groups_details(labels)},
    )


def listed(labels: list[str]) -> str:
    """ "A", "A and B", "A, B and C"; past NAMED_IN_MESSAGE names, how many more."""
    if len(labels) > NAMED_IN_MESSAGE:
        more = len(labels) - NAMED_IN_MESSAGE
        return ", ".join(labels[:NAMED_IN_MESSAGE]) + f" and {more:,} more group{'s' if more != 1 else ''}"
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def outcome_messages(name: str, outcome: Publishing) -> list[tuple[int, str]]:
    """What the person who published reads: (message level, text) for each part of the outcome."""
    said = []
    if outcome.published:
        said.append((messages.SUCCESS, f"Published {name} to {listed(outcome.labels(outcome.published))}."))
    if outcome.already:
        said.append((messages.INFO, f"{name} was already published to {listed(outcome.labels(outcome.already))}."))
    if outcome.skipped:
        count = len(outcome.skipped)
        said.append(
            (
                messages.WARNING,
                f"Skipped {count} sub-group{'s' if count != 1 else ''}: you may publish only to groups you admin, "
                f"and you do not admin {listed(outcome.labels(outcome.skipped))}.",
            )
        )
    return said


@dataclass(frozen=True)
class PublicationRow:
    publication: object  # an ActionPublication or a ConnectorPublication
    path: str
    can_unpublish: bool


def publication_rows(viewer: Viewer, permission: Permission, publications: Iterable) -> list[PublicationRow]:
    """Where an Action or a Connector is published, by path, and whether ``viewer`` may unpublish it there."""
    publications = list(publications)
    paths = group_selectors.paths_of(publication.group for publication in publications)
    rows = [PublicationRow(p, paths[p.group_id], policy.can(viewer, permission, p.group)) for p in publications]
    return sorted(rows, key=lambda row: (row.path.casefold(), row.publication.group_id))


class PublishableGroupsField(GroupMultipleChoiceField):
    """The groups offered, by path, each one that has it already marked so."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.published_ids: Collection[int] = ()

    def label_from_instance(self, group: Group) -> str:
        label = super().label_from_instance(group)
        return f"{label} (already published)" if group.pk in self.published_ids else label


class PublishForm(forms.Form):
    """The groups to publish to, among those offered; whether to include what is under them.

    A checkbox per group, each sending its id as ``group``.
    """

    group = PublishableGroupsField(
        queryset=Group.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Groups to publish to",
        error_messages={
            "required": "Choose at least one group to publish to.",
            "invalid_choice": REFUSED,
            "invalid_pk_value": REFUSED,
        },
    )
    include_subgroups = forms.BooleanField(
        required=False,
        label="Include sub-groups",
        help_text="Also publish to every group under the chosen ones that you may publish to.",
    )

    def __init__(self, *args, offered: QuerySet[Group], published_ids: Collection[int] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = offered
        self.fields["group"].published_ids = published_ids

    @cached_property
    def published_everywhere(self) -> bool:
        """Nothing left to publish to (or nothing offered at all): the page says so instead of showing the form."""
        return not self.fields["group"].queryset.exclude(pk__in=self.fields["group"].published_ids).exists()

    @property
    def chosen_groups(self) -> list[Group]:
        return list(self.cleaned_data["group"])

    @property
    def forged(self) -> bool:
        """Whether a group that was not offered was sent: a request no page of the portal makes."""
        return self.has_error("group", "invalid_choice") or self.has_error("group", "invalid_pk_value")

    def error_text(self) -> str:
        return " ".join(str(error) for errors in self.errors.values() for error in errors)
