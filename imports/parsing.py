"""Reading a batch of rows into people or row errors: pure Python, no database.

The parser is plain data (no models, no connection), so preparing a batch can be
tested, timed and, later, moved to another process on its own.
"""

import json
from dataclasses import dataclass, field
from functools import cached_property

from attributes import types
from users import phones

from . import formulas, limits
from .limits import RowLimits


@dataclass(frozen=True)
class AttributeColumn:
    index: int
    key: str
    name: str
    value_type: str


@dataclass
class ParsedRow:
    number: int
    phone_number: str
    name: str
    values: dict
    cells: list[str]
    # Worked out here, in the process that prepares rows, so the one that writes them need not:
    values_json: str = "{}"  # ``values`` as the database stores them
    # Attributes whose cell held the clearing token (``types.CLEAR``), and whether the Name's did.
    cleared: tuple[str, ...] = ()
    clears_name: bool = False
    joining_error: "RowError | None" = None  # why the row cannot add a person who is not a member yet


@dataclass
class RowError:
    number: int
    column: str
    reason: str
    values: list[str]


@dataclass
class PreparedBatch:
    size: int  # rows of the file, blank ones included
    parsed: dict[str, ParsedRow] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class RowParser:
    name_index: int
    phone_index: int
    region: str
    date_order: str
    columns: tuple[AttributeColumn, ...]
    mandatory: tuple[tuple[str, str], ...]  # (key, name) of mandatory attributes
    example: tuple[str, ...]
    # A file exported from the portal edits people; it does not change how they are in the
    # organization: re-importing it leaves members who came through groups as they came.
    keeps_sources: bool = False
    limits: RowLimits = RowLimits()

    def prepare(self, batch: list[tuple[int, list[str]]]) -> PreparedBatch:
        prepared = PreparedBatch(size=len(batch))
        for number, cells in batch:
            if self.is_skipped(cells):
                continue
            result = self.parse(number, cells)
            if isinstance(result, ParsedRow) and result.phone_number in prepared.parsed:
                result = duplicate_error(result, prepared.parsed[result.phone_number].number)
            if isinstance(result, RowError):
                prepared.errors.append(result)
            else:
                prepared.parsed[result.phone_number] = result
        return prepared

    @cached_property
    def mandatory_keys(self) -> frozenset[str]:
        return frozenset(key for key, _ in self.mandatory)

    @cached_property
    def value_types(self) -> dict[str, str]:
        return {column.key: column.value_type for column in self.columns}

    @cached_property
    def context(self) -> types.ParseContext:
        return types.ParseContext(date_order=self.date_order)

    def is_skipped(self, cells: list[str]) -> bool:
        """Blank rows, and the template's example row left as it was."""
        stripped = [c.strip() for c in cells]
        if not any(stripped):
            return True
        # As the template wrote it: its example phone number guarded like any cell starting with "+".
        head = stripped[: len(self.example)]
        return head[0] == self.example[0] and tuple(formulas.restore(c) for c in head) == self.example

    def parse(self, number: int, cells: list[str]) -> ParsedRow | RowError:
        def cell(index: int) -> str:
            # An exported file guards text that a spreadsheet would run as a formula: undo that.
            return formulas.restore(cells[index].strip()) if index < len(cells) else ""

        if over := limits.row_problem(cells, name_index=self.name_index, limits=self.limits):
            return RowError(number, over[0], over[1], limits.shown(cells))
        raw_phone = cell(self.phone_index)
        if not raw_phone:
            return RowError(number, "Phone Number", "The phone number is missing.", cells)
        try:
            e164 = phones.normalize(raw_phone, region=self.region)
        except phones.InvalidPhoneNumber as problem:
            return RowError(number, "Phone Number", f"“{raw_phone}” {problem}.", cells)
        context = self.context
        values, cleared = {}, []
        for column in self.columns:
            text = cell(column.index)
            if types.is_clear(text):
                if column.key in self.mandatory_keys:
                    return RowError(number, column.name, f"{column.name} is mandatory: it cannot be cleared.", cells)
                cleared.append(column.key)
                continue
            try:
                value = types.parse(column.value_type, text, context=context)
            except types.InvalidValue as problem:
                return RowError(number, column.name, f"“{text}” {problem}.", cells)
            if value is not None:
                values[column.key] = value
        name = cell(self.name_index)
        clears_name = types.is_clear(name)
        if clears_name:
            name = ""
        elif problem := types.string.unsafe_characters(name, one_line=True):
            return RowError(number, "Name", f"The name {problem}.", cells)
        row = ParsedRow(
            number, e164, name, values, cells, json.dumps(values), cleared=tuple(cleared), clears_name=clears_name
        )
        row.joining_error = self.new_user_error(row)
        return row

    def new_user_error(self, row: ParsedRow) -> RowError | None:
        """What a row that adds a person to the organization must have beyond a valid number."""
        if not row.name:
            return RowError(row.number, "Name", "The name is missing.", row.cells)
        missing = [name for key, name in self.mandatory if key not in row.values]
        if missing:
            verb = "is" if len(missing) == 1 else "are"
            return RowError(row.number, missing[0], f"{', '.join(missing)} {verb} mandatory for new users.", row.cells)
        return None


def duplicate_error(row: ParsedRow, first_row: int) -> RowError:
    shown = phones.display(row.phone_number)
    return RowError(
        row.number, "Phone Number", f"{shown} already appears on row {first_row}; only that row counts.", row.cells
    )
