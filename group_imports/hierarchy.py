"""An organization's group hierarchy in memory, as an upload's batch reads and changes it.

A batch reads the tree once (one query), resolves every row's paths against it, and
applies each row to it in file order, so that a row sees what the rows before it did;
the database is then written once for the batch. Paths are compared the way sibling
names are kept unique: whatever the case, and however many spaces.

A group whose parent is not of the organization stands at the top, as on the Groups
pages (``groups.selectors.paths_of``): nothing of another organization is named here.
"""

from dataclasses import dataclass

from groups.models import Group
from groups.selectors import PATH_SEPARATOR

from .rows import name_key


@dataclass(slots=True)
class Node:
    pk: int
    name: str
    parent_id: int | None
    # Its members follow a rule (a dynamic group): no file adds or removes them.
    dynamic: bool = False


class Tree:
    def __init__(self, nodes: list[Node]):
        self.nodes: dict[int, Node] = {node.pk: node for node in nodes}
        self._children: dict[tuple[int | None, str], int] = {}
        # Names under this organization's groups held by groups that are not its own.
        self._taken: dict[tuple[int | None, str], str] = {}
        for node in nodes:
            self._children[(node.parent_id, name_key(node.name))] = node.pk

    @classmethod
    def of(cls, organization_id: int) -> "Tree":
        rows = Group.objects.filter(organization_id=organization_id).values_list(
            "pk", "name", "parent_id", "parent__organization_id", "rule"
        )
        tree = cls(
            [
                Node(pk, name, parent_id if parent_organization_id == organization_id else None, rule is not None)
                for pk, name, parent_id, parent_organization_id, rule in rows
            ]
        )
        # Subgroups of this organization's groups mapped elsewhere (or nowhere) are not part of its tree,
        # but their names are taken under their parent: siblings never share a name.
        elsewhere = Group.objects.filter(parent__organization_id=organization_id).exclude(
            organization_id=organization_id
        )
        for parent_id, name in elsewhere.values_list("parent_id", "name"):
            tree._taken[(parent_id, name_key(name))] = name
        return tree

    def taken_along(self, names: list[str]) -> str | None:
        """The path, as far as it goes, of a group of the path that cannot be made here because a subgroup of
        another organization (or of none) has its name; None when there is none."""
        parent_id, missing = self.missing_from(names)
        if missing and (parent_id, name_key(missing[0])) in self._taken:
            found = len(names) - len(missing)
            return PATH_SEPARATOR.join(names[: found + 1])
        return None

    def find(self, names: list[str]) -> int | None:
        """The group at the end of the path of ``names``, or None."""
        return self.find_key(tuple(name_key(name) for name in names))

    def find_key(self, keys: tuple[str, ...]) -> int | None:
        """``find`` for names already made keys (``name_key``)."""
        pk = None
        for key in keys:
            pk = self._children.get((pk, key))
            if pk is None:
                return None
        return pk

    def missing_from(self, names: list[str]) -> tuple[int | None, list[str]]:
        """The deepest group of the path that exists (None: not even the first), and the names under it that do not."""
        pk = None
        for index, name in enumerate(names):
            child = self._children.get((pk, name_key(name)))
            if child is None:
                return pk, names[index:]
            pk = child
        return pk, []

    def path(self, pk: int) -> str:
        names, seen = [], set()
        while pk is not None and pk not in seen:
            seen.add(pk)
            node = self.nodes[pk]
            names.append(node.name)
            pk = node.parent_id
        return PATH_SEPARATOR.join(reversed(names))

    def ancestors(self, pk: int) -> list[int]:
        """``pk``'s parent, grandparent, ... up to the top."""
        found: list[int] = []
        parent_id = self.nodes[pk].parent_id
        while parent_id is not None and parent_id not in found:
            found.append(parent_id)
            parent_id = self.nodes[parent_id].parent_id
        return found

    def sibling_named(self, name: str, parent_id: int | None, *, excluding: int | None = None) -> str | None:
        key = (parent_id, name_key(name))
        pk = self._children.get(key)
        return self.nodes[pk].name if pk is not None and pk != excluding else self._taken.get(key)

    def add(self, node: Node) -> None:
        self.nodes[node.pk] = node
        self._children[(node.parent_id, name_key(node.name))] = node.pk

    def move(self, pk: int, parent_id: int | None) -> None:
        node = self.nodes[pk]
        del self._children[(node.parent_id, name_key(node.name))]
        node.parent_id = parent_id
        self._children[(parent_id, name_key(node.name))] = pk
