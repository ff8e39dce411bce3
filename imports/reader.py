"""Reading the files people really upload, one row at a time.

CSV in UTF-8 (with or without BOM), UTF-16 with BOM or Windows-1252; comma, semicolon
or tab delimited; quoted fields with commas and newlines. Excel workbooks (.xlsx),
first sheet. Rows are streamed: a file is never held in memory whole.
"""

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SNIFF_BYTES = 64 * 1024
# Python's csv module stops at a cell over 128 KiB with an error that would end the whole
# file; read any cell instead, and let the row's limits (imports.limits) reject that row.
FIELD_SIZE_LIMIT = 1024 * 1024 * 1024
_MARKERS = re.compile(r"\s*(\*|\(mandatory\)|\(required\))\s*$", re.IGNORECASE)


class UnreadableFile(Exception):
    """Raised with a message for the person who uploaded the file."""


def normalise_header(cell) -> str:
    """ "  Phone  NUMBER *" -> "phone number": case, spacing and mandatory markers do not matter."""
    text = " ".join(str(cell or "").replace("\ufeff", "").split())
    return _MARKERS.sub("", text).casefold()


@dataclass
class Sheet:
    header: list[str]  # normalised
    raw_header: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (row number in the file, header row being 1, cells)
    close: callable

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# Encodings other than Unicode that an admin may tell the upload page a CSV file is in.
LEGACY_ENCODINGS = {
    "cp1252": "Western European (Windows-1252)",
    "cp1250": "Central European (Windows-1250)",
    "cp1251": "Cyrillic (Windows-1251)",
    "cp1253": "Greek (Windows-1253)",
    "cp1254": "Turkish (Windows-1254)",
    "cp1256": "Arabic (Windows-1256)",
    "cp874": "Thai (Windows-874)",
    "cp932": "Japanese (Shift-JIS)",
    "gb18030": "Chinese, simplified (GB18030)",
    "big5": "Chinese, traditional (Big5)",
    "cp949": "Korean (Windows-949)",
    "iso8859_1": "Latin-1 (ISO-8859-1)",
}
UNICODE_ENCODINGS = {"utf-8": "Unicode (UTF-8)", "utf-8-sig": "Unicode (UTF-8)", "utf-16": "Unicode (UTF-16)"}


def encoding_label(encoding: str) -> str:
    return UNICODE_ENCODINGS.get(encoding) or LEGACY_ENCODINGS.get(encoding) or encoding


def guess_legacy_encoding(sample: bytes) -> str:
    """The likeliest of LEGACY_ENCODINGS for text that is not Unicode."""
    from charset_normalizer import from_bytes

    candidates = [match.encoding for match in from_bytes(sample)]
    if "cp1252" in candidates:
        return "cp1252"  # what Excel saves CSV in on most Windows machines, when the text allows it
    return next((candidate for candidate in candidates if candidate in LEGACY_ENCODINGS), "cp1252")


def sniff_encoding(data: bytes) -> str:
    """The encoding of an upload, from its first bytes: a Unicode one, or the likeliest legacy one."""
    sample = data[:SNIFF_BYTES]
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        # Not final unless the file ends here: a character cut by the sample's end is fine.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=len(data) <= SNIFF_BYTES)
    except UnicodeDecodeError:
        return guess_legacy_encoding(sample)
    return "utf-8"


def open_sheet(path: Path, file_format: str, encoding: str = "") -> Sheet:
    """The file's sheet; a CSV file read in ``encoding`` when the uploader chose one, else as detected."""
    if file_format == "xlsx":
        return _open_xlsx(path)
    return _open_csv(path, encoding)


