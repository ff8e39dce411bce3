"""Publishing an Action or a Connector to groups: several at once, sub-groups included, each named by its path.

Shared by the actions and connectors apps. Whether the viewer may publish to a group is the
policy's answer (PUBLISH_ACTIONS or PUBLISH_CONNECTORS); this module walks the organization's
hierarchy, names groups by their path ("Field Staff / North") and words the outcome.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.db.models import QuerySet

from groups.models import Group
from kaizala_portal import policy
from kaizala_portal.policy import Action as Permission
from kaizala_portal.policy import Viewer
from users.models import Organization

PATH_SEPARATOR = " / "
REFUSED = "You may not publish to one of the chosen groups (or it no longer exists): nothing was published."
# A result message names this many groups at most, then says how many more.
NAMED_IN_MESSAGE = 10


class Hierarchy:
    """The organization's groups as a tree, read in one query.

    A group whose parent is not of the organization stands at the top, as on the hierarchy
    page: a path never names a group of another organization.
    """

    def __init__(self, organization: Organization | int):
        rows = list(Group.objects.filter(organization=organization).values_list("pk", "name", "parent_id"))
        self._names = {pk: name for pk, name, _ in rows}
        self._parents = {pk: parent_id for pk, _, parent_id in rows if parent_id in self._names}
        self._children: dict[int, list[int]] = {}
        for pk, parent_id in self._parents.items():
            self._children.setdefault(parent_id, []).append(pk)

    def path(self, group_id: int) -> str:
        """ "Field Staff / North / Mobile Clinics": the group's name after its ancestors'."""
        names, seen = [], set()
        current: int | None = group_id
        while current is not None and current in self._names and current not in seen:
            seen.add(current)
            names.append(self._names[current])
            current = self._parents.get(current)
        return PATH_SEPARATOR.join(reversed(names))

    def descendant_ids(self, group_ids: Iterable[int]) -> set[int]:
        """Every group under any of ``group_ids``, however deep (not those groups themselves)."""
        found: set[int] = set()
        stack = [child for pk in group_ids for child in self._children.get(pk, [])]
        while stack:
            pk = stack.pop()
            if pk not in found:
                found.add(pk)
                stack.extend(self._children.get(pk, []))
        return found

    def by_path(self, groups: Iterable[Group]) -> list[Group]:
        return sorted(groups, key=lambda group: (self.path(group.pk).casefold(), group.pk))


def paths_of(organization: Organization | int, group_ids: Iterable[int]) -> list[str]:
    """The paths of these groups of ``organization``, in path order."""
    hierarchy = Hierarchy(organization)
    return sorted((hierarchy.path(pk) for pk in group_ids), key=str.casefold)


class NotPublishable(Exception):
    """A chosen group is not one the viewer may publish to."""


@dataclass(frozen=True)
class Publishing:
    """What publishing to the chosen groups did, each group named by its path."""

    published: list[Group] = field(default_factory=list)
    already: list[Group] = field(default_factory=list)
    # Sub-groups of the chosen ones that the viewer may not publish to.
    skipped: list[Group] = field(default_factory=list)
    paths: dict[int, str] = field(default_factory=dict)

    def labels(self, groups: list[Group]) -> list[str]:
        return [self.paths[group.pk] for group in groups]


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
    hierarchy = Hierarchy(viewer.organization)
    targets = {group.pk: group for group in chosen}
    skipped = []
    if include_subgroups:
        under = Group.objects.filter(pk__in=hierarchy.descendant_ids(targets)).exclude(pk__in=targets)
        for group in under:
            if policy.can(viewer, permission, group):
                targets[group.pk] = group
            else:
                skipped.append(group)
    published, already = [], []
    for group in hierarchy.by_path(targets.values()):
        (published if publish_one(group) else already).append(group)
    paths = {group.pk: hierarchy.path(group.pk) for group in [*targets.values(), *skipped]}
    return Publishing(published=published, already=already, skipped=hierarchy.by_path(skipped), paths=paths)


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
    hierarchy = Hierarchy(viewer.organization)
    rows = [
        PublicationRow(p, hierarchy.path(p.group_id), policy.can(viewer, permission, p.group)) for p in publications
    ]
    return sorted(rows, key=lambda row: (row.path.casefold(), row.publication.group_id))


@dataclass(frozen=True)
class GroupChoice:
    group: Group
    label: str
    published: bool


def group_choices(viewer: Viewer, groups: QuerySet[Group], published_ids: set[int]) -> list[GroupChoice]:
    """The groups offered to publish to, ordered and labelled by their path, saying which have it already."""
    hierarchy = Hierarchy(viewer.organization)
    return [
        GroupChoice(group=group, label=hierarchy.path(group.pk), published=group.pk in published_ids)
        for group in hierarchy.by_path(groups)
    ]


def publish_form(viewer: Viewer, offered: QuerySet[Group], published_ids: set[int], data=None) -> "PublishForm":
    return PublishForm(data, choices=group_choices(viewer, offered, published_ids))


class PublishForm(forms.Form):
    """The groups to publish to, among those offered; whether to include what is under them.

    A checkbox per group, each sending its id as ``group``.
    """

    group = forms.TypedMultipleChoiceField(
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        label="Groups to publish to",
        error_messages={
            "required": "Choose at least one group to publish to.",
            "invalid_choice": REFUSED,
        },
    )
    include_subgroups = forms.BooleanField(
        required=False,
        label="Include sub-groups",
        help_text="Also publish to every group under the chosen ones that you may publish to.",
    )

    def __init__(self, *args, choices: list[GroupChoice], **kwargs):
        super().__init__(*args, **kwargs)
        self.offered = {choice.group.pk: choice.group for choice in choices}
        # Nothing left to publish to (or nothing offered at all): the page says so instead of showing the form.
        self.published_everywhere = all(choice.published for choice in choices)
        self.fields["group"].choices = [
            (choice.group.pk, f"{choice.label} (already published)" if choice.published else choice.label)
            for choice in choices
        ]

    @property
    def chosen_groups(self) -> list[Group]:
        return [self.offered[pk] for pk in self.cleaned_data["group"]]

    @property
    def forged(self) -> bool:
        """Whether a group that was not offered was sent: a request no page of the portal makes."""
        return self.has_error("group", "invalid_choice")

    def error_text(self) -> str:
        return " ".join(str(error) for errors in self.errors.values() for error in errors)
