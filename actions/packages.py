"""Reading a custom Action package: a .zip whose manifest.json says what it is.

The archive is inspected in memory and never extracted: only its table of contents
and the manifest are read, each with a bound, so a crafted archive (a zip bomb,
paths like ``../x``, a huge manifest) costs nothing and is refused with a reason
people can act on.
"""

import json
import re
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
        with zipfile.ZipFile(file) as archive:
            manifest = _read_manifest(archive)
    except InvalidPackage:
        raise  # a ValueError too: the reason is already the right one
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError):
        raise InvalidPackage("The package is not a valid .zip file.") from None
    except (zlib.error, ValueError, OSError):
        raise InvalidPackage("The package is damaged: its manifest.json cannot be unpacked. Zip it again.") from None
    except NotImplementedError:
        raise InvalidPackage("The package is compressed in a way this portal cannot read; zip it again.") from None
    finally:
        file.seek(0)
    return _validated(manifest)


def _read_manifest(archive: zipfile.ZipFile) -> bytes:
    entries = archive.infolist()
    if len(entries) > settings.ACTION_PACKAGE_MAX_FILES:
        raise InvalidPackage(f"The package holds {len(entries)} files; at most {settings.ACTION_PACKAGE_MAX_FILES}.")
    for entry in entries:
        if entry.filename.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", entry.filename):
            raise InvalidPackage(f"The package contains a file with an unsafe path: {entry.filename[:100]}")
        if entry.flag_bits & 0x1:
            raise InvalidPackage("The package contains encrypted files; upload it without a password.")
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > settings.ACTION_PACKAGE_MAX_UNPACKED_BYTES:
        raise InvalidPackage(
            f"The package unpacks to {filesizeformat(unpacked)}; at most "
            f"{filesizeformat(settings.ACTION_PACKAGE_MAX_UNPACKED_BYTES)}."
        )
    try:
        entry = archive.getinfo(MANIFEST_NAME)
    except KeyError:
        raise InvalidPackage(f"The package has no {MANIFEST_NAME} at its top level.") from None
    limit = settings.ACTION_MANIFEST_MAX_BYTES
    if entry.file_size > limit:
        raise InvalidPackage(f"{MANIFEST_NAME} is larger than {filesizeformat(limit)}.")
    # The size in the table of contents is the archive's own claim: read no more than the limit anyway.
    with archive.open(entry) as manifest:
        content = manifest.read(limit + 1)
    if len(content) > limit:
        raise InvalidPackage(f"{MANIFEST_NAME} is larger than {filesizeformat(limit)}.")
    return content


def _validated(content: bytes) -> Package:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidPackage(f"{MANIFEST_NAME} is not UTF-8 text.") from None
    # No database stores a NUL character in text, written as such or as \u0000 in JSON.
    if "\x00" in text or "\\u0000" in text:
        raise InvalidPackage(f"{MANIFEST_NAME} holds a NUL character; the file may be damaged.")
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidPackage(f"{MANIFEST_NAME} is not valid JSON (line {error.lineno}: {error.msg}).") from None
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
