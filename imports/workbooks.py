"""What an Excel workbook must stay within before anything parses it.

An .xlsx is a zip of XML. openpyxl reads the shared strings of a workbook (every distinct
text of its cells) into memory whole, even in its read-only mode: a 414 KB upload whose
sharedStrings.xml held ten million tiny strings took a gigabyte and minutes. So the parts
are decompressed here first, as a stream, counting what they really hold (never trusting
the sizes the zip declares), and a workbook past a limit is refused before it is parsed.
"""

import zipfile
import zlib
from dataclasses import dataclass

SHARED_STRINGS = "xl/sharedStrings.xml"
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class WorkbookLimits:
    max_uncompressed_bytes: int
    max_shared_strings: int
    max_parts: int = 10_000


class WorkbookTooLarge(Exception):
    """The workbook holds more than the import reads; the message says what."""


def check(source, limits: WorkbookLimits) -> None:
    """Raise ``WorkbookTooLarge`` if the workbook at ``source`` (a path or a file) goes past ``limits``.

    A file that is not a zip is left to the parser, which says it is not a workbook.
    """
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError):
        return
    with archive:
        parts = archive.infolist()
        if len(parts) > limits.max_parts:
            raise WorkbookTooLarge(
                f"The workbook has {len(parts):,} parts; an import reads at most {limits.max_parts:,}."
            )
        total = 0
        for part in parts:
            counting_strings = part.filename == SHARED_STRINGS
            strings, tail = 0, b""
            try:
                with archive.open(part) as stream:
                    while chunk := stream.read(_CHUNK):
                        total += len(chunk)
                        if total > limits.max_uncompressed_bytes:
                            raise WorkbookTooLarge(
                                f"The workbook unpacks to more than {limits.max_uncompressed_bytes // 2**20:,} MB; "
                                "split it, or save it as CSV."
                            )
                        if counting_strings:
                            # "<si>" or "<si " opens each shared string. A chunk may cut one in two:
                            # the last 3 bytes of the one before complete it, and hold no whole one.
                            window = tail + chunk
                            strings += window.count(b"<si>") + window.count(b"<si ")
                            tail = chunk[-3:]
                            if strings > limits.max_shared_strings:
                                raise WorkbookTooLarge(
                                    f"The workbook holds more than {limits.max_shared_strings:,} different texts; "
                                    "split it, or save it as CSV."
                                )
            except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, NotImplementedError):
                return  # damaged: the parser says so
