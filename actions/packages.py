"""Reading a custom Action package: a .zip whose manifest.json says what it is.

The archive is inspected in memory and never extracted. Every file in it is unpacked
once, in small chunks that are counted and thrown away, so a crafted archive (a zip
bomb, a size in its table of contents that lies, paths like ``../x`` or ``C:\\x``,
links, a huge or deeply nested manifest) costs little and is refused with a reason
people can act on.
"""

import copy
import json
import math
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.template.defaultfilters import filesizeformat

MANIFEST_NAME = "manifest.json"
# Dotted numbers with an optional pre-release or build suffix: 1, 1.2, 1.2.3, 2.0.0-beta.1.
VERSION_PATTERN = re.compile(r"^\d+(\.\d+){0,2}([-+][0-9A-Za-z.-]+)?$")
NAME_MAX_LENGTH = 200
VERSION_MAX_LENGTH = 50
# Far deeper than any real manifest, and far from Python's recursion limit, which the JSON
# encoder meets again when the manifest is saved.
MANIFEST_MAX_DEPTH = 64
# Python's zipfile unpacks bzip2 and LZMA entries without a bound on the output of one read
# (a few hundred bytes of bzip2 become hundreds of megabytes): only these two are unpacked.
READABLE_COMPRESSIONS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
UNPACK_CHUNK_BYTES = 64 * 1024
# A drive (C:) starts a path anywhere on a Windows machine, even without a slash after it.
DRIVE_LETTER = re.compile(r"^[A-Za-z]:")


class InvalidPackage(ValueError):
    """A package file that is refused; the message is shown to the person who uploaded it."""


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    description: str
    manifest: dict


def read_package(file: IO[bytes], *, size: int) -> Package:
    """Validate the package in ``file`` (``size`` bytes long) and return what its manifest says."""
    if size > settings.ACTION_PACKAGE_MAX_BYTES:
        raise InvalidPackage(
            f"The package is {filesizeformat(size)}; the largest accepted is "
            f"{filesizeformat(settings.ACTION_PACKAGE_MAX_BYTES)}."
        )
    if size == 0:
        raise InvalidPackage("The package file is empty.")
    try:
        try:
            archive = zipfile.ZipFile(file)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError, NotImplementedError):
            # ValueError or OSError: a name flagged as UTF-8 that is not, or an offset before the file's start;
            # NotImplementedError: a zip version newer than Python reads.
            raise InvalidPackage("The package is not a valid .zip file.") from None
        with archive:
            manifest = _read_manifest(archive)
    finally:
        file.seek(0)
    return _validated(manifest)


def _read_manifest(archive: zipfile.ZipFile) -> bytes:
    entries = archive.infolist()
    if len(entries) > settings.ACTION_PACKAGE_MAX_FILES:
        raise InvalidPackage(f"The package holds {len(entries)} files; at most {settings.ACTION_PACKAGE_MAX_FILES}.")
    seen = set()
    for entry in entries:
        _check_entry(entry)
        # Two files of one name: this portal would check the last, another unzip tool might use the first.
        if entry.filename in seen:
            raise InvalidPackage(f"The package contains two files named {entry.filename[:100]}")
        seen.add(entry.filename)
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > settings.ACTION_PACKAGE_MAX_UNPACKED_BYTES:
        raise InvalidPackage(
            f"The package unpacks to {filesizeformat(unpacked)}; at most "
            f"{filesizeformat(settings.ACTION_PACKAGE_MAX_UNPACKED_BYTES)}."
        )
    try:
        manifest_entry = archive.getinfo(MANIFEST_NAME)
    except KeyError:
        raise InvalidPackage(f"The package has no {MANIFEST_NAME} at its top level.") from None
    limit = settings.ACTION_MANIFEST_MAX_BYTES
    if manifest_entry.file_size > limit:
        raise InvalidPackage(f"{MANIFEST_NAME} is larger than {filesizeformat(limit)}.")
    # The sizes above are the archive's own claims. Unpacking every file proves them, and as no
    # file may unpack past its claim, the package as a whole stays within the limits just checked.
    manifest = b""
    for entry in entries:
        content = _unpacked(archive, entry, keep=entry is manifest_entry)
        if entry is manifest_entry:
            manifest = content
    return manifest


def _check_entry(entry: zipfile.ZipInfo) -> None:
    name = entry.filename
    if (
        name.startswith("/")
        or "\\" in name  # a folder separator on Windows, where ..\x and \\server\x are paths too
        or DRIVE_LETTER.match(name)
        or ".." in name.split("/")
    ):
        raise InvalidPackage(f"The package contains a file with an unsafe path: {name[:100]}")
    # Unix zip tools keep a file's mode in the upper half of its external attributes, and unzip
    # recreates a link from it: one pointing to /etc/passwd would be followed by whoever unpacks.
    if stat.S_ISLNK(entry.external_attr >> 16):
        raise InvalidPackage(f"The package contains a link instead of a file: {name[:100]}")
    if entry.flag_bits & 0x1:
        raise InvalidPackage("The package contains encrypted files; upload it without a password.")
    if entry.compress_type not in READABLE_COMPRESSIONS:
        raise InvalidPackage("The package is compressed in a way this portal cannot read; zip it again.")


