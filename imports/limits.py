"""What one row of an import may hold. A row beyond it is rejected with the reason; the rest goes on.

The limits keep one odd row (a runaway quoted cell, a line of ten thousand commas, a
damaged byte) from failing a whole file or filling the error log, and keep every value
within what the database stores (a name has 200 characters at most; PostgreSQL stores
no NUL character).

Plain Python like the parser that calls it (no Django): big files are parsed in a
process of their own. The import passes the settings in through ``RowLimits``.
"""

from dataclasses import dataclass

# What the error log keeps of a row rejected for its size.
SHOWN_COLUMNS, SHOWN_CHARACTERS = 50, 100


@dataclass(frozen=True)
class RowLimits:
    max_columns: int = 500  # IMPORT_MAX_COLUMNS
    max_characters: int = 10_000  # IMPORT_MAX_CELL_CHARACTERS
    name_max_length: int = 200  # OrganizationUser.name's max_length


def row_problem(cells: list[str], *, name_index: int, limits: RowLimits) -> tuple[str, str] | None:
    """(column, reason) when the row is beyond the limits, else None."""
    max_columns, max_characters, max_name = limits.max_columns, limits.max_characters, limits.name_max_length
    if len(cells) > max_columns:
        return "", f"The row has {len(cells):,} cells; a row may have at most {max_columns:,}."
    for index, cell in enumerate(cells):
        if len(cell) > max_characters:
            return _column(index), f"The cell has {len(cell):,} characters; a cell may have at most {max_characters:,}."
        if "\x00" in cell:
            return _column(index), "The cell holds a NUL character: the file may be damaged. Save it as CSV again."
    if name_index < len(cells) and len(name := cells[name_index].strip()) > max_name:
        return "Name", f"The name has {len(name):,} characters; a name may have at most {max_name}."
    return None


def _column(index: int) -> str:
    return f"Column {index + 1}"


def shown(cells: list[str]) -> list[str]:
    """The start of a row too big to keep whole in the error log, readable in any database."""
    return [
        cell[:SHOWN_CHARACTERS].replace("\x00", "\ufffd") + ("…" if len(cell) > SHOWN_CHARACTERS else "")
        for cell in cells[:SHOWN_COLUMNS]
    ]