def detect_encoding(path: Path) -> str:
    with open(path, "rb") as raw:
        start = raw.read(4)
        if start.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        raw.seek(0)
        # Valid UTF-8 all the way through, or else the Windows code page Excel saves in.
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := raw.read(1024 * 1024):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def _open_csv(path: Path, encoding: str = "") -> Sheet:
    encoding = encoding or detect_encoding(path)
    try:
        text = open(path, encoding=encoding, newline="", errors="strict")
        sample = text.read(SNIFF_BYTES)
    except UnicodeError:
        raise UnreadableFile("The file is not text in a known encoding (UTF-8, UTF-16 or Windows-1252).") from None
    if "\x00" in sample:
        text.close()
        raise UnreadableFile("The file looks binary, not CSV text. Save it as CSV and upload it again.")
    text.seek(0)
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_SIZE_LIMIT))
    first_line = sample.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first_line.count)
    reader = csv.reader(text, delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as error:
        text.close()
        raise UnreadableFile(f"The first row cannot be read as CSV ({error}).") from None
    if not header:
        text.close()
        raise UnreadableFile("The file is empty.")

    def rows():
        number = 1
        try:
            for cells in reader:
                number += 1
                yield number, cells
        except csv.Error as error:
            raise UnreadableFile(f"Row {number + 1} cannot be read as CSV ({error}).") from None
        except UnicodeDecodeError:
            raise UnreadableFile(
                f"Row {number + 1} is not text in the file's encoding ({encoding}): the file may be damaged."
            ) from None

    raw = [str(c).lstrip("\ufeff") for c in header]
    return Sheet(header=[normalise_header(c) for c in raw], raw_header=raw, rows=rows(), close=text.close)


def _open_xlsx(path: Path) -> Sheet:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise UnreadableFile("The file is not a readable Excel workbook (.xlsx).") from None
    try:
        values = workbook.worksheets[0].iter_rows(values_only=True)
        header = next(values, None)
    except Exception:
        workbook.close()
        raise UnreadableFile("The workbook's first sheet cannot be read: the file may be damaged.") from None
    if not header:
        workbook.close()
        raise UnreadableFile("The workbook's first sheet is empty.")

    def rows():
        number = 1
        try:
            for number, cells in enumerate(values, start=2):
                yield number, [_cell_text(cell) for cell in cells]
        except Exception:  # the sheet's XML is parsed as the rows are read: damage shows up here
            raise UnreadableFile(
                f"Row {number + 1} of the workbook cannot be read: the file may be damaged. "
                "Open it in Excel and save it again, or save it as CSV."
            ) from None

    raw = [_cell_text(c) for c in header]
    return Sheet(header=[normalise_header(c) for c in raw], raw_header=raw, rows=rows(), close=workbook.close)


def _cell_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if hasattr(cell, "isoformat"):
        return cell.isoformat()
    return str(cell)


def sniff_header(data: bytes, file_format: str, encoding: str = "") -> list[str]:
    """The header of an upload's first bytes, for the upload form's cheap checks."""
    if file_format == "xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            header = next(workbook.worksheets[0].iter_rows(values_only=True, max_row=1), None)
            workbook.close()
        except Exception:
            raise UnreadableFile("The file is not a readable Excel workbook (.xlsx).") from None
        return [normalise_header(c) for c in header or []]
    text = _decode_sample(data[:SNIFF_BYTES], complete=len(data) <= SNIFF_BYTES, encoding=encoding)
    if "\x00" in text:
        raise UnreadableFile("The file looks binary, not CSV text. Save it as CSV and upload it again.")
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first_line.count)
    try:
        header = next(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter), [])
    except csv.Error as error:
        raise UnreadableFile(f"The first row cannot be read as CSV ({error}).") from None
    return [normalise_header(c) for c in header]


def _decode_sample(sample: bytes, *, complete: bool, encoding: str = "") -> str:
    if encoding:
        encodings = [encoding]
    elif sample.startswith(codecs.BOM_UTF8):
        encodings = ["utf-8-sig"]
    elif sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8", "cp1252"]
    for encoding in encodings:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            # Not final unless the file ends here: a character cut by the sample's end is fine.
            return decoder.decode(sample, final=complete)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("The file is not text in a known encoding (UTF-8, UTF-16 or Windows-1252).")
