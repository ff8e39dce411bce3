"""The Bulk Upload Users files of the Groups page: their CSV templates, and the organization's groups in them.

Two kinds of file, as in Kaizala:

- User Group Mapping: who is in which group, and as what (Group, Phone Number, User Type);
  many groups in one file, a row per person and group.
- Parent Group Mapping: the hierarchy (Child Group, Parent Group).

A group is named by its path ("Field Staff / North"), as the Groups pages show it: a name
may repeat in different places of the hierarchy (a North under Field Staff and under Sales),
a path names one group. The exports write the same columns as the templates, so that a file
exported, edited or not, reads back as what it says.

Every file is written through ``GuardedWriter``: a group named like a formula stays text.
"""

from collections.abc import Iterable, Iterator, Sequence

from imports.formulas import GuardedWriter

from .models import Group, GroupMembership
from .selectors import PATH_SEPARATOR, memberships_by_path

USER_MAPPING_HEADER = ["Group", "Phone Number", "User Type"]
PARENT_MAPPING_HEADER = ["Child Group", "Parent Group"]
# As the roles are stored, so that an exported role reads back as itself.
USER_TYPES = tuple(GroupMembership.Role.values)

EXAMPLE_PARENT = "Field Staff"
EXAMPLE_GROUP = f"{EXAMPLE_PARENT}{PATH_SEPARATOR}North"
USER_MAPPING_EXAMPLE = [EXAMPLE_GROUP, "+91 98123 45678", "member"]
PARENT_MAPPING_EXAMPLE = [EXAMPLE_GROUP, EXAMPLE_PARENT]

_PATHS_NOTE = (
    f'the group\'s path, its name after the names of the groups above it joined by "{PATH_SEPARATOR}" '
    f"({EXAMPLE_GROUP}), as the Groups pages show it. The same name may sit in several places of the hierarchy; "
    "a path names one group."
)
# After the example row's cells, under no column, as in the users import template: read by people.
USER_MAPPING_NOTE = (
    "← An example row, ignored on import. One row per person and group; a file may hold many groups. "
    f"Group: {_PATHS_NOTE} Phone Number: with its country code. User Type: {' or '.join(USER_TYPES)}."
)
PARENT_MAPPING_NOTE = (
    f"← An example row, ignored on import. One row per group. Child Group: {_PATHS_NOTE} "
    "Parent Group: the path of the group it sits under; empty for a top-level group."
)

# A streamed file is handed to the server in blocks of about this many characters.
BLOCK_SIZE = 64 * 1024


class _Line:
    """What csv.writer writes to: hands each written line back instead of keeping it."""

    def write(self, text: str) -> str:
        return text


def _csv_blocks(header: list[str], rows: Iterable[Sequence[str]]) -> Iterator[str]:
    """The file in blocks: a BOM first, so that Excel reads it as UTF-8; never more than a block in memory."""
    writer = GuardedWriter(_Line())
    block = ["\ufeff", writer.writerow(header)]
    size = 0
    for row in rows:
        line = writer.writerow(row)
        block.append(line)
        size += len(line)
        if size >= BLOCK_SIZE:
            yield "".join(block)
            block, size = [], 0
    yield "".join(block)


def user_mapping_template() -> str:
    return "".join(_csv_blocks(USER_MAPPING_HEADER, [[*USER_MAPPING_EXAMPLE, USER_MAPPING_NOTE]]))


def parent_mapping_template() -> str:
    return "".join(_csv_blocks(PARENT_MAPPING_HEADER, [[*PARENT_MAPPING_EXAMPLE, PARENT_MAPPING_NOTE]]))


def user_mapping_lines(groups: list[Group]) -> Iterator[str]:
    """Every membership of ``groups`` (with their ``path``, see ``selectors.bulk_groups_of``) in the template's columns.

    Numbers in E.164 and roles as stored, so that the file, imported back, changes nothing.
    """
    return _csv_blocks(USER_MAPPING_HEADER, memberships_by_path(groups))


def parent_mapping_lines(groups: list[Group]) -> Iterator[str]:
    """Each of ``groups`` (with ``path`` and ``parent_path``) and the group it sits under, top-level ones with none."""
    return _csv_blocks(PARENT_MAPPING_HEADER, ([group.path, group.parent_path] for group in groups))
