"""Keeping spreadsheets from running cell text as formulas, and reading such cells back.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as
a formula by Excel, LibreOffice and Google Sheets when the file is opened (OWASP's "CSV
injection"). Exports prefix such text with an apostrophe; imports drop exactly that
apostrophe again, so that export -> edit -> import gives back the text that was exported.

For the two to undo each other for every text, text that already starts with
apostrophes before such a character (``'=x``) gets one more apostrophe too; the import
takes off one, never more.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_GUARDED_STARTS = frozenset("=+-@\t\r'")


def _looks_like_formula(text: str) -> bool:
    return text.lstrip("'").startswith(FORMULA_STARTS)


def neutralise(text: str) -> str:
    """``text`` as a cell a spreadsheet shows as text rather than running it."""
    if text[:1] in _GUARDED_STARTS and _looks_like_formula(text):
        return "'" + text
    return text


def restore(cell: str) -> str:
    """The text that ``neutralise`` turned into ``cell``; any other cell as it is."""
    if cell[:1] == "'" and _looks_like_formula(cell[1:]):
        return cell[1:]
    return cell


class GuardedWriter:
    """The one way the portal writes CSV: ``csv.writer`` with every text cell guarded, headers included.

    Headers hold the organization's own text (attribute names, a file's header row), as
    much as the rows do.
    """

    def __init__(self, out):
        self._writer = csv.writer(out)

    def writerow(self, row):
        # Only text starting like a formula goes through neutralise: most cells are looked at once.
        return self._writer.writerow(
            [neutralise(cell) if isinstance(cell, str) and cell[:1] in _GUARDED_STARTS else cell for cell in row]
        )

    def writerows(self, rows) -> None:
        for row in rows:
            self.writerow(row)

    def writerows_guarded(self, rows) -> None:
        """Rows whose every text cell the caller has passed through ``neutralise`` already.

        For the export, which knows each column's type and writes a million rows: at
        csv.writer's own speed. tests/test_csv_downloads.py reads every download back.
        """
        self._writer.writerows(rows)


def csv_lines(rows: Iterable[Sequence], *, chunk_characters: int = 64 * 1024) -> Iterator[str]:
    """``rows`` written by a ``GuardedWriter``, a chunk at a time, for a download streamed as it is read.

    A BOM comes first, so that Excel reads the file as UTF-8.
    """
    out = io.StringIO()
    out.write("\ufeff")
    writer = GuardedWriter(out)
    for row in rows:
        writer.writerow(row)
        if out.tell() > chunk_characters:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()
