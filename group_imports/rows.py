"""Reading the rows of the two Bulk Upload Users files: plain Python, no Django, no database.

What a row means on its own is decided here (a path given, a valid number, a known user
type, the same group and person not twice); what it means against the hierarchy and the
uploader's role is decided by the services, batch by batch.

No Django, because a big file is read in a process of its own while the job writes the
batch before (``imports.preparing``, given a reader as its parser): what the readers need of
the portal (the path separator, the user types, the templates' example rows) comes in
through ``FileTerms``.
"""

from dataclasses import dataclass

from imports.formulas import restore
from imports.limits import RowLimits, row_problem, shown
from imports.reader import UnreadableFile
from users import phones

GROUP, PHONE, USER_TYPE = "group", "phone number", "user type"
CHILD, PARENT = "child group", "parent group"
REQUIRED = {
    "user_mapping": [("Group", GROUP), ("Phone Number", PHONE)],
    "parent_mapping": [("Child Group", CHILD), ("Parent Group", PARENT)],
}
# A row's cells are never names: only the limits on cells apply.
_NO_NAME_COLUMN = 1 << 30


@dataclass(frozen=True)
class FileTerms:
    """What the files' words are: see ``groups.mapping_files``."""

    separator: str
    user_types: tuple[str, ...]
    user_example: tuple[str, ...]
    parent_example: tuple[str, ...]
    parent_note: str


def name_key(name: str) -> str:
    """A group name as siblings are compared: whatever the case, however many spaces."""
    return " ".join(name.split()).casefold()


def split_path(text: str, separator: str) -> list[str]:
    """ "Field Staff / North" -> ["Field Staff", "North"]; an empty part stays empty, for the caller to refuse."""
    return [part.strip() for part in " ".join(text.split()).split(separator)]


@dataclass(slots=True)
class RowError:
    number: int
    column: str
    reason: str
    values: list[str]


@dataclass(slots=True)
class MembershipRow:
    number: int
    path: list[str]  # the group's names, top first
    key: tuple[str, ...]  # the names as the hierarchy compares them (``name_key``)
    phone_number: str  # E.164
    role: str
    values: list[str]


@dataclass(slots=True)
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


class _Reader:
    """What both readers share: the row limits, and which rows an earlier run of the job applied.

    ``prepare`` is what ``imports.preparing`` calls, in this process or in one of its own, with
    each batch of the file's rows in order: the rows an earlier run applied (the first ``skip``)
    are read, so that a duplicate of one of them is still found, and left out of the answer.
    """

    def __init__(self, *, terms: FileTerms, limits: RowLimits, name_max_length: int, skip: int = 0):
        self.terms, self.limits, self.name_max_length = terms, limits, name_max_length
        self.skip, self._position = skip, 0

    def prepare(self, batch: list[tuple[int, list[str]]]) -> list:
        reads = []
        for number, cells in batch:
            read = self.read(number, cells)
            self._position += 1
            if self._position > self.skip:
                reads.append(read)
        return reads

    def read(self, number: int, cells: list[str]):
        raise NotImplementedError

    def _blank_or_too_big(self, number: int, cells: list[str]) -> RowError | bool:
        """A RowError for a row beyond the limits, True for a blank one, else False."""
        if not any(cell.strip() for cell in cells):
            return True
        if problem := row_problem(cells, name_index=_NO_NAME_COLUMN, limits=self.limits):
            return RowError(number, problem[0], problem[1], shown(cells))
        return False


class UserMappingReader(_Reader):
    """Turns the rows of a User Group Mapping file into memberships, remembering which group and person came where.

    A file names few groups and each person often several times: what a group cell and a
    number cell mean is worked out once per distinct spelling.
    """

    # Spellings of numbers remembered at most; beyond, the memory starts again (it only saves time).
    KNOWN_NUMBERS = 200_000

    def __init__(self, header: list[str], *, region: str, **kwargs):
        super().__init__(**kwargs)
        self.group_index = header.index(GROUP)
        self.phone_index = header.index(PHONE)
        self.type_index = header.index(USER_TYPE) if USER_TYPE in header else None
        self.region = region
        self._seen: dict[tuple, int] = {}
        self._paths: dict[str, tuple[list[str], tuple[str, ...], str | None]] = {}
        self._numbers: dict[str, tuple[str, str]] = {}

    def _path(self, group: str) -> tuple[list[str], tuple[str, ...], str | None]:
        known = self._paths.get(group)
        if known is None:
            names = split_path(group, self.terms.separator)
            problem = _path_problem(names, "group's", self.name_max_length)
            known = self._paths[group] = (names, tuple(name_key(name) for name in names), problem)
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
        if skipped := self._blank_or_too_big(number, cells):
            return None if skipped is True else skipped
        group, raw_phone, user_type = (
            _cell(cells, self.group_index),
            _cell(cells, self.phone_index),
            _cell(cells, self.type_index),
        )
        if (group, raw_phone, user_type) == self.terms.user_example:
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
        if role not in self.terms.user_types:
            return RowError(
                number,
                "User Type",
                f"“{user_type}” is not a user type: write {' or '.join(self.terms.user_types)} (empty means member).",
                cells,
            )
        if (first := self._seen.setdefault((key, e164), number)) != number:
            return RowError(
                number,
                "",
                f"A duplicate of row {first}: {phones.display(e164)} and {group} are in the file once already.",
                cells,
            )
        return MembershipRow(number, names, key, e164, role, cells)


class ParentMappingReader(_Reader):
    def __init__(self, header: list[str], **kwargs):
        super().__init__(**kwargs)
        self.child_index = header.index(CHILD)
        self.parent_index = header.index(PARENT)

    def read(self, number: int, cells: list[str]) -> ParentRow | RowError | None:
        if skipped := self._blank_or_too_big(number, cells):
            return None if skipped is True else skipped
        child, parent = _cell(cells, self.child_index), _cell(cells, self.parent_index)
        # The example names plausible groups: a row of them is the example only with the template's note beside it.
        if (child, parent) == self.terms.parent_example and self.terms.parent_note in (c.strip() for c in cells):
            return None
        if not child:
            return RowError(number, "Child Group", "The child group is empty: write its path.", cells)
        child_names = split_path(child, self.terms.separator)
        if problem := _path_problem(child_names, "child group's", self.name_max_length):
            return RowError(number, "Child Group", problem, cells)
        parent_names = split_path(parent, self.terms.separator) if parent else []
        if problem := _path_problem(parent_names, "parent group's", self.name_max_length):
            return RowError(number, "Parent Group", problem, cells)
        return ParentRow(number, child_names, parent_names, cells)
