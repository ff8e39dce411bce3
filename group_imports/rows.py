"""Reading the rows of the two Bulk Upload Users files: plain Python, no database.

What a row means on its own is decided here (a path given, a valid number, a known user
type, the same group and person not twice); what it means against the hierarchy and the
uploader's role is decided by the services, batch by batch.
"""

from dataclasses import dataclass

from groups.mapping_files import PARENT_MAPPING_EXAMPLE, PARENT_MAPPING_NOTE, USER_MAPPING_EXAMPLE, USER_TYPES
from imports.formulas import restore
from imports.limits import RowLimits, row_problem, shown
from imports.reader import UnreadableFile
from users import phones

from .hierarchy import path_key, split_path

GROUP, PHONE, USER_TYPE = "group", "phone number", "user type"
CHILD, PARENT = "child group", "parent group"
REQUIRED = {
    "user_mapping": [("Group", GROUP), ("Phone Number", PHONE)],
    "parent_mapping": [("Child Group", CHILD), ("Parent Group", PARENT)],
}
# A row's cells are never names: only the limits on cells apply.
_NO_NAME_COLUMN = 1 << 30


@dataclass(frozen=True)
class RowError:
    number: int
    column: str
    reason: str
    values: list[str]


@dataclass(frozen=True)
class MembershipRow:
    number: int
    path: list[str]  # the group's names, top first
    phone_number: str  # E.164
    role: str
    values: list[str]


@dataclass(frozen=True)
class ParentRow:
    number: int
    child: list[str]
    parent: list[str]  # empty: at the top of the hierarchy
    values: list[str]


def check_header(kind: str, header: list[str]) -> None:
    """Raise ``UnreadableFile`` naming the required columns a header (normalised) lacks."""
    missing = [label for label, key in REQUIRED[kind] if key not in header]
    if missing:
        raise UnreadableFile(
            f"The file has no {' and no '.join(missing)} column. Its first row must name the columns, as in the "
            "template."
        )


def _cell(cells: list[str], index: int | None) -> str:
    # A cell an export guarded against spreadsheets ("'=Sales") reads back as it was written.
    return restore(cells[index].strip()) if index is not None and index < len(cells) else ""


def _path_problem(names: list[str], label: str, max_length: int) -> str | None:
    if any(not name for name in names):
        return (
            f"The {label} path has an empty name in it: write it as on the Groups pages, as in “Field Staff / North”."
        )
    too_long = next((name for name in names if len(name) > max_length), None)
    if too_long is not None:
        return (
            f"The group name “{too_long[:40]}…” has {len(too_long):,} characters; a name may have at most {max_length}."
        )
    return None


class UserMappingReader:
    """Turns the rows of a User Group Mapping file into memberships, remembering which group and person came where.

    A file names few groups and each person often several times: what a group cell and a
    number cell mean is worked out once per distinct spelling.
    """

    # Spellings of numbers remembered at most; beyond, the memory starts again (it only saves time).
    KNOWN_NUMBERS = 200_000

    def __init__(self, header: list[str], *, region: str, limits: RowLimits, name_max_length: int):
        self.group_index = header.index(GROUP)
        self.phone_index = header.index(PHONE)
        self.type_index = header.index(USER_TYPE) if USER_TYPE in header else None
        self.region, self.limits, self.name_max_length = region, limits, name_max_length
        self._seen: dict[tuple, int] = {}
        self._paths: dict[str, tuple[list[str], tuple[str, ...], str | None]] = {}
        self._numbers: dict[str, tuple[str, str]] = {}

    def _path(self, group: str) -> tuple[list[str], tuple[str, ...], str | None]:
        known = self._paths.get(group)
        if known is None:
            names = split_path(group)
            known = self._paths[group] = (names, path_key(group), _path_problem(names, "group's", self.name_max_length))
        return known

    def _number(self, raw: str) -> tuple[str, str]:
        """(E.164, "") or ("", why the number is refused)."""
        known = self._numbers.get(raw)
        if known is None:
            if len(self._numbers) >= self.KNOWN_NUMBERS:
                self._numbers.clear()
            try:
                known = (phones.normalize(raw, region=self.region), "")
            except phones.InvalidPhoneNumber as error:
                known = ("", f"This phone number {error}.")
            self._numbers[raw] = known
        return known

    def read(self, number: int, cells: list[str]) -> MembershipRow | RowError | None:
        """The row's membership, or why it is rejected; None for a blank row or the template's example."""
        if not any(cell.strip() for cell in cells):
            return None
        if problem := row_problem(cells, name_index=_NO_NAME_COLUMN, limits=self.limits):
            return RowError(number, problem[0], problem[1], shown(cells))
        group, raw_phone, user_type = (
            _cell(cells, self.group_index),
            _cell(cells, self.phone_index),
            _cell(cells, self.type_index),
        )
        if [group, raw_phone, user_type] == USER_MAPPING_EXAMPLE:
            return None
        if not group:
            return RowError(number, "Group", "The group is empty: write its path, as in “Field Staff / North”.", cells)
        names, key, problem = self._path(group)
        if problem:
            return RowError(number, "Group", problem, cells)
        e164, refusal = self._number(raw_phone)
        if refusal:
            return RowError(number, "Phone Number", refusal, cells)
        role = user_type.casefold() or "member"
        if role not in USER_TYPES:
            return RowError(
                number,
                "User Type",
                f"“{user_type}” is not a user type: write {' or '.join(USER_TYPES)} (empty means member).",
                cells,
            )
        if (first := self._seen.setdefault((key, e164), number)) != number:
            return RowError(
                number,
                "",
                f"A duplicate of row {first}: {phones.display(e164)} and {group} are in the file once already.",
                cells,
            )
        return MembershipRow(number, names, e164, role, cells)


class ParentMappingReader:
    def __init__(self, header: list[str], *, limits: RowLimits, name_max_length: int):
        self.child_index = header.index(CHILD)
        self.parent_index = header.index(PARENT)
        self.limits, self.name_max_length = limits, name_max_length

    def read(self, number: int, cells: list[str]) -> ParentRow | RowError | None:
        if not any(cell.strip() for cell in cells):
            return None
        if problem := row_problem(cells, name_index=_NO_NAME_COLUMN, limits=self.limits):
            return RowError(number, problem[0], problem[1], shown(cells))
        child, parent = _cell(cells, self.child_index), _cell(cells, self.parent_index)
        # The example names plausible groups: a row of them is the example only with the template's note beside it.
        if [child, parent] == PARENT_MAPPING_EXAMPLE and PARENT_MAPPING_NOTE in (cell.strip() for cell in cells):
            return None
        if not child:
            return RowError(number, "Child Group", "The child group is empty: write its path.", cells)
        child_names = split_path(child)
        if problem := _path_problem(child_names, "child group's", self.name_max_length):
            return RowError(number, "Child Group", problem, cells)
        parent_names = split_path(parent) if parent else []
        if problem := _path_problem(parent_names, "parent group's", self.name_max_length):
            return RowError(number, "Parent Group", problem, cells)
        return ParentRow(number, child_names, parent_names, cells)