def _unpacked(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, *, keep: bool) -> bytes:
    """Unpack ``entry`` in chunks, checking it holds exactly the bytes it claims; its content if ``keep``.

    Python's zipfile stops reading at the claimed size; other unzip tools may not: a 60 MB file
    claiming 1 KB would pass here and unpack whole elsewhere. So it is opened as if it claimed one
    byte more, and unpacking stops as soon as it goes past the claim.
    """
    name = entry.filename[:100]
    one_byte_more = copy.copy(entry)
    one_byte_more.file_size = entry.file_size + 1
    size, chunks = 0, []
    try:
        with archive.open(one_byte_more) as data:
            while size <= entry.file_size and (chunk := data.read(UNPACK_CHUNK_BYTES)):
                size += len(chunk)
                if keep:
                    chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError):
        # A wrong checksum or local header, or compressed data that breaks off or does not inflate.
        raise InvalidPackage(f"The package is damaged: its {name} cannot be unpacked. Zip it again.") from None
    except NotImplementedError:
        raise InvalidPackage("The package is compressed in a way this portal cannot read; zip it again.") from None
    if size != entry.file_size:
        raise InvalidPackage(
            f"The package is damaged: its {name} does not unpack to the size the archive gives. Zip it again."
        )
    return b"".join(chunks)


def _validated(content: bytes) -> Package:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidPackage(f"{MANIFEST_NAME} is not UTF-8 text.") from None
    # No database stores a NUL character in text, written as such or as \u0000 in JSON.
    if "\x00" in text or "\\u0000" in text:
        raise InvalidPackage(f"{MANIFEST_NAME} holds a NUL character; the file may be damaged.")
    try:
        manifest = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except json.JSONDecodeError as error:
        raise InvalidPackage(f"{MANIFEST_NAME} is not valid JSON (line {error.lineno}: {error.msg}).") from None
    except RecursionError:
        raise InvalidPackage(_too_deep()) from None
    except ValueError:
        # Python reads no integer of more than 4,300 digits; NaN and Infinity come from the hooks above.
        raise InvalidPackage(
            f"{MANIFEST_NAME} is not valid JSON (it holds NaN, Infinity or a number too large to read)."
        ) from None
    _check_storable(manifest)
    if not isinstance(manifest, dict):
        raise InvalidPackage(f"{MANIFEST_NAME} must hold a JSON object with a name and a version.")
    problems = []
    name = manifest.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append('"name" is missing or not a text')
    elif len(name.strip()) > NAME_MAX_LENGTH:
        problems.append(f'"name" is longer than {NAME_MAX_LENGTH} characters')
    version = manifest.get("version")
    if not isinstance(version, str) or not version.strip():
        problems.append('"version" is missing or not a text')
    elif len(version) > VERSION_MAX_LENGTH or not VERSION_PATTERN.match(version.strip()):
        problems.append('"version" must look like 1.0 or 1.2.3')
    description = manifest.get("description", "")
    if not isinstance(description, str):
        problems.append('"description" must be a text')
    if problems:
        raise InvalidPackage(f"{MANIFEST_NAME}: {'; '.join(problems)}.")
    return Package(name=name.strip(), version=version.strip(), description=description.strip(), manifest=manifest)


def _refuse_constant(constant: str):
    # Python's JSON reader takes NaN and Infinity, which are not JSON and which no database stores.
    raise ValueError(constant)


def _finite_float(text: str) -> float:
    number = float(text)
    if math.isinf(number):  # 1e999 is Infinity again
        raise ValueError(text)
    return number


def _too_deep() -> str:
    return f"{MANIFEST_NAME} is not valid JSON (lists or objects nested more than {MANIFEST_MAX_DEPTH} deep)."


def _check_storable(manifest) -> None:
    """Refuse what json.loads reads but the database cannot store; walked without recursion."""
    pending = [(manifest, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                # A lone \ud800 is half of a character: no UTF-8 text, so no database text, holds it.
                raise InvalidPackage(
                    f"{MANIFEST_NAME} holds half of a \\u escape pair (a lone surrogate); the file may be damaged."
                ) from None
            continue
        if isinstance(value, dict):
            children = [*value.keys(), *value.values()]
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > MANIFEST_MAX_DEPTH:
            raise InvalidPackage(_too_deep())
        pending.extend((child, depth + 1) for child in children)
